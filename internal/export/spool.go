package export

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/expertenrunde/expertenrunde/internal/tempfile"

	"github.com/xuri/excelize/v2"
)

// The sheets that grow with the panel (the comments, one row per free
// text, and the raw data, one row per expert and round) would stay in
// excelize's StreamWriter, which keeps up to 16 MiB of each sheet in
// memory until the ZIP is written (at 1,000 experts × 10 texts of 1,200
// characters the comments sheet has 18 MB of XML). So their rows after the
// header are written to a temporary file of their own (the sheet's spool),
// and the ZIP writer copies it into the sheet's part, in front of
// `</sheetData>`, while it writes the part (docs/PERFORMANCE.md, "flat
// export memory"). A spooled row holds ints, floats and strings (inline
// strings, like excelize's); other cell values are an error.

// rowSpool is the temporary file of a sheet's spooled rows.
type rowSpool struct {
	part string // the sheet's part in the ZIP
	f    *os.File
	w    *bufio.Writer
	done bool // copied into the part
}

// newRowSpool creates the spool of the rows of the sheet with the given
// part in the system's temporary directory (tempFile).
func newRowSpool(part string) (*rowSpool, error) {
	f, err := tempFile()
	if err != nil {
		return nil, err
	}
	return &rowSpool{part: part, f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

// tempFile creates a nameless temporary file for an export's rows or
// texts (tempfile.New).
func tempFile() (*os.File, error) { return tempfile.New("expertenrunde-export-") }

// close closes the spool (its file has no name left).
func (sp *rowSpool) close() {
	sp.f.Close()
}

// row writes row n with the given cells (from column A; nil leaves a cell
// empty) and, if height > 0, that row height.
func (sp *rowSpool) row(n int, height float64, vals []any) error {
	w := sp.w
	w.WriteString(`<row r="`)
	w.WriteString(strconv.Itoa(n))
	if height > 0 {
		w.WriteString(`" ht="`)
		w.WriteString(strconv.FormatFloat(height, 'f', -1, 64))
		w.WriteString(`" customHeight="1`)
	}
	w.WriteString(`">`)
	for i, v := range vals {
		if v == nil {
			continue
		}
		style := 0
		if c, ok := v.(excelize.Cell); ok {
			style, v = c.StyleID, c.Value
		}
		ref, err := excelize.CoordinatesToCellName(i+1, n)
		if err != nil {
			return err
		}
		w.WriteString(`<c r="`)
		w.WriteString(ref)
		if style != 0 {
			w.WriteString(`" s="`)
			w.WriteString(strconv.Itoa(style))
		}
		switch v := v.(type) {
		case string:
			w.WriteString(`" t="inlineStr"><is><t xml:space="preserve">`)
			w.Write(inlineText(v))
			w.WriteString(`</t></is></c>`)
		case int:
			w.WriteString(`"><v>`)
			w.WriteString(strconv.Itoa(v))
			w.WriteString(`</v></c>`)
		case float64:
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("export: the number %v in cell %s", v, ref)
			}
			w.WriteString(`"><v>`)
			w.WriteString(strconv.FormatFloat(v, 'f', -1, 64))
			w.WriteString(`</v></c>`)
		default:
			return fmt.Errorf("export: a cell value of type %T in a spooled row", v)
		}
	}
	_, err := w.WriteString(`</row>`)
	return err
}

// inlineText encodes s as the content of an inline string element as
// excelize reads it back: at most 32,767 UTF-16 units (Excel's limit),
// XML-escaped (line feeds kept), and a literal "_xHHHH_" escaped as
// "_x005F_xHHHH_" so that it is not read as an escaped character.
func inlineText(s string) []byte {
	if units := 0; len(s) > excelize.TotalCellChars {
		for i, r := range s {
			if units += utf16.RuneLen(r); units > excelize.TotalCellChars {
				s = s[:i]
				break
			}
		}
	}
	if plainText(s) {
		return []byte(s)
	}
	var buf bytes.Buffer
	_ = xml.EscapeText(&buf, []byte(s))
	b := bytes.ReplaceAll(buf.Bytes(), []byte("&#xA;"), []byte("\n"))
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] == '_' && i+6 < len(b) && b[i+1] == 'x' && isHex4(b[i+2:i+6]) && b[i+6] == '_' {
			out = append(out, "_x005F"...)
		}
		out = append(out, b[i])
	}
	return out
}

