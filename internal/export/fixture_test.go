package export

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

func ip(v int) *int             { return &v }
func fp(v float64) *float64     { return &v }
func tp(t time.Time) *time.Time { return &t }

// Identity-like strings put into every field of a response that exists; no
// export may contain them.
const (
	secretID   = "expert-id-SECRET"
	secretName = "Erika Mustermann"
)

// hostile are comments that a spreadsheet would run as formulas.
var hostile = []string{"=1+1", "+SUM(A1:A2)", "-2+3", "@cmd", "\tTab vorn", "\rCR vorn", `=HYPERLINK("http://example.org","klick")`}

func txt(de, en string) delphi.Text { return delphi.Text{"de": de, "en": en} }

// testDef is a small study with every item type, two groups and a 5-point
// scale with "cannot judge"; the Kleinstadtakademie rule.
func testDef() *delphi.Definition {
	sc := delphi.Scale{ID: "s5", Agreement: delphi.Band{Min: 4, Max: 5}, Disagreement: &delphi.Band{Min: 1, Max: 2},
		Abstain: &delphi.Abstain{Label: txt("kann ich nicht beurteilen", "cannot judge")}}
	labels := [][2]string{{"gar nicht wichtig", "not important"}, {"eher unwichtig", "rather unimportant"}, {"teils, teils", "partly"},
		{"eher wichtig", "rather important"}, {"sehr wichtig", "very important"}}
	for i, l := range labels {
		sc.Points = append(sc.Points, delphi.ScalePoint{Value: i + 1, Label: txt(l[0], l[1])})
	}
	opts := func(ids ...string) []delphi.Option {
		var o []delphi.Option
		for _, id := range ids {
			o = append(o, delphi.Option{ID: id, Label: txt("Option "+id, "option "+id)})
		}
		return o
	}
	return &delphi.Definition{
		ID: "teststudie", Version: "2026-1", Languages: []string{"de", "en"},
		Title:    txt("Teststudie zur Kleinstadt", "Test study on small towns"),
		TimeZone: "Europe/Berlin",
		Groups: []delphi.Group{{ID: "praxis", Label: txt("Praxis", "Practice")},
			{ID: "forschung", Label: txt("Forschung", "Research")}},
		Scales:       []delphi.Scale{sc},
		QuantileType: 7,
		Consensus: delphi.Rule{MinN: 5, All: []delphi.Rule{
			{Agreement: &delphi.AgreementRule{MinPercent: 75}}, {IQR: &delphi.MaxRule{Max: 1}}}},
		Rounds: delphi.RoundPlan{Planned: 2, Feedback: delphi.Feedback{Statistics: []string{"n", "median", "iqr", "distribution"},
			OwnPrevious: true, Comments: true, ByGroup: true, JustifyOutsideIQR: true}, CarryOver: delphi.CarryOver{Mode: delphi.CarryAll}},
		Sections: []delphi.Section{
			{ID: "themen", Title: txt("Themen", "Topics"), Items: []delphi.Item{
				{ID: "R1", Type: delphi.ItemRating, Scale: "s5", Text: txt("Wohnen ist wichtig", "Housing matters"), Comment: true},
				{ID: "M1", Type: delphi.ItemMultiRating, Text: txt("Mobilität", "Mobility"), Criteria: []delphi.Criterion{
					{ID: "wichtigkeit", Label: txt("Wichtigkeit", "importance"), Scale: "s5"},
					{ID: "umsetzbarkeit", Label: txt("Umsetzbarkeit", "feasibility"), Scale: "s5"}}},
			}},
			{ID: "formate", Title: txt("Formate", "Formats"), Items: []delphi.Item{
				{ID: "C1", Type: delphi.ItemSingleChoice, Text: txt("Bestes Format", "Best format"), Options: opts("a", "b", "c")},
				{ID: "C2", Type: delphi.ItemMultipleChoice, Text: txt("Formate", "Formats"), Options: opts("a", "b", "c")},
				{ID: "K1", Type: delphi.ItemRanking, Text: txt("Rangfolge", "Ranking"), Options: opts("x", "y", "z"), TopK: 2},
				{ID: "N1", Type: delphi.ItemNumeric, Text: txt("Anteil in %", "Share in %"),
					Numeric: &delphi.Numeric{Unit: txt("%", "%"), Min: fp(0), Max: fp(100)}},
				{ID: "T1", Type: delphi.ItemText, Text: txt("Was fehlt?", "What is missing?")},
			}},
		},
	}
}

// fixture is the seeded study: 10 experts in two groups and two rounds.
// Round 1 asks every item; round 2 carries R1, C2, K1, N1 and T1, changes
// M1's wording, drops C1 and adds R2. Expert 8 opens round 2 without
// answering; expert 9 does not submit round 2.
type fixture struct {
	in        Input
	responses map[int][]*delphi.Response
}

