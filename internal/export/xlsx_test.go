package export

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/stats"
)

func TestSheetNames(t *testing.T) {
	fx := newFixture(t)
	_, f := xlsx(t, fx.in)
	want := []string{"Übersicht", "Runde 1", "Runde 2", "Rundenvergleich", "Nach Gruppen", "Rangfolgen", "Verteilungen",
		"Auswahlfragen", "Kommentare", "Rohdaten", "Codebuch", "Sensitivität"}
	if got := f.GetSheetList(); !slices.Equal(got, want) {
		t.Errorf("sheets = %q, want %q", got, want)
	}
	fx.in.Lang = "en"
	_, f = xlsx(t, fx.in)
	want = []string{"Overview", "Round 1", "Round 2", "Across rounds", "By group", "Rankings", "Distributions",
		"Choices", "Comments", "Raw data", "Codebook", "Sensitivity"}
	if got := f.GetSheetList(); !slices.Equal(got, want) {
		t.Errorf("sheets = %q, want %q", got, want)
	}
	if v, _ := f.GetCellValue("Round 1", "S2"); v != "consensus in" {
		t.Errorf("English outcome = %q", v)
	}
}

// value returns the value next to a label in column A of the overview.
func labelled(t *testing.T, rs [][]string, label string) []string {
	t.Helper()
	r := find(rs, map[int]string{0: label})
	if r == 0 {
		t.Fatalf("no row %q", label)
	}
	return rs[r-1]
}

func TestOverview(t *testing.T) {
	fx := newFixture(t)
	_, f := xlsx(t, fx.in)
	rs := rows(t, f, "Übersicht")
	for label, want := range map[string]string{
		"Studien-ID":                  "teststudie",
		"Version der Definition":      "2026-1",
		"Revision der Definition":     "3",
		"Exportierte Runden":          "1, 2",
		"Software":                    "Expertenrunde 1.4.0",
		"Zeitzone (alle Zeiten)":      "Europe/Berlin",
		"Nach Gruppen getrennt":       "ja",
		"Eigene Antwort der Vorrunde": "ja",
		"Gruppenergebnis erst nach eigener Antwort (Anti-Anchoring)": "nein",
		"Begründung außerhalb des IQR der Vorrunde verlangt":         "ja",
		"Regel": "Konsens, wenn mindestens 75 % Zustimmung (Skalenpunkte 4–5) und IQR ≤ 1; ablehnender Konsens, " +
			"wenn mindestens 75 % Ablehnung (Skalenpunkte 1–2) und IQR ≤ 1; mindestens 5 gültige Antworten",
		"Statistiken": "n, Median, Interquartilsabstand (IQR), Verteilung (Diagramm)",
		"-9999":       "kann ich nicht beurteilen (Enthaltung)",
	} {
		if got := labelled(t, rs, label); len(got) < 2 || got[1] != want {
			t.Errorf("%s = %q, want %q", label, got, want)
		}
	}
	// The fixture sets no min_group_n: the default 3 applied to the feedback by group.
	if m := labelled(t, rs, "Mindestzahl Antworten je Gruppe (min_group_n)")[1]; !strings.HasPrefix(m, "3: Gruppen mit weniger Antworten") {
		t.Errorf("min_group_n = %q", m)
	}
	if q := labelled(t, rs, "Quantile")[1]; !strings.HasPrefix(q, "Typ 7") {
		t.Errorf("quantile type = %q", q)
	}
	// The export time is a date cell in the study's zone: 15:30 UTC is 16:30 in Berlin.
	r := find(rs, map[int]string{0: "Exportiert am"})
	cell := cellName(1, r)
	if v, _ := f.GetCellValue("Übersicht", cell); v != "2026-11-26 16:30" {
		t.Errorf("export time = %q", v)
	}
	// Rounds: open and close dates in the study's time zone, item changes counted.
	r = find(rs, map[int]string{0: "1", 1: "geschlossen"})
	if r == 0 {
		t.Fatal("no row for round 1")
	}
	if v, _ := f.GetCellValue("Übersicht", cellName(3, r)); v != "2026-10-20 00:00" { // deadline 22:00 UTC
		t.Errorf("deadline of round 1 = %q", v)
	}
	round2 := rs[find(rs, map[int]string{0: "2", 1: "offen"})-1]
	if got := round2[6:11]; !slices.Equal(got, []string{"7", "1", "1", "1", "vorläufig (Runde offen)"}) {
		t.Errorf("round 2 items/added/changed/dropped/results = %q", got)
	}
	// Panel and attrition per group.
	if got := rs[find(rs, map[int]string{0: "Forschung", 1: "forschung"})-1]; !slices.Equal(got[2:4], []string{"5", "1"}) {
		t.Errorf("panel row = %q", got)
	}
	att := rs[find(rs, map[int]string{0: "2", 1: "Forschung"})-1]
	if !slices.Equal(att[2:7], []string{"5", "5", "0", "4", "3"}) || att[7] != "0.6" || att[8] != "5" {
		t.Errorf("attrition of Forschung in round 2 = %q", att)
	}
	// Items added, changed and dropped, with reasons.
	for _, want := range [][]string{
		{"2", "M1", "geändert", "Formulierung präzisiert"},
		{"2", "R2", "neu", "aus den offenen Antworten"},
		{"2", "C1", "entfallen", ""},
	} {
		r := find(rs, map[int]string{0: want[0], 1: want[1], 2: want[2]})
		if r == 0 || (want[3] != "" && rs[r-1][3] != want[3]) {
			t.Errorf("no change row %q", want)
		}
	}
}

