// Package panel reads expert panels from CSV and XLSX files and plans their
// import. It is pure: bytes and a study definition in, rows and per-row
// errors out; the HTTP layer writes the result.
package panel

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// MaxRows bounds the data rows of one file.
const MaxRows = 20000

// MaxUnzippedXLSX bounds the unpacked size of an uploaded workbook: a
// sheet of MaxRows rows takes some 20 MB.
const MaxUnzippedXLSX = 128 << 20

// Reasons a row is rejected; the UI translates them. The first three are
// the reasons of the same errors of the API.
const (
	ReasonBadEmail        = delphi.ReasonBadEmail
	ReasonUnknownGroup    = delphi.ReasonUnknownGroup
	ReasonUnknownLanguage = delphi.ReasonUnknownLanguage
	ReasonDuplicate       = "duplicate_in_file"
	ReasonTooLong         = "too_long"
	ReasonInvalidText     = "invalid_text" // a control character, or not UTF-8
)

// Row is one valid data row, normalised: lower-case e-mail, the group's id,
// language de, en or empty (not given).
type Row struct {
	Line         int    `json:"row"` // row number in the file (the header is row 1 when it is the first line)
	Name         string `json:"name"`
	Email        string `json:"email"`
	Organisation string `json:"organisation"`
	Group        string `json:"group"`
	Language     string `json:"language"`
	Notes        string `json:"notes,omitempty"`
}

// Expert returns the row as an expert of the study.
func (r Row) Expert(surveyID string) *delphi.Expert {
	return &delphi.Expert{
		SurveyID: surveyID, Name: r.Name, Email: r.Email, Organisation: r.Organisation,
		Group: r.Group, Language: r.Language, Notes: r.Notes,
	}
}