// plainText reports whether s is its own inline string encoding: valid
// UTF-8 without markup characters, quotes, underscores, or characters XML
// does not allow (line feeds are allowed).
func plainText(s string) bool {
	if strings.ContainsAny(s, "<>&'\"_\t\r") || !utf8.ValidString(s) {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool { return r < 0x20 && r != '\n' || r == 0xFFFE || r == 0xFFFF }) < 0
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// errSpool reports a sheet whose spooled rows could not be put in place.
var errSpool = errors.New("export: the spooled rows could not be put into their sheet")

// sheetDataEnd is where a sheet's spooled rows go.
var sheetDataEnd = []byte("</sheetData>")

// spliceZip is the ZIP writer of a workbook with spooled rows: it copies
// each spool into its sheet's part in front of `</sheetData>`.
type spliceZip struct {
	excelize.ZipWriter
	spools  []*rowSpool
	sp      *rowSpool // the spool of the part being written
	w       io.Writer // the part being written
	pending []byte    // the end of the last write to it: perhaps the start of `</sheetData>`
}

func (z *spliceZip) Create(name string) (io.Writer, error) {
	if err := z.done(); err != nil {
		return nil, err
	}
	w, err := z.ZipWriter.Create(name)
	if err != nil {
		return nil, err
	}
	for _, sp := range z.spools {
		if sp.part == name && !sp.done {
			z.sp, z.w = sp, w
			return z, nil
		}
	}
	return w, nil
}

func (z *spliceZip) Write(p []byte) (int, error) {
	if z.sp == nil { // spliced already: the rest of the part
		_, err := z.w.Write(p)
		return len(p), err
	}
	buf := p
	if len(z.pending) > 0 {
		buf = append(z.pending, p...)
		z.pending = nil
	}
	i := bytes.Index(buf, sheetDataEnd)
	if i < 0 {
		keep := partialPrefix(buf, sheetDataEnd)
		if _, err := z.w.Write(buf[:len(buf)-keep]); err != nil {
			return 0, err
		}
		z.pending = append([]byte(nil), buf[len(buf)-keep:]...)
		return len(p), nil
	}
	if _, err := z.w.Write(buf[:i]); err != nil {
		return 0, err
	}
	if err := z.sp.w.Flush(); err != nil {
		return 0, err
	}
	if _, err := z.sp.f.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	if _, err := io.Copy(z.w, z.sp.f); err != nil {
		return 0, err
	}
	z.sp.done, z.sp = true, nil
	if _, err := z.w.Write(buf[i:]); err != nil {
		return 0, err
	}
	return len(p), nil
}

// partialPrefix returns the length of the longest end of b that begins
// tok (shorter than tok).
func partialPrefix(b, tok []byte) int {
	for k := min(len(tok)-1, len(b)); k > 0; k-- {
		if bytes.HasSuffix(b, tok[:k]) {
			return k
		}
	}
	return 0
}

// done ends the part being written: what was held back is written, and
// a spool that found no place is an error.
func (z *spliceZip) done() error {
	if z.sp != nil {
		return errSpool
	}
	if len(z.pending) == 0 {
		return nil
	}
	_, err := z.w.Write(z.pending)
	z.pending = nil
	return err
}

func (z *spliceZip) Close() error {
	if err := z.done(); err != nil {
		return err
	}
	for _, sp := range z.spools {
		if !sp.done {
			return errSpool
		}
	}
	return z.ZipWriter.Close()
}

// textFile is an analysis.TextStore in a temporary file, created with the
// first long text: the free texts of the live results an export computes
// itself (Load), so that they are not all in memory at once (a 1,000
// expert panel's ten 1,200-character texts each are 12 MB). A reference is
// a NUL, a random nonce, the text's offset and length: no user text can
// pass for one. Texts of at most shortText bytes are kept as they are
// (a reference takes about as much).
type textFile struct {
	f      *os.File
	w      *bufio.Writer
	off    int64  // bytes written
	dirty  bool   // w holds bytes not yet in f
	prefix string // starts every reference
	err    error  // the first error
	// A window of the file, read ahead when texts are read in the order
	// they were written (the comments sheet).
	win     []byte
	winOff  int64
	lastEnd int64 // the end of the last text read
}

const (
	shortText = 64
	window    = 64 << 10
)

func newTextFile() (*textFile, error) {
	nonce := make([]byte, 8)
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return &textFile{prefix: "\x00" + hex.EncodeToString(nonce) + ":"}, nil
}

// Put stores s and returns its reference (or s, if short).
func (t *textFile) Put(s string) string {
	if len(s) <= shortText && !strings.HasPrefix(s, t.prefix) {
		return strings.Clone(s) // s may point into a decoded response
	}
	if t.f == nil && t.err == nil {
		if t.f, t.err = tempFile(); t.err == nil {
			t.w = bufio.NewWriterSize(t.f, 64<<10)
		}
	}
	ref := t.prefix + strconv.FormatInt(t.off, 10) + ":" + strconv.Itoa(len(s))
	if t.err == nil {
		_, t.err = t.w.WriteString(s)
		t.off += int64(len(s))
		t.dirty = true
	}
	return ref
}

// Get returns the text of what Put returned ("" after an error, which
// Err reports).
func (t *textFile) Get(ref string) string {
	rest, ok := strings.CutPrefix(ref, t.prefix)
	if !ok {
		return ref // a short text
	}
	off, n, ok2 := strings.Cut(rest, ":")
	o, err1 := strconv.ParseInt(off, 10, 64)
	l, err2 := strconv.Atoi(n)
	if !ok2 || err1 != nil || err2 != nil || o < 0 || l < 0 || o+int64(l) > t.off {
		if t.err == nil {
			t.err = fmt.Errorf("export: %q is not a text reference", ref)
		}
		return ""
	}
	if t.err != nil {
		return ""
	}
	if t.dirty {
		if t.err = t.w.Flush(); t.err != nil {
			return ""
		}
		t.dirty = false
	}
	end := o + int64(l)
	if o >= t.winOff && end <= t.winOff+int64(len(t.win)) {
		t.lastEnd = end
		return string(t.win[o-t.winOff : end-t.winOff])
	}
	if o == t.lastEnd && l < window { // read in order: read ahead
		if t.win == nil {
			t.win = make([]byte, window)
		}
		n, err := t.f.ReadAt(t.win[:window], o)
		if n < l {
			t.err = cmp.Or(err, io.ErrUnexpectedEOF)
			return ""
		}
		t.win, t.winOff, t.lastEnd = t.win[:n], o, end
		return string(t.win[:l])
	}
	b := make([]byte, l)
	if _, t.err = t.f.ReadAt(b, o); t.err != nil {
		return ""
	}
	t.lastEnd = end
	return string(b)
}

// Err returns the first error of t (t may be nil).
func (t *textFile) Err() error {
	if t == nil {
		return nil
	}
	return t.err
}

// close closes the file (it has no name left; t may be nil).
func (t *textFile) close() {
	if t != nil && t.f != nil {
		t.f.Close()
	}
}
