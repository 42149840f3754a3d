package export

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
)

// The free texts of the comments sheet are the bulk of a workbook (at
// 1,000 experts × 10 texts of 1,200 characters, 18 MB of the sheet's XML),
// and excelize's StreamWriter keeps up to 16 MiB of each sheet in memory
// until the ZIP is written. So the comments sheet writes a short token in
// place of each text and the text to a temporary file (the spool), and
// the ZIP writer puts the texts back in place of the tokens, in order,
// while it writes the sheet (docs/PERFORMANCE.md, "flat export memory").

// spooled is a cell value written through the spool: a long, wrapped
// text cell (x.long).
type spooled string

// spool is the temporary file of spooled texts.
type spool struct {
	f     *os.File
	w     *bufio.Writer
	n     int    // texts written
	token []byte // the token's start, unique per export: "<t>" U+E000, a random nonce, ':'
}

// tokenEnd ends a token: U+E001 and the end of the text element.
var tokenEnd = []byte("\uE001</t>")

// newSpool creates the spool in the system's temporary directory.
func newSpool() (*spool, error) {
	nonce := make([]byte, 8)
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp("", "expertenrunde-export-")
	if err != nil {
		return nil, err
	}
	return &spool{f: f, w: bufio.NewWriterSize(f, 64<<10), token: []byte("<t>\uE000" + hex.EncodeToString(nonce) + ":")}, nil
}

// add writes s to the spool, encoded as the content of an inline string,
// and returns the token that stands for it in the cell.
func (sp *spool) add(s string) (string, error) {
	b := inlineText(s)
	var n [binary.MaxVarintLen64]byte
	if _, err := sp.w.Write(n[:binary.PutUvarint(n[:], uint64(len(b)))]); err != nil {
		return "", err
	}
	if _, err := sp.w.Write(b); err != nil {
		return "", err
	}
	tok := string(sp.token[3:]) + strconv.Itoa(sp.n) + "\uE001"
	sp.n++
	return tok, nil
}

// close removes the spool.
func (sp *spool) close() {
	if sp != nil {
		sp.f.Close()
		os.Remove(sp.f.Name())
	}
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

func isHex4(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// reader rewinds the spool for reading.
func (sp *spool) reader() (*bufio.Reader, error) {
	if err := sp.w.Flush(); err != nil {
		return nil, err
	}
	if _, err := sp.f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return bufio.NewReaderSize(sp.f, 64<<10), nil
}

// errSpool reports a sheet whose tokens do not match the spool.
var errSpool = errors.New("export: the free texts could not be put back into the comments sheet")

// spliceZip is the ZIP writer of a workbook with a spool: in each
// worksheet part it replaces every token of sp by its text (as
// `<t xml:space="preserve">…</t>`), reading the spool from its start; the
// tokens must come in the order they were handed out.
type spliceZip struct {
	excelize.ZipWriter
	sp      *spool
	r       *bufio.Reader
	next    int       // the number of the next token
	w       io.Writer // the part being written
	pending []byte    // the end of the last write to it: perhaps the start of a token
}

func (z *spliceZip) Create(name string) (io.Writer, error) {
	if err := z.done(); err != nil {
		return nil, err
	}
	w, err := z.ZipWriter.Create(name)
	if err != nil || z.sp == nil || z.sp.n == 0 || !strings.HasPrefix(name, "xl/worksheets/") {
		return w, err
	}
	z.w = w
	return z, nil
}

func (z *spliceZip) Write(p []byte) (int, error) {
	buf := p
	if len(z.pending) > 0 {
		buf = append(z.pending, p...)
		z.pending = nil
	}
	for len(buf) > 0 {
		i := bytes.Index(buf, z.sp.token)
		if i < 0 {
			keep := partialPrefix(buf, z.sp.token)
			if _, err := z.w.Write(buf[:len(buf)-keep]); err != nil {
				return 0, err
			}
			z.pending = append([]byte(nil), buf[len(buf)-keep:]...)
			return len(p), nil
		}
		if _, err := z.w.Write(buf[:i]); err != nil {
			return 0, err
		}
		rest := buf[i+len(z.sp.token):]
		j := bytes.Index(rest, tokenEnd)
		if j < 0 {
			if len(rest) > 20 {
				return 0, errSpool
			}
			z.pending = append([]byte(nil), buf[i:]...)
			return len(p), nil
		}
		if n, err := strconv.Atoi(string(rest[:j])); err != nil || n != z.next {
			return 0, errSpool
		}
		if err := z.text(); err != nil {
			return 0, err
		}
		buf = rest[j+len(tokenEnd):]
	}
	return len(p), nil
}

// text writes the next text of the spool.
func (z *spliceZip) text() error {
	if z.r == nil {
		var err error
		if z.r, err = z.sp.reader(); err != nil {
			return err
		}
	}
	n, err := binary.ReadUvarint(z.r)
	if err != nil {
		return errSpool
	}
	if _, err := io.WriteString(z.w, `<t xml:space="preserve">`); err != nil {
		return err
	}
	if _, err := io.CopyN(z.w, z.r, int64(n)); err != nil {
		return err
	}
	z.next++
	_, err = io.WriteString(z.w, "</t>")
	return err
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

// done ends the part being written: what was held back is written.
func (z *spliceZip) done() error {
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
	if z.sp != nil && z.next != z.sp.n {
		return errSpool
	}
	return z.ZipWriter.Close()
}
