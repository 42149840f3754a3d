package export

import (
	"archive/zip"
	"context"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/klauspost/compress/flate"
	"github.com/xuri/excelize/v2"

	"github.com/expertenrunde/expertenrunde/internal/stats"
)

// WriteXLSX writes the workbook described in docs/EXPORT.md to w. Every
// sheet is written with excelize's StreamWriter, which keeps at most 16 MiB
// per sheet in memory and spills the rest to temporary files; the ZIP is
// then written straight to w. progress, if not nil, is called after each
// step with the steps done and the total. Errors: EINVALID for a bad Input,
// the context's error when it is cancelled, else the writer's or the
// Responses callback's error.
func WriteXLSX(ctx context.Context, w io.Writer, in Input, progress func(done, total int)) error {
	_, err := writeXLSX(ctx, w, in, progress)
	return err
}

// writeXLSX is WriteXLSX; it also returns the number of cells written.
func writeXLSX(ctx context.Context, w io.Writer, in Input, progress func(done, total int)) (int, error) {
	s, err := prepare(in)
	if err != nil {
		return 0, err
	}
	f := excelize.NewFile()
	defer f.Close()
	x := &xw{study: s, f: f, ctx: ctx, progress: progress}
	defer func() {
		for _, sp := range x.spools {
			sp.close()
		}
	}()
	if err := x.newStyles(); err != nil {
		return x.cells, err
	}
	steps := []func() error{x.overview}
	for i := range s.rounds {
		steps = append(steps, func() error { return x.roundSheet(i) })
	}
	steps = append(steps, x.acrossRounds, x.byGroup, x.rankings, x.distributions, x.choices, x.comments, x.rawData, x.codebook, x.sensitivity)
	steps = append(steps, x.flowSheet, x.attritionSheet)
	steps = append(steps, x.realtimeSeriesSheet, x.realtimeSummarySheet, x.realtimeRevisionsSheet)
	steps = append(steps, x.provenanceSheet)
	steps = append(steps, x.reportingSheets)
	steps = append(steps, x.argumentsSheet)
	x.total = len(steps) + len(s.rounds) + 1 // the raw data count per round; the last step writes the ZIP
	for _, step := range steps {
		if err := ctx.Err(); err != nil {
			return x.cells, err
		}
		if err := step(); err != nil {
			return x.cells, err
		}
		x.step()
	}
	if err := f.SetDocProps(&excelize.DocProperties{
		Title:    s.text(s.def.Title),
		Subject:  s.t("Ergebnisse der Delphi-Befragung ", "Results of the Delphi study ") + s.def.ID,
		Creator:  Software,
		Language: s.lang,
		Created:  s.in.Now.UTC().Format("2006-01-02T15:04:05Z"),
		Version:  s.in.Version,
	}); err != nil {
		return x.cells, err
	}
	if err := ctx.Err(); err != nil {
		return x.cells, err
	}
	// excelize builds the ZIP in a buffer; a ZipWriter on w streams it
	// instead. klauspost's deflate at level 6 compresses as well as the
	// standard library's default in 40 % of the time.
	// The ZIP writes one part after the other, so one compressor serves all.
	zw := zip.NewWriter(w)
	var fw *flate.Writer
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		if fw == nil {
			var err error
			fw, err = flate.NewWriter(w, 6)
			return fw, err
		}
		fw.Reset(w)
		return fw, nil
	})
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return &spliceZip{ZipWriter: zw, spools: x.spools} })
	if _, err := f.WriteToBuffer(); err != nil {
		return x.cells, err
	}
	x.step()
	return x.cells, nil
}

// xw writes one workbook.
type xw struct {
	*study
	f        *excelize.File
	ctx      context.Context
	progress func(done, total int)
	done     int
	total    int
	st       styles
	sheets   int         // sheets created
	cells    int         // cells written (for the benchmarks)
	spools   []*rowSpool // of the sheets whose rows are spooled
}

func (x *xw) step() {
	x.done++
	if x.progress != nil {
		x.progress(x.done, x.total)
	}
}

