package delphi

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func f(x float64) *float64 { return &x }

func testDefinition() *Definition {
	pts := func(n int) []ScalePoint {
		var p []ScalePoint
		for i := 1; i <= n; i++ {
			p = append(p, ScalePoint{Value: i, Label: Text{"de": "x"}})
		}
		return p
	}
	opts := []Option{{ID: "a"}, {ID: "b"}, {ID: "c"}, {ID: "d"}}
	return &Definition{
		Scales: []Scale{
			{ID: "imp5", Points: pts(5), Abstain: &Abstain{Label: Text{"de": "kann ich nicht beurteilen"}}, Agreement: Band{4, 5}},
			{ID: "nine", Points: pts(9), Agreement: Band{7, 9}},
		},
		Sections: []Section{{ID: "s", Items: []Item{
			{ID: "r", Type: ItemRating, Scale: "imp5"},
			{ID: "r9", Type: ItemRating, Scale: "nine"},
			{ID: "m", Type: ItemMultiRating, Criteria: []Criterion{{ID: "importance", Scale: "imp5"}, {ID: "feasibility", Scale: "imp5"}}},
			{ID: "sc", Type: ItemSingleChoice, Options: opts},
			{ID: "mc", Type: ItemMultipleChoice, Options: opts, MaxChoices: 2},
			{ID: "rk", Type: ItemRanking, Options: opts},
			{ID: "top2", Type: ItemRanking, Options: opts, TopK: 2},
			{ID: "n", Type: ItemNumeric, Numeric: &Numeric{Min: f(0), Max: f(100), Integer: true}},
			{ID: "t", Type: ItemText, MaxLength: 10},
		}}},
	}
}

func TestParseValue(t *testing.T) {
	def := testDefinition()
	cases := []struct {
		item, raw string
		field     string // "" = valid
		check     func(Value) bool
	}{
		{"r", `4`, "", func(v Value) bool { p, ok := v.Rating(); return ok && p == 4 }},
		{"r", `"abstain"`, "", func(v Value) bool { _, ok := v.Rating(); return v.Abstain && !ok }},
		{"r", `6`, "value", nil},
		{"r", `0`, "value", nil},
		{"r", `4.5`, "value", nil},
		{"r", `"4"`, "value", nil},
		{"r", `{"$gt":0}`, "value", nil},
		{"r", `null`, "value", nil},
		{"r9", `"abstain"`, "value", nil}, // this scale has no abstain option
		{"r9", `9`, "", nil},
		{"m", `{"importance":5,"feasibility":"abstain"}`, "", func(v Value) bool { return v.Criteria["feasibility"].Abstain && *v.Criteria["importance"].Point == 5 }},
		{"m", `{"importance":5}`, "value.feasibility", nil},
		{"m", `{"importance":5,"feasibility":7}`, "value.feasibility", nil},
		{"m", `{"importance":5,"feasibility":3,"cost":2}`, "value.cost", nil},
		{"m", `5`, "value", nil},
		{"sc", `"b"`, "", func(v Value) bool { return v.Choice == "b" }},
		{"sc", `"z"`, "value", nil},
		{"sc", `["a"]`, "value", nil},
		{"mc", `["a","c"]`, "", func(v Value) bool { return len(v.Choices) == 2 }},
		{"mc", `[]`, "", nil},
		{"mc", `["a","b","c"]`, "value", nil},
		{"mc", `["a","a"]`, "value", nil},
		{"mc", `["x"]`, "value", nil},
		{"rk", `["d","c","b","a"]`, "", func(v Value) bool { return v.Choices[0] == "d" }},
		{"rk", `["d","c","b"]`, "value", nil},
		{"rk", `["d","c","b","b"]`, "value", nil},
		{"top2", `["c","a"]`, "", nil},
		{"top2", `["c"]`, "value", nil},
		{"top2", `["c","a","b"]`, "value", nil},
		{"n", `42`, "", func(v Value) bool { return *v.Number == 42 }},
		{"n", `101`, "value", nil},
		{"n", `-1`, "value", nil},
		{"n", `4.5`, "value", nil},
		{"n", `"42"`, "value", nil},
		{"t", `"  kurz  "`, "", func(v Value) bool { return v.Text == "kurz" }},
		{"t", `"zu lang für zehn"`, "value", nil},
		{"t", `"äöüäöüäöüä"`, "", nil}, // 10 characters, 20 bytes
	}
	for _, c := range cases {
		it, _ := def.Item(c.item)
		v, err := ParseValue(def, it, json.RawMessage(c.raw))
		if c.field == "" {
			if err != nil {
				t.Errorf("%s %s: unexpected error %v", c.item, c.raw, err)
			} else if c.check != nil && !c.check(v) {
				t.Errorf("%s %s: wrong value %+v", c.item, c.raw, v)
			}
			continue
		}
		e := AsError(err)
		if err == nil || e.Code != EINVALID || e.Field != c.field {
			t.Errorf("%s %s: want EINVALID on %q, got %v", c.item, c.raw, c.field, err)
		}
	}
}

