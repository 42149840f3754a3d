package store

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// The answers of a response, format 2 (field "answers"; format 1 is
// "answers_json", still read, see answers_decode.go; format 3 is this text
// compressed, see answers_z.go).
//
// FerretDB on SQLite stores every document as JSON text and decodes the
// whole of each document that any filter but _id equality touches, so the
// cost of reading a round is proportional to the bytes of its responses
// (docs/PERFORMANCE.md, "Round results"). Format 2 is a positional layout
// in JSON with single-quoted strings, as in JavaScript: '…' delimits a
// string, \' is an apostrophe in it, '"' stands for itself, and the other
// escapes are JSON's. So the text holds almost no '"' that FerretDB would
// have to escape in its own JSON:
//
//	{'I1':[4,3,1793523600000],'I2':[{'a':1,'b':true},1,1793523600000,1793610000000,1,'kurz']}
//
// One entry per item, in ascending item id order: item id → [value, seq,
// first saved, last saved, revisions, comment, justification], the times as
// Unix milliseconds (0 for the zero time; last saved 0 when it equals first
// saved), with the trailing fields left out where they are 0 or empty.
//
// The value is compact for the common kinds and complete for all others:
//
//	null         no value
//	4            {"point": 4}
//	true         {"abstain": true}
//	{'a':V,…}    {"criteria": {"a": V, …}}, each V in this same form
//	'x'          {"choice": "x"}
//	['x','y']    {"choices": ["x", "y"]}
//	t'x'         {"text": "x"} (written since format 3; before, in the next form)
//	[{…}]        anything else: the JSON of delphi.Value (single-quoted)
//
// formatAnswers writes it, eachAnswer reads it: by hand on the compact
// forms, with encoding/json for escaped strings and the [{…}] form.
// FuzzAnswersRoundTrip checks that reading gives back what was written.

// storedAnswer is one answer of a response; survey, round, expert,
// pseudonym and group come from the response.
type storedAnswer struct {
	Value         delphi.Value
	Comment       string
	Justification string
	Seq           int64
	FirstSavedAt  time.Time
	LastSavedAt   time.Time
	Revisions     int
}

// formatAnswers encodes m in format 2 (encodeAnswers, answers_z.go, stores
// it).
func formatAnswers(m map[string]storedAnswer) (string, error) {
	b := make([]byte, 0, 2+48*len(m))
	b = append(b, '{')
	for i, id := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b = append(b, ',')
		}
		a := m[id]
		b = appendSQString(b, id)
		b = append(b, ':', '[')
		var err error
		if b, err = appendValue(b, a.Value); err != nil {
			return "", delphi.Internal(fmt.Errorf("answer %s: %w", id, err))
		}
		b = append(b, ',')
		b = strconv.AppendInt(b, a.Seq, 10)
		first, last := unixMs(a.FirstSavedAt), unixMs(a.LastSavedAt)
		if last == first {
			last = 0
		}
		n := 0 // the optional fields written: first, last, revisions, comment, justification
		switch {
		case a.Justification != "":
			n = 5
		case a.Comment != "":
			n = 4
		case a.Revisions != 0:
			n = 3
		case last != 0:
			n = 2
		case first != 0:
			n = 1
		}
		for k := 1; k <= n; k++ {
			b = append(b, ',')
			switch k {
			case 1:
				b = strconv.AppendInt(b, first, 10)
			case 2:
				b = strconv.AppendInt(b, last, 10)
			case 3:
				b = strconv.AppendInt(b, int64(a.Revisions), 10)
			case 4:
				b = appendSQString(b, a.Comment)
			case 5:
				b = appendSQString(b, a.Justification)
			}
		}
		b = append(b, ']')
	}
	b = append(b, '}')
	return string(b), nil
}