// TestRoundSheet checks every statistic of every rating row against the
// results: real numbers, equal to the results' value to 15 digits, empty
// with a note when undefined.
func TestRoundSheet(t *testing.T) {
	fx := newFixture(t)
	_, f := xlsx(t, fx.in)
	cols := []struct {
		name string
		get  func(s stats.Summary) stats.Num
	}{
		{"Mittelwert", func(s stats.Summary) stats.Num { return s.Mean }},
		{"SD", func(s stats.Summary) stats.Num { return s.SD }},
		{"Median", func(s stats.Summary) stats.Num { return s.Median }},
		{"Q1", func(s stats.Summary) stats.Num { return s.Q1 }},
		{"Q3", func(s stats.Summary) stats.Num { return s.Q3 }},
		{"IQR", func(s stats.Summary) stats.Num { return s.IQR }},
		{"Min", func(s stats.Summary) stats.Num { return s.Min }},
		{"Max", func(s stats.Summary) stats.Num { return s.Max }},
		{"Zustimmung %", func(s stats.Summary) stats.Num { return s.AgreementPercent }},
		{"VK", func(s stats.Summary) stats.Num { return s.CV }},
		{"rWG", func(s stats.Summary) stats.Num { return s.RWG }},
	}
	checked, undefined := 0, 0
	for ri, res := range fx.in.Results {
		sheet := "Runde " + strconv.Itoa(res.Round)
		rs := rows(t, f, sheet)
		for _, it := range res.Items {
			for _, rr := range ratingRows(&it) {
				item, _ := (&study{def: fx.in.Survey.Definition, lang: "de", rounds: mustPrepare(t, fx.in).rounds}).item(ri, it.ItemID)
				crit := ""
				if rr.criterion != "" {
					crit = (&study{lang: "de"}).criterionLabel(item, rr.criterion)
				}
				r := find(rs, map[int]string{1: it.ItemID, 2: crit})
				if r == 0 {
					t.Fatalf("%s: no row for %s %s", sheet, it.ItemID, crit)
				}
				s := rr.r.Overall
				for _, c := range cols {
					cell := cellName(col(t, rs, c.name), r)
					got, _ := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
					typ, _ := f.GetCellType(sheet, cell)
					n := c.get(s)
					if !n.Valid {
						undefined++
						if got != "" {
							t.Errorf("%s!%s (%s %s %s) = %q, want empty (undefined)", sheet, cell, it.ItemID, crit, c.name, got)
						}
						continue
					}
					x, err := strconv.ParseFloat(got, 64)
					if err != nil || x != round15(n.Value) || (typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber) {
						t.Errorf("%s!%s (%s %s %s) = %q (type %v), want the number %v", sheet, cell, it.ItemID, crit, c.name, got, typ, n.Value)
					}
					if d := x - n.Value; d > 1e-13*max(1, n.Value) || d < -1e-13*max(1, n.Value) {
						t.Errorf("%s!%s differs from the result by %g", sheet, cell, d)
					}
					checked++
				}
				if got := rs[r-1][col(t, rs, "n")]; got != strconv.Itoa(s.N) {
					t.Errorf("%s %s n = %q, want %d", it.ItemID, crit, got, s.N)
				}
				if got := rs[r-1][col(t, rs, "Konsens")]; got != (&study{lang: "de"}).outcomeLabel(rr.r.Consensus.Outcome) {
					t.Errorf("%s %s outcome = %q", it.ItemID, crit, got)
				}
			}
		}
	}
	if checked < 60 || undefined == 0 {
		t.Errorf("checked %d numbers and %d undefined ones; the fixture should give both", checked, undefined)
	}
	// R2 in round 2 has one answer: SD undefined, with the reason in the notes.
	rs := rows(t, f, "Runde 2")
	r := find(rs, map[int]string{1: "R2"})
	if note := rs[r-1][col(t, rs, "Hinweise")]; !strings.Contains(note, "SD: n < 2") {
		t.Errorf("note of R2 = %q", note)
	}
	// Frozen header, autofilter, conditional formats on the outcome column.
	panes, err := f.GetPanes("Runde 1")
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes = %+v, %v", panes, err)
	}
	filter := false
	for _, dn := range f.GetDefinedName() {
		if dn.Name == "_xlnm._FilterDatabase" && dn.Scope == "Runde 1" && strings.HasPrefix(dn.RefersTo, "'Runde 1'!$A$1:$U$") {
			filter = true
		}
	}
	if !filter {
		t.Errorf("no autofilter on Runde 1: %+v", f.GetDefinedName())
	}
	cf, err := f.GetConditionalFormats("Runde 1")
	if err != nil {
		t.Fatal(err)
	}
	var values []string
	for rng, opts := range cf {
		if !strings.HasPrefix(rng, "S2:S") {
			t.Errorf("conditional format on %s", rng)
		}
		for _, o := range opts {
			values = append(values, o.Value)
		}
	}
	slices.Sort(values)
	if want := []string{`"Konsens"`, `"ablehnender Konsens"`, `"kein Konsens"`}; !slices.Equal(values, want) {
		t.Errorf("conditional formats match %q, want %q", values, want)
	}
}

