package analysis

import (
	"strings"
	"testing"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// TestComputeRoundsIQR: stability reports both ΔIQR on the paired experts
// and the plain difference of the two rounds' IQRs over all respondents.
func TestComputeRoundsIQR(t *testing.T) {
	def := testDef()
	var prev, cur answers
	// Previous round: zeta 1..4 rate 1 2 3 4, alpha-1 rates 5 (IQR type 7
	// of 1 2 3 4 5 = 4 − 2 = 2). Current: zeta 1..4 rate 3 3 3 4 (alpha-1
	// gone), zeta-5 new with 3 (IQR of 3 3 3 3 4 = 3 − 3 = 0).
	prev.ratings("R1", "zeta", 1, 1, 2, 3, 4)
	prev.ratings("R1", "alpha", 1, 5)
	cur.ratings("R1", "zeta", 1, 3, 3, 3, 4, 3)
	// Numeric: previous 10 20 30 (alpha 1..3), current 20 20 (alpha 1, 2).
	for i, x := range []float64{10, 20, 30} {
		prev.add("N1", "alpha", i+1, delphi.Value{Number: fp(x)})
	}
	for i, x := range []float64{20, 20} {
		cur.add("N1", "alpha", i+1, delphi.Value{Number: fp(x)})
	}
	r := compute(def, cur, prev)
	st := item(t, r, "R1").Rating.Stability
	// Paired: zeta 1..4, prev 1 2 3 4 (IQR 1.5), cur 3 3 3 4 (IQR 0.25).
	if st.NPaired != 4 || !approx(st.DeltaIQR.Value, 0.25-1.5) || !st.DeltaIQRRounds.Valid || !approx(st.DeltaIQRRounds.Value, -2) {
		t.Errorf("rating: paired %d, ΔIQR %+v, rounds %+v", st.NPaired, st.DeltaIQR, st.DeltaIQRRounds)
	}
	ns := item(t, r, "N1").Numeric.Stability
	// Paired 10→20, 20→20: IQR 5 → 0; rounds: IQR(10 20 30) = 10 → 0.
	if !approx(ns.DeltaIQR.Value, -5) || !approx(ns.DeltaIQRRounds.Value, -10) {
		t.Errorf("numeric: ΔIQR %+v, rounds %+v", ns.DeltaIQR, ns.DeltaIQRRounds)
	}
	if js := mustJSON(t, st); !strings.Contains(js, `"delta_iqr_rounds":-2`) || !strings.Contains(js, `"zero_method":"wilcox"`) {
		t.Errorf("JSON %s", js)
	}
}

// TestComputeWilcoxonOptions: the study's analysis.wilcoxon reaches the test.
func TestComputeWilcoxonOptions(t *testing.T) {
	def := testDef()
	var prev, cur answers
	prev.ratings("R1", "zeta", 1, 1, 2, 3, 4, 1)
	cur.ratings("R1", "zeta", 1, 2, 2, 5, 4, 4) // d = 1 0 2 0 3: zeros, no ties
	w := item(t, compute(def, cur, prev), "R1").Rating.Stability.Wilcoxon
	if w.Method != "exact" || w.ZeroMethod != "wilcox" || w.Correction || w.N != 3 || w.Zeros != 2 {
		t.Errorf("default: %+v", w)
	}
	def.Analysis = &delphi.Analysis{Wilcoxon: &delphi.WilcoxonOptions{Method: "normal", ZeroMethod: "pratt", Correction: true}}
	w = item(t, compute(def, cur, prev), "R1").Rating.Stability.Wilcoxon
	if w.Method != "normal" || w.ZeroMethod != "pratt" || !w.Correction || w.N != 3 || w.Zeros != 2 {
		t.Errorf("pratt: %+v", w)
	}
}

// TestComputeRankingTies: tied places become mid-ranks in the results.
func TestComputeRankingTies(t *testing.T) {
	def := testDef()
	def.Sections[1].Items[2] = delphi.Item{ID: "K1", Type: delphi.ItemRanking, Ties: true,
		Options: []delphi.Option{{ID: "a"}, {ID: "b"}, {ID: "c"}}}
	var as answers
	as.add("K1", "zeta", 1, delphi.Value{Choices: []string{"a", "b", "c"}, Places: []int{1, 1, 3}})
	as.add("K1", "zeta", 2, delphi.Value{Choices: []string{"c", "a", "b"}})
	r := item(t, compute(def, as, nil), "K1").Ranking
	// a 1.5 + 2, b 1.5 + 3, c 3 + 1.
	if !r.Ties || r.Overall.M != 2 || r.Overall.Options[0].RankSum != 3.5 || r.Overall.Options[1].RankSum != 4.5 || r.Overall.Options[2].RankSum != 4 {
		t.Errorf("%+v", r)
	}
	if g := r.ByGroup["zeta"]; g.Options[0].RankSum != 3.5 {
		t.Errorf("zeta %+v", g)
	}
}