// styles are the workbook's cell styles.
type styles struct {
	title, heading, header, label         int
	text, wrap                            int // strings: number format "@" (text), so editing never makes a formula
	integer, dec2, dec3, pct, share, date int
	left, leftDate                        int // numbers and dates beside texts (the overview)
	condIn, condOut, condNone             int // conditional formats of consensus outcomes
}

func (x *xw) newStyles() error {
	var err error
	style := func(s *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = x.f.NewStyle(s)
		return id
	}
	cond := func(fill, font string) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = x.f.NewConditionalStyle(&excelize.Style{
			Font: &excelize.Font{Color: font},
			Fill: excelize.Fill{Type: "pattern", Color: []string{fill}, Pattern: 1},
		})
		return id
	}
	custom := func(format string) *string { return &format }
	top := &excelize.Alignment{Vertical: "top"}
	wrap := &excelize.Alignment{Vertical: "top", WrapText: true}
	x.st = styles{
		title:   style(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}, NumFmt: 49}),
		heading: style(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 12}, NumFmt: 49}),
		header: style(&excelize.Style{Font: &excelize.Font{Bold: true}, NumFmt: 49, Alignment: wrap,
			Fill:   excelize.Fill{Type: "pattern", Color: []string{"DDEBF7"}, Pattern: 1},
			Border: []excelize.Border{{Type: "bottom", Color: "8EA9DB", Style: 1}}}),
		label:   style(&excelize.Style{Font: &excelize.Font{Bold: true}, NumFmt: 49, Alignment: wrap}),
		text:    style(&excelize.Style{NumFmt: 49, Alignment: top}),
		wrap:    style(&excelize.Style{NumFmt: 49, Alignment: wrap}),
		integer: style(&excelize.Style{NumFmt: 1, Alignment: top}),
		dec2:    style(&excelize.Style{CustomNumFmt: custom("0.00"), Alignment: top}),
		dec3:    style(&excelize.Style{CustomNumFmt: custom("0.000"), Alignment: top}),
		pct:     style(&excelize.Style{CustomNumFmt: custom("0.0"), Alignment: top}),
		share:   style(&excelize.Style{CustomNumFmt: custom("0.0%"), Alignment: top}),
		date:    style(&excelize.Style{CustomNumFmt: custom("yyyy-mm-dd hh:mm"), Alignment: top}),
		left:    style(&excelize.Style{NumFmt: 1, Alignment: &excelize.Alignment{Vertical: "top", Horizontal: "left"}}),
		leftDate: style(&excelize.Style{CustomNumFmt: custom("yyyy-mm-dd hh:mm"),
			Alignment: &excelize.Alignment{Vertical: "top", Horizontal: "left"}}),
		condIn:   cond("C6EFCE", "006100"),
		condOut:  cond("FFC7CE", "9C0006"),
		condNone: cond("FFEB9C", "9C5700"),
	}
	return err
}

// Cell constructors. Strings are always string cells with the text format;
// undefined numbers are empty cells (nil).

func (x *xw) str(s string) any { return excelize.Cell{StyleID: x.st.text, Value: s} }

func (x *xw) long(s string) any { return excelize.Cell{StyleID: x.st.wrap, Value: s} }

func (x *xw) bold(s string) any { return excelize.Cell{StyleID: x.st.label, Value: s} }

func (x *xw) int(n int) any { return excelize.Cell{StyleID: x.st.integer, Value: n} }

// num returns a number cell with style st, or nil when n is undefined.
func (x *xw) num(n stats.Num, st int) any {
	if !n.Valid {
		return nil
	}
	return excelize.Cell{StyleID: st, Value: round15(n.Value)}
}

func (x *xw) float(v float64, st int) any { return excelize.Cell{StyleID: st, Value: round15(v)} }

func (x *xw) yesNo(b bool) any {
	if b {
		return x.str(x.t("ja", "yes"))
	}
	return x.str(x.t("nein", "no"))
}