func mustPrepare(t testing.TB, in Input) *study {
	t.Helper()
	s, err := prepare(in)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAcrossRounds(t *testing.T) {
	fx := newFixture(t)
	_, f := xlsx(t, fx.in)
	rs := rows(t, f, "Rundenvergleich")
	r := find(rs, map[int]string{1: "R1"})
	row := rs[r-1]
	res2, _ := fx.in.Results[1].Item("R1")
	st := res2.Rating.Stability
	want := map[string]string{
		"Median R1": "4", "Median R2": "5", "IQR R1": "1", "Zustimmung % R2": "100",
		"Anteil geändert gepaart R2": num(st.ShareChanged.Value), "Scheibe gepaart R2": num(st.Scheibe.Value), "stabil gepaart R2": "ja",
		"Wilcoxon p gepaart R2": num(st.Wilcoxon.P.Value), "ΔIQR gepaart R2": "0", "Konsens R1": "Konsens", "Konsens R2": "Konsens",
	}
	for name, v := range want {
		if got := row[col(t, rs, name)]; got != v {
			t.Errorf("R1 %s = %q, want %q", name, got, v)
		}
	}
	// C1 was dropped in round 2, R2 added.
	c1 := rs[find(rs, map[int]string{1: "C1"})-1]
	if c1[col(t, rs, "Konsens R2")] != "nicht gefragt" || c1[col(t, rs, "n R2")] != "" {
		t.Errorf("C1 in round 2 = %q", c1)
	}
	r2 := rs[find(rs, map[int]string{1: "R2"})-1]
	if r2[col(t, rs, "Konsens R1")] != "nicht gefragt" || r2[col(t, rs, "n R2")] != "1" {
		t.Errorf("R2 = %q", r2)
	}
	if note := r2[col(t, rs, "Hinweise")]; !strings.Contains(note, "keine gepaarten Antworten") {
		t.Errorf("R2 note = %q", note)
	}
}

func num(v float64) string { return strconv.FormatFloat(round15(v), 'f', -1, 64) }

func TestByGroupRankingsChoices(t *testing.T) {
	fx := newFixture(t)
	_, f := xlsx(t, fx.in)

	rs := rows(t, f, "Nach Gruppen")
	res, _ := fx.in.Results[0].Item("R1")
	g := res.Rating.ByGroup["forschung"]
	row := rs[find(rs, map[int]string{0: "1", 2: "R1", 5: "Forschung"})-1]
	if row[col(t, rs, "n")] != "4" || row[col(t, rs, "Enthaltungen")] != "1" ||
		row[col(t, rs, "SD")] != num(g.Summary.SD.Value) || row[col(t, rs, "Konsens")] != "kein Konsens" {
		t.Errorf("R1 Forschung = %q", row)
	}
	if row[col(t, rs, "Medianabstand")] != num(res.Rating.Divergence.MedianGap.Value) {
		t.Errorf("median gap = %q", row[col(t, rs, "Medianabstand")])
	}

	rs = rows(t, f, "Rangfolgen")
	rk, _ := fx.in.Results[0].Item("K1")
	row = rs[find(rs, map[int]string{0: "1", 4: "alle", 5: "x"})-1]
	o := rk.Ranking.Overall
	if row[col(t, rs, "mittlerer Rang")] != num(o.Options[0].MeanRank.Value) || row[col(t, rs, "Kendall W")] != num(o.W.Value) ||
		row[col(t, rs, "χ²")] != num(o.Chi2.Value) || row[col(t, rs, "p")] != num(o.P.Value) ||
		row[col(t, rs, "Anteil unter den ersten k")] != num(o.Options[0].TopKShare.Value) || row[col(t, rs, "m")] != "10" {
		t.Errorf("ranking row = %q", row)
	}

	rs = rows(t, f, "Auswahlfragen")
	row = rs[find(rs, map[int]string{0: "1", 2: "C1", 5: "alle", 6: "a"})-1]
	if row[col(t, rs, "n")] != "9" || row[col(t, rs, "Anzahl")] != "6" || row[col(t, rs, "Anteil")] != num(6.0/9) {
		t.Errorf("choice row = %q", row)
	}
}

func TestDistributionsAndCharts(t *testing.T) {
	fx := newFixture(t)
	data, f := xlsx(t, fx.in)
	rs := rows(t, f, "Verteilungen")
	row := rs[find(rs, map[int]string{0: "1", 2: "M1", 3: "Umsetzbarkeit"})-1]
	if !slices.Equal(row[5:12], []string{"9", "1", "2", "2", "2", "1", "2"}) {
		t.Errorf("distribution of M1 Umsetzbarkeit = %q", row)
	}
	// One chart per round and block with ratings: Themen in rounds 1 and 2.
	ps := parts(t, data)
	for _, p := range []string{"xl/charts/chart1.xml", "xl/charts/chart2.xml"} {
		if _, ok := ps[p]; !ok {
			t.Errorf("%s is missing", p)
		}
	}
	if _, ok := ps["xl/charts/chart3.xml"]; ok {
		t.Error("a third chart: only blocks with ratings get one")
	}
	chart := ps["xl/charts/chart1.xml"]
	for _, want := range []string{`<barDir val="bar">`, `<grouping val="percentStacked">`, "Runde 1 – Themen"} {
		if !bytes.Contains(chart, []byte(want)) {
			t.Errorf("chart1.xml lacks %s", want)
		}
	}
	var refs []string
	d := xml.NewDecoder(bytes.NewReader(chart))
	inF := false
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			inF = tok.Name.Local == "f"
		case xml.CharData:
			if inF {
				refs = append(refs, string(tok))
			}
		case xml.EndElement:
			inF = false
		}
	}
	for _, want := range []string{"'Verteilungen'!$H$1", "'Verteilungen'!$E$2:$E$4", "'Verteilungen'!$L$2:$L$4"} {
		if !slices.Contains(refs, want) {
			t.Errorf("chart1.xml lacks the reference %s: %q", want, refs)
		}
	}
}

