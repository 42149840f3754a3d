package panel_test

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/panel"
	"github.com/expertenrunde/expertenrunde/internal/survey"
)

func kleinstadt(t testing.TB) *delphi.Definition {
	t.Helper()
	b, err := os.ReadFile("../../surveys/kleinstadtakademie-2020.yaml")
	if err != nil {
		t.Fatal(err)
	}
	def, err := survey.Parse("kleinstadtakademie-2020.yaml", b)
	if err != nil {
		t.Fatal(err)
	}
	return def
}

func parseFile(t *testing.T, name string) *panel.Parsed {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	p, err := panel.Parse(name, b, kleinstadt(t))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseGermanExcelCSV(t *testing.T) {
	p := parseFile(t, "panel-de-excel.csv")
	want := []panel.Row{
		{Line: 2, Name: "Dr. Jürgen Müller", Email: "juergen.mueller@stadt-beispiel.de", Organisation: "Stadt Beispielhausen", Group: "politik-verwaltung", Language: "de", Notes: "Bürgermeister"},
		{Line: 3, Name: "Anna Schmidt", Email: "anna.schmidt@planung.example", Organisation: "Planungsbüro Schmidt; Partner", Group: "planungspraxis", Language: "de"},
		{Line: 4, Name: "Chris Weber", Email: "c.weber@uni.example", Organisation: "Universität Kassel", Group: "bildung-forschung", Language: "en", Notes: "mehrzeilige\nNotiz"},
		{Line: 7, Name: "Eva Klein", Email: "eva@stiftung.example", Organisation: "Stiftung Kleinstadt", Group: "stiftungen-akademien", Language: "en"},
	}
	if p.Format != "csv" || p.DataRows != 4 || len(p.Rejected) != 0 {
		t.Fatalf("format %s, %d data rows, rejected %+v", p.Format, p.DataRows, p.Rejected)
	}
	if len(p.Rows) != len(want) {
		t.Fatalf("rows = %+v", p.Rows)
	}
	for i := range want {
		if p.Rows[i] != want[i] {
			t.Errorf("row %d = %+v\nwant     %+v", i, p.Rows[i], want[i])
		}
	}
}

func TestParseEnglishCommaCSV(t *testing.T) {
	p := parseFile(t, "panel-en.csv")
	if len(p.Rows) != 2 || p.Rows[0].Group != "international" || p.Rows[0].Organisation != "ACME" || p.Rows[1].Language != "" {
		t.Fatalf("rows = %+v", p.Rows)
	}
}

func TestParseWindows1252(t *testing.T) {
	p := parseFile(t, "panel-cp1252.csv")
	if len(p.Rows) != 1 || p.Rows[0].Name != "Jürgen Größe" || p.Rows[0].Organisation != "Straßenbau GmbH – Süd" {
		t.Fatalf("rows = %+v", p.Rows)
	}
}

func TestParseBrokenRows(t *testing.T) {
	p := parseFile(t, "panel-broken.csv")
	type rej struct {
		line   int
		reason string
		field  string
	}
	want := []rej{
		{3, panel.ReasonBadEmail, "email"},
		{4, panel.ReasonUnknownGroup, "group"},
		{5, panel.ReasonDuplicate, "email"},
		{6, panel.ReasonUnknownLanguage, "language"},
		{7, panel.ReasonBadEmail, "email"},
		{8, panel.ReasonUnknownGroup, "group"},
	}
	if len(p.Rejected) != len(want) {
		t.Fatalf("rejected = %+v", p.Rejected)
	}
	for i, w := range want {
		got := p.Rejected[i]
		if got.Line != w.line || got.Reason != w.reason || got.Field != w.field || got.Message == "" {
			t.Errorf("rejection %d = %+v, want %+v", i, got, w)
		}
	}
	if !strings.Contains(p.Rejected[2].Message, "row 2") {
		t.Errorf("duplicate message does not name the first row: %q", p.Rejected[2].Message)
	}
	if len(p.Rows) != 2 || p.Rows[0].Email != "ok@example.org" || p.Rows[1].Email != "zwei@example.org" || p.DataRows != 8 {
		t.Fatalf("valid rows = %+v (data rows %d)", p.Rows, p.DataRows)
	}
}

func TestParseFileErrors(t *testing.T) {
	def := kleinstadt(t)
	for name, data := range map[string]string{
		"empty":       "",
		"blank lines": "\r\n;;\r\n",
		"no e-mail":   "Name;Gruppe\nA;planungspraxis\n",
		"no group":    "Name;E-Mail\nA;a@example.org\n",
		"broken xlsx": "PK\x03\x04garbage",
		"bad quote":   "Name,E-Mail,Gruppe\n\"a\"b\"\"c,d\n",
	} {
		t.Run(name, func(t *testing.T) {
			p, err := panel.Parse("f.csv", []byte(data), def)
			if name == "bad quote" && err == nil {
				return // LazyQuotes accepts it; the row itself is then rejected
			}
			if delphi.ErrorCode(err) != delphi.EINVALID || delphi.AsError(err).Field != "file" {
				t.Fatalf("Parse = %+v, %v; want EINVALID on file", p, err)
			}
		})
	}
}

// xlsxFile builds a workbook with the given rows in its first sheet.
func xlsxFile(t testing.TB, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestParseXLSX(t *testing.T) {
	data := xlsxFile(t, [][]any{
		{"E-Mail", "Name", "Gruppe", "Sprache", "Unbekannt"},
		{"a@example.org", "Ärztin A", "Zivilgesellschaftliche Initiativen", "en", "x"},
		{},
		{"b@example.org", 4711, "einzelpersonen", nil, nil},
		{"kaputt", "C", "einzelpersonen"},
	})
	p, err := panel.Parse("panel.xlsx", data, kleinstadt(t))
	if err != nil {
		t.Fatal(err)
	}
	if p.Format != "xlsx" || len(p.Rows) != 2 || p.DataRows != 3 {
		t.Fatalf("parsed = %+v", p)
	}
	if r := p.Rows[0]; r.Line != 2 || r.Name != "Ärztin A" || r.Group != "zivilgesellschaft" || r.Language != "en" {
		t.Errorf("row 2 = %+v", r)
	}
	if r := p.Rows[1]; r.Line != 4 || r.Name != "4711" {
		t.Errorf("row 4 = %+v", r)
	}
	if len(p.Rejected) != 1 || p.Rejected[0].Line != 5 || p.Rejected[0].Reason != panel.ReasonBadEmail {
		t.Errorf("rejected = %+v", p.Rejected)
	}
	if len(p.Ignored) != 1 || p.Ignored[0] != "Unbekannt" {
		t.Errorf("ignored = %v", p.Ignored)
	}
	// Detected by content even with another name.
	if p2, err := panel.Parse("upload.bin", data, kleinstadt(t)); err != nil || p2.Format != "xlsx" {
		t.Errorf("content sniffing: %v %v", p2, err)
	}
}

func TestMakePlan(t *testing.T) {
	existing := []*delphi.Expert{
		{ID: "x1", Pseudonym: "E-AAAA", Email: "same@example.org", Name: "Same", Group: "planungspraxis", Language: "de"},
		{ID: "x2", Pseudonym: "E-BBBB", Email: "moved@example.org", Name: "Moved", Group: "planungspraxis", Language: "de", Notes: "keep"},
	}
	erasedAt := existing[0].CreatedAt
	existing = append(existing, &delphi.Expert{ID: "x3", Pseudonym: "E-CCCC", ErasedAt: &erasedAt})
	rows := []panel.Row{
		{Line: 2, Email: "same@example.org", Name: "Same", Group: "planungspraxis"},
		{Line: 3, Email: "moved@example.org", Name: "", Group: "international", Language: "en"},
		{Line: 4, Email: "new@example.org", Name: "New", Group: "international"},
	}
	p := panel.MakePlan(rows, existing, delphi.LangDE)
	if len(p.Unchanged) != 1 || p.Unchanged[0] != 2 {
		t.Errorf("unchanged = %v", p.Unchanged)
	}
	if len(p.Update) != 1 || p.Update[0].ExpertID != "x2" || fmt.Sprint(p.Update[0].Fields) != "[group language]" {
		t.Fatalf("update = %+v", p.Update)
	}
	applied := p.Update[0].Apply(existing[1])
	if applied.Name != "Moved" || applied.Group != "international" || applied.Language != "en" || applied.Notes != "keep" {
		t.Errorf("applied = %+v", applied)
	}
	if len(p.Add) != 1 || p.Add[0].Email != "new@example.org" || p.Add[0].Language != "de" {
		t.Errorf("add = %+v", p.Add)
	}
}

// Generate5000 returns a CSV of n valid rows over all groups.
func generateCSV(n int, def *delphi.Definition) []byte {
	var b bytes.Buffer
	b.WriteString("\uFEFFName;E-Mail;Organisation;Gruppe;Sprache\r\n")
	for i := range n {
		g := def.Groups[i%len(def.Groups)]
		fmt.Fprintf(&b, "Person %d;person%d@example.org;Organisation %d;%s;%s\r\n", i, i, i%37, g.Label.Get("de"), []string{"de", "en"}[i%2])
	}
	return b.Bytes()
}

func TestParse5000(t *testing.T) {
	def := kleinstadt(t)
	p, err := panel.Parse("big.csv", generateCSV(5000, def), def)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rows) != 5000 || len(p.Rejected) != 0 || p.Rows[4999].Line != 5001 {
		t.Fatalf("%d rows, %d rejected", len(p.Rows), len(p.Rejected))
	}
}

func TestParseTooManyRows(t *testing.T) {
	def := kleinstadt(t)
	_, err := panel.Parse("big.csv", generateCSV(panel.MaxRows+1, def), def)
	if delphi.ErrorCode(err) != delphi.EINVALID {
		t.Fatalf("err = %v, want EINVALID", err)
	}
}

func BenchmarkParse5000(b *testing.B) {
	def := kleinstadt(b)
	data := generateCSV(5000, def)
	b.ResetTimer()
	for b.Loop() {
		if _, err := panel.Parse("big.csv", data, def); err != nil {
			b.Fatal(err)
		}
	}
}

// TestParseTextLimits: imported rows get the text limits of the API
// (delphi.CheckText): name and organisation one line of at most 200
// characters, notes at most 2,000 with line breaks; a row that breaks one
// is rejected naming the field, too long or with invalid text.
func TestParseTextLimits(t *testing.T) {
	long := func(n int) string { return strings.Repeat("ä", n) }
	csv := "Name;E-Mail;Organisation;Gruppe;Sprache;Notizen\n" +
		"Meier\x00;a@example.org;Org;planungspraxis;de;\n" +
		long(201) + ";b@example.org;Org;planungspraxis;de;\n" +
		"Meier;c@example.org;" + long(5001) + ";planungspraxis;de;\n" +
		"Meier;d@example.org;Org\x1b[2J;planungspraxis;de;\n" +
		"Meier;e@example.org;Org;planungspraxis;de;" + long(2001) + "\n" +
		"Meier;f@example.org;Org;planungspraxis;de;\"zwei\x7f\"\n" +
		"\"Meier\nMüller\";g@example.org;Org;planungspraxis;de;\n" +
		long(200) + ";ok@example.org;" + long(200) + ";planungspraxis;de;\"eins\nzwei\t" + long(1990) + "\"\n"
	p, err := panel.Parse("limits.csv", []byte(csv), kleinstadt(t))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ field, reason string }{
		{"name", panel.ReasonInvalidText}, {"name", panel.ReasonTooLong}, {"organisation", panel.ReasonTooLong},
		{"organisation", panel.ReasonInvalidText}, {"notes", panel.ReasonTooLong}, {"notes", panel.ReasonInvalidText},
		{"name", panel.ReasonInvalidText},
	}
	if len(p.Rejected) != len(want) {
		t.Fatalf("rejected = %+v", p.Rejected)
	}
	for i, w := range want {
		if got := p.Rejected[i]; got.Field != w.field || got.Reason != w.reason || !strings.Contains(got.Message, w.field) {
			t.Errorf("rejection %d (line %d) = %s %s %q, want %s %s", i, got.Line, got.Field, got.Reason, got.Message, w.field, w.reason)
		}
	}
	if len(p.Rows) != 1 || p.Rows[0].Email != "ok@example.org" {
		t.Errorf("valid rows = %d", len(p.Rows))
	}
}
