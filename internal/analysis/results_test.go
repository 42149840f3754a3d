package analysis

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

var at = time.Date(2020, 11, 2, 12, 0, 0, 0, time.UTC)

func compute(def *delphi.Definition, cur, prev answers) *RoundResults {
	var p []delphi.Answer
	if prev != nil {
		p = prev
	}
	return Compute(Input{Def: def, Round: 2, Items: def.Items(), Answers: cur, Previous: p, ComputedAt: at})
}

func item(t *testing.T, r *RoundResults, id string) *ItemResult {
	t.Helper()
	it, ok := r.Item(id)
	if !ok {
		t.Fatalf("no result for item %s", id)
	}
	return it
}

func TestComputeHeader(t *testing.T) {
	def := testDef()
	var as answers
	as.ratings("R1", "zeta", 1, 5, 4)
	as.ratings("R1", "alpha", 1, 2)
	as.add("C1", "alpha", 2, delphi.Value{Choice: "x"}) // answers only C1
	as.add("R1", "", 9, delphi.Value{Point: ip(3)})     // no group: overall only
	r := Compute(Input{Def: def, Round: 3, Items: def.Items(), Answers: as, ComputedAt: at, Live: true})
	if r.SurveyID != "test-study" || r.Version != "1" || r.Round != 3 || !r.ComputedAt.Equal(at) || !r.Live || r.QuantileType != 7 {
		t.Errorf("header %+v", r)
	}
	if !slices.Equal(r.Groups, []string{"zeta", "alpha"}) {
		t.Errorf("groups %v, want definition order", r.Groups)
	}
	if r.Respondents.Total != 5 || r.Respondents.ByGroup["zeta"] != 2 || r.Respondents.ByGroup["alpha"] != 2 {
		t.Errorf("respondents %+v, want 5 total, zeta 2, alpha 2", r.Respondents)
	}
	if !strings.HasPrefix(r.RuleText["de"], "Konsens, wenn mindestens 75 %") || !strings.HasPrefix(r.RuleText["en"], "Consensus when at least 75%") {
		t.Errorf("rule text %v", r.RuleText)
	}
	if len(r.Items) != 7 || r.Items[0].ItemID != "R1" || r.Items[6].ItemID != "X1" {
		t.Fatalf("items %d", len(r.Items))
	}
	r1 := item(t, r, "R1")
	if r1.N != 4 || r1.Answered != 4 || r1.SectionID != "s1" || r1.Position != 0 {
		t.Errorf("R1 n %d answered %d section %q position %d", r1.N, r1.Answered, r1.SectionID, r1.Position)
	}
	if r1.Rating.ByGroup["zeta"].Summary.N != 2 || r1.Rating.ByGroup["alpha"].Summary.N != 1 || len(r1.Rating.ByGroup) != 2 {
		t.Errorf("R1 by group %+v", r1.Rating.ByGroup)
	}
	if r1.Rating.Stability != nil {
		t.Error("stability without a previous round")
	}
	if c1 := item(t, r, "C1"); c1.SectionID != "s2" || c1.Position != 2 {
		t.Errorf("C1 section %q position %d", c1.SectionID, c1.Position)
	}
}

// Unknown groups follow the definition's, by id; the latest answer (by Seq)
// of an expert counts.
func TestComputeUnknownGroupsAndLatestAnswer(t *testing.T) {
	def := testDef()
	var as answers
	as.ratings("R1", "zeta", 1, 1)
	as.ratings("R1", "mu", 1, 4)
	as.ratings("R1", "beta", 1, 4)
	as.add("R1", "zeta", 1, delphi.Value{Point: ip(5)}) // same expert, later Seq: replaces the 1
	early := as.add("R1", "beta", 1, delphi.Value{Point: ip(1)})
	early.Seq = 0 // older than the first answer of beta-1
	r := compute(def, as, nil)
	if !slices.Equal(r.Groups, []string{"zeta", "alpha", "beta", "mu"}) {
		t.Errorf("groups %v", r.Groups)
	}
	s := item(t, r, "R1").Rating.Overall
	if s.N != 3 || s.Min.Value != 4 || s.Max.Value != 5 {
		t.Errorf("n %d min %v max %v, want 3 answers 4, 4, 5", s.N, s.Min, s.Max)
	}
}

