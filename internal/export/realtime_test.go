package export

import (
	"slices"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// TestRealtimeSheets: a real-time study's history gives the sheets
// "Verlauf", "Überarbeitungen" and "Revisionen", listed in the overview;
// times are the study's wall clock to the second; a hostile pseudonym
// stays text.
func TestRealtimeSheets(t *testing.T) {
	fx := newFixture(t)
	def := fx.in.Survey.Definition
	def.Mode = delphi.ModeRealtime
	def.Rounds.Feedback.Count = delphi.CountAll
	at := func(sec int) time.Time { return time.Date(2026, 11, 2, 8, 0, sec, 0, time.UTC) } // 09:00 in Berlin
	rev := func(sec int, who, item string, v delphi.Value, saw bool) delphi.Revision {
		return delphi.Revision{SurveyID: def.ID, ItemID: item, ExpertID: "id-" + who, Pseudonym: who, Group: "praxis", Value: v, At: at(sec), SawFeedback: saw}
	}
	revs := []delphi.Revision{
		rev(1, "=1+2", "R1", delphi.Value{Point: ip(4)}, false),
		rev(1, "E-B", "R1", delphi.Value{Point: ip(2)}, false),
		rev(2, "E-B", "R1", delphi.Value{Point: ip(4)}, true), // toward A's 4
		rev(3, "E-B", "M1", delphi.Value{Criteria: map[string]delphi.Value{"wichtigkeit": {Point: ip(5)}, "umsetzbarkeit": {Abstain: true}}}, false),
		rev(4, "E-B", "K1", delphi.Value{Choices: []string{"y", "x", "z"}, Places: []int{1, 1, 3}}, false),
		rev(5, "E-B", "C2", delphi.Value{Choices: []string{"a", "c"}}, false),
		rev(6, "E-B", "T1", delphi.Value{Text: "geheim"}, false),
		rev(7, "E-B", "N1", delphi.Value{Number: fp(12.5)}, false),
	}
	fx.in.Revisions = revs
	fx.in.Realtime = analysis.Realtime(analysis.RealtimeInput{Def: def, Items: def.Items(), Revisions: revs, ComputedAt: at(60)})
	_, f := xlsx(t, fx.in)
	if got := f.GetSheetList(); !slices.Contains(got, "Verlauf") || !slices.Contains(got, "Überarbeitungen") || !slices.Contains(got, "Revisionen") {
		t.Fatalf("sheets %q", got)
	}
	ov := rows(t, f, "Übersicht")
	for _, name := range []string{"Verlauf", "Überarbeitungen", "Revisionen"} {
		if find(ov, map[int]string{0: name}) == 0 {
			t.Errorf("the overview does not list %s", name)
		}
	}

	// Verlauf: R1 {4,2} at second 1: median 3, Q1 2.5, Q3 3.5; {4,4} at 2.
	series := rows(t, f, "Verlauf")
	if !slices.Equal(series[0], []string{"Frage", "Kriterium", "Zeitpunkt", "Änderungen", "n", "Enthaltungen", "Median", "Q1", "Q3", "IQR", "Konsens"}) {
		t.Errorf("header %q", series[0])
	}
	if !slices.Equal(series[1], []string{"R1", "", series[1][2], "2", "2", "0", "3", "2.5", "3.5", "1", "kein Konsens"}) {
		t.Errorf("first point %q", series[1])
	}
	if v, _ := f.GetCellValue("Verlauf", "C2"); v != "2026-11-02 09:00:01" {
		t.Errorf("time %q, want the Berlin wall clock to the second", v)
	}
	if find(series, map[int]string{0: "R1", 3: "1", 4: "2", 6: "4", 9: "0"}) == 0 {
		t.Errorf("no point after B's revision: %q", series)
	}
	if find(series, map[int]string{0: "M1", 1: "Umsetzbarkeit", 4: "0", 5: "1"}) == 0 {
		t.Errorf("no abstention point of M1's criterion: %q", series)
	}
	if find(series, map[int]string{0: "N1", 6: "12.5"}) == 0 {
		t.Errorf("no numeric point: %q", series)
	}

	// Überarbeitungen: R1: 2 experts, 1 revised after feedback, toward the
	// median (A's 4): 2 → 4, mean change 2.
	sum := rows(t, f, "Überarbeitungen")
	r := find(sum, map[int]string{0: "R1"})
	if r == 0 || !slices.Equal(sum[r-1][2:11], []string{"2", "1", "1", "1", "1", "0", "0", "0", "2"}) {
		t.Errorf("R1 summary %q", sum)
	}

	// Revisionen: one row per revision and criterion; text answers without text.
	rv := rows(t, f, "Revisionen")
	if !slices.Equal(rv[0], []string{"Zeitpunkt", "Pseudonym", "Gruppe", "Frage", "Kriterium", "Wert", "Feedback gesehen", "Entwurf", "außerhalb des IQR"}) {
		t.Errorf("header %q", rv[0])
	}
	if len(rv) != 1+9 {
		t.Errorf("%d revision rows, want 9 (M1 in two)", len(rv)-1)
	}
	for _, want := range []map[int]string{
		{1: "E-B", 2: "Praxis", 3: "R1", 5: "4", 6: "ja", 7: "nein"},
		{3: "M1", 4: "Umsetzbarkeit", 5: "-9999"},
		{3: "K1", 5: "y = x > z"},
		{3: "C2", 5: "a; c"},
		{3: "T1", 5: ""},
		{3: "N1", 5: "12.5"},
	} {
		if find(rv, want) == 0 {
			t.Errorf("no revision row %v in %q", want, rv)
		}
	}
	for _, row := range rv {
		if slices.Contains(row, "geheim") || slices.Contains(row, "id-E-B") {
			t.Errorf("a text answer or expert id in %q", row)
		}
	}
	hr := find(rv, map[int]string{1: "=1+2"})
	if hr == 0 {
		t.Fatal("the hostile pseudonym is missing")
	}
	if formula, _ := f.GetCellFormula("Revisionen", cellName(1, hr)); formula != "" {
		t.Errorf("the pseudonym became the formula %q", formula)
	}
	if typ, _ := f.GetCellType("Revisionen", cellName(1, hr)); typ != excelize.CellTypeInlineString {
		t.Errorf("the pseudonym has cell type %v", typ)
	}

	// A study in rounds has none of these sheets.
	_, g := xlsx(t, newFixture(t).in)
	if got := g.GetSheetList(); slices.Contains(got, "Verlauf") || slices.Contains(got, "Revisionen") {
		t.Errorf("sheets of a study in rounds %q", got)
	}
}
