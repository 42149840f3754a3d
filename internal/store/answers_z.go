package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/klauspost/compress/flate"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Format 3 of a response's answers: the format 2 text (answers_codec.go),
// compressed. FerretDB on SQLite decodes the whole of every document a
// round's read touches, at a cost that follows the stored bytes; with the
// free texts of a study (10 texts of about 1,200 characters) a response is
// about 17 kB in format 2, which made reading a round of 500 responses
// slower than the whole export from memory (docs/PERFORMANCE.md, "Export
// from the database"). Compressed it is a quarter to a third of that.
//
// The field "answers" holds either format: a BSON string is format 2, a
// BSON binary (generic subtype) is format 3:
//
//	0x03, the length of the format 2 text and the number of answers in it
//	(unsigned varints), the text as raw DEFLATE (RFC 1951)
//
// (the number of answers sizes the slice that a round's answers are
// decoded into).
//
// encodeAnswers writes format 3 when the format 2 text is at least
// compressMin bytes long (shorter texts gain little and cost a
// compressor's setup), format 2 otherwise. A response in format 1 or 2 is
// rewritten by its next save; both keep reading.

// encAnswers is the "answers" field of a response as stored: the format
// 2 text, or format 3 (the bytes after the BSON binary header, starting
// with formatDeflate). Only its BSON encoding tells the two apart: a format
// 2 text always starts with '{'.
type encAnswers string

const (
	formatDeflate = 3 // the first byte of format 3
	// compressMin is the shortest format 2 text that is stored in format
	// 3: 40 short ratings with comments (the autosave benchmark) are
	// about 2 kB, 150 ratings about 4 kB.
	compressMin = 512
	// deflateLevel is klauspost/compress's fastest level: a save encodes
	// the whole response, and the level changes the size by less than 10 %.
	deflateLevel = 1
	// maxInflate bounds a format 3 text: DEFLATE expands at most 1032:1,
	// so a longer length is not what encodeAnswers wrote.
	maxInflate = 1032
)

// encodeAnswers encodes m as stored: format 3, or format 2 for short texts.
func encodeAnswers(m map[string]storedAnswer) (encAnswers, error) {
	text, err := formatAnswers(m)
	if err != nil || len(text) < compressMin {
		return encAnswers(text), err
	}
	return deflateAnswers(text, len(m))
}

var deflaters = sync.Pool{New: func() any {
	w, err := flate.NewWriter(nil, deflateLevel)
	if err != nil {
		panic(err) // only for a bad level
	}
	return w
}}

var inflaters = sync.Pool{New: func() any { return flate.NewReader(nil) }}

// deflateAnswers is the format 3 of the format 2 text of n answers.
func deflateAnswers(text string, n int) (encAnswers, error) {
	var buf bytes.Buffer
	buf.Grow(16 + len(text)/3)
	buf.WriteByte(formatDeflate)
	buf.Write(binary.AppendUvarint(binary.AppendUvarint(nil, uint64(len(text))), uint64(n)))
	w := deflaters.Get().(*flate.Writer)
	defer deflaters.Put(w)
	w.Reset(&buf)
	if _, err := io.WriteString(w, text); err != nil {
		return "", delphi.Internal(fmt.Errorf("compress answers: %w", err))
	}
	if err := w.Close(); err != nil {
		return "", delphi.Internal(fmt.Errorf("compress answers: %w", err))
	}
	return encAnswers(buf.String()), nil
}

// compressed reports whether e is in format 3.
func (e encAnswers) compressed() bool { return len(e) > 0 && e[0] == formatDeflate }

// header reads the header of format 3: the length of the text, the
// number of answers, and the compressed text; ok false if it is damaged.
func (e encAnswers) header() (n, answers uint64, z encAnswers, ok bool) {
	i := 1
	for _, v := range []*uint64{&n, &answers} {
		var k int
		*v, k = binary.Uvarint([]byte(e[i:min(len(e), i+binary.MaxVarintLen64)]))
		if k <= 0 {
			return 0, 0, "", false
		}
		i += k
	}
	z = e[i:]
	return n, answers, z, n <= maxInflate*uint64(len(z))+64
}

// text returns the format 2 text of e.
func (e encAnswers) text() (string, error) {
	if !e.compressed() {
		return string(e), nil
	}
	n, _, z, ok := e.header()
	if !ok {
		return "", fmt.Errorf("format 3: bad header")
	}
	buf := make([]byte, n)
	r := inflaters.Get().(io.ReadCloser)
	defer inflaters.Put(r)
	if err := r.(flate.Resetter).Reset(strings.NewReader(string(z)), nil); err != nil {
		return "", fmt.Errorf("format 3: %w", err)
	}
	if _, err := io.ReadFull(r, buf); err != nil {
		return "", fmt.Errorf("format 3: %w", err)
	}
	var one [1]byte
	if m, err := r.Read(one[:]); m != 0 || err != io.EOF {
		return "", fmt.Errorf("format 3: longer than its length")
	}
	return string(buf), nil
}

// sizeHint is about the number of answers in e, to size a slice for them.
func (e encAnswers) sizeHint() int {
	if e.compressed() {
		_, n, _, _ := e.header()
		return int(min(n, 1<<16))
	}
	return strings.Count(string(e), "],")
}

// MarshalBSONValue stores format 2 as a string and format 3 as binary.
func (e encAnswers) MarshalBSONValue() (byte, []byte, error) {
	if e.compressed() {
		b := make([]byte, 0, 5+len(e))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(e)))
		b = append(b, bson.TypeBinaryGeneric)
		return byte(bson.TypeBinary), append(b, e...), nil
	}
	b := make([]byte, 0, 5+len(e))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(e)+1))
	b = append(b, e...)
	return byte(bson.TypeString), append(b, 0), nil
}

// UnmarshalBSONValue reads either format (and null as no answers).
func (e *encAnswers) UnmarshalBSONValue(t byte, data []byte) error {
	switch bson.Type(t) {
	case bson.TypeNull:
		*e = ""
		return nil
	case bson.TypeString:
		if len(data) >= 5 && int(binary.LittleEndian.Uint32(data)) == len(data)-4 && data[len(data)-1] == 0 {
			*e = encAnswers(data[4 : len(data)-1])
			return nil
		}
	case bson.TypeBinary:
		if len(data) >= 5 && int(binary.LittleEndian.Uint32(data)) == len(data)-5 && data[4] == bson.TypeBinaryGeneric &&
			len(data) > 5 && data[5] == formatDeflate {
			*e = encAnswers(data[5:])
			return nil
		}
	}
	return fmt.Errorf("answers: unexpected BSON type %#x", t)
}