func TestComputeByGroupAndDivergence(t *testing.T) {
	def := testDef()
	var as answers
	// zeta: [5,5,4,4,5]: agreement 100 %, Q1 4, Q3 5, IQR 1, median 5 → in.
	as.ratings("R1", "zeta", 1, 5, 5, 4, 4, 5)
	// alpha: [1,1,2,2,1]: disagreement 100 %, IQR 1, median 1 → out.
	as.ratings("R1", "alpha", 1, 1, 1, 2, 2, 1)
	r1 := item(t, compute(def, as, nil), "R1")
	rr := r1.Rating
	if rr.ByGroup["zeta"].Consensus.Outcome != ConsensusIn || rr.ByGroup["alpha"].Consensus.Outcome != ConsensusOut {
		t.Fatalf("group outcomes %+v / %+v", rr.ByGroup["zeta"].Consensus, rr.ByGroup["alpha"].Consensus)
	}
	// Overall: 5/10 = 50 % agreement → none.
	if rr.Consensus.Outcome != ConsensusNone {
		t.Errorf("overall %+v", rr.Consensus)
	}
	// Divergence: medians 5 and 1 (gap 4 ≥ 2), in vs out, and the overall
	// counts [3,2,0,2,3] are bimodal (peaks 3 ≥ 20 % of 10, valley 0 < 1.5).
	d := rr.Divergence
	if !slices.Equal(d.Flags, []string{FlagMedianGap, FlagOppositeConsensus, FlagBimodal}) {
		t.Errorf("flags %v", d.Flags)
	}
	if d.MedianGap.Value != 4 || !approx(d.Score, 3+4.0/4) || r1.DivergenceScore != d.Score {
		t.Errorf("gap %v score %v item score %v", d.MedianGap, d.Score, r1.DivergenceScore)
	}
	if len(d.GroupMedians) != 2 || d.GroupMedians[0].Group != "zeta" || d.GroupMedians[0].Median.Value != 5 ||
		d.GroupMedians[1].Median.Value != 1 || !d.GroupMedians[1].Eligible || d.GroupMedians[1].Consensus != ConsensusOut {
		t.Errorf("group medians %+v", d.GroupMedians)
	}
}

func TestDivergenceMedianGap(t *testing.T) {
	def := testDef()
	def.Groups = append(def.Groups, delphi.Group{ID: "tiny"})
	for _, tc := range []struct {
		name          string
		zeta, alpha   []int
		tiny          []int
		flags         []string
		gap           float64
		eligibleCount int
	}{
		// medians 4 and 2: gap exactly 2 → flag; neither group has consensus
		// (min_n 5), counts [0,3,0,3,0] bimodal.
		{"gap 2", []int{4, 4, 4}, []int{2, 2, 2}, nil, []string{FlagMedianGap, FlagBimodal}, 2, 2},
		// medians 4 and 2.5 ([2,2,3,3]): gap 1.5 → no flag.
		{"gap 1.5", []int{4, 4, 4}, []int{2, 2, 3, 3}, nil, []string{}, 1.5, 2},
		// the tiny group (n 2 < 3) with median 1 is not eligible: gap 0
		// (overall counts [2,0,0,5,1] are bimodal, though).
		{"small group ignored", []int{4, 4, 4}, []int{4, 4, 5}, []int{1, 1}, []string{FlagBimodal}, 0, 2},
	} {
		var as answers
		as.ratings("R1", "zeta", 1, tc.zeta...)
		as.ratings("R1", "alpha", 1, tc.alpha...)
		as.ratings("R1", "tiny", 1, tc.tiny...)
		d := item(t, compute(def, as, nil), "R1").Rating.Divergence
		eligible := 0
		for _, g := range d.GroupMedians {
			if g.Eligible {
				eligible++
			}
		}
		if !slices.Equal(d.Flags, tc.flags) || d.MedianGap.Value != tc.gap || eligible != tc.eligibleCount {
			t.Errorf("%s: flags %v gap %v eligible %d; want %v %v %d", tc.name, d.Flags, d.MedianGap, eligible, tc.flags, tc.gap, tc.eligibleCount)
		}
	}
	// One eligible group: the gap is undefined (null), no flag.
	var as answers
	as.ratings("R1", "zeta", 1, 5, 5, 5)
	d := item(t, compute(def, as, nil), "R1").Rating.Divergence
	if d.MedianGap.Valid || len(d.Flags) != 0 || d.Score != 0 {
		t.Errorf("one group: %+v", d)
	}
}

