package results_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// TestAlternativeRulesThroughTheDatabase: a study with a per-criterion
// rule and two alternatives, stored in the embedded database. The frozen
// round 1 (read back from its snapshot) and the live round 2 carry the
// rule sets, primary first, and every rating's alternatives, the same as
// the engine computes in memory; the board names the alternatives and
// carries each cell's outcomes under them.
func TestAlternativeRulesThroughTheDatabase(t *testing.T) {
	st := newStore(t)
	now := time.Date(2026, 11, 26, 10, 30, 0, 0, time.UTC)
	closedAt := now.Add(-24 * time.Hour)
	svc := newService(st, func() time.Time { return now })
	s := genStudy(4, 40, 2)
	s.def.ConsensusCriteria = map[string]delphi.Rule{"neun": {Agreement: &delphi.AgreementRule{MinPercent: 30}}}
	s.def.ConsensusAlternatives = []delphi.RuleSet{
		{Name: "streng", Label: delphi.Text{"de": "Streng"}, Rule: &delphi.Rule{Agreement: &delphi.AgreementRule{MinPercent: 90}}},
		{Name: "lax", Rule: &delphi.Rule{Agreement: &delphi.AgreementRule{MinPercent: 20}}},
	}
	s.load(t, st, svc, closedAt)
	ctx := context.Background()

	for n, at := range map[int]time.Time{1: closedAt, 2: now} {
		got := s.matchesEngine(t, svc, n, at, n == 2)
		if len(got.RuleSets) != 3 || got.RuleSets[0].Name != delphi.PrimaryRuleSet || !got.RuleSets[0].Primary ||
			got.RuleSets[1].Name != "streng" || got.RuleSets[2].Name != "lax" || got.RuleSets[0].CriteriaText["neun"]["de"] == "" {
			t.Fatalf("round %d rule sets %+v", n, got.RuleSets)
		}
		// Every rating has both alternatives, overall and per group; the
		// lax 20 % holds (in, or in and out: the median decides) wherever
		// the strict 90 % does.
		lax := 0
		for _, it := range got.Items {
			var rrs []*analysis.RatingResult
			if it.Rating != nil {
				rrs = append(rrs, it.Rating)
			}
			for i := range it.Criteria {
				rrs = append(rrs, &it.Criteria[i].RatingResult)
			}
			for _, rr := range rrs {
				a := rr.Alternatives
				if len(a) != 2 || a[0].Rule != "streng" || a[1].Rule != "lax" || len(rr.ByGroup["g1"].Alternatives) != 2 {
					t.Fatalf("round %d %s alternatives %+v", n, it.ItemID, a)
				}
				laxIn := strings.HasPrefix(a[1].Reason, "agreement=in")
				if a[0].Outcome == analysis.ConsensusIn && !laxIn {
					t.Errorf("%s: strict in but lax %+v", it.ItemID, a[1])
				}
				if laxIn {
					lax++
				}
			}
		}
		if lax == 0 {
			t.Errorf("round %d: no rating reaches even 20 %% agreement", n)
		}
	}
	// The per-criterion primary rule: "neun" (1–9, agreement 7–9) under
	// 30 % instead of the study's 75 % and IQR ≤ 1.
	r1, _ := svc.Round(ctx, "bench", 1)
	it, _ := r1.Item("I1")
	neun, _ := it.Criterion("neun")
	if !strings.HasPrefix(neun.Consensus.Reason, "agreement=") {
		t.Errorf("criterion neun evaluated with %q, want its own agreement rule", neun.Consensus.Reason)
	}

	b, err := svc.Overview(ctx, "bench")
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Alternatives) != 2 || b.Alternatives[0].Name != "streng" || b.Alternatives[0].Label["de"] != "Streng" {
		t.Fatalf("board alternatives %+v", b.Alternatives)
	}
	cell := b.Rows[0].Cells[1]
	want := s.memory(2, now, true).Items[0].Rating.Alternatives
	if len(cell.Alternatives) != 2 || cell.Alternatives[1] != (analysis.BoardOutcome{Rule: "lax", Outcome: want[1].Outcome}) || cell.Alternatives[0].Rule != "streng" {
		t.Errorf("board cell alternatives %+v, engine %+v", cell.Alternatives, want)
	}
}
