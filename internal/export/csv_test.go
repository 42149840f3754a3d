package export

import (
	"bytes"
	"encoding/csv"
	"slices"
	"testing"
)

// TestCSVWriterQuotes: a cell holding , ; " or a line break (or starting
// with a space) is quoted whatever the delimiter, so that a spreadsheet
// splitting at the other separator still sees one cell; "Meier,=1+1" in a
// semicolon file was written bare, and a comma locale made "=1+1" a cell.
func TestCSVWriterQuotes(t *testing.T) {
	rec := []string{"Meier,=1+1", "a;b", `Sag "Hallo"`, "eins\r\nzwei", "drei\nvier", " Leerzeichen", "Meier", "", "-2", "Müller"}
	for _, c := range []struct {
		comma byte
		want  string
	}{
		{';', `"Meier,=1+1";"a;b";"Sag ""Hallo""";"eins` + "\r\n" + `zwei";"drei` + "\n" + `vier";" Leerzeichen";Meier;;-2;Müller` + "\r\n"},
		{',', `"Meier,=1+1","a;b","Sag ""Hallo""","eins` + "\r\n" + `zwei","drei` + "\n" + `vier"," Leerzeichen",Meier,,-2,Müller` + "\r\n"},
	} {
		var buf bytes.Buffer
		w := NewCSVWriter(&buf, c.comma)
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if buf.String() != c.want {
			t.Errorf("comma %q:\n got %q\nwant %q", c.comma, buf.String(), c.want)
		}
		// A standard reader gets the cells back, with either separator.
		r := csv.NewReader(&buf)
		r.Comma = rune(c.comma)
		got, err := r.Read()
		if err != nil {
			t.Fatal(err)
		}
		want := slices.Clone(rec)
		want[3] = "eins\nzwei" // encoding/csv reads a quoted CRLF as LF
		if !slices.Equal(got, want) {
			t.Errorf("comma %q: read back %q", c.comma, got)
		}
	}
}