func TestDivergenceBimodalOnly(t *testing.T) {
	def := testDef()
	var as answers
	// Both groups split alike: medians 3 and 3, overall [4,0,0,0,4] bimodal.
	as.ratings("R1", "zeta", 1, 1, 1, 5, 5)
	as.ratings("R1", "alpha", 1, 1, 5, 1, 5)
	d := item(t, compute(def, as, nil), "R1").Rating.Divergence
	if !slices.Equal(d.Flags, []string{FlagBimodal}) || d.Score != 1 {
		t.Errorf("flags %v score %v", d.Flags, d.Score)
	}
}

// Opposite consensus counts only groups with n ≥ DivergenceMinGroupN, even
// when the rule itself (here without min_n) gives smaller groups an outcome.
func TestDivergenceOppositeNeedsEligibleGroups(t *testing.T) {
	def := testDef()
	def.Consensus = delphi.Rule{Agreement: &delphi.AgreementRule{MinPercent: 75}} // no min_n
	var as answers
	as.ratings("R1", "zeta", 1, 5, 5) // n 2: in, but not eligible
	as.ratings("R1", "alpha", 1, 1, 1)
	rr := item(t, compute(def, as, nil), "R1").Rating
	if rr.ByGroup["zeta"].Consensus.Outcome != ConsensusIn || rr.ByGroup["alpha"].Consensus.Outcome != ConsensusOut {
		t.Fatalf("outcomes %+v", rr.ByGroup)
	}
	if slices.Contains(rr.Divergence.Flags, FlagOppositeConsensus) {
		t.Errorf("flags %v: groups of 2 must not count", rr.Divergence.Flags)
	}
	as = nil
	as.ratings("R1", "zeta", 1, 5, 5, 5)
	as.ratings("R1", "alpha", 1, 1, 1, 1)
	rr = item(t, compute(def, as, nil), "R1").Rating
	if !slices.Contains(rr.Divergence.Flags, FlagOppositeConsensus) {
		t.Errorf("flags %v: groups of 3 count", rr.Divergence.Flags)
	}
}

// Stability pairs only the experts present in both rounds.
func TestComputeStabilityPairs(t *testing.T) {
	def := testDef()
	var prev, cur answers
	// Previous: zeta-1 3, zeta-2 4, zeta-3 5 (zeta-3 leaves), alpha-1 abstains.
	prev.ratings("R1", "zeta", 1, 3, 4, 5)
	prev.add("R1", "alpha", 1, delphi.Value{Abstain: true})
	// Current: zeta-1 4 (changed), zeta-2 4 (same), zeta-4 1 (new), alpha-1 2.
	cur.ratings("R1", "zeta", 1, 4, 4)
	cur.ratings("R1", "zeta", 4, 1)
	cur.ratings("R1", "alpha", 1, 2)
	// Numeric: alpha-1 10 → 12; zeta-9 only now.
	prev.add("N1", "alpha", 1, delphi.Value{Number: fp(10)})
	cur.add("N1", "alpha", 1, delphi.Value{Number: fp(12)})
	cur.add("N1", "zeta", 9, delphi.Value{Number: fp(99)})
	// Multi-rating criterion: zeta-1 5 → 5 on wichtigkeit.
	prev.add("M1", "zeta", 1, delphi.Value{Criteria: map[string]delphi.Value{"wichtigkeit": {Point: ip(5)}, "neun": {Point: ip(9)}}})
	cur.add("M1", "zeta", 1, delphi.Value{Criteria: map[string]delphi.Value{"wichtigkeit": {Point: ip(5)}, "neun": {Point: ip(1)}}})
	r := compute(def, cur, prev)

	st := item(t, r, "R1").Rating.Stability
	// Pairs: zeta-1 (3 → 4), zeta-2 (4 → 4). share changed 1/2; Scheibe:
	// |n_3: 1 → 0| + |n_4: 1 → 2| = 2, / (2·2) = 0.5.
	if st == nil || st.NPaired != 2 || st.ShareChanged.Value != 0.5 || st.Scheibe.Value != 0.5 {
		t.Fatalf("stability %+v", st)
	}
	if ns := item(t, r, "N1").Numeric.Stability; ns == nil || ns.NPaired != 1 || ns.ShareChanged.Value != 1 {
		t.Errorf("numeric stability %+v", ns)
	}
	m1 := item(t, r, "M1")
	w, _ := m1.Criterion("wichtigkeit")
	n, _ := m1.Criterion("neun")
	if w.Stability.NPaired != 1 || w.Stability.ShareChanged.Value != 0 || n.Stability.ShareChanged.Value != 1 {
		t.Errorf("criteria stability %+v / %+v", w.Stability, n.Stability)
	}
}

