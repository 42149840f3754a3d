package panelflow

import (
	"testing"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/stats"
)

// rated gives r the rating v of item q1 and the rating c of q2's
// criterion c1 (0: abstain, −1: no answer).
func rated(r *delphi.Response, v, c int) *delphi.Response {
	r.Answers["q1"] = delphi.Answer{ItemID: "q1", Value: delphi.Value{Point: ip(v)}}
	switch c {
	case -1:
	case 0:
		r.Answers["q2"] = delphi.Answer{ItemID: "q2", Value: delphi.Value{Criteria: map[string]delphi.Value{"c1": {Abstain: true}}}}
	default:
		r.Answers["q2"] = delphi.Answer{ItemID: "q2", Value: delphi.Value{Criteria: map[string]delphi.Value{"c1": {Point: ip(c)}}}}
	}
	return r
}

// attritionFixture: round 1 submitted by L1 L2 S1 S2 S3 (group a) and L3
// L4 S4 S5 S6 (group b); D1 (a) only saved a draft. Round 2 (closed) is
// submitted by S1–S6 and N1 (new); L1 opened it without submitting.
func attritionFixture() []RoundData {
	sub := func(id, g string) *delphi.Response { return resp(1, id, g, true, true, true) }
	q := []delphi.RoundItem{
		{Item: delphi.Item{ID: "q1", Type: delphi.ItemRating}},
		{Item: delphi.Item{ID: "q2", Type: delphi.ItemMultiRating, Criteria: []delphi.Criterion{{ID: "c1"}}}},
		{Item: delphi.Item{ID: "t", Type: delphi.ItemText}},
	}
	r1 := RoundData{Round: delphi.Round{Number: 1, Status: delphi.RoundClosed, Items: q}, Responses: []*delphi.Response{
		rated(sub("L1", "a"), 1, 3), rated(sub("L2", "a"), 2, 4), rated(sub("S1", "a"), 7, 4), rated(sub("S2", "a"), 8, 3), rated(sub("S3", "a"), 8, 0),
		rated(sub("L3", "b"), 2, 5), rated(sub("L4", "b"), 3, 4), rated(sub("S4", "b"), 9, 5), rated(sub("S5", "b"), 9, -1), rated(sub("S6", "b"), 9, 0),
		rated(resp(1, "D1", "a", true, true, false), 9, 9),
	}}
	var r2s []*delphi.Response
	for _, id := range []string{"S1", "S2", "S3", "S4", "S5", "S6", "N1"} {
		r2s = append(r2s, resp(2, id, "a", true, true, true))
	}
	r2s = append(r2s, resp(2, "L1", "a", true, false, false))
	r2 := RoundData{Round: delphi.Round{Number: 2, Status: delphi.RoundClosed, Items: q}, Responses: r2s}
	return []RoundData{r1, r2}
}

func TestAttritionHandWorkedAgainstScipy(t *testing.T) {
	def := &delphi.Definition{Groups: []delphi.Group{{ID: "a"}, {ID: "b"}}}
	a := ComputeAttrition(def, attritionFixture())
	if a.Alpha != 0.05 || len(a.Rounds) != 1 {
		t.Fatalf("%+v", a)
	}
	r := a.Rounds[0]
	// Left: L1 L2 (a), L3 L4 (b); stayed: S1–S3 (a), S4–S6 (b). D1 never
	// submitted round 1 and N1 never answered it: in neither.
	if r.Round != 2 || r.From != 1 || r.Left != 4 || r.Stayed != 6 || r.LeftByGroup["a"] != 2 || r.StayedByGroup["b"] != 3 {
		t.Fatalf("%+v", r)
	}
	if len(r.Items) != 2 || r.Items[0].ItemID != "q1" || r.Items[1].CriterionID != "c1" || r.Flagged != 1 {
		t.Fatalf("items %+v, flagged %d", r.Items, r.Flagged)
	}
	// p values from scipy 1.10.1:
	//   mannwhitneyu(left, stayed, alternative="two-sided", method="asymptotic", use_continuity=True)
	cases := []struct {
		name                 string
		got                  Comparison
		nl, ns               int
		medLeft, medStay, u1 float64
		p                    float64
		flag                 bool
	}{
		// q1: [1,2,2,3] vs [7,8,8,9,9,9] → U 0.0, p 0.012502294736945453
		{"q1", r.Items[0].Overall, 4, 6, 2, 8.5, 0, 0.012502294736945453, true},
		// q1 a: [1,2] vs [7,8,8] → U 0.0, p 0.1386406338132186
		{"q1 a", r.Items[0].ByGroup["a"], 2, 3, 1.5, 8, 0, 0.1386406338132186, false},
		// q1 b: [2,3] vs [9,9,9] → U 0.0, p 0.1065831695748876
		{"q1 b", r.Items[0].ByGroup["b"], 2, 3, 2.5, 9, 0, 0.1065831695748876, false},
		// q2/c1: [3,4,5,4] vs [4,3,5] (S3 S6 abstain, S5 no answer) → U 6.0, p 1.0
		{"q2.c1", r.Items[1].Overall, 4, 3, 4, 4, 6, 1, false},
		// q2/c1 b: [5,4] vs [5] → U 0.5, p 1.0
		{"q2.c1 b", r.Items[1].ByGroup["b"], 2, 1, 4.5, 5, 0.5, 1, false},
	}
	for _, c := range cases {
		g := c.got
		if g.NLeft != c.nl || g.NStayed != c.ns || g.MedianLeft != stats.NumOf(c.medLeft) || g.MedianStayed != stats.NumOf(c.medStay) ||
			g.Test.U1 != c.u1 || g.Flag != c.flag || g.Test.Method != stats.MethodNormal {
			t.Errorf("%s: %+v", c.name, g)
		}
		if !g.Test.P.Valid || g.Test.P.Value-c.p > 1e-12 || c.p-g.Test.P.Value > 1e-12 {
			t.Errorf("%s: p %+v, want %.17g", c.name, g.Test.P, c.p)
		}
	}
}

func TestAttritionSkipsOpenAndFirstRounds(t *testing.T) {
	rounds := attritionFixture()
	rounds[1].Round.Status = delphi.RoundOpen
	if a := ComputeAttrition(nil, rounds); len(a.Rounds) != 0 {
		t.Errorf("open round 2 compared: %+v", a.Rounds)
	}
	if a := ComputeAttrition(nil, rounds[:1]); len(a.Rounds) != 0 || a.Rounds == nil {
		t.Errorf("round 1 alone: %+v", a.Rounds)
	}
	// Nobody left: the test is undefined, never flagged.
	rounds = attritionFixture()
	rounds[1].Responses = append(rounds[1].Responses, resp(2, "L1", "a", true, true, true), resp(2, "L2", "a", true, true, true),
		resp(2, "L3", "b", true, true, true), resp(2, "L4", "b", true, true, true))
	r := ComputeAttrition(nil, rounds).Rounds[0]
	if r.Left != 0 || r.Flagged != 0 || r.Items[0].Overall.Test.P.Valid || r.Items[0].Overall.MedianLeft.Valid {
		t.Errorf("%+v", r.Items[0].Overall)
	}
}