func newFixture(t testing.TB) *fixture { return newFixtureDef(t, testDef()) }

// newFixtureDef is newFixture with another definition of testDef's items.
func newFixtureDef(t testing.TB, def *delphi.Definition) *fixture {
	items := def.Items()
	byID := map[string]delphi.Item{}
	for _, it := range items {
		byID[it.ID] = it
	}
	sectionOf := map[string]string{"R1": "themen", "M1": "themen", "R2": "themen"}
	open1, close1 := time.Date(2026, 10, 5, 7, 0, 0, 0, time.UTC), time.Date(2026, 10, 19, 22, 0, 0, 0, time.UTC)
	open2 := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	r1 := delphi.Round{SurveyID: def.ID, Number: 1, Status: delphi.RoundClosed, OpensAt: tp(open1), Deadline: tp(close1),
		OpenedAt: tp(open1), ClosedAt: tp(close1)}
	for _, it := range items {
		r1.Items = append(r1.Items, delphi.RoundItem{SectionID: cmpOr(sectionOf[it.ID], "formate"), Item: it, Origin: delphi.OriginInitial})
	}
	m1 := byID["M1"]
	m1.Text = txt("Mobilität ohne Auto", "Mobility without a car")
	r2item := delphi.Item{ID: "R2", Type: delphi.ItemRating, Scale: "s5", Text: txt("Digitale Verwaltung", "Digital administration")}
	r2 := delphi.Round{SurveyID: def.ID, Number: 2, Status: delphi.RoundOpen, OpensAt: tp(open2), OpenedAt: tp(open2),
		Items: []delphi.RoundItem{
			{SectionID: "themen", Item: byID["R1"], Origin: delphi.OriginCarried},
			{SectionID: "themen", Item: m1, Origin: delphi.OriginChanged, Reason: "Formulierung präzisiert"},
			{SectionID: "themen", Item: r2item, Origin: delphi.OriginNew, Reason: "aus den offenen Antworten"},
			{SectionID: "formate", Item: byID["C2"], Origin: delphi.OriginCarried},
			{SectionID: "formate", Item: byID["K1"], Origin: delphi.OriginCarried},
			{SectionID: "formate", Item: byID["N1"], Origin: delphi.OriginCarried},
			{SectionID: "formate", Item: byID["T1"], Origin: delphi.OriginCarried},
		}}

	pt := func(v int) delphi.Value {
		if v == 0 {
			return delphi.Value{Abstain: true}
		}
		return delphi.Value{Point: ip(v)}
	}
	r1v := [][]int{{4, 5, 4, 4, 5, 3, 4, 5, 4, 0}, {4, 5, 5, 4, 5, 4, 4, 5, 4, 5}} // per round, 0 = abstain
	wich := []int{5, 4, 4, 5, 4, 4, 5, 4, 4, 5}
	ums := []int{2, 3, 1, 4, 5, 2, 3, 1, 5, 0}
	single := []string{"a", "a", "b", "a", "c", "a", "b", "a", "a", ""}
	multi := [][]string{{"a"}, {"a", "b"}, {"c"}, {"a", "c"}, {"b"}, {"a"}, {"a", "b", "c"}, {"b"}, {"a"}, nil}
	ranks := [][]string{{"x", "y"}, {"y", "x"}, {"x", "z"}, {"x", "y"}, {"z", "x"}, {"x", "y"}, {"y", "z"}, {"x", "y"}, {"x", "z"}, {"y", "x"}}
	nums := []float64{10, 20, 25, 30, 12.5, 40, 50, 33.3, 20, 1.0 / 3}
	texts := []string{"Mehr Austausch", "=1+1", "", "", "Bessere Anbindung", "", "", "", "", ""}

	resp := map[int][]*delphi.Response{}
	var answers = map[int][]delphi.Answer{}
	seq := int64(0)
	for round := 1; round <= 2; round++ {
		for e := range 10 {
			pseudo := fmt.Sprintf("E-%02d", e+1)
			group := "praxis"
			if e%2 == 1 {
				group = "forschung"
			}
			r := &delphi.Response{SurveyID: def.ID, Round: round, ExpertID: secretID + strconv.Itoa(e), Pseudonym: pseudo, Group: group,
				StartedAt: tp(open1), Submissions: 1, Answers: map[string]delphi.Answer{}}
			if !(round == 2 && e == 9) {
				r.SubmittedAt = tp(open1.Add(time.Hour))
			}
			add := func(item string, v delphi.Value, comment, justification string) {
				if v.Empty() && comment == "" {
					return
				}
				seq++
				a := delphi.Answer{SurveyID: def.ID, Round: round, ItemID: item, ExpertID: secretID + strconv.Itoa(e),
					Pseudonym: secretName, Group: group, Value: v, Comment: comment, Justification: justification, Seq: seq}
				r.Answers[item] = a
				answers[round] = append(answers[round], a)
			}
			if !(round == 2 && e == 8) {
				comment := ""
				if e < len(hostile) && round == 1 {
					comment = hostile[e]
				}
				add("R1", pt(r1v[round-1][e]), comment, "")
				crit := map[string]delphi.Value{"wichtigkeit": pt(wich[e]), "umsetzbarkeit": pt(ums[e])}
				add("M1", delphi.Value{Criteria: crit}, "", "")
				if round == 1 {
					add("C1", delphi.Value{Choice: single[e]}, "", "")
				} else if e == 0 {
					add("R2", pt(4), "", "Neue Einschätzung")
				}
				add("C2", delphi.Value{Choices: multi[e]}, "", "")
				add("K1", delphi.Value{Choices: ranks[e]}, "", "")
				add("N1", delphi.Value{Number: fp(nums[e] + float64(round-1))}, "", "")
				add("T1", delphi.Value{Text: texts[e]}, "", "")
			}
			resp[round] = append(resp[round], r)
		}
	}
	var results []*analysis.RoundResults
	for i, r := range []delphi.Round{r1, r2} {
		var ris []delphi.Item
		for _, it := range r.Items {
			ris = append(ris, it.Item)
		}
		var prev []delphi.Answer
		if i > 0 {
			prev = answers[i]
		}
		results = append(results, analysis.Compute(analysis.Input{Def: def, Round: r.Number, Items: ris, Answers: answers[r.Number],
			Previous: prev, ComputedAt: close1, Live: r.Status == delphi.RoundOpen}))
	}
	f := &fixture{responses: resp}
	f.in = Input{
		Survey:  &delphi.Survey{ID: def.ID, Revision: 3, Definition: def, Status: delphi.SurveyActive},
		Rounds:  []delphi.Round{r1, r2},
		Results: results,
		Responses: func(round int, yield func(*delphi.Response) error) error {
			var r delphi.Response // one value reused, as a cursor decoding into one struct would
			for _, x := range resp[round] {
				r = *x
				if err := yield(&r); err != nil {
					return err
				}
			}
			return nil
		},
		Panel: PanelComposition{
			Experts:  map[string]int{"praxis": 5, "forschung": 5},
			Declined: map[string]int{"forschung": 1},
			Rounds: map[int]map[string]Participation{
				1: {"praxis": {5, 5, 0, 5, 5}, "forschung": {5, 5, 0, 5, 5}},
				2: {"praxis": {5, 4, 1, 5, 5}, "forschung": {5, 5, 0, 4, 3}},
			},
		},
		Lang:    "de",
		Version: "1.4.0",
		Now:     time.Date(2026, 11, 26, 15, 30, 0, 0, time.UTC),
	}
	return f
}