// round15 rounds to 15 significant digits, the precision of a spreadsheet
// cell. excelize would otherwise cut longer numbers off (not round them).
func round15(v float64) float64 {
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 15, 64), 64)
	if err != nil {
		return v
	}
	return r
}

// sheet is one worksheet being streamed.
type sheet struct {
	x      *xw
	name   string
	sw     *excelize.StreamWriter
	row    int // the last row written
	filter string
	conds  []string  // ranges with consensus outcomes
	widths []float64 // column widths, for row heights
	fit    bool      // set row heights for wrapped text
	spool  *rowSpool // the rows from here on, when they are spooled
}

// spoolRows writes the sheet's further rows to a spool instead of
// excelize's buffer (spool.go): for sheets that grow with the panel.
func (sh *sheet) spoolRows() error {
	id := 0
	for i, name := range sh.x.f.GetSheetMap() {
		if name == sh.name {
			id = i
		}
	}
	sp, err := newRowSpool("xl/worksheets/sheet" + strconv.Itoa(id) + ".xml")
	if err != nil {
		return err
	}
	sh.spool = sp
	sh.x.spools = append(sh.x.spools, sp)
	return nil
}

// sheet creates the next worksheet (the first one renames the default).
func (x *xw) sheet(name string, widths ...float64) (*sheet, error) {
	if x.sheets == 0 {
		if err := x.f.SetSheetName("Sheet1", name); err != nil {
			return nil, err
		}
	} else if _, err := x.f.NewSheet(name); err != nil {
		return nil, err
	}
	x.sheets++
	readable := name != x.sheetName("raw")
	if readable { // printed on A4 landscape, one page wide
		yes, landscape, a4, one, any := true, "landscape", 9, 1, 0
		if err := x.f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &yes}); err != nil {
			return nil, err
		}
		if err := x.f.SetPageLayout(name, &excelize.PageLayoutOptions{Size: &a4, Orientation: &landscape, FitToWidth: &one, FitToHeight: &any}); err != nil {
			return nil, err
		}
	}
	sw, err := x.f.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	for i, wd := range widths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return nil, err
		}
	}
	return &sheet{x: x, name: name, sw: sw, widths: widths, fit: readable}, nil
}

// freeze keeps the first row and cols columns in view. Call it before the
// first row.
func (sh *sheet) freeze(cols int) error {
	cell, _ := excelize.CoordinatesToCellName(cols+1, 2)
	pane := "bottomLeft"
	if cols > 0 {
		pane = "bottomRight"
	}
	return sh.sw.SetPanes(&excelize.Panes{Freeze: true, XSplit: cols, YSplit: 1, TopLeftCell: cell, ActivePane: pane,
		Selection: []excelize.Selection{{SQRef: cell, ActiveCell: cell, Pane: pane}}})
}

// add writes the next row. On readable sheets, a row with wrapped text
// gets the height of its longest cell: neither Excel nor LibreOffice fits
// row heights when opening a file.
func (sh *sheet) add(vals ...any) error {
	sh.row++
	lines := 1
	for i, v := range vals {
		if v == nil {
			continue
		}
		sh.x.cells++
		if c, ok := v.(excelize.Cell); ok && sh.fit {
			if s, ok := c.Value.(string); ok && (c.StyleID == sh.x.st.wrap || c.StyleID == sh.x.st.header || c.StyleID == sh.x.st.label) {
				width := 9.0
				if i < len(sh.widths) {
					width = sh.widths[i]
				}
				if c.StyleID == sh.x.st.wrap {
					width *= 1.2 // regular text is narrower than the digits a width counts
				}
				lines = max(lines, textLines(s, width))
			}
		}
	}
	height := 0.0
	if lines > 1 {
		height = min(409, 15*float64(lines))
	}
	if sh.spool != nil {
		return sh.spool.row(sh.row, height, vals)
	}
	cell, _ := excelize.CoordinatesToCellName(1, sh.row)
	if lines > 1 {
		return sh.sw.SetRow(cell, vals, excelize.RowOpts{Height: min(409, 15*float64(lines))})
	}
	return sh.sw.SetRow(cell, vals)
}