// TestHostileText: user text that looks like a formula stays a string cell,
// and pseudonyms never appear in the comments.
func TestHostileText(t *testing.T) {
	fx := newFixture(t)
	// Hostile pseudonym and group, too (the raw data's strings).
	inner := fx.in.Responses
	fx.in.Responses = func(round int, yield func(*delphi.Response) error) error {
		return inner(round, func(r *delphi.Response) error {
			if r.Pseudonym == "E-03" {
				r.Pseudonym = "=1+2"
			}
			return yield(r)
		})
	}
	_, f := xlsx(t, fx.in)
	rs := rows(t, f, "Kommentare")
	found := 0
	for i, r := range rs {
		for j, v := range r {
			cell := cellName(j, i+1)
			if formula, _ := f.GetCellFormula("Kommentare", cell); formula != "" {
				t.Errorf("Kommentare!%s has the formula %q", cell, formula)
			}
			if strings.HasPrefix(v, "E-") {
				t.Errorf("Kommentare!%s holds a pseudonym: %q", cell, v)
			}
			for _, h := range hostile {
				if v == strings.TrimSpace(h) && j == 6 {
					found++
					if typ, _ := f.GetCellType("Kommentare", cell); typ != excelize.CellTypeInlineString {
						t.Errorf("Kommentare!%s (%q) has type %v, want a string", cell, v, typ)
					}
				}
			}
		}
	}
	if found < len(hostile)+1 { // the hostile comments plus the text answer "=1+1" in two rounds
		t.Errorf("found %d hostile texts, want at least %d", found, len(hostile)+1)
	}
	raw := rows(t, f, "Rohdaten")
	r := find(raw, map[int]string{0: "=1+2"})
	if r == 0 {
		t.Fatal("the hostile pseudonym is missing from the raw data")
	}
	if formula, _ := f.GetCellFormula("Rohdaten", cellName(0, r)); formula != "" {
		t.Errorf("the pseudonym became the formula %q", formula)
	}
	// excelize's stream writer does not make a formula of "=1+1" by itself.
	var buf bytes.Buffer
	g := excelize.NewFile()
	sw, _ := g.NewStreamWriter("Sheet1")
	_ = sw.SetRow("A1", []any{excelize.Cell{Value: "=1+1"}, "=2+2"})
	_ = sw.Flush()
	_ = g.Write(&buf)
	h, _ := excelize.OpenReader(&buf)
	for _, c := range []string{"A1", "B1"} {
		formula, _ := h.GetCellFormula("Sheet1", c)
		v, _ := h.GetCellValue("Sheet1", c)
		if formula != "" || !strings.HasPrefix(v, "=") {
			t.Errorf("excelize wrote %s as formula %q, value %q", c, formula, v)
		}
	}
}