// Adding abstentions changes only the abstention count, not the outcome.
func TestComputeAbstentions(t *testing.T) {
	def := testDef()
	var as answers
	as.ratings("R1", "zeta", 1, 5, 5, 4, 4, 4, 4, 3, 2)
	base := item(t, compute(def, as, nil), "R1").Rating
	for k := 1; k <= 4; k++ {
		as.add("R1", "alpha", k, delphi.Value{Abstain: true})
		rr := item(t, compute(def, as, nil), "R1").Rating
		if rr.Overall.Abstentions != k || rr.Overall.N != 8 || rr.Consensus != base.Consensus || rr.Consensus.Outcome != ConsensusIn {
			t.Errorf("%d abstentions: abst %d n %d %+v", k, rr.Overall.Abstentions, rr.Overall.N, rr.Consensus)
		}
		if a := rr.ByGroup["alpha"].Summary; a.N != 0 || a.Abstentions != k {
			t.Errorf("alpha n %d abstentions %d", a.N, a.Abstentions)
		}
	}
}

func TestComputeMultiRating(t *testing.T) {
	def := testDef()
	var as answers
	for i, v := range []struct{ w, n int }{{5, 8}, {5, 9}, {4, 7}, {4, 8}, {4, 7}, {4, 2}, {3, 8}, {2, 8}} {
		as.add("M1", "zeta", i+1, delphi.Value{Criteria: map[string]delphi.Value{"wichtigkeit": {Point: ip(v.w)}, "neun": {Point: ip(v.n)}}})
	}
	as.add("M1", "alpha", 1, delphi.Value{Criteria: map[string]delphi.Value{"wichtigkeit": {Abstain: true}, "neun": {Abstain: true}}})
	it := item(t, compute(def, as, nil), "M1")
	if len(it.Criteria) != 2 || it.Criteria[0].CriterionID != "wichtigkeit" || it.Criteria[1].CriterionID != "neun" {
		t.Fatalf("criteria %+v", it.Criteria)
	}
	if it.N != 8 || it.Answered != 9 {
		t.Errorf("n %d answered %d, want 8 and 9", it.N, it.Answered)
	}
	w, _ := it.Criterion("wichtigkeit")
	if w.Consensus.Outcome != ConsensusIn || w.Overall.Abstentions != 1 { // the worked example
		t.Errorf("wichtigkeit %+v", w.Consensus)
	}
	// neun on 1–9 (agreement 7–9): 7/8 = 87.5 %; sorted 2,7,7,8,8,8,8,9:
	// Q1 h 2.75 → 7, Q3 h 6.25 → 8, IQR 1 → in.
	n, _ := it.Criterion("neun")
	if n.Overall.AgreementPercent.Value != 87.5 || n.Overall.IQR.Value != 1 || n.Consensus.Outcome != ConsensusIn {
		t.Errorf("neun agreement %v iqr %v %+v", n.Overall.AgreementPercent, n.Overall.IQR, n.Consensus)
	}
}

