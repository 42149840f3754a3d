package store

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// longAnswers are answers whose format 2 text is well above compressMin.
func longAnswers() map[string]storedAnswer {
	m := map[string]storedAnswer{}
	for i, id := range []string{"I1", "I2", "I3", "T1"} {
		m[id] = storedAnswer{Value: delphi.Value{Point: ip(i + 1)}, Seq: int64(i + 1), FirstSavedAt: ms(1793523600000), LastSavedAt: ms(1793523600000)}
	}
	m["T1"] = storedAnswer{Value: delphi.Value{Text: strings.Repeat("Die Kleinstadt braucht „Ärzte“ und 'Schulen'. ", 30)}, Seq: 9}
	return m
}

// encodeAnswers stores short texts in format 2 and long ones in format 3,
// as a BSON string and a BSON binary, and both read back as written.
func TestAnswersFormat3(t *testing.T) {
	short := map[string]storedAnswer{"I1": {Value: delphi.Value{Point: ip(4)}, Seq: 3}}
	enc, err := encodeAnswers(short)
	if err != nil || enc != "{'I1':[4,3]}" || enc.compressed() {
		t.Fatalf("short answers encoded as %q, %v", enc, err)
	}
	long := longAnswers()
	text, err := formatAnswers(long)
	if err != nil || len(text) < compressMin {
		t.Fatalf("format 2 of the long answers: %d bytes, %v", len(text), err)
	}
	z, err := encodeAnswers(long)
	if err != nil || !z.compressed() || len(z) > len(text)/3 {
		t.Fatalf("long answers encoded in %d bytes (format 2: %d), compressed %v, %v", len(z), len(text), z.compressed(), err)
	}
	if back, err := z.text(); err != nil || back != text {
		t.Fatalf("format 3 reads back as %q, %v", back, err)
	}
	if got := z.sizeHint(); got != len(long) {
		t.Fatalf("size hint %d", got)
	}

	for _, e := range []encAnswers{enc, z, ""} {
		b, err := bson.Marshal(responseDoc{ID: "x", Answers: e})
		if err != nil {
			t.Fatal(err)
		}
		raw := bson.Raw(b).Lookup("answers")
		switch {
		case e == "":
			if raw.Type != 0 {
				t.Fatalf("no answers stored as %v", raw.Type)
			}
		case e.compressed():
			if sub, data, ok := raw.BinaryOK(); !ok || sub != bson.TypeBinaryGeneric || string(data) != string(e) {
				t.Fatalf("format 3 stored as %v", raw)
			}
		default:
			if s, ok := raw.StringValueOK(); !ok || s != string(e) {
				t.Fatalf("format 2 stored as %v", raw)
			}
		}
		var d responseDoc
		if err := bson.Unmarshal(b, &d); err != nil || d.Answers != e {
			t.Fatalf("%q read back as %q, %v", e, d.Answers, err)
		}
	}
	// null reads as no answers; other types and binaries not in format 3 fail.
	for _, tc := range []struct {
		doc bson.D
		ok  bool
	}{
		{bson.D{{Key: "answers", Value: nil}}, true},
		{bson.D{{Key: "answers", Value: 3}}, false},
		{bson.D{{Key: "answers", Value: bson.Binary{Data: []byte("{}")}}}, false},
		{bson.D{{Key: "answers", Value: bson.Binary{Subtype: 0x80, Data: []byte(z)}}}, false},
	} {
		b, _ := bson.Marshal(tc.doc)
		var d responseDoc
		if err := bson.Unmarshal(b, &d); (err == nil) != tc.ok || d.Answers != "" {
			t.Errorf("%v read as %q, %v", tc.doc, d.Answers, err)
		}
	}
}

// A damaged format 3 is an error, never a panic or a wrong answer.
func TestAnswersFormat3Errors(t *testing.T) {
	z, err := deflateAnswers("{'I1':[4,3]}", 1)
	if err != nil {
		t.Fatal(err)
	}
	if z[1] != 12 || z[2] != 1 {
		t.Fatalf("header %q", z[:3])
	}
	for _, e := range []string{"\x03", "\x03\x0c", "\x03\x0c\x01", "\x03\xff", "\x03\x0c\xff", "\x03\x0d\x01" + string(z[3:]),
		"\x03\x0b\x01" + string(z[3:]), string(z[:len(z)-1]), "\x03\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f\x01" + string(z[3:])} {
		if text, err := encAnswers(e).text(); err == nil {
			t.Errorf("%q read as %q", e, text)
		}
		if _, err := (&responseDoc{ID: "x", Answers: encAnswers(e)}).answers(); err == nil || delphi.ErrorCode(err) != delphi.EINTERNAL {
			t.Errorf("%q: answers() = %v", e, err)
		}
	}
}