// xlsx writes the workbook of in and opens it again.
func xlsx(t testing.TB, in Input) ([]byte, *excelize.File) {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteXLSX(context.Background(), &buf, in, nil); err != nil {
		t.Fatalf("WriteXLSX: %v", err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("open the workbook: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return buf.Bytes(), f
}

// parts returns every part of a ZIP by name.
func parts(t testing.TB, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("unzip: %v", err)
	}
	out := map[string][]byte{}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatalf("open %s: %v", zf.Name, err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("read %s: %v", zf.Name, err)
		}
		out[zf.Name] = b
	}
	return out
}

// rows reads a sheet with raw cell values.
func rows(t testing.TB, f *excelize.File, sheet string) [][]string {
	t.Helper()
	rs, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("rows of %s: %v", sheet, err)
	}
	return rs
}

// find returns the 1-based row whose cells in the given columns (0-based)
// equal want, or 0.
func find(rs [][]string, want map[int]string) int {
	for i, r := range rs {
		ok := true
		for c, v := range want {
			if c >= len(r) || r[c] != v {
				ok = false
				break
			}
		}
		if ok {
			return i + 1
		}
	}
	return 0
}

// col returns the 0-based index of a header name in row 1, or fails.
func col(t testing.TB, rs [][]string, name string) int {
	t.Helper()
	for i, h := range rs[0] {
		if h == name {
			return i
		}
	}
	t.Fatalf("no column %q in %q", name, rs[0])
	return -1
}

func cellName(c, r int) string {
	n, _ := excelize.CoordinatesToCellName(c+1, r)
	return n
}