func TestComputeChoiceRankingNumericText(t *testing.T) {
	def := testDef()
	var as answers
	as.add("C1", "zeta", 1, delphi.Value{Choice: "x"})
	as.add("C1", "zeta", 2, delphi.Value{Choice: "x"})
	as.add("C1", "alpha", 1, delphi.Value{Choice: "z"})
	as.add("C1", "alpha", 2, delphi.Value{Choice: "nope"}) // unknown option: invalid
	as.add("C2", "zeta", 1, delphi.Value{Choices: []string{"x", "y"}})
	as.add("C2", "alpha", 1, delphi.Value{Choices: []string{"y"}})
	as.add("C2", "alpha", 2, delphi.Value{Choices: []string{"y", "y"}}) // repeated: invalid
	as.add("K1", "zeta", 1, delphi.Value{Choices: []string{"a", "b"}})
	as.add("K1", "zeta", 2, delphi.Value{Choices: []string{"a", "c"}})
	as.add("K1", "alpha", 1, delphi.Value{Choices: []string{"b", "a"}})
	as.add("N1", "zeta", 1, delphi.Value{Number: fp(10)})
	as.add("N1", "zeta", 2, delphi.Value{Number: fp(20)})
	as.add("N1", "alpha", 1, delphi.Value{Number: fp(40)})
	as.add("X1", "alpha", 1, delphi.Value{Text: "  zweite Idee "})
	as.add("X1", "zeta", 1, delphi.Value{Text: "erste Idee"})
	as.add("X1", "zeta", 2, delphi.Value{Text: "   "})
	r := compute(def, as, nil)

	c1 := item(t, r, "C1").Choice
	if c1.N != 3 || c1.Invalid != 1 || c1.Options[0].Count != 2 || !approx(c1.Options[0].Share.Value, 2.0/3) || c1.Options[1].Count != 0 || c1.Options[2].Count != 1 {
		t.Errorf("C1 %+v", c1.ChoiceCounts)
	}
	if z := c1.ByGroup["zeta"]; z.N != 2 || z.Options[0].Share.Value != 1 {
		t.Errorf("C1 zeta %+v", z)
	}
	c2 := item(t, r, "C2").Choice
	// shares of respondents: y chosen by 2 of 2 → 1; x by 1 of 2 → 0.5.
	if c2.N != 2 || c2.Invalid != 1 || c2.Options[0].Share.Value != 0.5 || c2.Options[1].Share.Value != 1 || c2.Options[2].Count != 0 {
		t.Errorf("C2 %+v", c2.ChoiceCounts)
	}
	k1 := item(t, r, "K1")
	// a: ranks 1, 1, 2 → mean 4/3; top-2 share of a: 3/3.
	if k1.N != 3 || k1.Ranking.TopK != 2 || k1.Ranking.Overall.M != 3 || !approx(k1.Ranking.Overall.Options[0].MeanRank.Value, 4.0/3) ||
		k1.Ranking.Overall.Options[0].TopKShare.Value != 1 || k1.Ranking.ByGroup["alpha"].M != 1 {
		t.Errorf("K1 %+v", k1.Ranking)
	}
	n1 := item(t, r, "N1").Numeric
	if n1.Overall.N != 3 || n1.Overall.Median.Value != 20 || n1.Overall.Min.Value != 10 || n1.Overall.Max.Value != 40 ||
		n1.Overall.Distribution != nil || n1.ByGroup["zeta"].Median.Value != 15 {
		t.Errorf("N1 %+v", n1.Overall)
	}
	x1 := item(t, r, "X1")
	// By group (zeta before alpha), then text; trimmed; blanks dropped.
	if x1.N != 2 || !slices.Equal(x1.Text.Texts, []string{"erste Idee", "zweite Idee"}) {
		t.Errorf("X1 %+v", x1.Text)
	}
	if len(x1.Comments) != 2 || x1.Comments[0] != (Comment{Text: "erste Idee", Group: "zeta", Kind: KindAnswer}) {
		t.Errorf("X1 comments %+v", x1.Comments)
	}
}

func TestCommentsOrderAndAnonymity(t *testing.T) {
	def := testDef()
	var as, prev answers
	a := as.add("R1", "alpha", 1, delphi.Value{Point: ip(2)})
	a.Comment, a.Justification = "Zu teuer.", "Ich kenne die Kosten."
	a = as.add("R1", "zeta", 2, delphi.Value{Point: ip(5)})
	a.Comment = "Wichtig!"
	a = as.add("R1", "zeta", 1, delphi.Value{Abstain: true})
	a.Comment = "Aber: kaum umsetzbar"
	a = as.add("R1", "", 7, delphi.Value{})
	a.Comment = "ohne Gruppe"
	a = as.add("R1", "alpha", 3, delphi.Value{Point: ip(4)})
	a.Comment = "   " // blank: dropped
	for _, g := range []string{"zeta", "alpha"} {
		for i := 1; i <= 5; i++ {
			as.add("M1", g, i, delphi.Value{Criteria: map[string]delphi.Value{"wichtigkeit": {Point: ip(i)}, "neun": {Point: ip(9)}}}).Comment = "M " + g
			as.add("C1", g, i, delphi.Value{Choice: "y"})
			as.add("K1", g, i, delphi.Value{Choices: []string{"c", "b"}})
			as.add("X1", g, i, delphi.Value{Text: "Idee " + g})
			prev.add("R1", g, i, delphi.Value{Point: ip(3)})
		}
	}
	r := compute(def, as, prev)
	want := []Comment{
		{"Aber: kaum umsetzbar", "zeta", KindComment},
		{"Wichtig!", "zeta", KindComment},
		{"Ich kenne die Kosten.", "alpha", KindJustification},
		{"Zu teuer.", "alpha", KindComment},
		{"ohne Gruppe", "", KindComment},
	}
	if got := item(t, r, "R1").Comments; !slices.Equal(got, want) {
		t.Errorf("comments\n got %+v\nwant %+v", got, want)
	}

	out := mustJSON(t, r) + mustJSON(t, Feedback(r, def.Rounds.Feedback)) + mustJSON(t, Overview([]*RoundResults{r}))
	for _, a := range append(as, prev...) {
		if a.ExpertID != "" && strings.Contains(out, a.ExpertID) {
			t.Errorf("expert id %q in the results", a.ExpertID)
		}
		if strings.Contains(out, a.Pseudonym) {
			t.Errorf("pseudonym %q in the results", a.Pseudonym)
		}
	}
	if strings.Contains(out, "id-") || strings.Contains(out, "E-ZETA") || strings.Contains(out, "E-ALPHA") {
		t.Error("an expert id or pseudonym leaked")
	}
}

