package export

import (
	"bufio"
	"io"
	"strings"
)

// CSVWriter is the one CSV writer of every CSV the application writes
// (the raw data in long format, the panel export, the personal links). It
// writes CRLF line ends and quotes a cell ("…", with inner quotes doubled)
// whenever it holds a comma, a semicolon, a quote or a line break, or starts
// with a space, whatever the delimiter: a spreadsheet in another locale
// splits a line at the other separator, and an unquoted "Meier,=1+1" in a
// semicolon file would then become a cell "=1+1", a formula. Cells are
// written as given: callers neutralise free text with Neutralize.
type CSVWriter struct {
	w     *bufio.Writer
	comma byte
}

// NewCSVWriter returns a writer separating cells by comma (',' or ';').
func NewCSVWriter(w io.Writer, comma byte) *CSVWriter {
	return &CSVWriter{w: bufio.NewWriter(w), comma: comma}
}

// needsQuotes reports whether a cell must be quoted (see CSVWriter).
func needsQuotes(s string) bool {
	return strings.ContainsAny(s, ",;\"\r\n") || strings.HasPrefix(s, " ") || strings.HasPrefix(s, "\t")
}

// Write writes one record. Errors are those of the underlying writer,
// reported here or by Flush.
func (c *CSVWriter) Write(record []string) error {
	for i, s := range record {
		if i > 0 {
			c.w.WriteByte(c.comma)
		}
		if !needsQuotes(s) {
			c.w.WriteString(s)
			continue
		}
		c.w.WriteByte('"')
		c.w.WriteString(strings.ReplaceAll(s, `"`, `""`))
		c.w.WriteByte('"')
	}
	_, err := c.w.WriteString("\r\n")
	return err
}

// Flush writes any buffered data to the underlying writer.
func (c *CSVWriter) Flush() error { return c.w.Flush() }

// formulaStart holds the characters with which a spreadsheet cell starts a
// formula (or, tab and CR, is trimmed to one).
const formulaStart = "=+-@\t\r"

// Neutralize makes a text safe in a CSV cell: it puts ' before the text
// when it begins with = + - @ tab or CR, so that a spreadsheet shows it as
// text instead of evaluating it, and likewise before such a character right
// after a comma, a semicolon or a line break within the text: a spreadsheet
// that reads the file with the other separator (a comma locale opening a
// semicolon file) starts a cell there, quotes or not, since only a quote at
// the start of its cell counts. Numbers are never passed through it.
func Neutralize(s string) string {
	if !strings.ContainsAny(s, formulaStart) {
		return s
	}
	var b strings.Builder
	start := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if start && strings.IndexByte(formulaStart, c) >= 0 {
			b.WriteByte('\'')
		}
		b.WriteByte(c)
		start = c == ',' || c == ';' || c == '\n' || c == '\r'
	}
	return b.String()
}
