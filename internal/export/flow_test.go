package export

import (
	"slices"
	"testing"

	"github.com/expertenrunde/expertenrunde/internal/panelflow"
	"github.com/expertenrunde/expertenrunde/internal/stats"
)

func TestFlowAndAttritionSheets(t *testing.T) {
	fx := newFixture(t)
	two, one := 2, 1
	fx.in.Flow = &panelflow.Flow{Recruited: 9, Groups: []string{"praxis", "forschung"}, Rounds: []panelflow.FlowRound{
		{Round: 1, Status: "closed",
			Participants: panelflow.FlowCounts{Panel: 8, Invited: 8, InvitedMail: 6, InvitedLink: 2, Opened: 7, Started: 7, Submitted: 6, Declined: 1},
			ByGroup: map[string]panelflow.FlowCounts{
				"praxis":    {Panel: 5, Invited: 5, InvitedMail: 5, Opened: 4, Started: 4, Submitted: 4, Declined: 1},
				"forschung": {Panel: 3, Invited: 3, InvitedMail: 1, InvitedLink: 2, Opened: 3, Started: 3, Submitted: 2},
			},
			Items: panelflow.ItemFlow{Total: 4, Initial: 4, ConsensusIn: 1, ConsensusNone: 3}},
		{Round: 2, Status: "closed",
			Participants: panelflow.FlowCounts{Panel: 7, Invited: 7, InvitedMail: 7, Opened: 5, Started: 5, Submitted: 4, Continued: &two, DroppedOut: &two, DroppedOutDeclined: &one},
			ByGroup:      map[string]panelflow.FlowCounts{"praxis": {}, "forschung": {}},
			Items:        panelflow.ItemFlow{Total: 4, Carried: 2, Changed: 1, New: 1, Dropped: 1, ConsensusIn: 2, ConsensusOut: 1, ConsensusNone: 1}},
	}}
	mw := stats.MannWhitneyU([]float64{1, 2, 2, 3}, []float64{4, 4, 5, 5, 5, 5})
	fx.in.Attrition = &panelflow.Attrition{Alpha: 0.05, Rounds: []panelflow.AttritionRound{{Round: 2, From: 1, Left: 4, Stayed: 6,
		Items: []panelflow.AttritionItem{{ItemID: "q1",
			Overall: panelflow.Comparison{NLeft: 4, NStayed: 6, MedianLeft: stats.NumOf(2), MedianStayed: stats.NumOf(5), Test: mw, Flag: true},
			ByGroup: map[string]panelflow.Comparison{"forschung": {NLeft: 1, MedianLeft: stats.NumOf(3), MedianStayed: stats.UndefinedNum("n = 0"),
				Test: stats.MannWhitneyU([]float64{3}, nil)}}}}}}}
	_, f := xlsx(t, fx.in)
	if got := f.GetSheetList(); !slices.Contains(got, "Fluss") || got[len(got)-1] != "Ausfälle" {
		t.Fatalf("sheets %q", got)
	}
	// The overview lists both sheets.
	ov := rows(t, f, "Übersicht")
	if find(ov, map[int]string{0: "Fluss"}) == 0 || find(ov, map[int]string{0: "Ausfälle"}) == 0 {
		t.Error("the overview does not list the flow sheets")
	}
	rs := rows(t, f, "Fluss")
	if rs[0][0] != "Rekrutiert" || rs[0][1] != "9" {
		t.Errorf("first row %q", rs[0])
	}
	// Round 2's total: continued 2, dropped out 2, of them declined 1.
	r := find(rs, map[int]string{0: "2", 2: "Gesamt"})
	if r == 0 || !slices.Equal(rs[r-1][3:14], []string{"7", "7", "7", "0", "5", "5", "4", "0", "2", "2", "1"}) {
		t.Errorf("round 2 total %q", rs[max(r-1, 0)])
	}
	// Round 1 has no comparison: the cells stay empty.
	r = find(rs, map[int]string{0: "1", 2: "Forschung"})
	if r == 0 || rs[r-1][6] != "2" || len(rs[r-1]) > 11 {
		t.Errorf("round 1 Forschung %q", rs[max(r-1, 0)])
	}
	// The item table: round 2 carried 2, changed 1, new 1, dropped 1; in 2, out 1, none 1.
	r = find(rs, map[int]string{0: "2", 1: "4", 3: "2"})
	if r == 0 || !slices.Equal(rs[r-1][:10], []string{"2", "4", "0", "2", "1", "1", "1", "2", "1", "1"}) {
		t.Errorf("item row %q", rs[max(r-1, 0)])
	}

	as := rows(t, f, "Ausfälle")
	r = find(as, map[int]string{0: "2", 2: "q1", 5: "Gesamt"})
	if r == 0 {
		t.Fatalf("no total row in %q", as)
	}
	row := as[r-1]
	if row[1] != "1" || row[6] != "4" || row[7] != "6" || row[8] != "2" || row[9] != "5" || row[10] != "0" ||
		row[12] != num(mw.P.Value) || row[13] != "normal" || row[14] != "ja" {
		t.Errorf("total row %q (p %v)", row, mw.P)
	}
	// A group where nobody stayed: no medians of who stayed, no test.
	r = find(as, map[int]string{2: "q1", 5: "Forschung"})
	if r == 0 || as[r-1][9] != "" || len(as[r-1]) > 12 {
		t.Errorf("Forschung row %q", as[max(r-1, 0)])
	}

	// Without flow reports the sheets are left out.
	fx.in.Flow, fx.in.Attrition = nil, nil
	_, f = xlsx(t, fx.in)
	if got := f.GetSheetList(); slices.Contains(got, "Fluss") || slices.Contains(got, "Ausfälle") {
		t.Errorf("sheets %q", got)
	}
}