func TestRawDataAndCodebook(t *testing.T) {
	fx := newFixture(t)
	_, f := xlsx(t, fx.in)
	rs := rows(t, f, "Rohdaten")
	wantHeader := []string{"pseudonym", "group", "round", "submitted", "R1", "M1_wichtigkeit", "M1_umsetzbarkeit", "C1",
		"C2_a", "C2_b", "C2_c", "K1_x", "K1_y", "K1_z", "N1", "R2"}
	if !slices.Equal(rs[0], wantHeader) {
		t.Errorf("raw header = %q", rs[0])
	}
	// 10 responses in round 1; 8 answered and one started in round 2 (expert 9 opened without answering).
	if len(rs) != 1+10+9 {
		t.Errorf("%d raw rows, want 20", len(rs))
	}
	e10 := rs[find(rs, map[int]string{0: "E-10", 2: "1"})-1]
	if got := e10[4:15]; !slices.Equal(got, []string{"-9999", "5", "-9999", "", "", "", "", "2", "1", "0", "0.333333333333333"}) {
		t.Errorf("E-10 round 1 = %q", got)
	}
	e10r2 := rs[find(rs, map[int]string{0: "E-10", 2: "2"})-1]
	if e10r2[3] != "0" || e10r2[7] != "" {
		t.Errorf("E-10 round 2 (not submitted, C1 not asked) = %q", e10r2)
	}
	if find(rs, map[int]string{0: "E-09", 2: "2"}) != 0 {
		t.Error("a response without answers is in the raw data")
	}
	r := find(rs, map[int]string{0: "E-01", 2: "1"})
	for c := 2; c < 15; c++ {
		typ, _ := f.GetCellType("Rohdaten", cellName(c, r))
		if typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
			t.Errorf("Rohdaten!%s has type %v, want a number", cellName(c, r), typ)
		}
	}
	if v := rs[r-1][4:]; !slices.Equal(v, []string{"4", "5", "2", "1", "1", "0", "0", "1", "2", "0", "10"}) {
		t.Errorf("E-01 round 1 = %q", v)
	}

	cb := rows(t, f, "Codebuch")
	for _, name := range wantHeader {
		if find(cb, map[int]string{0: name}) == 0 {
			t.Errorf("the codebook lacks %s", name)
		}
	}
	m := cb[find(cb, map[int]string{0: "M1_umsetzbarkeit"})-1]
	if m[1] != "M1" || m[2] != "umsetzbarkeit" || m[6] != "Mobilität ohne Auto" || m[7] != "Mobility without a car" ||
		!strings.HasSuffix(m[10], "-9999 = kann ich nicht beurteilen") || !strings.HasPrefix(m[11], "1 = not important") {
		t.Errorf("codebook row = %q", m)
	}
	if k := cb[find(cb, map[int]string{0: "K1_x"})-1]; !strings.Contains(k[10], "0 = nicht unter den ersten 2") {
		t.Errorf("ranking codes = %q", k[10])
	}
	if t1 := find(cb, map[int]string{1: "T1"}); t1 == 0 || cb[t1-1][0] != "" {
		t.Error("the text item should be listed without a variable")
	}
}