func unixMs(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromUnixMs(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// appendValue appends v in the value form described above.
func appendValue(b []byte, v delphi.Value) ([]byte, error) {
	point, abstain, crit, choice, choices, text := v.Point != nil, v.Abstain, len(v.Criteria) > 0, v.Choice != "", len(v.Choices) > 0, v.Text != ""
	other := v.Number != nil || v.Places != nil
	kinds := 0
	for _, k := range []bool{point, abstain, crit, choice, choices, text, other} {
		if k {
			kinds++
		}
	}
	switch {
	case kinds == 0:
		return append(b, "null"...), nil
	case kinds > 1 || other:
		j, err := json.Marshal(v)
		if err != nil {
			return b, err
		}
		b = append(b, '[')
		b = convertQuotes(b, j, '"', '\'')
		return append(b, ']'), nil
	case point:
		return strconv.AppendInt(b, int64(*v.Point), 10), nil
	case abstain:
		return append(b, "true"...), nil
	case crit:
		b = append(b, '{')
		for i, id := range slices.Sorted(maps.Keys(v.Criteria)) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendSQString(b, id)
			b = append(b, ':')
			var err error
			if b, err = appendValue(b, v.Criteria[id]); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	case choice:
		return appendSQString(b, v.Choice), nil
	case text:
		return appendSQString(append(b, 't'), v.Text), nil
	default: // choices
		b = append(b, '[')
		for i, c := range v.Choices {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendSQString(b, c)
		}
		return append(b, ']'), nil
	}
}

// sameValue reports whether a and b are stored alike.
func sameValue(a, b delphi.Value) bool {
	x, err1 := appendValue(nil, a)
	y, err2 := appendValue(nil, b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

// convertQuotes appends the JSON text src with its strings delimited by
// from to b, delimited by to: the delimiters outside strings are replaced,
// and inside strings an escaped from becomes a plain one and a plain to an
// escaped one. With from '"' and to '\” it turns JSON into the quoting of
// format 2, and back with the two swapped.
func convertQuotes(b, src []byte, from, to byte) []byte {
	in := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case !in:
			if c == from {
				c, in = to, true
			}
			b = append(b, c)
		case c == '\\' && i+1 < len(src):
			i++
			if src[i] == from {
				b = append(b, from)
			} else {
				b = append(b, c, src[i])
			}
		case c == from:
			b, in = append(b, to), false
		case c == to:
			b = append(b, '\\', to)
		default:
			b = append(b, c)
		}
	}
	return b
}

// fromSQ is the JSON of the format 2 text s.
func fromSQ(s string) []byte {
	return convertQuotes(make([]byte, 0, len(s)+8), []byte(s), '\'', '"')
}

// appendSQString appends s as a JSON string with the quotes swapped: in
// '…', with \' for an apostrophe, '"' as it is, and otherwise the escapes
// of encoding/json (invalid UTF-8 becomes U+FFFD, as there).
func appendSQString(b []byte, s string) []byte {
	b = append(b, '\'')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '\'' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '\'')
}

// answersParser reads format 2.
type answersParser struct {
	s    string
	i    int
	ints []int // the points read, allocated in chunks: most answers of a response have one
}

// point returns a pointer to n.
func (p *answersParser) point(n int) *int {
	if len(p.ints) == cap(p.ints) {
		p.ints = make([]int, 0, 64)
	}
	p.ints = append(p.ints, n)
	return &p.ints[len(p.ints)-1]
}

func (p *answersParser) fail(what string) error {
	return fmt.Errorf("answers: %s at offset %d", what, p.i)
}

func (p *answersParser) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *answersParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *answersParser) str() (string, error) {
	if !p.eat('\'') {
		return "", p.fail("string expected")
	}
	start, slow := p.i, false // slow: escapes or non-ASCII (invalid UTF-8 becomes U+FFFD, as in encoding/json)
	for ; p.i < len(p.s); p.i++ {
		switch c := p.s[p.i]; {
		case c == '\\':
			slow = true
			p.i++
		case c >= utf8.RuneSelf:
			slow = true
		case c == '\'':
			raw := p.s[start:p.i]
			p.i++
			if !slow || !strings.Contains(raw, "\\") && utf8.ValidString(raw) {
				return raw, nil
			}
			var out string
			if err := json.Unmarshal(fromSQ(p.s[start-1:p.i]), &out); err != nil {
				return "", p.fail("bad string")
			}
			return out, nil
		}
	}
	return "", p.fail("unterminated string")
}

func (p *answersParser) int64() (int64, error) {
	start := p.i
	if p.peek() == '-' {
		p.i++
	}
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	n, err := strconv.ParseInt(p.s[start:p.i], 10, 64)
	if err != nil {
		p.i = start
		return 0, p.fail("integer expected")
	}
	return n, nil
}

// skipObject returns the text of the object at p.i, braces included.
func (p *answersParser) skipObject() (string, error) {
	start, depth := p.i, 0
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case '\'':
			if _, err := p.str(); err != nil {
				return "", err
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				p.i++
				return p.s[start:p.i], nil
			}
		}
		p.i++
	}
	return "", p.fail("unterminated object")
}