// Rejection is a row that cannot be imported, with the reason.
type Rejection struct {
	Line    int    `json:"row"`
	Email   string `json:"email,omitempty"` // as written in the file
	Field   string `json:"field"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// Parsed is a file read into valid rows and rejected ones.
type Parsed struct {
	Format   string      `json:"format"`    // csv or xlsx
	DataRows int         `json:"data_rows"` // non-empty rows below the header
	Rows     []Row       `json:"-"`
	Rejected []Rejection `json:"rejected"`
	Ignored  []string    `json:"ignored_columns,omitempty"` // headers not understood
}

// Parse reads a CSV (UTF-8 with or without BOM, or Windows-1252; comma,
// semicolon or tab) or XLSX file (by name or content) against the study's
// groups. EINVALID for an unreadable file, a missing e-mail column or too
// many rows; problems of single rows become rejections.
func Parse(name string, data []byte, def *delphi.Definition) (*Parsed, error) {
	var (
		records [][]string
		lines   []int
		format  string
		err     error
	)
	if strings.EqualFold(path.Ext(name), ".xlsx") || bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		format = "xlsx"
		records, lines, err = readXLSX(data)
	} else {
		format = "csv"
		records, lines, err = readCSV(data)
	}
	if err != nil {
		return nil, err
	}
	return parseRecords(format, records, lines, def)
}

// readCSV decodes the text, detects the delimiter from the header line and
// returns the records with their line numbers.
func readCSV(data []byte) ([][]string, []int, error) {
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	if !utf8.Valid(data) {
		data = decodeWindows1252(data)
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = detectDelimiter(data)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	var (
		records [][]string
		lines   []int
	)
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, delphi.FieldErrorf(delphi.EINVALID, "file", "the CSV file cannot be read: %v", err)
		}
		line, _ := r.FieldPos(0)
		records = append(records, rec)
		lines = append(lines, line)
		if len(records) > MaxRows+1 {
			return nil, nil, delphi.FieldErrorf(delphi.EINVALID, "file", "the file has more than %d rows", MaxRows)
		}
	}
	return records, lines, nil
}

// detectDelimiter picks ';', ',' or tab, whichever occurs most often outside
// quotes in the first line. German Excel writes semicolons.
func detectDelimiter(data []byte) rune {
	counts := map[rune]int{}
	inQuote := false
	for _, c := range string(data) {
		if c == '"' {
			inQuote = !inQuote
			continue
		}
		if !inQuote && (c == '\n' || c == '\r') {
			break
		}
		if !inQuote && (c == ';' || c == ',' || c == '\t') {
			counts[c]++
		}
	}
	best := ','
	for _, c := range []rune{';', '\t'} {
		if counts[c] > counts[best] {
			best = c
		}
	}
	return best
}

// cp1252 maps the bytes 0x80–0x9F of Windows-1252; the rest is Latin-1.
var cp1252 = [32]rune{
	'€', 0xFFFD, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0xFFFD, 'Ž', 0xFFFD,
	0xFFFD, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0xFFFD, 'ž', 'Ÿ',
}

func decodeWindows1252(data []byte) []byte {
	var b strings.Builder
	b.Grow(len(data) + len(data)/8)
	for _, c := range data {
		switch {
		case c < 0x80:
			b.WriteByte(c)
		case c < 0xA0:
			b.WriteRune(cp1252[c-0x80])
		default:
			b.WriteRune(rune(c))
		}
	}
	return []byte(b.String())
}

// readXLSX returns the cells of the first sheet as displayed text.
func readXLSX(data []byte) ([][]string, []int, error) {
	// The reader's default limits (16 GB unpacked, parts other than sheets
	// read into memory) would let a 4 MB zip bomb allocate gigabytes.
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: MaxUnzippedXLSX, UnzipXMLSizeLimit: 16 << 20})
	if err != nil {
		if strings.Contains(err.Error(), "unzip size exceeds") {
			return nil, nil, delphi.FieldErrorf(delphi.EINVALID, "file", "the Excel file unpacks to more than %d MB; save it as CSV or split it", MaxUnzippedXLSX>>20)
		}
		return nil, nil, delphi.FieldErrorf(delphi.EINVALID, "file", "the Excel file cannot be read: %v", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, nil, delphi.FieldErrorf(delphi.EINVALID, "file", "the Excel file has no sheet")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, nil, delphi.FieldErrorf(delphi.EINVALID, "file", "the Excel file cannot be read: %v", err)
	}
	defer rows.Close()
	var (
		records [][]string
		lines   []int
	)
	for n := 1; rows.Next(); n++ {
		rec, err := rows.Columns()
		if err != nil {
			return nil, nil, delphi.FieldErrorf(delphi.EINVALID, "file", "row %d of the Excel file cannot be read: %v", n, err)
		}
		records = append(records, rec)
		lines = append(lines, n)
		if len(records) > MaxRows+1 {
			return nil, nil, delphi.FieldErrorf(delphi.EINVALID, "file", "the file has more than %d rows", MaxRows)
		}
	}
	return records, lines, nil
}

// Column keys.
const (
	colName = iota
	colEmail
	colOrganisation
	colGroup
	colLanguage
	colNotes
	numCols
)

// headerNames maps normalised header texts (lower case, without spaces,
// hyphens, underscores and dots) to columns, German and English.
var headerNames = map[string]int{
	"name": colName, "vollständigername": colName, "fullname": colName,
	"email": colEmail, "emailadresse": colEmail, "mail": colEmail, "emailaddress": colEmail,
	"organisation": colOrganisation, "organization": colOrganisation, "institution": colOrganisation, "einrichtung": colOrganisation,
	"gruppe": colGroup, "group": colGroup, "expertengruppe": colGroup, "expertgroup": colGroup,
	"sprache": colLanguage, "language": colLanguage, "lang": colLanguage,
	"notizen": colNotes, "notes": colNotes, "notiz": colNotes, "bemerkungen": colNotes, "note": colNotes,
}

func normHeader(h string) string {
	h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")))
	return strings.NewReplacer(" ", "", "-", "", "_", "", ".", "", "\u00a0", "").Replace(h)
}

// languageNames maps cell texts to languages. An empty cell stays empty: a
// new expert then gets the study's first language, an existing one keeps
// theirs.
var languageNames = map[string]string{
	"": "", "de": delphi.LangDE, "deutsch": delphi.LangDE, "german": delphi.LangDE, "ger": delphi.LangDE, "deu": delphi.LangDE,
	"en": delphi.LangEN, "englisch": delphi.LangEN, "english": delphi.LangEN, "eng": delphi.LangEN,
}

// GroupResolver maps a group cell (id or German/English label, any case)
// to the group id.
type GroupResolver map[string]string

// NewGroupResolver indexes the study's groups by id and labels.
func NewGroupResolver(def *delphi.Definition) GroupResolver {
	r := GroupResolver{}
	for _, g := range def.Groups {
		for _, l := range g.Label {
			r[strings.ToLower(strings.TrimSpace(l))] = g.ID
		}
	}
	for _, g := range def.Groups { // ids win over a label that happens to equal another id
		r[strings.ToLower(g.ID)] = g.ID
	}
	return r
}

// Resolve returns the group id for a cell.
func (r GroupResolver) Resolve(cell string) (string, bool) {
	id, ok := r[strings.ToLower(strings.Join(strings.Fields(cell), " "))]
	return id, ok
}

func parseRecords(format string, records [][]string, lines []int, def *delphi.Definition) (*Parsed, error) {
	// The header is the first row with any text.
	h := 0
	for h < len(records) && blank(records[h]) {
		h++
	}
	if h == len(records) {
		return nil, delphi.FieldErrorf(delphi.EINVALID, "file", "the file is empty")
	}
	cols := [numCols]int{-1, -1, -1, -1, -1, -1}
	out := &Parsed{Format: format, Rows: []Row{}, Rejected: []Rejection{}}
	for i, cell := range records[h] {
		c, ok := headerNames[normHeader(cell)]
		switch {
		case ok && cols[c] < 0:
			cols[c] = i
		case strings.TrimSpace(cell) != "":
			out.Ignored = append(out.Ignored, strings.TrimSpace(cell))
		}
	}
	if cols[colEmail] < 0 {
		return nil, delphi.FieldErrorf(delphi.EINVALID, "file", "no e-mail column: the first row must name the columns (Name, E-Mail, Organisation, Gruppe, Sprache, Notizen)")
	}
	if cols[colGroup] < 0 {
		return nil, delphi.FieldErrorf(delphi.EINVALID, "file", "no group column (Gruppe/Group)")
	}
	groups := NewGroupResolver(def)
	seen := map[string]int{} // e-mail → first row
	for i := h + 1; i < len(records); i++ {
		rec := records[i]
		if blank(rec) {
			continue
		}
		out.DataRows++
		cell := func(c int) string {
			if cols[c] < 0 || cols[c] >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[cols[c]])
		}
		line := lines[i]
		raw := cell(colEmail)
		reject := func(field, reason, format string, args ...any) {
			out.Rejected = append(out.Rejected, Rejection{Line: line, Email: raw, Field: field, Reason: reason, Message: fmt.Sprintf(format, args...)})
		}
		row := Row{Line: line, Name: cell(colName), Email: strings.ToLower(raw), Organisation: cell(colOrganisation), Notes: cell(colNotes)}
		if !delphi.ValidEmail(row.Email) {
			if raw == "" {
				reject("email", ReasonBadEmail, "the e-mail address is missing")
			} else {
				reject("email", ReasonBadEmail, "%q is not a valid e-mail address", raw)
			}
			continue
		}
		if first, dup := seen[row.Email]; dup {
			reject("email", ReasonDuplicate, "the e-mail address already appears in row %d", first)
			continue
		}
		seen[row.Email] = line
		g, ok := groups.Resolve(cell(colGroup))
		if !ok {
			if cell(colGroup) == "" {
				reject("group", ReasonUnknownGroup, "the group is missing")
			} else {
				reject("group", ReasonUnknownGroup, "unknown group %q", cell(colGroup))
			}
			continue
		}
		row.Group = g
		lang, ok := languageNames[strings.ToLower(cell(colLanguage))]
		if !ok || (lang != "" && !def.HasLanguage(lang)) {
			reject("language", ReasonUnknownLanguage, "language %q is not a language of this study (%s)", cell(colLanguage), strings.Join(def.LanguageList(), ", "))
			continue
		}
		row.Language = lang
		if err := (&delphi.Expert{Name: row.Name, Organisation: row.Organisation, Notes: row.Notes}).CheckTexts(); err != nil {
			reason := ReasonInvalidText
			if errors.Is(err, delphi.ErrTextTooLong) {
				reason = ReasonTooLong
			}
			e := delphi.AsError(err)
			reject(e.Field, reason, "%s", e.Message)
			continue
		}
		out.Rows = append(out.Rows, row)
	}
	if out.DataRows > MaxRows {
		return nil, delphi.FieldErrorf(delphi.EINVALID, "file", "the file has more than %d rows", MaxRows)
	}
	return out, nil
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
