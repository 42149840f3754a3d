package store

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

func ip(n int) *int         { return &n }
func fp(f float64) *float64 { return &f }
func ms(n int64) time.Time  { return fromUnixMs(n) }
func decode2(s string) (map[string]storedAnswer, error) {
	return (&responseDoc{Answers: encAnswers(s)}).answers()
}

// normal is what a JSON round trip makes of a (format 1 semantics: empty
// maps and slices are left out, invalid UTF-8 becomes U+FFFD), with the
// times as format 2 keeps them.
func normal(t *testing.T, a storedAnswer) storedAnswer {
	t.Helper()
	var out storedAnswer
	b, err := json.Marshal(struct {
		V    delphi.Value
		C, J string
	}{a.Value, a.Comment, a.Justification})
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		V    delphi.Value
		C, J string
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	out.Value, out.Comment, out.Justification = back.V, back.C, back.J
	out.Seq, out.Revisions = a.Seq, a.Revisions
	out.FirstSavedAt = fromUnixMs(unixMs(a.FirstSavedAt))
	out.LastSavedAt = fromUnixMs(unixMs(a.LastSavedAt))
	if unixMs(a.LastSavedAt) == 0 || unixMs(a.LastSavedAt) == unixMs(a.FirstSavedAt) {
		out.LastSavedAt = out.FirstSavedAt
	}
	return out
}

