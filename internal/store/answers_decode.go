package store

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Format 1 of a response's answers (field "answers_json"), written until
// format 2 (answers_codec.go) replaced it, and still read: a JSON object
// item id → {"v": the JSON of delphi.Value, "c": comment, "j":
// justification, "s": seq, "f": first saved, "l": last saved (left out
// when equal to "f"), "r": revisions}, the times as Unix milliseconds or,
// before those, RFC 3339 strings.

// readAnswer is one answer in format 1.
type readAnswer struct {
	Value         delphi.Value `json:"v"`
	Comment       string       `json:"c,omitempty"`
	Justification string       `json:"j,omitempty"`
	Seq           int64        `json:"s"`
	FirstSavedAt  msTime       `json:"f"`
	LastSavedAt   msTime       `json:"l,omitzero"`
	Revisions     int          `json:"r,omitempty"`
}

// msTime is a time in format 1: Unix milliseconds (UTC; the zero time as
// 0) or an RFC 3339 string.
type msTime struct{ time.Time }

func (t *msTime) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return t.Time.UnmarshalJSON(b) // RFC 3339, the format before
	}
	if string(b) == "null" {
		return nil
	}
	ms, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("time: %w", err)
	}
	if ms == 0 {
		t.Time = time.Time{}
	} else {
		t.Time = time.UnixMilli(ms).UTC()
	}
	return nil
}

// lastSaved is the LastSavedAt of a format 1 answer: "l" is left out when
// it equals "f" (an answer saved once, the usual case).
func lastSaved(first, last msTime) time.Time {
	if last.IsZero() {
		return first.Time
	}
	return last.Time
}

// decodeAnswers decodes format 1 (map item id → readAnswer).
// The common shape (times as Unix milliseconds,
// the usual Value fields) is parsed by hand, which is several times faster
// than encoding/json with reflection; anything else — the RFC 3339 times of
// older responses, unknown fields, unusual whitespace — falls back to
// json.Unmarshal, so the result is always what json.Unmarshal gives.
func decodeAnswers(s string) (map[string]readAnswer, error) {
	p := answerParser{s: s}
	if m, ok := p.answers(); ok {
		return m, nil
	}
	m := map[string]readAnswer{}
	err := json.Unmarshal([]byte(s), &m)
	return m, err
}

type answerParser struct {
	s string
	i int
}

func (p *answerParser) skipWS() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *answerParser) eat(c byte) bool {
	p.skipWS()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str reads a JSON string without escapes (a string with escapes is left
// to the fallback).
func (p *answerParser) str() (string, bool) {
	p.skipWS()
	if p.i >= len(p.s) || p.s[p.i] != '"' {
		return "", false
	}
	start := p.i + 1
	for j := start; j < len(p.s); j++ {
		switch c := p.s[j]; {
		case c == '"':
			p.i = j + 1
			return p.s[start:j], true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return "", false // escapes and non-ASCII (invalid UTF-8 is replaced by encoding/json)
		}
	}
	return "", false
}

// object calls field for each key of an object; field reports success.
func (p *answerParser) object(field func(key string) bool) bool {
	if !p.eat('{') {
		return false
	}
	if p.eat('}') {
		return true
	}
	for {
		k, ok := p.str()
		if !ok || !p.eat(':') {
			return false
		}
		p.skipWS()
		if !field(k) {
			return false
		}
		if p.eat('}') {
			return true
		}
		if !p.eat(',') {
			return false
		}
	}
}

func (p *answerParser) number() (string, bool) {
	p.skipWS()
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
			p.i++
			continue
		}
		break
	}
	n := p.s[start:p.i]
	return n, validNumber(n)
}

// validNumber reports whether n is a JSON number (strconv accepts more).
func validNumber(n string) bool {
	i := 0
	if i < len(n) && n[i] == '-' {
		i++
	}
	digits := func() int {
		j := i
		for i < len(n) && n[i] >= '0' && n[i] <= '9' {
			i++
		}
		return i - j
	}
	switch d := digits(); {
	case d == 0, d > 1 && n[i-d] == '0':
		return false
	}
	if i < len(n) && n[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(n) && (n[i] == 'e' || n[i] == 'E') {
		i++
		if i < len(n) && (n[i] == '+' || n[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(n)
}

func (p *answerParser) int64() (int64, bool) {
	n, ok := p.number()
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(n, 10, 64)
	return v, err == nil
}

func (p *answerParser) lit(w string) bool {
	if len(p.s)-p.i >= len(w) && p.s[p.i:p.i+len(w)] == w {
		p.i += len(w)
		return true
	}
	return false
}

func (p *answerParser) value(v *delphi.Value) bool {
	return p.object(func(k string) bool {
		switch k {
		case "point":
			n, ok := p.int64()
			if !ok || int64(int(n)) != n {
				return false
			}
			x := int(n)
			v.Point = &x
			return true
		case "abstain":
			if p.lit("true") {
				v.Abstain = true
				return true
			}
			return p.lit("false")
		case "criteria":
			if v.Criteria == nil {
				v.Criteria = map[string]delphi.Value{}
			}
			return p.object(func(id string) bool {
				var c delphi.Value
				if !p.value(&c) {
					return false
				}
				v.Criteria[id] = c
				return true
			})
		case "choice":
			s, ok := p.str()
			v.Choice = s
			return ok
		case "text":
			s, ok := p.str()
			v.Text = s
			return ok
		case "number":
			n, ok := p.number()
			if !ok {
				return false
			}
			f, err := strconv.ParseFloat(n, 64)
			if err != nil {
				return false
			}
			v.Number = &f
			return true
		}
		return false // choices and anything else: the fallback
	})
}

func (p *answerParser) ms(t *msTime) bool {
	n, ok := p.int64()
	if !ok {
		return false // an RFC 3339 string: the fallback
	}
	if n == 0 {
		t.Time = time.Time{}
	} else {
		t.Time = time.UnixMilli(n).UTC()
	}
	return true
}

func (p *answerParser) answers() (map[string]readAnswer, bool) {
	m := map[string]readAnswer{}
	ok := p.object(func(id string) bool {
		var a readAnswer
		ok := p.object(func(k string) bool {
			var ok bool
			switch k {
			case "v":
				if p.lit("null") {
					return true
				}
				return p.value(&a.Value)
			case "c":
				a.Comment, ok = p.str()
			case "j":
				a.Justification, ok = p.str()
			case "s":
				a.Seq, ok = p.int64()
			case "f":
				ok = p.ms(&a.FirstSavedAt)
			case "l":
				ok = p.ms(&a.LastSavedAt)
			case "r":
				var n int64
				n, ok = p.int64()
				a.Revisions = int(n)
			}
			return ok
		})
		if !ok {
			return false
		}
		if _, dup := m[id]; dup {
			return false
		}
		m[id] = a
		return true
	})
	if !ok {
		return nil, false
	}
	p.skipWS()
	return m, p.i == len(p.s)
}
