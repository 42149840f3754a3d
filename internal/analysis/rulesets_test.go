package analysis

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/stats"
)

func agreeRule(p float64) delphi.Rule {
	return delphi.Rule{Agreement: &delphi.AgreementRule{MinPercent: p}}
}

// rulesDef is testDef with a per-criterion rule, a numeric rule and two
// alternatives: "streng" (≥ 80 % and IQR ≤ 1; numeric CV ≤ 0.2) and "lax"
// (≥ 60 %, wichtigkeit ≥ 55 %; no numeric rule).
func rulesDef() *delphi.Definition {
	d := testDef()
	d.Consensus = agreeRule(75)
	d.Sections[0].Items[1].Criteria = []delphi.Criterion{{ID: "wichtigkeit", Scale: "wichtigkeit"}, {ID: "machbarkeit", Scale: "wichtigkeit"}}
	d.Sections[1].Items[3].Numeric = &delphi.Numeric{Min: fp(0), Max: fp(100)}
	d.ConsensusCriteria = map[string]delphi.Rule{"machbarkeit": agreeRule(70)}
	d.ConsensusNumeric = &delphi.Rule{MinN: 5, IQRRelative: &delphi.MaxRule{Max: 0.1}}
	streng := delphi.Rule{All: []delphi.Rule{agreeRule(80), {IQR: &delphi.MaxRule{Max: 1}}}}
	d.ConsensusAlternatives = []delphi.RuleSet{
		{Name: "streng", Label: delphi.Text{"de": "Streng", "en": "Strict"}, Rule: &streng, Numeric: &delphi.Rule{CV: &delphi.MaxRule{Max: 0.2}}},
		{Name: "lax", Rule: &delphi.Rule{Agreement: &delphi.AgreementRule{MinPercent: 60}},
			Criteria: map[string]delphi.Rule{"wichtigkeit": agreeRule(55)}},
	}
	return d
}

func TestItemRules(t *testing.T) {
	d := rulesDef()
	var got []string
	for _, id := range []string{"R1", "M1", "N1", "C1", "K1", "X1"} {
		it, _ := d.Item(id)
		for _, r := range ItemRules(d, it) {
			s := id + "/" + r.Set
			if r.CriterionID != "" {
				s += "/" + r.CriterionID
			}
			got = append(got, s)
		}
	}
	want := []string{
		"R1/primary", "R1/streng", "R1/lax",
		"M1/primary/wichtigkeit", "M1/primary/machbarkeit", "M1/streng/wichtigkeit", "M1/streng/machbarkeit",
		"M1/lax/wichtigkeit", "M1/lax/machbarkeit",
		"N1/primary", "N1/streng",
	}
	if !slices.Equal(got, want) {
		t.Errorf("ItemRules:\n got %v\nwant %v", got, want)
	}
	m1, _ := d.Item("M1")
	rules := ItemRules(d, m1)
	if r := rules[1].Rule; r.Agreement == nil || r.Agreement.MinPercent != 70 {
		t.Errorf("primary machbarkeit rule %+v, want agreement 70", r)
	}
	if r := rules[4].Rule; r.Agreement == nil || r.Agreement.MinPercent != 55 {
		t.Errorf("lax wichtigkeit rule %+v, want agreement 55", r)
	}
	if rules[0].Scale.ID != "wichtigkeit" || rules[2].Label.Get("en") != "Strict" {
		t.Errorf("scale %q label %v", rules[0].Scale.ID, rules[2].Label)
	}
}