// textLines estimates the lines s takes in a wrapped cell of the given
// width (in characters of the default font).
func textLines(s string, width float64) int {
	per := max(1, int(width)-1)
	n := 0
	for _, para := range strings.Split(s, "\n") {
		runes := utf8.RuneCountInString(para)
		n += max(1, (runes+per-1)/per)
	}
	return n
}

// header writes a header row and, with filter, puts the autofilter on the
// table below it.
func (sh *sheet) header(names []string, filter bool) error {
	vals := make([]any, len(names))
	for i, n := range names {
		vals[i] = excelize.Cell{StyleID: sh.x.st.header, Value: n}
	}
	if err := sh.add(vals...); err != nil {
		return err
	}
	if filter {
		end, _ := excelize.ColumnNumberToName(len(names))
		sh.filter = "A" + strconv.Itoa(sh.row) + ":" + end
	}
	return nil
}

// outcomes marks column col (1-based) from row first to the last row as
// holding consensus outcomes.
func (sh *sheet) outcomes(col, first int) {
	name, _ := excelize.ColumnNumberToName(col)
	sh.conds = append(sh.conds, name+strconv.Itoa(first)+":"+name)
}

// note writes an explanatory row in column A (for empty tables).
func (sh *sheet) note(text string) error { return sh.add(sh.x.long(text)) }

// close applies the autofilter and the conditional formats and flushes.
func (sh *sheet) close() error {
	x := sh.x
	last := strconv.Itoa(max(sh.row, 2))
	if sh.filter != "" {
		if err := x.f.AutoFilter(sh.name, sh.filter+last, nil); err != nil {
			return err
		}
	}
	for _, rng := range sh.conds {
		opts := []excelize.ConditionalFormatOptions{
			{Type: "cell", Criteria: "==", Value: quote(x.outcomeLabel("consensus_in")), Format: &x.st.condIn},
			{Type: "cell", Criteria: "==", Value: quote(x.outcomeLabel("consensus_out")), Format: &x.st.condOut},
			{Type: "cell", Criteria: "==", Value: quote(x.outcomeLabel("none")), Format: &x.st.condNone},
		}
		if err := x.f.SetConditionalFormat(sh.name, rng+last, opts); err != nil {
			return err
		}
	}
	return sh.sw.Flush()
}

// quote makes s a string literal of a spreadsheet formula.
func quote(s string) string {
	out := []byte{'"'}
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			out = append(out, '"')
		}
		out = append(out, s[i])
	}
	return string(append(out, '"'))
}

// ref returns an absolute reference to a range of sheet, e.g. 'Runde 1'!$B$2:$B$9.
func ref(sheet string, col1, row1, col2, row2 int) string {
	a, _ := excelize.CoordinatesToCellName(col1, row1, true)
	b, _ := excelize.CoordinatesToCellName(col2, row2, true)
	q := "'"
	for _, c := range sheet {
		if c == '\'' {
			q += "''"
		} else {
			q += string(c)
		}
	}
	q += "'!" + a
	if b != a {
		q += ":" + b
	}
	return q
}

// sheetNames are the sheet names in the export language.
func (s *study) sheetName(key string) string {
	switch key {
	case "overview":
		return s.t("Übersicht", "Overview")
	case "across":
		return s.t("Rundenvergleich", "Across rounds")
	case "groups":
		return s.t("Nach Gruppen", "By group")
	case "rankings":
		return s.t("Rangfolgen", "Rankings")
	case "distributions":
		return s.t("Verteilungen", "Distributions")
	case "choices":
		return s.t("Auswahlfragen", "Choices")
	case "comments":
		return s.t("Kommentare", "Comments")
	case "raw":
		return s.t("Rohdaten", "Raw data")
	case "codebook":
		return s.t("Codebuch", "Codebook")
	case "sensitivity":
		return s.t("Sensitivität", "Sensitivity")
	}
	return key
}

func (s *study) roundName(n int) string { return s.t("Runde ", "Round ") + strconv.Itoa(n) }