func (p *answersParser) value(v *delphi.Value) error {
	switch c := p.peek(); {
	case c == 'n' && strings.HasPrefix(p.s[p.i:], "null"):
		p.i += 4
	case c == 't' && strings.HasPrefix(p.s[p.i:], "true"):
		p.i += 4
		v.Abstain = true
	case c == 't' && strings.HasPrefix(p.s[p.i:], "t'"):
		p.i++
		s, err := p.str()
		if err != nil {
			return err
		}
		v.Text = s
	case c == '-' || c >= '0' && c <= '9':
		n, err := p.int64()
		if err != nil {
			return err
		}
		if int64(int(n)) != n {
			return p.fail("point out of range")
		}
		v.Point = p.point(int(n))
	case c == '\'':
		s, err := p.str()
		if err != nil {
			return err
		}
		v.Choice = s
	case c == '{':
		p.i++
		for first := true; !p.eat('}'); first = false {
			if !first && !p.eat(',') {
				return p.fail("',' or '}' expected")
			}
			id, err := p.str()
			if err != nil {
				return err
			}
			if !p.eat(':') {
				return p.fail("':' expected")
			}
			var cv delphi.Value
			if err := p.value(&cv); err != nil {
				return err
			}
			if v.Criteria == nil {
				v.Criteria = map[string]delphi.Value{}
			}
			v.Criteria[id] = cv
		}
	case c == '[':
		p.i++
		if p.peek() == '{' {
			obj, err := p.skipObject()
			if err != nil {
				return err
			}
			var x delphi.Value // (not into v: that would move every answer read to the heap)
			if err := json.Unmarshal(fromSQ(obj), &x); err != nil {
				return p.fail("bad value")
			}
			*v = x
			if !p.eat(']') {
				return p.fail("']' expected")
			}
			return nil
		}
		for first := true; !p.eat(']'); first = false {
			if !first && !p.eat(',') {
				return p.fail("',' or ']' expected")
			}
			s, err := p.str()
			if err != nil {
				return err
			}
			v.Choices = append(v.Choices, s)
		}
	default:
		return p.fail("value expected")
	}
	return nil
}

// entry reads [value, seq, …] of one answer.
func (p *answersParser) entry(a *storedAnswer) error {
	if !p.eat('[') {
		return p.fail("'[' expected")
	}
	if err := p.value(&a.Value); err != nil {
		return err
	}
	if !p.eat(',') {
		return p.fail("',' expected")
	}
	var err error
	if a.Seq, err = p.int64(); err != nil {
		return err
	}
	var last int64
	for k := 1; !p.eat(']'); k++ {
		if !p.eat(',') {
			return p.fail("',' or ']' expected")
		}
		var n int64
		switch k {
		case 1:
			n, err = p.int64()
			a.FirstSavedAt = fromUnixMs(n)
		case 2:
			last, err = p.int64()
		case 3:
			n, err = p.int64()
			a.Revisions = int(n)
			if int64(a.Revisions) != n {
				return p.fail("revisions out of range")
			}
		case 4:
			a.Comment, err = p.str()
		case 5:
			a.Justification, err = p.str()
		default:
			return p.fail("']' expected")
		}
		if err != nil {
			return err
		}
	}
	a.LastSavedAt = a.FirstSavedAt
	if last != 0 {
		a.LastSavedAt = fromUnixMs(last)
	}
	return nil
}

// answers calls fn for each answer in stored order.
func (p *answersParser) answers(fn func(id string, a storedAnswer)) error {
	if !p.eat('{') {
		return p.fail("'{' expected")
	}
	for first := true; !p.eat('}'); first = false {
		if !first && !p.eat(',') {
			return p.fail("',' or '}' expected")
		}
		id, err := p.str()
		if err != nil {
			return err
		}
		if !p.eat(':') {
			return p.fail("':' expected")
		}
		var a storedAnswer
		if err := p.entry(&a); err != nil {
			return err
		}
		fn(id, a)
	}
	if p.i != len(p.s) {
		return p.fail("end expected")
	}
	return nil
}

// eachAnswer calls fn for every stored answer of the response, in any
// format: formats 2 and 3 in ascending item id order (as written; a later entry of
// the same id wins, as in a map), format 1 in no particular order.
func (d *responseDoc) eachAnswer(fn func(id string, a storedAnswer)) error {
	var err error
	switch {
	case d.Answers != "":
		var text string
		if text, err = d.Answers.text(); err == nil {
			p := answersParser{s: text}
			err = p.answers(fn)
		}
	case d.AnswersJSON != "":
		var m map[string]readAnswer
		if m, err = decodeAnswers(d.AnswersJSON); err == nil {
			for id, ra := range m {
				fn(id, storedAnswer{Value: ra.Value, Comment: ra.Comment, Justification: ra.Justification, Seq: ra.Seq,
					FirstSavedAt: ra.FirstSavedAt.Time, LastSavedAt: lastSaved(ra.FirstSavedAt, ra.LastSavedAt), Revisions: ra.Revisions})
			}
		}
	}
	if err != nil {
		return delphi.Internal(fmt.Errorf("response %s: decode answers: %w", d.ID, err))
	}
	return nil
}