// Per criterion, hand-worked: ten experts, each criterion 7 × 4 and 3 × 3:
// agreement (4–5) 7/10 = 70 %. wichtigkeit under the primary 75 %: none;
// machbarkeit under its own 70 %: in. IQR: type 7, Q1 h = 9·0.25+1 = 3.25
// → 3 + 0.25·(4−3) = 3.25, Q3 = 4, IQR 0.75 ≤ 1, but streng needs 80 %:
// none. lax: wichtigkeit 70 ≥ 55 and machbarkeit 70 ≥ 60: in.
func TestComputePerCriterionAndAlternatives(t *testing.T) {
	d := rulesDef()
	var as answers
	for i, v := range concat(repeat(4, 7), repeat(3, 3)) {
		g := "zeta"
		if i%2 == 1 {
			g = "alpha"
		}
		as.add("M1", g, i, delphi.Value{Criteria: map[string]delphi.Value{"wichtigkeit": {Point: ip(v)}, "machbarkeit": {Point: ip(v)}}})
	}
	res := Compute(Input{Def: d, Round: 1, Items: d.Items(), Answers: as, ComputedAt: time.Unix(0, 0)})
	it, _ := res.Item("M1")
	w, _ := it.Criterion("wichtigkeit")
	m, _ := it.Criterion("machbarkeit")
	if w.Overall.AgreementPercent.Value != 70 || w.Overall.IQR.Value != 0.75 {
		t.Fatalf("agreement %v iqr %v, want 70 and 0.75", w.Overall.AgreementPercent, w.Overall.IQR)
	}
	if w.Consensus.Outcome != ConsensusNone || m.Consensus.Outcome != ConsensusIn {
		t.Errorf("primary: wichtigkeit %+v, machbarkeit %+v; want none and in", w.Consensus, m.Consensus)
	}
	alts := func(rr *RatingResult) string {
		var parts []string
		for _, a := range rr.Alternatives {
			parts = append(parts, a.Rule+"="+a.Outcome+" ("+a.Reason+")")
		}
		return strings.Join(parts, "; ")
	}
	if got, want := alts(w), "streng=none (all(agreement=no, iqr=held)); lax=consensus_in (agreement=in)"; got != want {
		t.Errorf("wichtigkeit alternatives %q, want %q", got, want)
	}
	if got, want := alts(m), "streng=none (all(agreement=no, iqr=held)); lax=consensus_in (agreement=in)"; got != want {
		t.Errorf("machbarkeit alternatives %q, want %q", got, want)
	}
	// Per group: zeta has experts 0,2,4,6,8 = 4,4,4,4,3 → 80 %: streng in
	// (IQR 0 ≤ 1); alpha 4,4,4,3,3 → 60 %: lax in (≥ 55), primary none.
	if g := w.ByGroup["zeta"]; g.Alternatives[0].Outcome != ConsensusIn || g.Consensus.Outcome != ConsensusIn {
		t.Errorf("zeta %+v", g)
	}
	if g := w.ByGroup["alpha"]; g.Alternatives[1].Outcome != ConsensusIn || g.Consensus.Outcome != ConsensusNone || g.Alternatives[0].Outcome != ConsensusNone {
		t.Errorf("alpha %+v", g)
	}

	// The rule sets, primary first, with their texts.
	if len(res.RuleSets) != 3 || !res.RuleSets[0].Primary || res.RuleSets[1].Name != "streng" || res.RuleSets[1].Primary {
		t.Fatalf("rule sets %+v", res.RuleSets)
	}
	if got, want := res.RuleSets[0].CriteriaText["machbarkeit"]["de"], "Konsens, wenn mindestens 70 % Zustimmung (Skalenpunkte 4–5); ablehnender Konsens, wenn mindestens 70 % Ablehnung (Skalenpunkte 1–2)"; got != want {
		t.Errorf("criterion text %q\nwant %q", got, want)
	}
	if got, want := res.RuleSets[1].NumericText["en"], "Consensus on the estimate when CV ≤ 0.2"; got != want {
		t.Errorf("numeric text %q, want %q", got, want)
	}
	if res.RuleSets[2].NumericText != nil || res.RuleSets[2].Text["en"] == "" {
		t.Errorf("lax texts %+v", res.RuleSets[2])
	}

	// The board carries the alternatives' names and each cell's outcomes.
	b := Overview([]*RoundResults{res})
	if len(b.Alternatives) != 2 || b.Alternatives[0].Name != "streng" || b.Alternatives[0].Label["en"] != "Strict" || b.Alternatives[1].Name != "lax" {
		t.Errorf("board alternatives %+v", b.Alternatives)
	}
	for _, row := range b.Rows {
		if row.ItemID == "M1" && row.CriterionID == "machbarkeit" {
			c := row.Cells[0]
			if c.Outcome != ConsensusIn || len(c.Alternatives) != 2 || c.Alternatives[0] != (BoardOutcome{"streng", ConsensusNone}) || c.Alternatives[1] != (BoardOutcome{"lax", ConsensusIn}) {
				t.Errorf("board cell %+v", c)
			}
		}
	}
}

// numericSummary describes numeric answers as Compute does.
func numericSummary(xs ...float64) stats.Summary {
	return stats.Describe(xs, 0, stats.Options{QuantileType: 7})
}