// roundTrip checks that m reads back from format 2 and from format 3 as
// written, and returns the format 2 text.
func roundTrip(t *testing.T, m map[string]storedAnswer) string {
	t.Helper()
	enc, err := formatAnswers(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decode2(enc)
	if err != nil {
		t.Fatalf("decode %s: %v", enc, err)
	}
	z, err := deflateAnswers(enc, len(m))
	if err != nil {
		t.Fatal(err)
	}
	got3, err := (&responseDoc{Answers: z}).answers()
	if err != nil || !reflect.DeepEqual(got3, got) {
		t.Fatalf("format 3 of %s reads back as %+v, %v", enc, got3, err)
	}
	want := map[string]storedAnswer{}
	for id, a := range m {
		b, _ := json.Marshal(id)
		var nid string
		if err := json.Unmarshal(b, &nid); err != nil {
			t.Fatal(err)
		}
		want[nid] = normal(t, a)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got %+v\nwant %+v", enc, got, want)
	}
	return enc
}

// The format as documented in answers_codec.go.
func TestAnswersFormat(t *testing.T) {
	m := map[string]storedAnswer{
		"I2": {Value: delphi.Value{Criteria: map[string]delphi.Value{"b": {Abstain: true}, "a": {Point: ip(1)}}}, Seq: 1,
			FirstSavedAt: ms(1793523600000), LastSavedAt: ms(1793610000000), Revisions: 1, Comment: "kurz"},
		"I1": {Value: delphi.Value{Point: ip(4)}, Seq: 3, FirstSavedAt: ms(1793523600000), LastSavedAt: ms(1793523600000)},
		"I3": {Value: delphi.Value{Choice: "x"}, Seq: 2},
		"I4": {Value: delphi.Value{Choices: []string{"x", "y"}}, Seq: 1, Justification: "weil"},
		"I5": {Value: delphi.Value{Number: fp(1.5)}, Seq: 1},
		"I6": {Seq: 7, Comment: "nur ein Kommentar"},
		"I7": {Value: delphi.Value{Text: "frei 'zitiert'"}, Seq: 2},
	}
	want := `{'I1':[4,3,1793523600000],'I2':[{'a':1,'b':true},1,1793523600000,1793610000000,1,'kurz'],'I3':['x',2],` +
		`'I4':[['x','y'],1,0,0,0,'','weil'],'I5':[[{'number':1.5}],1],'I6':[null,7,0,0,0,'nur ein Kommentar'],'I7':[t'frei \'zitiert\'',2]}`
	if got := roundTrip(t, m); got != want {
		t.Fatalf("encoded\n%s\nwant\n%s", got, want)
	}
}

func TestAnswersRoundTrip(t *testing.T) {
	texts := []string{"", "Ärger über „Zitate“ und 'Apostrophe' und \"Anführung\"", `back\slash \' \"`, "Zeile 1\nZeile 2\r\n\tTab",
		"\x00\x01\x1f\x7f", "<b>&amp;</b>", "ungültig \xff\xfe", "=SUM(A1)", "'", "\\", "\u2028\u2029", "🙂"}
	for _, s := range texts {
		roundTrip(t, map[string]storedAnswer{
			s + "id": {Value: delphi.Value{Choice: s}, Comment: s, Justification: s, Seq: 1},
			"c":      {Value: delphi.Value{Criteria: map[string]delphi.Value{s + "k": {Choices: []string{s, "b"}}}}, Seq: 2},
			"t":      {Value: delphi.Value{Text: s}, Seq: 3},
		})
	}
	values := []delphi.Value{
		{}, {Point: ip(0)}, {Point: ip(-3)}, {Abstain: true}, {Point: ip(2), Abstain: true}, {Number: fp(-1.5e300)},
		{Number: fp(0)}, {Criteria: map[string]delphi.Value{}}, {Choices: []string{}}, {Choices: []string{""}},
		{Criteria: map[string]delphi.Value{"a": {}, "b": {Criteria: map[string]delphi.Value{"c": {Point: ip(9)}}}}},
		{Criteria: map[string]delphi.Value{"a": {Number: fp(2)}, "b": {Abstain: true, Point: ip(1)}}},
		{Choice: "x", Choices: []string{"y"}}, {Text: "frei", Point: ip(1)},
	}
	for i, v := range values {
		roundTrip(t, map[string]storedAnswer{"I": {Value: v, Seq: int64(i)}})
	}
	for _, times := range [][2]int64{{0, 0}, {0, 5}, {5, 0}, {5, 5}, {-1000, 7}, {1793523600123, 1793523600124}} {
		roundTrip(t, map[string]storedAnswer{"I": {Value: delphi.Value{Point: ip(1)}, Seq: -1, FirstSavedAt: ms(times[0]), LastSavedAt: ms(times[1]), Revisions: 3}})
	}
	roundTrip(t, map[string]storedAnswer{})
}

func TestAnswersDecodeErrors(t *testing.T) {
	for _, s := range []string{``, `{`, `{'I1'}`, `{'I1':[4]}`, `{'I1':[4,1,2,3,4,'c','j',5]}`, `{'I1':[4,1]} `, `{'I1':[4,1],}`,
		`{'I1':[x,1]}`, `{'I1':[4,1,'a']}`, `{'I1':[[{'point':'a'}],1]}`, `{'I1':['a\q',1]}`, `{'I1':[99999999999999999999,1]}`,
		`{'I1':[[{'point':1},1]}`, `{'I1:[4,1]}`, `{'I1':[{'a':1,},1]}`, `{'I1':[['a',1],1]}`, `[]`, `null`,
		`{'I1':[t,1]}`, `{'I1':[t'a,1]}`, `{'I1':[tx,1]}`, `{'I1':[tru,1]}`} {
		p := answersParser{s: s}
		if err := p.answers(func(string, storedAnswer) {}); err == nil {
			t.Errorf("%q decoded", s)
		}
	}
}

// Whatever encodeAnswers writes reads back as written.
func FuzzAnswersRoundTrip(f *testing.F) {
	f.Add("I1", "kurz", "x", 4, int64(1), int64(1793523600000), int64(0), uint8(0))
	f.Add("a'b", "\"'\\\n", "", -1, int64(-5), int64(0), int64(9), uint8(255))
	f.Fuzz(func(t *testing.T, id, text, choice string, point int, seq, first, last int64, kinds uint8) {
		var v delphi.Value
		if kinds&1 != 0 {
			v.Point = &point
		}
		if kinds&2 != 0 {
			v.Abstain = true
		}
		if kinds&4 != 0 {
			v.Choice = choice
		}
		if kinds&8 != 0 {
			v.Choices = []string{choice, text}
		}
		if kinds&16 != 0 {
			v.Criteria = map[string]delphi.Value{choice: {Point: &point}, text: {Choice: text}}
		}
		if kinds&32 != 0 {
			x := float64(point) / 7
			v.Number = &x
		}
		if kinds&64 != 0 {
			v.Text = text
		}
		a := storedAnswer{Value: v, Seq: seq, FirstSavedAt: ms(first % 1e15), LastSavedAt: ms(last % 1e15), Revisions: int(seq % 100)}
		if kinds&128 != 0 {
			a.Comment, a.Justification = text, choice
		}
		roundTrip(t, map[string]storedAnswer{id: a, id + "2": {Seq: 1}})
	})
}

// No input makes the reader panic; what it accepts, it writes back alike.
func FuzzAnswersDecode(f *testing.F) {
	for _, s := range []string{`{}`, `{'I1':[4,3,1793523600000],'I2':[{'a':1,'b':true},1,1,2,1,'kurz']}`,
		`{'I1':[[{'number':1.5}],1],'I2':[['x','y'],1,0,0,0,'','w\'e\nil']}`, `{'I1':[null,7]}`,
		`{'I1':[t'fr\'ei',7],'I2':[[{'text':'alt'}],1]}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := decode2(s)
		if err != nil {
			return
		}
		enc, err := formatAnswers(m)
		if err != nil {
			t.Fatal(err)
		}
		m2, err := decode2(enc)
		if err != nil || !reflect.DeepEqual(m2, m) && len(m) > 0 {
			t.Fatalf("%q → %s → %v, %v", s, enc, m2, err)
		}
	})
}

// Texts written before format 3 (in the [{…}] form) read as texts.
func TestAnswersOldTextForm(t *testing.T) {
	m, err := decode2(`{'T1':[[{'text':'Ärzte \'vor\' Ort'}],4]}`)
	if err != nil || m["T1"].Value.Text != "Ärzte 'vor' Ort" || m["T1"].Seq != 4 {
		t.Fatalf("decoded %+v, %v", m, err)
	}
	if enc, _ := formatAnswers(m); enc != `{'T1':[t'Ärzte \'vor\' Ort',4]}` {
		t.Fatalf("written again as %s", enc)
	}
}