// TestNoPersonalData: identity strings in every response field that exists
// (expert ids, the answers' pseudonym field) reach no export, free text never
// sits next to a pseudonym.
func TestNoPersonalData(t *testing.T) {
	fx := newFixture(t)
	data, _ := xlsx(t, fx.in)
	var csvBuf, jsonBuf bytes.Buffer
	if err := WriteCSV(context.Background(), &csvBuf, fx.in); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(context.Background(), &jsonBuf, fx.in); err != nil {
		t.Fatal(err)
	}
	outputs := map[string][]byte{"csv": csvBuf.Bytes(), "json": jsonBuf.Bytes()}
	for name, b := range parts(t, data) {
		outputs[name] = b
	}
	for name, b := range outputs {
		for _, secret := range []string{secretID, secretName, "Erika"} {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s contains %q", name, secret)
			}
		}
	}
	for _, name := range []string{"csv", "json"} {
		for _, text := range []string{"Mehr Austausch", "Neue Einschätzung", "HYPERLINK", "@cmd"} {
			if bytes.Contains(outputs[name], []byte(text)) {
				t.Errorf("%s contains the free text %q", name, text)
			}
		}
	}
}

// TestWellFormed: every XML part parses and [Content_Types].xml covers
// every part.
func TestWellFormed(t *testing.T) {
	fx := newFixture(t)
	data, _ := xlsx(t, fx.in)
	ps := parts(t, data)
	for name, b := range ps {
		if !strings.HasSuffix(name, ".xml") && !strings.HasSuffix(name, ".rels") {
			continue
		}
		d := xml.NewDecoder(bytes.NewReader(b))
		for {
			_, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Errorf("%s is not well-formed: %v", name, err)
				break
			}
		}
	}
	var ct struct {
		Default []struct {
			Extension string `xml:"Extension,attr"`
		} `xml:"Default"`
		Override []struct {
			PartName string `xml:"PartName,attr"`
		} `xml:"Override"`
	}
	if err := xml.Unmarshal(ps["[Content_Types].xml"], &ct); err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, d := range ct.Default {
		covered["ext:"+strings.ToLower(d.Extension)] = true
	}
	for _, o := range ct.Override {
		covered[o.PartName] = true
		if _, ok := ps[strings.TrimPrefix(o.PartName, "/")]; !ok {
			t.Errorf("[Content_Types].xml names the missing part %s", o.PartName)
		}
	}
	for name := range ps {
		if name == "[Content_Types].xml" {
			continue
		}
		ext := strings.TrimPrefix(path.Ext(name), ".")
		if !covered["/"+name] && !covered["ext:"+strings.ToLower(ext)] {
			t.Errorf("no content type for %s", name)
		}
	}
	if len(ps) < 20 {
		t.Errorf("only %d parts", len(ps))
	}
}