// iqr_relative, hand-worked (type 7, n = 5: Q1 = x2, Q3 = x4):
//   - 40,42,45,48,50: IQR 48 − 42 = 6 ≤ 0.1 × (100 − 0) = 10 → in;
//   - 30,40,45,50,60: IQR 10 ≤ 10 → in (the boundary counts);
//   - 30,39,45,50,60: IQR 11 > 10 → none;
//   - 0.2,0.6,1,1.5,2 on 0–3 with max 0.3: IQR 1.5 − 0.6 = 0.9 (the float
//     nearest 0.9, a little above it) ≤ 0.3 × 3 = 0.9 → in; comparing floats
//     would say no (0.3·3 = 0.8999999999999999 in float64).
func TestEvaluateNumericIQRRelative(t *testing.T) {
	rule := delphi.Rule{IQRRelative: &delphi.MaxRule{Max: 0.1}}
	num := &delphi.Numeric{Min: fp(0), Max: fp(100)}
	for _, c := range []struct {
		xs   []float64
		iqr  float64
		want string
	}{
		{[]float64{40, 42, 45, 48, 50}, 6, ConsensusIn},
		{[]float64{30, 40, 45, 50, 60}, 10, ConsensusIn},
		{[]float64{30, 39, 45, 50, 60}, 11, ConsensusNone},
	} {
		s := numericSummary(c.xs...)
		if s.IQR.Value != c.iqr {
			t.Fatalf("%v: IQR %v, want %v", c.xs, s.IQR, c.iqr)
		}
		if got := EvaluateNumeric(rule, s, num); got.Outcome != c.want {
			t.Errorf("%v: %+v, want %s", c.xs, got, c.want)
		}
	}
	s := numericSummary(0.2, 0.6, 1, 1.5, 2)
	if lim, w := 0.3, 3.0; s.IQR.Value != 0.9 || lim*w >= 0.9 {
		t.Fatalf("IQR %v", s.IQR)
	}
	got := EvaluateNumeric(delphi.Rule{IQRRelative: &delphi.MaxRule{Max: 0.3}}, s, &delphi.Numeric{Min: fp(0), Max: fp(3)})
	if got.Outcome != ConsensusIn || got.Reason != "iqr_relative=held" {
		t.Errorf("0.9 ≤ 0.3 × 3: %+v", got)
	}
	// Without a declared range iqr_relative is undefined: no consensus.
	if got := EvaluateNumeric(rule, numericSummary(40, 42, 45, 48, 50), &delphi.Numeric{Min: fp(0)}); got.Outcome != ConsensusNone || got.Reason != "iqr_relative=undefined" {
		t.Errorf("no max: %+v", got)
	}
	// min_n first.
	if got := EvaluateNumeric(delphi.Rule{MinN: 5, IQRRelative: rule.IQRRelative}, numericSummary(1, 2, 3), num); got.Reason != "min_n: n 3 < 5" {
		t.Errorf("min_n: %+v", got)
	}
	if got := EvaluateNumeric(delphi.Rule{}, numericSummary(1, 2, 3), num); got != (Consensus{ConsensusNone, "no rule"}) {
		t.Errorf("empty rule: %+v", got)
	}
}

// iqr_relative on a rating refers to the scale's range: 1–5 is 4 wide, so
// max 0.25 means IQR ≤ 1 and 0.1 means IQR ≤ 0.4. The worked example of
// TestEvaluateWorkedExample has IQR 0.5 with the median 4 in the agreement
// band: in under 0.25, none under 0.1.
func TestEvaluateIQRRelativeRating(t *testing.T) {
	sc := scale5()
	s := describe(sc, 0, 5, 5, 4, 4, 4, 4, 3, 2)
	if got := Evaluate(delphi.Rule{IQRRelative: &delphi.MaxRule{Max: 0.25}}, s, sc); got.Outcome != ConsensusIn || got.Reason != "iqr_relative=held; median 4 in agreement band" {
		t.Errorf("0.25: %+v", got)
	}
	if got := Evaluate(delphi.Rule{IQRRelative: &delphi.MaxRule{Max: 0.1}}, s, sc); got.Outcome != ConsensusNone || got.Reason != "iqr_relative=no" {
		t.Errorf("0.1: %+v", got)
	}
}

// CV on numeric estimates, hand-worked with the sample SD:
//   - 8,10,12: mean 10, SD √((4+0+4)/2) = 2, CV 0.2 ≤ 0.2 → in;
//   - 8,10,13: mean 31/3, SD √(((−7/3)²+(−1/3)²+(8/3)²)/2) = √(57/9) ≈ 2.517,
//     CV ≈ 0.2436 > 0.2 → none;
//   - −1,0,1: mean 0, CV undefined → none;
//   - −12,−10,−8: mean −10 ≤ 0: CV meaningless here → none.
func TestEvaluateNumericCV(t *testing.T) {
	rule := delphi.Rule{CV: &delphi.MaxRule{Max: 0.2}}
	for _, c := range []struct {
		xs   []float64
		want Consensus
	}{
		{[]float64{8, 10, 12}, Consensus{ConsensusIn, "cv=held"}},
		{[]float64{8, 10, 13}, Consensus{ConsensusNone, "cv=no"}},
		{[]float64{-1, 0, 1}, Consensus{ConsensusNone, "cv=undefined"}},
		{[]float64{-12, -10, -8}, Consensus{ConsensusNone, "cv=undefined"}},
	} {
		if got := EvaluateNumeric(rule, numericSummary(c.xs...), nil); got != c.want {
			t.Errorf("%v: %+v, want %+v", c.xs, got, c.want)
		}
	}
	if s := numericSummary(8, 10, 13); !approx(s.CV.Value, 2.5166114784235836/(31.0/3)) {
		t.Errorf("CV %v", s.CV)
	}
}