func TestMarshalForRoundTrips(t *testing.T) {
	def := testDefinition()
	for _, c := range []struct{ item, raw string }{
		{"r", `4`}, {"r", `"abstain"`}, {"m", `{"feasibility":"abstain","importance":5}`}, {"sc", `"b"`},
		{"mc", `["a","c"]`}, {"rk", `["d","c","b","a"]`}, {"n", `42`}, {"t", `"kurz"`},
	} {
		it, _ := def.Item(c.item)
		v, err := ParseValue(def, it, json.RawMessage(c.raw))
		if err != nil {
			t.Fatal(err)
		}
		if got := string(v.MarshalFor(it)); got != c.raw {
			t.Errorf("%s: %s → %s", c.item, c.raw, got)
		}
	}
}

func TestCheckText(t *testing.T) {
	for _, c := range []struct {
		name, s string
		limit   TextLimit
		want    string // "" accepted, else a part of the message
	}{
		{"5000 characters", strings.Repeat("ä", MaxTextLength), LongText, ""},
		{"5001 characters", strings.Repeat("a", MaxTextLength+1), LongText, "longer than 5000 characters (5001)"},
		{"a name of 200", strings.Repeat("é", 200), LineText, ""},
		{"a name of 5,001", strings.Repeat("a", 5001), LineText, "longer than 200 characters"},
		{"NUL in a name", "Meier\x00", LineText, "control character (U+0000)"},
		{"NUL in a comment", "a\x00b", LongText, "control character (U+0000)"},
		{"escape", "a\x1b[31mb", NotesText, "control character (U+001B)"},
		{"DEL", "a\x7f", LongText, "control character (U+007F)"},
		{"C1", "a\u0085", LongText, "control character (U+0085)"},
		{"line break in a name", "Meier\nMüller", LineText, "single line"},
		{"tab in a name", "Meier\tMüller", LineText, "single line"},
		{"line breaks and tabs in notes", "eins\r\nzwei\tdrei", NotesText, ""},
		{"invalid UTF-8", "Meier\xff", NotesText, "not valid UTF-8"},
		{"emoji and accents", "Zoë 🌱 Ærø", LineText, ""},
	} {
		err := CheckText("f", c.s, c.limit)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (AsError(err).Code != EINVALID || AsError(err).Field != "f" || !strings.Contains(AsError(err).Message, c.want)):
			t.Errorf("%s: %v, want field f and %q", c.name, err, c.want)
		}
		if tooLong := errors.Is(err, ErrTextTooLong); tooLong != strings.Contains(c.want, "longer") {
			t.Errorf("%s: ErrTextTooLong %v", c.name, tooLong)
		}
	}
}

func TestErrorHelpers(t *testing.T) {
	if ErrorCode(nil) != "" || ErrorCode(FieldErrorf(ENOTFOUND, "x", "y")) != ENOTFOUND {
		t.Error("ErrorCode")
	}
	wrapped := Internal(json.Unmarshal([]byte("{"), new(any)))
	if ErrorCode(wrapped) != EINTERNAL || ErrorMessage(wrapped) != "internal error" || wrapped.Unwrap() == nil {
		t.Errorf("Internal: %v", wrapped)
	}
}
