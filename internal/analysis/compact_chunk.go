package analysis

import (
	"encoding/binary"
	"math"
	"strings"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// A chunk is some entries of a column with their extras, as a Compact with
// a TextStore writes them there: the number of entries, then each entry
// (expert, kind, point, extra) followed by its extra if it has one (text,
// comment, justification, and for kindValue the value). Numbers are
// varints, strings their length and bytes, a value encodeValue.

// encodeChunk encodes entries and their extras.
func encodeChunk(entries []compactEntry, extras []compactExtra) string {
	var b []byte
	b = binary.AppendUvarint(b, uint64(len(entries)))
	k := 0
	for _, e := range entries {
		b = binary.AppendVarint(b, int64(e.expert))
		extra := byte(0)
		if e.extra {
			extra = 1
		}
		b = append(b, e.kind, byte(e.point), extra)
		if !e.extra {
			continue
		}
		x := &extras[k]
		k++
		b = appendString(appendString(appendString(b, x.text), x.comment), x.justification)
		if e.kind == kindValue {
			b = encodeValue(b, x.value)
		}
	}
	return string(b)
}

// decodeChunk appends the entries and extras of chunk s to entries and
// extras; ok is false if s is not a chunk.
func decodeChunk(s string, entries []compactEntry, extras []compactExtra) (_ []compactEntry, _ []compactExtra, ok bool) {
	d := chunkReader{s: s}
	n := d.uvarint()
	for i := uint64(0); i < n && d.ok(); i++ {
		e := compactEntry{expert: int32(d.varint()), kind: d.byte(), point: int8(d.byte()), extra: d.byte() == 1}
		entries = append(entries, e)
		if !e.extra {
			continue
		}
		x := compactExtra{text: d.string(), comment: d.string(), justification: d.string()}
		if e.kind == kindValue {
			v := d.value(0)
			x.value = &v
		}
		extras = append(extras, x)
	}
	return entries, extras, d.ok() && d.i == len(s)
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// Which fields of a value encodeValue writes (nil and empty slices and
// maps are told apart, so a value reads back exactly).
const (
	hasPoint = 1 << iota
	hasAbstain
	hasCriteria
	hasChoices
	hasNumber
	hasPlaces
)

// encodeValue appends v: a byte of flags, then the fields present, the
// strings always.
func encodeValue(b []byte, v *delphi.Value) []byte {
	var f byte
	if v.Point != nil {
		f |= hasPoint
	}
	if v.Abstain {
		f |= hasAbstain
	}
	if v.Criteria != nil {
		f |= hasCriteria
	}
	if v.Choices != nil {
		f |= hasChoices
	}
	if v.Number != nil {
		f |= hasNumber
	}
	if v.Places != nil {
		f |= hasPlaces
	}
	b = append(b, f)
	if v.Point != nil {
		b = binary.AppendVarint(b, int64(*v.Point))
	}
	b = appendString(appendString(b, v.Choice), v.Text)
	if v.Choices != nil {
		b = binary.AppendUvarint(b, uint64(len(v.Choices)))
		for _, c := range v.Choices {
			b = appendString(b, c)
		}
	}
	if v.Number != nil {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(*v.Number))
	}
	if v.Places != nil {
		b = binary.AppendUvarint(b, uint64(len(v.Places)))
		for _, p := range v.Places {
			b = binary.AppendVarint(b, int64(p))
		}
	}
	if v.Criteria != nil {
		b = binary.AppendUvarint(b, uint64(len(v.Criteria)))
		for id, cv := range v.Criteria {
			b = appendString(b, id)
			b = encodeValue(b, &cv)
		}
	}
	return b
}

// chunkReader reads a chunk; after a read past its end ok is false.
type chunkReader struct {
	s   string
	i   int
	bad bool
}

func (d *chunkReader) ok() bool { return !d.bad }

func (d *chunkReader) uvarint() uint64 { return number(d, binary.Uvarint) }

func (d *chunkReader) varint() int64 { return number(d, binary.Varint) }

// number reads a varint with read (binary.Uvarint or binary.Varint).
func number[T uint64 | int64](d *chunkReader, read func([]byte) (T, int)) T {
	x, n := read([]byte(d.s[d.i:min(len(d.s), d.i+binary.MaxVarintLen64)]))
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.i += n
	return x
}

func (d *chunkReader) byte() byte {
	if d.i >= len(d.s) {
		d.bad = true
		return 0
	}
	d.i++
	return d.s[d.i-1]
}

// string returns a copy: the strings outlive the chunk (they would keep
// it whole in memory).
func (d *chunkReader) string() string { return strings.Clone(d.view()) }

// view returns a string of the chunk, sharing its memory.
func (d *chunkReader) view() string {
	n := d.uvarint()
	if d.bad || n > uint64(len(d.s)-d.i) {
		d.bad = true
		return ""
	}
	d.i += int(n)
	return d.s[d.i-int(n) : d.i]
}

// value reads what encodeValue wrote (depth bounds the criteria's nesting).
func (d *chunkReader) value(depth int) delphi.Value {
	var v delphi.Value
	f := d.byte()
	if f&hasPoint != 0 {
		p := int(d.varint())
		v.Point = &p
	}
	v.Abstain = f&hasAbstain != 0
	v.Choice, v.Text = d.string(), d.string()
	if f&hasChoices != 0 {
		n := d.uvarint()
		v.Choices = make([]string, 0, min(n, 1<<10))
		for i := uint64(0); i < n && d.ok(); i++ {
			v.Choices = append(v.Choices, d.string())
		}
	}
	if f&hasNumber != 0 {
		if d.i+8 > len(d.s) {
			d.bad = true
			return v
		}
		x := math.Float64frombits(binary.LittleEndian.Uint64([]byte(d.s[d.i : d.i+8])))
		d.i += 8
		v.Number = &x
	}
	if f&hasPlaces != 0 {
		n := d.uvarint()
		v.Places = make([]int, 0, min(n, 1<<10))
		for i := uint64(0); i < n && d.ok(); i++ {
			v.Places = append(v.Places, int(d.varint()))
		}
	}
	if f&hasCriteria != 0 {
		n := d.uvarint()
		v.Criteria = make(map[string]delphi.Value, min(n, 1<<10))
		for i := uint64(0); i < n && d.ok(); i++ {
			if depth > 8 {
				d.bad = true
				break
			}
			id := d.string()
			v.Criteria[id] = d.value(depth + 1)
		}
	}
	return v
}