// No stored bytes make the format 3 reader panic; what it accepts, it
// writes back alike.
func FuzzAnswersDecode3(f *testing.F) {
	for _, m := range []map[string]storedAnswer{{}, longAnswers()} {
		text, _ := formatAnswers(m)
		z, _ := deflateAnswers(text, len(m))
		f.Add([]byte(z))
	}
	f.Add([]byte{formatDeflate, 2, 0, 1, 2, 0, 0xfd, 0xff, '{', '}'})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := (&responseDoc{Answers: encAnswers(b)}).answers()
		if err != nil {
			return
		}
		enc, err := encodeAnswers(m)
		if err != nil {
			t.Fatal(err)
		}
		m2, err := (&responseDoc{Answers: enc}).answers()
		if err != nil || !reflect.DeepEqual(m2, m) {
			t.Fatalf("%q → %q → %v, %v", b, enc, m2, err)
		}
	})
}

// BenchmarkAnswersCodec: what a save spends on the codec (decode the
// stored answers, encode them again) in format 2 and format 3, for the
// autosave benchmark's response (40 ratings with a short comment) and the
// export benchmark's (150 ratings and 10 texts of about 1,200 characters).
func BenchmarkAnswersCodec(b *testing.B) {
	small := map[string]storedAnswer{}
	for i := range 40 {
		small[fmt.Sprintf("I%02d", i)] = storedAnswer{Value: delphi.Value{Point: ip(1 + i%5)}, Comment: "Ein kurzer Kommentar zur Einschätzung.",
			Seq: 1, FirstSavedAt: ms(1793523600000), LastSavedAt: ms(1793523600000)}
	}
	large := map[string]storedAnswer{}
	rng := rand.New(rand.NewPCG(16, 1))
	words := strings.Fields("Die Kleinstadt braucht eine verlässliche Anbindung an den Nahverkehr, bezahlbaren Wohnraum, " +
		"eine lebendige Mitte mit Handel und Gastronomie, Schulen und Ärzte in der Nähe, schnelles Internet und Menschen, die sich engagieren.")
	for i := range 160 {
		a := storedAnswer{Value: delphi.Value{Point: ip(1 + rng.IntN(5))}, Seq: int64(i + 1), FirstSavedAt: ms(1793523600000), LastSavedAt: ms(1793523600000)}
		if i%16 == 15 { // the texts of BenchmarkExportDB (internal/export/dbbench)
			var t strings.Builder
			for t.Len() < 1200 {
				t.WriteString(words[rng.IntN(len(words))] + " ")
			}
			a.Value = delphi.Value{Text: t.String()}
		}
		large[fmt.Sprintf("I%03d", i)] = a
	}
	for _, tc := range []struct {
		name string
		m    map[string]storedAnswer
	}{{"40", small}, {"160+texts", large}} {
		text, _ := formatAnswers(tc.m)
		z, _ := deflateAnswers(text, len(tc.m))
		for _, f := range []struct {
			name   string
			stored encAnswers
			encode func(map[string]storedAnswer) (encAnswers, error)
		}{
			{"format2", encAnswers(text), func(m map[string]storedAnswer) (encAnswers, error) {
				s, err := formatAnswers(m)
				return encAnswers(s), err
			}},
			{"format3", z, func(m map[string]storedAnswer) (encAnswers, error) {
				s, _ := formatAnswers(m)
				return deflateAnswers(s, len(m))
			}},
		} {
			b.Run(tc.name+"/"+f.name, func(b *testing.B) {
				for b.Loop() {
					m, err := (&responseDoc{Answers: f.stored}).answers()
					if err != nil {
						b.Fatal(err)
					}
					if _, err := f.encode(m); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(f.stored)), "stored-bytes")
			})
		}
	}
}
