package store

import (
	"encoding/json"
	"reflect"
	"testing"
)

var answerSeeds = []string{
	`{}`,
	`{"I1":{"v":{"point":4},"c":"kurz","s":2,"f":1793523600123,"l":1793610000000,"r":1}}`,
	`{"I1":{"v":{"criteria":{"a":{"point":1},"b":{"abstain":true}}},"s":1,"f":1793523600000,"l":1793523600000},"I2":{"v":{"abstain":true},"s":3,"f":0,"l":0}}`,
	`{"I1":{"v":{"choice":"x"},"s":1,"f":1,"l":2},"I2":{"v":{"number":-1.5e3},"s":1,"f":1,"l":2},"I3":{"v":{"text":"t"},"j":"weil","s":1,"f":1,"l":2}}`,
	`{"I1":{"v":{"choices":["a","b"]},"s":1,"f":1,"l":2}}`,
	`{"I1":{"v":{"point":4},"s":1,"f":"2026-11-01T09:00:00.123Z","l":"2026-11-02T10:30:00Z"}}`,
	`{"I1":{"v":null,"c":"mit \"Zitat\" und ü","s":1,"f":1,"l":2}}`,
	` { "I1" : { "v" : { "Point" : 4 } , "s" : 1 } } `,
	`{"I1":{"v":{"point":4},"s":1},"I1":{"v":{"abstain":true},"s":2}}`,
	`{"I1":{"v":{"point":4.0},"s":1}}`,
	`{"I1":{"v":{"number":01},"s":1}}`,
	`{"I1":{"v":{"number":.5},"s":1}}`,
	`{"I1":{"v":{"number":+5},"s":1}}`,
	`{"I1":{"v":{"point":4},"s":1}} x`,
	`{"I1":{"v":{"point":4},"s":1},}`,
	`{"I1":{"v":{"point":4},"s":null,"c":null}}`,
	`{"I1":{"v":{"abstain":false,"point":-2},"s":9223372036854775807}}`,
	`null`,
	`[]`,
	``,
}

// decodeAnswers gives exactly what json.Unmarshal gives, or an error where
// json.Unmarshal fails.
func checkDecodeAnswers(t *testing.T, s string) {
	got, gotErr := decodeAnswers(s)
	want := map[string]readAnswer{}
	wantErr := json.Unmarshal([]byte(s), &want)
	if (gotErr != nil) != (wantErr != nil) {
		t.Fatalf("%q: error %v, json.Unmarshal: %v", s, gotErr, wantErr)
	}
	if wantErr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n got %+v\nwant %+v", s, got, want)
	}
}

func TestDecodeAnswersMatchesJSON(t *testing.T) {
	for _, s := range answerSeeds {
		checkDecodeAnswers(t, s)
	}
}

func FuzzDecodeAnswers(f *testing.F) {
	for _, s := range answerSeeds {
		f.Add(s)
	}
	f.Fuzz(checkDecodeAnswers)
}