// No NaN or Inf reaches JSON, whatever the data.
func TestComputeJSONEdgeCases(t *testing.T) {
	def := testDef()
	one := answers{}
	one.ratings("R1", "zeta", 1, 4)
	one.add("M1", "zeta", 1, delphi.Value{Criteria: map[string]delphi.Value{"wichtigkeit": {Point: ip(4)}, "neun": {Abstain: true}}})
	one.add("N1", "zeta", 1, delphi.Value{Number: fp(0)})
	one.add("K1", "zeta", 1, delphi.Value{Choices: []string{"a", "b"}})
	one.add("C2", "zeta", 1, delphi.Value{Choices: []string{"z"}})
	abstain := answers{}
	for i := 1; i <= 4; i++ {
		abstain.add("R1", "alpha", i, delphi.Value{Abstain: true})
		abstain.add("M1", "alpha", i, delphi.Value{Criteria: map[string]delphi.Value{"wichtigkeit": {Abstain: true}, "neun": {Abstain: true}}})
	}
	zeros := answers{}
	for i := 1; i <= 6; i++ {
		zeros.add("N1", "alpha", i, delphi.Value{Number: fp(0)}) // mean 0: CV undefined
	}
	for name, tc := range map[string]struct{ cur, prev answers }{
		"n = 0":       {answers{}, nil},
		"n = 1":       {one, one},
		"all abstain": {abstain, abstain},
		"zeros":       {zeros, zeros},
	} {
		r := compute(def, tc.cur, tc.prev)
		for _, v := range []any{r, Feedback(r, def.Rounds.Feedback), Overview([]*RoundResults{r, r})} {
			b, err := json.Marshal(v)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if s := string(b); strings.Contains(s, "NaN") || strings.Contains(s, "Inf") {
				t.Errorf("%s: non-finite number in %s", name, s)
			}
		}
		if rr := item(t, r, "R1").Rating; rr.Consensus.Outcome != ConsensusNone {
			t.Errorf("%s: outcome %+v", name, rr.Consensus)
		}
	}
}

// The feedback is the same whether computed from fresh results or from
// results read back from JSON (a frozen snapshot). The results themselves
// lose undefined omitzero statistics of internal/stats on the way (a Num
// read from null is the zero Num, which omitzero drops), so they are only
// checked to be stable from the first round trip on.
func TestRoundResultsJSONRoundTrip(t *testing.T) {
	def := testDef()
	var as, prev answers
	as.ratings("R1", "zeta", 1, 5, 5, 4, 4, 4)
	as.ratings("R1", "alpha", 1, 4)
	prev.ratings("R1", "zeta", 1, 3, 5, 4)
	r := compute(def, as, prev)
	b := mustJSON(t, r)
	var back RoundResults
	if err := json.Unmarshal([]byte(b), &back); err != nil {
		t.Fatal(err)
	}
	once := mustJSON(t, &back)
	var back2 RoundResults
	if err := json.Unmarshal([]byte(once), &back2); err != nil {
		t.Fatal(err)
	}
	if twice := mustJSON(t, &back2); twice != once {
		t.Errorf("second round trip differs:\n%s\n%s", once, twice)
	}
	if !strings.Contains(b, `"q3":4.75`) || !strings.Contains(once, `"q3":4.75`) {
		t.Error("q3 lost")
	}
	if f1, f2 := mustJSON(t, Feedback(r, def.Rounds.Feedback)), mustJSON(t, Feedback(&back, def.Rounds.Feedback)); f1 != f2 {
		t.Errorf("feedback differs after the round trip:\n%s\n%s", f1, f2)
	}
}

