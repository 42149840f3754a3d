package analysis

import (
	"strings"
	"testing"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Eight experts on the 1–5 scale: [5,5,4,4,4,4,3,2].
//
//	sorted 2,3,4,4,4,4,5,5; n = 8
//	agreement (4–5): 6/8 = 75 %
//	type 7 Q1: h = 7·0.25 + 1 = 2.75 → x2 + 0.75·(x3 − x2) = 3 + 0.75 = 3.75
//	type 7 Q3: h = 7·0.75 + 1 = 6.25 → x6 + 0.25·(x7 − x6) = 4 + 0.25 = 4.25
//	IQR = 0.5 ≤ 1 → consensus_in under "≥ 75 % and IQR ≤ 1", n 8 ≥ min_n 5.
//
// One more 2: n = 9, agreement 6/9 = 66.7 % < 75 → none (IQR: Q1 = x3 = 3,
// Q3 = x7 = 4, IQR 1 still ≤ 1, so agreement alone flips it).
func TestEvaluateWorkedExample(t *testing.T) {
	sc := scale5()
	s := describe(sc, 0, 5, 5, 4, 4, 4, 4, 3, 2)
	if s.Q1.Value != 3.75 || s.Q3.Value != 4.25 || s.IQR.Value != 0.5 || s.AgreementPercent.Value != 75 {
		t.Fatalf("summary q1 %v q3 %v iqr %v agreement %v; want 3.75 4.25 0.5 75", s.Q1, s.Q3, s.IQR, s.AgreementPercent)
	}
	c := Evaluate(kleinstadtRule(), s, sc)
	if c.Outcome != ConsensusIn {
		t.Fatalf("outcome %q (%s), want consensus_in", c.Outcome, c.Reason)
	}
	if c.Reason != "all(agreement=in, iqr=held)" {
		t.Errorf("reason %q", c.Reason)
	}

	s = describe(sc, 0, 5, 5, 4, 4, 4, 4, 3, 2, 2)
	if s.IQR.Value != 1 {
		t.Fatalf("iqr %v, want 1", s.IQR)
	}
	if c := Evaluate(kleinstadtRule(), s, sc); c.Outcome != ConsensusNone || c.Reason != "all(agreement=no, iqr=held)" {
		t.Errorf("one more 2: %+v, want none with agreement=no", c)
	}
}

// Consensus out: [1,1,1,2,2,2,2,3]: disagreement (1–2) 7/8 = 87.5 % ≥ 75;
// Q1: h = 2.75 → 1 + 0.75·0 = 1; Q3: h = 6.25 → 2 + 0.25·0 = 2; IQR 1.
func TestEvaluateConsensusOut(t *testing.T) {
	sc := scale5()
	s := describe(sc, 0, 1, 1, 1, 2, 2, 2, 2, 3)
	if c := Evaluate(kleinstadtRule(), s, sc); c.Outcome != ConsensusOut {
		t.Errorf("outcome %+v, want consensus_out", c)
	}
	// Without a disagreement band nothing is ever out.
	sc.Disagreement = nil
	s = describe(sc, 0, 1, 1, 1, 2, 2, 2, 2, 3)
	if c := Evaluate(kleinstadtRule(), s, sc); c.Outcome != ConsensusNone {
		t.Errorf("no disagreement band: %+v, want none", c)
	}
}

// COMET 70/15 on 1–9: in ⇔ ≥ 70 % in 7–9 and < 15 % in 1–3; out the other way.
func TestEvaluateCOMET(t *testing.T) {
	sc := scale9()
	for _, tc := range []struct {
		name   string
		values []int
		want   string
	}{
		// 7/10 = 70 % ≥ 70 in 7–9, 1/10 = 10 % < 15 in 1–3 → in.
		{"70/10", concat(repeat(8, 7), repeat(2, 1), repeat(5, 2)), ConsensusIn},
		// 2/10 = 20 % in 1–3, not < 15 → none.
		{"70/20", concat(repeat(8, 7), repeat(2, 2), repeat(5, 1)), ConsensusNone},
		// 14/20 = 70 %, 3/20 = 15 % in 1–3: 15 is not < 15 → none.
		{"70/15 edge", concat(repeat(9, 14), repeat(1, 3), repeat(5, 3)), ConsensusNone},
		// 14/20 = 70 %, 2/20 = 10 % → in.
		{"70/10 of 20", concat(repeat(9, 14), repeat(1, 2), repeat(5, 4)), ConsensusIn},
		// 13/20 = 65 % < 70 → none.
		{"65/0", concat(repeat(7, 13), repeat(5, 7)), ConsensusNone},
		// 7/10 in 1–3, 1/10 in 7–9 → out.
		{"out 70/10", concat(repeat(2, 7), repeat(8, 1), repeat(5, 2)), ConsensusOut},
		// 14/20 in 1–3, 3/20 = 15 % in 7–9 → none.
		{"out 70/15 edge", concat(repeat(3, 14), repeat(7, 3), repeat(4, 3)), ConsensusNone},
		// 69 of 100 in 7–9: 69 % < 70 → none; 70 of 100 → in (exact integers).
		{"69 of 100", concat(repeat(7, 69), repeat(5, 31)), ConsensusNone},
		{"70 of 100", concat(repeat(7, 70), repeat(5, 30)), ConsensusIn},
	} {
		s := describe(sc, 0, tc.values...)
		if c := Evaluate(cometRule(), s, sc); c.Outcome != tc.want {
			t.Errorf("%s: %+v, want %s", tc.name, c, tc.want)
		}
	}
}

// Thresholds are compared exactly on the counts: 2/3 = 66.666…% is below a
// threshold of 66.67 but at least 66.666.
func TestEvaluateExactThreshold(t *testing.T) {
	sc := scale5()
	s := describe(sc, 0, 5, 5, 1)
	for _, tc := range []struct {
		t    float64
		want string
	}{{66.67, ConsensusNone}, {66.666, ConsensusIn}, {66.66666666666667, ConsensusNone}} {
		r := delphi.Rule{Agreement: &delphi.AgreementRule{MinPercent: tc.t}}
		if c := Evaluate(r, s, sc); c.Outcome != tc.want {
			t.Errorf("threshold %v: %s, want %s", tc.t, c.Outcome, tc.want)
		}
	}
}

func TestEvaluateMinN(t *testing.T) {
	sc := scale5()
	// Four fives: 100 % agreement, IQR 0, but n 4 < min_n 5.
	c := Evaluate(kleinstadtRule(), describe(sc, 0, 5, 5, 5, 5), sc)
	if c.Outcome != ConsensusNone || c.Reason != "min_n: n 4 < 5" {
		t.Errorf("n 4: %+v", c)
	}
	if c := Evaluate(kleinstadtRule(), describe(sc, 0, 5, 5, 5, 5, 5), sc); c.Outcome != ConsensusIn {
		t.Errorf("n 5: %+v", c)
	}
	// Abstentions do not count towards n.
	if c := Evaluate(kleinstadtRule(), describe(sc, 3, 5, 5, 5, 5), sc); c.Outcome != ConsensusNone {
		t.Errorf("n 4 + 3 abstentions: %+v", c)
	}

	// min_n inside: any(min_n 10: agreement ≥ 60, agreement ≥ 90).
	nested := delphi.Rule{Any: []delphi.Rule{
		{MinN: 10, Agreement: &delphi.AgreementRule{MinPercent: 60}},
		{Agreement: &delphi.AgreementRule{MinPercent: 90}},
	}}
	// n 8, agreement 75 %: the first branch is blocked, the second fails.
	c = Evaluate(nested, describe(sc, 0, 5, 5, 4, 4, 4, 4, 3, 2), sc)
	if c.Outcome != ConsensusNone || !strings.Contains(c.Reason, "min_n(n 8 < 10)") {
		t.Errorf("nested min_n, n 8: %+v", c)
	}
	// n 10, agreement 8/10 = 80 % ≥ 60 → in through the first branch.
	if c := Evaluate(nested, describe(sc, 0, 5, 5, 5, 5, 4, 4, 4, 4, 3, 2), sc); c.Outcome != ConsensusIn {
		t.Errorf("nested min_n, n 10: %+v", c)
	}
}

// Abstentions change only the abstention count, never the outcome.
func TestEvaluateAbstentionsExcluded(t *testing.T) {
	sc := scale5()
	for _, values := range [][]int{{5, 5, 4, 4, 4, 4, 3, 2}, {1, 1, 1, 2, 2, 2, 2, 3}, {1, 5, 1, 5, 3}, {4, 4, 4}} {
		base := Evaluate(kleinstadtRule(), describe(sc, 0, values...), sc)
		for k := 1; k <= 6; k++ {
			s := describe(sc, k, values...)
			if s.Abstentions != k || s.N != len(values) {
				t.Fatalf("abstentions %d n %d", s.Abstentions, s.N)
			}
			if c := Evaluate(kleinstadtRule(), s, sc); c != base {
				t.Errorf("%v with %d abstentions: %+v, want %+v", values, k, c, base)
			}
		}
	}
}

func TestEvaluateUndefinedLeafIsFalse(t *testing.T) {
	sc := scale5()
	rule := delphi.Rule{All: []delphi.Rule{
		{Agreement: &delphi.AgreementRule{MinPercent: 75}},
		{SD: &delphi.MaxRule{Max: 1}},
	}}
	// n = 1: agreement 100 %, but SD is undefined → the leaf is false.
	c := Evaluate(rule, describe(sc, 0, 5), sc)
	if c.Outcome != ConsensusNone || c.Reason != "all(agreement=in, sd=undefined)" {
		t.Errorf("n 1: %+v", c)
	}
	// n = 0: everything undefined.
	c = Evaluate(rule, describe(sc, 2), sc)
	if c.Outcome != ConsensusNone || c.Reason != "all(agreement=undefined, sd=undefined)" {
		t.Errorf("n 0: %+v", c)
	}
	// The rule without the SD leaf gives in for n = 1.
	if c := Evaluate(delphi.Rule{Agreement: &delphi.AgreementRule{MinPercent: 75}}, describe(sc, 0, 5), sc); c.Outcome != ConsensusIn {
		t.Errorf("agreement only, n 1: %+v", c)
	}
	// An empty rule never gives consensus.
	if c := Evaluate(delphi.Rule{MinN: 3}, describe(sc, 0, 5, 5, 5), sc); c.Outcome != ConsensusNone || c.Reason != "no rule" {
		t.Errorf("empty rule: %+v", c)
	}
}

// A rule of dispersion leaves only holds both ways; the median decides.
func TestEvaluateDispersionDirectionByMedian(t *testing.T) {
	sc := scale5()
	iqr := delphi.Rule{IQR: &delphi.MaxRule{Max: 1}}
	for _, tc := range []struct {
		values []int
		want   string
		reason string
	}{
		{[]int{4, 4, 5, 5, 4}, ConsensusIn, "iqr=held; median 4 in agreement band"},
		{[]int{1, 2, 2, 1, 2}, ConsensusOut, "iqr=held; median 2 in disagreement band"},
		{[]int{3, 3, 3, 3}, ConsensusNone, "iqr=held; median 3 in neither band"},
		{[]int{3, 4, 4, 3}, ConsensusNone, "iqr=held; median 3.5 in neither band"}, // 3.5 is not in 4–5
		{[]int{1, 1, 5, 5}, ConsensusNone, "iqr=no"},                               // IQR 4
	} {
		c := Evaluate(iqr, describe(sc, 0, tc.values...), sc)
		if c.Outcome != tc.want || c.Reason != tc.reason {
			t.Errorf("%v: %+v, want %s %q", tc.values, c, tc.want, tc.reason)
		}
	}
	// SD and CV: [4,4,5,5] mean 4.5, variance (4·82 − 18²)/(4·3) = 4/12 = 1/3,
	// SD 0.577, CV 0.128.
	s := describe(sc, 0, 4, 4, 5, 5)
	for _, tc := range []struct {
		rule delphi.Rule
		want string
	}{
		{delphi.Rule{SD: &delphi.MaxRule{Max: 0.58}}, ConsensusIn},
		{delphi.Rule{SD: &delphi.MaxRule{Max: 0.57}}, ConsensusNone},
		{delphi.Rule{CV: &delphi.MaxRule{Max: 0.13}}, ConsensusIn},
		{delphi.Rule{CV: &delphi.MaxRule{Max: 0.12}}, ConsensusNone},
		{delphi.Rule{Any: []delphi.Rule{{IQR: &delphi.MaxRule{Max: 0}}, {SD: &delphi.MaxRule{Max: 0.6}}}}, ConsensusIn},
	} {
		if c := Evaluate(tc.rule, s, sc); c.Outcome != tc.want {
			t.Errorf("%+v: %+v, want %s", tc.rule, c, tc.want)
		}
	}
	// SD exactly at the threshold: [1,1,3,3] variance (4·20 − 64)/12 = 4/3;
	// [2,2,4,4] the same. Use [2,4]: variance (2·20 − 36)/2 = 2; SD ≤ 1.5 holds
	// (2 ≤ 2.25), SD ≤ 1.4 does not (2 > 1.96).
	s = describe(sc, 0, 2, 4)
	if c := Evaluate(delphi.Rule{SD: &delphi.MaxRule{Max: 1.5}}, s, sc); c.Reason != "sd=held; median 3 in neither band" {
		t.Errorf("sd ≤ 1.5: %+v", c)
	}
	if c := Evaluate(delphi.Rule{SD: &delphi.MaxRule{Max: 1.4}}, s, sc); c.Reason != "sd=no" {
		t.Errorf("sd ≤ 1.4: %+v", c)
	}
	// On the boundary: [1,2,3] has variance (3·14 − 36)/6 = 1, SD 1, mean 2,
	// CV 0.5 exactly; ≤ holds.
	s = describe(sc, 0, 1, 2, 3)
	for _, r := range []delphi.Rule{{SD: &delphi.MaxRule{Max: 1}}, {CV: &delphi.MaxRule{Max: 0.5}}} {
		if c := Evaluate(r, s, sc); !strings.HasSuffix(c.Reason, "=held; median 2 in disagreement band") || c.Outcome != ConsensusOut {
			t.Errorf("boundary %+v: %+v", r, c)
		}
	}
	// CV on a scale with a negative mean is meaningless: the leaf is false.
	neg := delphi.Scale{ID: "neg", Agreement: delphi.Band{Min: 1, Max: 2}, Disagreement: &delphi.Band{Min: -2, Max: -1}}
	for v := -2; v <= 2; v++ {
		neg.Points = append(neg.Points, delphi.ScalePoint{Value: v})
	}
	if c := Evaluate(delphi.Rule{CV: &delphi.MaxRule{Max: 0.5}}, describe(neg, 0, -2, -2, -1, -2), neg); c.Outcome != ConsensusNone || c.Reason != "cv=undefined" {
		t.Errorf("cv with negative mean: %+v", c)
	}
}

func TestEvaluateAnyAll(t *testing.T) {
	sc := scale5()
	s := describe(sc, 0, 5, 5, 4, 4, 4, 4, 3, 2) // agreement 75 %, IQR 0.5
	agree := func(p float64) delphi.Rule { return delphi.Rule{Agreement: &delphi.AgreementRule{MinPercent: p}} }
	iqr := func(m float64) delphi.Rule { return delphi.Rule{IQR: &delphi.MaxRule{Max: m}} }
	for _, tc := range []struct {
		name   string
		rule   delphi.Rule
		want   string
		reason string
	}{
		{"all fails on iqr", delphi.Rule{All: []delphi.Rule{agree(75), iqr(0.25)}}, ConsensusNone, "all(agreement=in, iqr=no)"},
		{"any via agreement", delphi.Rule{Any: []delphi.Rule{agree(75), iqr(0.25)}}, ConsensusIn, "any(agreement=in, iqr=no)"},
		// IQR holds both ways, agreement fails: in and out both hold → median 4 → in.
		{"any via iqr", delphi.Rule{Any: []delphi.Rule{agree(90), iqr(0.5)}}, ConsensusIn, "any(agreement=no, iqr=held); median 4 in agreement band"},
		{"any neither", delphi.Rule{Any: []delphi.Rule{agree(90), iqr(0.25)}}, ConsensusNone, "any(agreement=no, iqr=no)"},
		{"nested", delphi.Rule{Any: []delphi.Rule{
			{All: []delphi.Rule{agree(90), iqr(1)}},
			{All: []delphi.Rule{agree(70), iqr(0.5)}},
		}}, ConsensusIn, "any(all(agreement=no, iqr=held), all(agreement=in, iqr=held))"},
	} {
		c := Evaluate(tc.rule, s, sc)
		if c.Outcome != tc.want || c.Reason != tc.reason {
			t.Errorf("%s: %+v, want %s %q", tc.name, c, tc.want, tc.reason)
		}
	}
}