// Compute: the numeric item N1 (0–100) gets the primary iqr_relative rule
// overall and per group, and streng's CV; lax has no numeric rule.
// Answers 40,42,45,48,50 (zeta 40,45,50; alpha 42,48): IQR 6 ≤ 10 → in;
// CV: mean 45, SD √(70/4) ≈ 4.18, CV 0.093 ≤ 0.2 → in. The groups have
// n < 5: none.
func TestComputeNumericConsensus(t *testing.T) {
	d := rulesDef()
	var as answers
	for i, x := range []float64{40, 42, 45, 48, 50} {
		g := "zeta"
		if i%2 == 1 {
			g = "alpha"
		}
		as.add("N1", g, i, delphi.Value{Number: fp(x)})
	}
	res := Compute(Input{Def: d, Round: 1, Items: d.Items(), Answers: as, ComputedAt: time.Unix(0, 0)})
	it, _ := res.Item("N1")
	nr := it.Numeric
	if nr.Consensus == nil || *nr.Consensus != (Consensus{ConsensusIn, "iqr_relative=held"}) {
		t.Fatalf("numeric consensus %+v", nr.Consensus)
	}
	if g := nr.GroupConsensus["zeta"]; g.Reason != "min_n: n 3 < 5" {
		t.Errorf("zeta %+v", g)
	}
	if len(nr.Alternatives) != 1 || nr.Alternatives[0] != (RuleOutcome{"streng", Consensus{ConsensusIn, "cv=held"}}) {
		t.Errorf("alternatives %+v", nr.Alternatives)
	}
	b := Overview([]*RoundResults{res})
	for _, row := range b.Rows {
		if row.ItemID == "N1" {
			if c := row.Cells[0]; c.Outcome != ConsensusIn || c.Median.Value != 45 || len(c.Alternatives) != 1 {
				t.Errorf("board cell %+v", c)
			}
		}
	}
	// A study without a numeric rule keeps numeric results as they were.
	plain := testDef()
	res = Compute(Input{Def: plain, Round: 1, Items: plain.Items(), Answers: as, ComputedAt: time.Unix(0, 0)})
	it, _ = res.Item("N1")
	if it.Numeric.Consensus != nil || it.Numeric.Alternatives != nil || strings.Contains(mustJSON(t, it), "alternatives") {
		t.Errorf("numeric without rule: %s", mustJSON(t, it))
	}
	if len(res.RuleSets) != 1 || res.RuleSets[0].Name != delphi.PrimaryRuleSet {
		t.Errorf("rule sets %+v", res.RuleSets)
	}
	// group_min_n replaces min_n for the groups of a numeric item too.
	d = rulesDef()
	d.ConsensusNumeric = &delphi.Rule{MinN: 5, GroupMinN: 2, IQR: &delphi.MaxRule{Max: 1000}}
	res = Compute(Input{Def: d, Round: 1, Items: d.Items(), Answers: as, ComputedAt: time.Unix(0, 0)})
	it, _ = res.Item("N1")
	if c := it.Numeric.GroupConsensus["zeta"]; c.Outcome != ConsensusIn {
		t.Errorf("numeric, group_min_n 2: zeta %+v, want consensus in (3 answers)", c)
	}
}

func TestRuleTextNewRules(t *testing.T) {
	d := rulesDef()
	cases := []struct{ got, want string }{
		{NumericRuleText(*d.ConsensusNumeric, "de"), "Konsens über den Schätzwert, wenn IQR ≤ 0,1 × Spannweite (Höchst- minus Mindestwert); mindestens 5 gültige Antworten"},
		{NumericRuleText(*d.ConsensusNumeric, "en"), "Consensus on the estimate when IQR ≤ 0.1 × the range (max − min); at least 5 valid answers"},
		{NumericRuleText(delphi.Rule{Any: []delphi.Rule{{CV: &delphi.MaxRule{Max: 0.2}}, {IQR: &delphi.MaxRule{Max: 5}}}}, "de"),
			"Konsens über den Schätzwert, wenn Variationskoeffizient ≤ 0,2 oder IQR ≤ 5"},
		{RuleText(delphi.Rule{IQRRelative: &delphi.MaxRule{Max: 0.25}}, d, "en"),
			"Consensus when IQR ≤ 0.25 × the scale's range; the direction follows the median: in the agreement band (scale points 4–5) consensus in, in the disagreement band (scale points 1–2) consensus out, otherwise none"},
		{CriterionRuleText(agreeRule(70), d, "machbarkeit", "en"), "Consensus when at least 70% agreement (scale points 4–5); consensus out when at least 70% disagreement (scale points 1–2)"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got  %q\nwant %q", c.got, c.want)
		}
	}
}