// The shipped study end to end: every item type, eight groups.
func TestComputeShippedStudy(t *testing.T) {
	def := shipped(t, "kleinstadtakademie-2020.yaml")
	var as answers
	for e := range 40 {
		g := def.Groups[e%len(def.Groups)].ID
		p := 1 + e%5
		for _, it := range def.Items() {
			var v delphi.Value
			switch it.Type {
			case delphi.ItemRating:
				v.Point = ip(p)
			case delphi.ItemMultiRating:
				v.Criteria = map[string]delphi.Value{"wichtigkeit": {Point: ip(max(p, 4))}, "umsetzbarkeit": {Abstain: true}}
			case delphi.ItemSingleChoice:
				v.Choice = it.Options[e%len(it.Options)].ID
			case delphi.ItemMultipleChoice:
				v.Choices = []string{it.Options[0].ID, it.Options[1+e%2].ID}
			case delphi.ItemRanking:
				v.Choices = []string{it.Options[e%3].ID, it.Options[3].ID, it.Options[4].ID}
			case delphi.ItemText:
				v.Text = "Vorschlag " + itoa(e%3)
			}
			as.add(it.ID, g, e, v)
		}
	}
	r := compute(def, as, as)
	if len(r.Groups) != 8 || r.Respondents.Total != 40 || r.Respondents.ByGroup["international"] != 5 {
		t.Errorf("groups %v respondents %+v", r.Groups, r.Respondents)
	}
	t01 := item(t, r, "T01")
	w, _ := t01.Criterion("wichtigkeit")
	u, _ := t01.Criterion("umsetzbarkeit")
	// wichtigkeit: 24 × 4, 16 × 5 → agreement 100 %, IQR 1 → in; stable.
	if w.Consensus.Outcome != ConsensusIn || len(w.ByGroup) != 8 || w.Stability.ShareChanged.Value != 0 {
		t.Errorf("T01 wichtigkeit %+v", w.Consensus)
	}
	if u.Overall.N != 0 || u.Overall.Abstentions != 40 || u.Consensus.Reason != "min_n: n 0 < 5" {
		t.Errorf("T01 umsetzbarkeit n %d abst %d %+v", u.Overall.N, u.Overall.Abstentions, u.Consensus)
	}
	if f11 := item(t, r, "F11"); f11.Ranking.TopK != 3 || f11.Ranking.Overall.M != 40 {
		t.Errorf("F11 %+v", f11.Ranking)
	}
	// O02: points 1..5 evenly: agreement 40 % → none.
	if o2 := item(t, r, "O02"); o2.Rating.Consensus.Outcome != ConsensusNone || o2.SectionID != "organisation" {
		t.Errorf("O02 %+v", o2.Rating.Consensus)
	}
	if t15 := item(t, r, "T15"); t15.Text.N != 40 || t15.Text.Texts[0] != "Vorschlag 0" {
		t.Errorf("T15 %+v", t15.Text)
	}
	f := Feedback(r, def.Rounds.Feedback)
	b := Overview([]*RoundResults{r})
	out := mustJSON(t, r) + mustJSON(t, f) + mustJSON(t, b)
	if strings.Contains(out, "id-") || strings.Contains(out, "E-") {
		t.Error("an expert id or pseudonym leaked")
	}
	// 49 items, of which 32 multi_rating items with two criteria: 81 rows.
	if len(def.Items()) != 49 || len(b.Rows) != 81 || b.Rows[0].ItemID != "T01" || b.Rows[1].CriterionID != "umsetzbarkeit" {
		t.Errorf("board: %d items, %d rows", len(def.Items()), len(b.Rows))
	}
}