func TestEmptyStudy(t *testing.T) {
	def := testDef()
	var items []delphi.RoundItem
	var plain []delphi.Item
	for _, it := range def.Items() {
		items = append(items, delphi.RoundItem{SectionID: "themen", Item: it, Origin: delphi.OriginInitial})
		plain = append(plain, it)
	}
	res := analysis.Compute(analysis.Input{Def: def, Round: 1, Items: plain, Live: true})
	for name, in := range map[string]Input{
		"a round without answers": {Survey: &delphi.Survey{ID: def.ID, Revision: 1, Definition: def},
			Rounds:  []delphi.Round{{Number: 1, Status: delphi.RoundOpen, Items: items}},
			Results: []*analysis.RoundResults{res},
			Responses: func(int, func(*delphi.Response) error) error {
				return nil
			}},
		"no rounds": {Survey: &delphi.Survey{ID: def.ID, Revision: 1, Definition: def}},
	} {
		t.Run(name, func(t *testing.T) {
			in.Now = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
			_, f := xlsx(t, in)
			ov := rows(t, f, "Übersicht")
			if r := find(ov, map[int]string{0: "Hinweis"}); r == 0 || !strings.Contains(ov[r-1][1], "keine Antworten") {
				t.Error("the overview does not explain that there are no answers")
			}
			for sheet, want := range map[string]string{"Rohdaten": "Keine Antworten.", "Kommentare": "Keine Kommentare oder Freitexte."} {
				rs := rows(t, f, sheet)
				if len(rs) != 2 || rs[1][0] != want {
					t.Errorf("%s = %q, want the note %q", sheet, rs, want)
				}
			}
			// The codebook still documents the variables.
			if cb := rows(t, f, "Codebuch"); find(cb, map[int]string{0: "M1_wichtigkeit"}) == 0 {
				t.Error("the codebook lacks the variables")
			}
			var b bytes.Buffer
			if err := WriteCSV(context.Background(), &b, in); err != nil || strings.Count(b.String(), "\r\n") != 1 {
				t.Errorf("CSV = %q, %v; want the header only", b.String(), err)
			}
			b.Reset()
			if err := WriteJSON(context.Background(), &b, in); err != nil || !strings.HasSuffix(b.String(), "\"rows\":[\n]}\n") {
				t.Errorf("JSON ends %q, %v", b.String()[max(0, b.Len()-30):], err)
			}
		})
	}
}

func TestInvalidInput(t *testing.T) {
	fx := newFixture(t)
	bad := map[string]func(in *Input){
		"no survey":        func(in *Input) { in.Survey = nil },
		"missing results":  func(in *Input) { in.Results = in.Results[:1] },
		"results mismatch": func(in *Input) { in.Results[0], in.Results[1] = in.Results[1], in.Results[0] },
		"descending": func(in *Input) {
			in.Rounds[0], in.Rounds[1] = in.Rounds[1], in.Rounds[0]
			in.Results[0], in.Results[1] = in.Results[1], in.Results[0]
		},
		"language": func(in *Input) { in.Lang = "fr" },
	}
	for name, mutate := range bad {
		in := fx.in
		in.Rounds = slices.Clone(in.Rounds)
		in.Results = slices.Clone(in.Results)
		mutate(&in)
		for format, write := range map[string]func() error{
			"xlsx": func() error { return WriteXLSX(context.Background(), io.Discard, in, nil) },
			"csv":  func() error { return WriteCSV(context.Background(), io.Discard, in) },
			"json": func() error { return WriteJSON(context.Background(), io.Discard, in) },
		} {
			if err := write(); delphi.ErrorCode(err) != delphi.EINVALID {
				t.Errorf("%s, %s: err = %v, want invalid", name, format, err)
			}
		}
	}
}

