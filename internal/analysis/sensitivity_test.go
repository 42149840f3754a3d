package analysis

import (
	"slices"
	"strconv"
	"testing"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// sensitivityFixture: R1 has 8 ratings 2,3,4,4,4,4,4,5 (agreement 6/8 =
// 75 %, IQR 3.75..4 = 0.25); M1's first criterion 10 × 5 (100 %), its
// second (1–9 scale) 4 ratings (n 4 < min_n 5).
func sensitivityFixture() (*delphi.Definition, *RoundResults) {
	def := testDef()
	var as answers
	as.ratings("R1", "zeta", 1, 2, 3, 4, 4, 4, 4, 4, 5)
	for i := 1; i <= 10; i++ {
		v := delphi.Value{Criteria: map[string]delphi.Value{"wichtigkeit": {Point: ip(5)}}}
		if i <= 4 {
			v.Criteria["neun"] = delphi.Value{Point: ip(8)}
		}
		as.add("M1", "alpha", i, v)
	}
	return def, compute(def, as, nil)
}

func sensItem(t *testing.T, s *Sensitivity, item, criterion string) SensitivityItem {
	t.Helper()
	for _, it := range s.Items {
		if it.ItemID == item && it.CriterionID == criterion {
			return it
		}
	}
	t.Fatalf("no sensitivity row for %s/%s", item, criterion)
	return SensitivityItem{}
}

func TestSensitivityHandWorked(t *testing.T) {
	def, res := sensitivityFixture()
	s := SensitivityOf(SensitivityInput{Def: def, Items: def.Items(), Results: res})
	if !s.ThresholdPercent.Valid || s.ThresholdPercent.Value != 75 || s.MinN != 5 || !slices.Equal(s.MinNGrid, []int{3, 5, 8}) {
		t.Fatalf("threshold %v, min_n %d, grid %v", s.ThresholdPercent, s.MinN, s.MinNGrid)
	}
	// 3 min_n × (no IQR + 3 limits) × 7 thresholds.
	if len(s.Rules) != 84 || s.Rules[0].ID != "a60_n3" || s.Rules[7].ID != "a60_iqr0.5_n3" || s.Rules[83].ID != "a90_iqr1.5_n8" {
		t.Fatalf("%d rules: first %q, 8th %q, last %q", len(s.Rules), s.Rules[0].ID, s.Rules[7].ID, s.Rules[len(s.Rules)-1].ID)
	}
	if len(s.Items) != 3 {
		t.Fatalf("%d rows, want R1 and M1's two criteria", len(s.Items))
	}

	r1 := sensItem(t, s, "R1", "")
	// 75 % meets 60..75 and misses 80..90 on every slice (IQR 0.25 ≤ 0.5, n 8 ≥ 8).
	if r1.N != 8 || r1.AgreementPercent.Value != 75 || r1.Outcome != ConsensusIn ||
		r1.Counts[ConsensusIn] != 48 || r1.Counts[ConsensusNone] != 36 || r1.Counts[ConsensusOut] != 0 {
		t.Fatalf("R1: %+v", r1)
	}
	for i, r := range s.Rules {
		want := ConsensusNone
		if r.Grid.AgreementPercent <= 75 {
			want = ConsensusIn
		}
		if r1.Outcomes[i] != want {
			t.Errorf("R1 under %s: %s, want %s", r.ID, r1.Outcomes[i], want)
		}
	}
	// 80 % misses: the outcome changes within 5 points.
	if r1.OutcomeMinus != ConsensusIn || r1.OutcomePlus != ConsensusNone || !r1.NearThreshold {
		t.Errorf("R1 near threshold: minus %s plus %s flag %v", r1.OutcomeMinus, r1.OutcomePlus, r1.NearThreshold)
	}
	if !(r1.CI.Low.Value <= 75 && 75 <= r1.CI.High.Value && r1.CI.Low.Value < r1.CI.High.Value) || r1.CI.Resamples != 2000 {
		t.Errorf("R1 CI %+v does not hold 75", r1.CI)
	}

	all := sensItem(t, s, "M1", "wichtigkeit")
	if all.CI.Low.Value != 100 || all.CI.High.Value != 100 || all.NearThreshold || all.Counts[ConsensusIn] != 84 {
		t.Errorf("M1/wichtigkeit (all agree): %+v", all)
	}

	few := sensItem(t, s, "M1", "neun")
	// n 4: below min_n 5 and 8, but meets min_n 3 → in under the 28 n3 rules.
	if few.N != 4 || few.Outcome != ConsensusNone || few.Counts[ConsensusIn] != 28 || few.Counts[ConsensusNone] != 56 || few.NearThreshold {
		t.Errorf("M1/neun (n 4): %+v", few)
	}
	if seed := strconv.FormatUint(BootstrapSeed("test-study", 2, "M1", "neun"), 16); few.Seed != seed || few.Seed == all.Seed {
		t.Errorf("seed %s, want %s, distinct from %s", few.Seed, seed, all.Seed)
	}
}

func TestSensitivityIsReproducible(t *testing.T) {
	def, res := sensitivityFixture()
	a := mustJSON(t, SensitivityOf(SensitivityInput{Def: def, Items: def.Items(), Results: res}))
	_, res2 := sensitivityFixture()
	b := mustJSON(t, SensitivityOf(SensitivityInput{Def: def, Items: def.Items(), Results: res2}))
	if a != b {
		t.Fatalf("two runs differ:\n%s\n%s", a, b)
	}
}

func TestSensitivityExtraRulesAndNoThreshold(t *testing.T) {
	def, res := sensitivityFixture()
	res.ConsensusRule = delphi.Rule{IQR: &delphi.MaxRule{Max: 1}}
	extra := []NamedRule{{ID: "strict", Rule: delphi.Rule{Agreement: &delphi.AgreementRule{MinPercent: 95}}}}
	s := SensitivityOf(SensitivityInput{Def: def, Items: def.Items(), Results: res, Extra: extra})
	if s.ThresholdPercent.Valid || !slices.Equal(s.MinNGrid, []int{0}) || len(s.Rules) != 29 {
		t.Fatalf("threshold %v, min_n grid %v, %d rules", s.ThresholdPercent, s.MinNGrid, len(s.Rules))
	}
	last := s.Rules[len(s.Rules)-1]
	if last.ID != "strict" || last.Kind != RuleExtra || last.Grid != nil {
		t.Fatalf("extra rule: %+v", last)
	}
	r1 := sensItem(t, s, "R1", "")
	if r1.Outcomes[len(r1.Outcomes)-1] != ConsensusNone || r1.NearThreshold || r1.OutcomeMinus != "" {
		t.Errorf("R1: %+v", r1)
	}
	if all := sensItem(t, s, "M1", "wichtigkeit"); all.Outcomes[len(all.Outcomes)-1] != ConsensusIn {
		t.Errorf("M1 under strict: %s", all.Outcomes[len(all.Outcomes)-1])
	}
}

func TestMinNGrid(t *testing.T) {
	for k, want := range map[int][]int{0: {0}, 1: {1, 2}, 2: {1, 2, 3}, 4: {2, 4, 6}, 5: {3, 5, 8}, 7: {4, 7, 11}} {
		if got := minNGrid(k); !slices.Equal(got, want) {
			t.Errorf("minNGrid(%d) = %v, want %v", k, got, want)
		}
	}
}

func TestShiftThresholdsCopies(t *testing.T) {
	r := delphi.Rule{Any: []delphi.Rule{kleinstadtRule(), {COMET: &delphi.COMETRule{MinPercent: 98, MaxOppositePercent: 15}}}}
	s := shiftThresholds(r, 5)
	if s.Any[0].All[0].Agreement.MinPercent != 80 || s.Any[1].COMET.MinPercent != 100 {
		t.Errorf("shifted: %s", mustJSON(t, s))
	}
	if r.Any[0].All[0].Agreement.MinPercent != 75 || r.Any[1].COMET.MinPercent != 98 {
		t.Errorf("the original changed: %s", mustJSON(t, r))
	}
	if th, ok := firstThreshold(r); !ok || th != 75 {
		t.Errorf("firstThreshold = %v %v", th, ok)
	}
}

// TestExtraRulesAreTheStudysAlternatives: the sensitivity report's extra
// rules are the rating rules of the study's alternative rule sets, in
// order; a set with only criterion or numeric rules adds none.
func TestExtraRulesAreTheStudysAlternatives(t *testing.T) {
	def := &delphi.Definition{
		Consensus: delphi.Rule{Agreement: &delphi.AgreementRule{MinPercent: 75}},
		ConsensusAlternatives: []delphi.RuleSet{
			{Name: "strict", Rule: &delphi.Rule{Agreement: &delphi.AgreementRule{MinPercent: 90}}},
			{Name: "numeric-only", Numeric: &delphi.Rule{CV: &delphi.MaxRule{Max: 0.2}}},
			{Name: "lenient", Rule: &delphi.Rule{Agreement: &delphi.AgreementRule{MinPercent: 60}}},
		},
	}
	got := ExtraRules(def)
	if len(got) != 2 || got[0].ID != "strict" || got[0].Rule.Agreement.MinPercent != 90 || got[1].ID != "lenient" {
		t.Fatalf("ExtraRules = %+v, want strict (90 %%) and lenient", got)
	}
	if ExtraRules(&delphi.Definition{Consensus: def.Consensus}) != nil {
		t.Fatal("a study without alternatives has extra rules")
	}
}

// TestSensitivityNearThresholdUsesTheCriterionsRule: a criterion decided
// by a rule of its own (consensus_criteria, here without any agreement
// threshold) is not flagged by shifting the study's threshold.
func TestSensitivityNearThresholdUsesTheCriterionsRule(t *testing.T) {
	def, res := sensitivityFixture()
	var crit string
	for _, ir := range res.Items {
		if len(ir.Criteria) > 0 {
			crit = ir.Criteria[0].CriterionID
		}
	}
	if crit == "" {
		t.Fatal("the fixture has no multi_rating item")
	}
	def.ConsensusCriteria = map[string]delphi.Rule{crit: {MinN: 1000, IQR: &delphi.MaxRule{Max: 1}}}
	s := SensitivityOf(SensitivityInput{Def: def, Items: def.Items(), Results: res})
	seen := false
	for _, si := range s.Items {
		if si.CriterionID == crit {
			seen = true
			if si.NearThreshold || si.OutcomeMinus != "" || si.OutcomePlus != "" {
				t.Errorf("criterion %s with its own rule: near %v, minus %q, plus %q; want no threshold shift", crit, si.NearThreshold, si.OutcomeMinus, si.OutcomePlus)
			}
		}
	}
	if !seen {
		t.Fatalf("criterion %s not in the report", crit)
	}
}