// TestComputeCountsSubmittedOrAll: by default the results count the
// experts who submitted; with feedback.count "all" drafts too. Both numbers
// are there either way, per item and per round.
func TestComputeCountsSubmittedOrAll(t *testing.T) {
	var as answers
	as.ratings("R1", "zeta", 1, 5, 5, 4, 1, 1)
	as[3].Draft, as[4].Draft = true, true // two experts have not submitted
	as.add("R2", "zeta", 4, delphi.Value{Point: ip(2)}).Draft = true
	for _, tc := range []struct {
		count        string
		n, total     int
		median       float64
		wantCountStr string
	}{
		{"", 3, 3, 5, delphi.CountSubmitted},
		{delphi.CountSubmitted, 3, 3, 5, delphi.CountSubmitted},
		{delphi.CountAll, 5, 5, 4, delphi.CountAll},
	} {
		def := testDef()
		def.Rounds.Feedback.Count = tc.count
		r := compute(def, as, nil)
		r1 := item(t, r, "R1")
		if r1.N != tc.n || r1.Answered != tc.n || r1.Rating.Overall.Median.Value != tc.median || r1.Submitted != 3 || r1.Drafts != 2 {
			t.Errorf("count %q: R1 n %d answered %d median %v, %d submitted, %d drafts", tc.count, r1.N, r1.Answered, r1.Rating.Overall.Median, r1.Submitted, r1.Drafts)
		}
		if r.Count != tc.wantCountStr || r.Respondents.Total != tc.total || r.Respondents.Submitted != 3 || r.Respondents.Drafts != 2 {
			t.Errorf("count %q: %q, respondents %+v", tc.count, r.Count, r.Respondents)
		}
		f := Feedback(r, def.Rounds.Feedback)["R1"]
		if f.N != tc.n || f.Submitted != 3 || f.Drafts != 2 || f.Count != tc.wantCountStr {
			t.Errorf("count %q: feedback %+v", tc.count, f)
		}
	}
}

// TestComputeGroupMinN: min_n alone applies to the overall result and to
// every group (the behaviour before group_min_n existed), so groups of four
// never reach consensus with min_n 8; group_min_n states the groups' own
// minimum, and the overall result keeps min_n.
func TestComputeGroupMinN(t *testing.T) {
	var as answers
	as.ratings("R1", "zeta", 1, 5, 5, 5, 5) // 4 answers, all agree
	as.ratings("R1", "alpha", 1, 5, 5, 4, 4)
	for _, tc := range []struct {
		name             string
		rule             delphi.Rule
		overall, byGroup string
		groupReason      string
	}{
		{"min_n 8 alone", delphi.Rule{MinN: 8, Agreement: &delphi.AgreementRule{MinPercent: 75}}, ConsensusIn, ConsensusNone, "min_n: n 4 < 8"},
		{"min_n 8, group_min_n 3", delphi.Rule{MinN: 8, GroupMinN: 3, Agreement: &delphi.AgreementRule{MinPercent: 75}}, ConsensusIn, ConsensusIn, "agreement"},
		{"min_n 9, group_min_n 5", delphi.Rule{MinN: 9, GroupMinN: 5, Agreement: &delphi.AgreementRule{MinPercent: 75}}, ConsensusNone, ConsensusNone, "min_n: n 4 < 5"},
		{"group_min_n only", delphi.Rule{GroupMinN: 5, Agreement: &delphi.AgreementRule{MinPercent: 75}}, ConsensusIn, ConsensusNone, "min_n: n 4 < 5"},
		{"nested group_min_n", delphi.Rule{All: []delphi.Rule{
			{MinN: 8, GroupMinN: 4, Agreement: &delphi.AgreementRule{MinPercent: 75}},
			{IQR: &delphi.MaxRule{Max: 1}},
		}}, ConsensusIn, ConsensusIn, "all("},
	} {
		def := testDef()
		def.Consensus = tc.rule
		rr := item(t, compute(def, as, nil), "R1").Rating
		if rr.Consensus.Outcome != tc.overall {
			t.Errorf("%s: overall %+v, want %s", tc.name, rr.Consensus, tc.overall)
		}
		for _, g := range []string{"zeta", "alpha"} {
			if c := rr.ByGroup[g].Consensus; c.Outcome != tc.byGroup || !strings.HasPrefix(c.Reason, tc.groupReason) {
				t.Errorf("%s: group %s %+v, want %s (%s…)", tc.name, g, c, tc.byGroup, tc.groupReason)
			}
		}
	}
	// ForGroups leaves the rule itself alone.
	r := delphi.Rule{MinN: 8, GroupMinN: 3, All: []delphi.Rule{{MinN: 6, GroupMinN: 2, IQR: &delphi.MaxRule{Max: 1}}, {MinN: 5}}}
	g := r.ForGroups()
	if g.MinN != 3 || g.GroupMinN != 0 || g.All[0].MinN != 2 || g.All[1].MinN != 5 || r.MinN != 8 || r.All[0].MinN != 6 || r.All[0].GroupMinN != 2 {
		t.Errorf("ForGroups: %+v from %+v", g, r)
	}
}