func TestCancelAndProgress(t *testing.T) {
	fx := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	var calls [][2]int
	err := WriteXLSX(ctx, io.Discard, fx.in, func(done, total int) {
		calls = append(calls, [2]int{done, total})
		if done == 3 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	calls = nil
	if err := WriteXLSX(context.Background(), io.Discard, fx.in, func(done, total int) { calls = append(calls, [2]int{done, total}) }); err != nil {
		t.Fatal(err)
	}
	for i, c := range calls {
		if c[0] != i+1 || c[1] != calls[0][1] {
			t.Errorf("progress call %d = %v", i, c)
		}
	}
	if last := calls[len(calls)-1]; last[0] != last[1] || last[1] < 10 {
		t.Errorf("last progress = %v", last)
	}
	cancelled, stop := context.WithCancel(context.Background())
	stop()
	for _, write := range []func() error{
		func() error { return WriteCSV(cancelled, io.Discard, fx.in) },
		func() error { return WriteJSON(cancelled, io.Discard, fx.in) },
	} {
		if err := write(); !errors.Is(err, context.Canceled) {
			t.Errorf("long format with a cancelled context: %v", err)
		}
	}
}

func TestFileName(t *testing.T) {
	now := time.Date(2026, 11, 26, 23, 30, 0, 0, time.UTC)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	for _, c := range []struct {
		id, lang string
		now      time.Time
		ext      string
		want     string
	}{
		{"kleinstadtakademie-2020", "de", now, "xlsx", "kleinstadtakademie-2020_ergebnisse_2026-11-26.xlsx"},
		{"kleinstadtakademie-2020", "en", now, ".csv", "kleinstadtakademie-2020_results_2026-11-26.csv"},
		{"kleinstadtakademie-2020", "de", now.In(berlin), "json", "kleinstadtakademie-2020_ergebnisse_2026-11-27.json"},
		{`a/b"c`, "de", now, "xlsx", "a_b_c_ergebnisse_2026-11-26.xlsx"},
	} {
		if got := FileName(c.id, c.lang, c.now, c.ext); got != c.want {
			t.Errorf("FileName(%q, %q, %v, %q) = %q, want %q", c.id, c.lang, c.now, c.ext, got, c.want)
		}
	}
}

// TestKleinstadtakademie exports round 1 of the shipped study (parsed from
// its YAML) with a synthetic panel.
func TestKleinstadtakademie(t *testing.T) {
	def := kleinstadtDef(t)
	def.Rounds.Feedback.MinGroupN = 5 // stated in the overview
	round := delphi.Round{Number: 1, Status: delphi.RoundClosed}
	for _, sec := range def.Sections {
		for _, it := range sec.Items {
			round.Items = append(round.Items, delphi.RoundItem{SectionID: sec.ID, Item: it, Origin: delphi.OriginInitial})
		}
	}
	gen := synthetic(def, round.Items, 40, 1)
	answers := answersOf(gen)
	res := analysis.Compute(analysis.Input{Def: def, Round: 1, Items: def.Items(), Answers: answers})
	in := Input{Survey: &delphi.Survey{ID: def.ID, Revision: 1, Definition: def}, Rounds: []delphi.Round{round},
		Results: []*analysis.RoundResults{res}, Lang: "en", Version: "test", Now: time.Unix(0, 0),
		Responses: func(int, func(*delphi.Response) error) error { return nil }}
	in.Responses = func(_ int, yield func(*delphi.Response) error) error { return gen(yield) }
	zipped, f := xlsx(t, in)
	raw := rows(t, f, "Raw data")
	for _, name := range []string{"T01_wichtigkeit", "T01_umsetzbarkeit", "F11_bundestagung"} {
		if !slices.Contains(raw[0], name) {
			t.Errorf("raw data lacks %s", name)
		}
	}
	if len(raw) != 41 {
		t.Errorf("%d raw rows, want 41", len(raw))
	}
	ov := rows(t, f, "Overview")
	if m := labelled(t, ov, "Minimum answers per group (min_group_n)"); m[1] != "5: groups with fewer answers (abstentions included) were shown to the panel without numbers, and the comments of such an item without groups. The results sheets of this export hold every group." {
		t.Errorf("min_group_n = %q", m[1])
	}
	if r := labelled(t, ov, "Rule"); !strings.HasPrefix(r[1], "Consensus when at least 75% agreement (scale points 4–5) and IQR ≤ 1") {
		t.Errorf("rule = %q", r[1])
	}
	// One chart per block with ratings: Themen, Aufgaben, Formate.
	ps := parts(t, zipped)
	if _, ok := ps["xl/charts/chart3.xml"]; !ok {
		t.Error("chart3.xml is missing")
	}
}

// TestStyles: every style was created (a zero id would silently fall back
// to the default, or make excelize add its own date style).
func TestStyles(t *testing.T) {
	fx := newFixture(t)
	x := &xw{study: mustPrepare(t, fx.in), f: excelize.NewFile()}
	defer x.f.Close()
	if err := x.newStyles(); err != nil {
		t.Fatal(err)
	}
	v := reflect.ValueOf(x.st)
	for i := range v.NumField() {
		if v.Field(i).Int() <= 0 && !strings.HasPrefix(v.Type().Field(i).Name, "cond") {
			t.Errorf("style %s is %d", v.Type().Field(i).Name, v.Field(i).Int())
		}
	}
}
