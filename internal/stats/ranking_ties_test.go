package stats

import (
	"slices"
	"strconv"
	"testing"
)

// rankScores turns one rater's scores of the subjects s0, s1, … into a
// Ranked (lowest score first, equal scores tied), the way R's rank() and
// NAG's G08DAF rank each rater's column; the direction does not change W.
func rankScores(scores []float64) Ranked {
	order := make([]int, len(scores))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case scores[a] < scores[b]:
			return -1
		case scores[a] > scores[b]:
			return 1
		}
		return 0
	})
	r := Ranked{IDs: make([]string, len(order)), Places: make([]int, len(order))}
	for pos, i := range order {
		r.IDs[pos] = "s" + strconv.Itoa(i)
		r.Places[pos] = pos + 1
		if pos > 0 && scores[i] == scores[order[pos-1]] {
			r.Places[pos] = r.Places[pos-1]
		}
	}
	return r
}

// concordance runs RankingTies on a raters × subjects score matrix.
func concordance(t *testing.T, raters [][]float64) RankingSummary {
	t.Helper()
	rankings := map[string]Ranked{}
	var opts []string
	for i := range raters[0] {
		opts = append(opts, "s"+strconv.Itoa(i))
	}
	for k, sc := range raters {
		r := rankScores(sc)
		if !ValidPlaces(r.Places) {
			t.Fatalf("rater %d: places %v", k, r.Places)
		}
		rankings[strconv.Itoa(k)] = r
	}
	return RankingTies(rankings, opts, 0)
}

// TestKendallWAnxiety reproduces R, package irr 0.84.1, kendall(anxiety, TRUE):
// "Kendall's coefficient of concordance Wt … Subjects = 20 Raters = 3
// Wt = 0.54, Chisq(19) = 30.8, p-value = 0.0429" (the irr manual, example of
// kendall). The anxiety data (20 subjects, 3 raters, 1–6) as printed in the
// example of DescTools::KendallW, which says it is irr's data set; its
// tables per rater equal those printed by irr's example
// apply(anxiety, 2, table): rater1 1:2 2:6 3:5 4:2 5:4 6:1,
// rater2 1:1 2:5 3:8 4:4 6:2, rater3 1:7 2:5 3:5 4:2 6:1.
func TestKendallWAnxiety(t *testing.T) {
	r := concordance(t, [][]float64{
		{3, 3, 3, 4, 5, 5, 2, 3, 5, 2, 2, 6, 1, 5, 2, 2, 1, 2, 4, 3},
		{3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4},
		{2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2},
	})
	if r.M != 3 || r.NOptions != 20 || r.DF != 19 || r.Invalid != 0 {
		t.Fatalf("m, n, df, invalid = %d %d %d %d", r.M, r.NOptions, r.DF, r.Invalid)
	}
	printed(t, "W", r.W, 2, "0.54")
	printed(t, "chi2", r.Chi2, 1, "30.8")
	printed(t, "p", r.P, 4, "0.0429")
	// Without the tie correction W would be 12S/(m²(n³−n)) = 0.5019…, so
	// this also shows the correction applies to ties among ranked entries.
}

// TestKendallWNAG reproduces the NAG Library's G08DAF example (Kendall's
// coefficient of concordance, k = 3 comparisons of n = 10 objects with
// tied scores): "Kendall's coefficient = 0.8277" (Mark 23 results; later
// marks print 0.828) and "Significance = 0.008" (the chi-square p).
func TestKendallWNAG(t *testing.T) {
	r := concordance(t, [][]float64{
		{1.0, 4.5, 2.0, 4.5, 3.0, 7.5, 6.0, 9.0, 7.5, 10.0},
		{2.5, 1.0, 2.5, 4.5, 4.5, 8.0, 9.0, 6.5, 10.0, 6.5},
		{2.0, 1.0, 4.5, 4.5, 4.5, 4.5, 8.0, 8.0, 8.0, 10.0},
	})
	printed(t, "W", r.W, 4, "0.8277")
	printed(t, "W", r.W, 3, "0.828")
	printed(t, "p", r.P, 3, "0.008")
	// The rank sums equal the column sums of the printed scores, which are
	// already mid-ranks: object 1 = 1.0+2.5+2.0.
	near(t, "rank sum s0", r.Options[0].RankSum, 5.5, 0)
}

// printed fails unless n, rounded half up to d decimals, reads want.
func printed(t *testing.T, name string, n Num, d int, want string) {
	t.Helper()
	if !n.Valid {
		t.Fatalf("%s undefined: %s", name, n.Reason)
	}
	if got := FormatHalfUp(n.Value, d); got != want {
		t.Errorf("%s = %s (%.10g), want %s", name, got, n.Value, want)
	}
}

func TestRankingTiesHandWorked(t *testing.T) {
	// n = 4 options a b c d, m = 2:
	//   A: a=b first, c, d (places 1 1 3 4) → a 1.5 b 1.5 c 3 d 4, T = 6
	//   B: c, then a=b=d (places 1 2 2 2)   → c 1, a b d 3,        T = 24
	// R = a 4.5 b 4.5 c 4 d 7; m(n+1)/2 = 5; S = .25+.25+1+4 = 5.5.
	// W = 12·5.5 / (4·60 − 2·30) = 66/180 = 11/30.
	opts := []string{"a", "b", "c", "d"}
	r := RankingTies(map[string]Ranked{
		"A": {IDs: []string{"a", "b", "c", "d"}, Places: []int{1, 1, 3, 4}},
		"B": {IDs: []string{"c", "a", "b", "d"}, Places: []int{1, 2, 2, 2}},
		"C": {IDs: []string{"a", "b"}, Places: []int{1, 2, 2}}, // length mismatch: invalid
		"D": {IDs: []string{"a", "b", "c"}, Places: []int{1, 1, 2}},
		"E": {IDs: []string{"a", "b", "c"}, Places: []int{1, 3, 3}},
	}, opts, 1)
	if r.M != 2 || r.Invalid != 3 {
		t.Fatalf("m, invalid = %d %d", r.M, r.Invalid)
	}
	nearNum(t, "w", r.W, 11.0/30, 1e-15)
	want := []struct{ sum, first float64 }{{4.5, 0.5}, {4.5, 0.5}, {4, 0.5}, {7, 0}}
	for i, w := range want {
		o := r.Options[i]
		if o.RankSum != w.sum {
			t.Errorf("%s rank sum = %g, want %g", o.ID, o.RankSum, w.sum)
		}
		nearNum(t, o.ID+" first_share", o.FirstShare, w.first, 0)
		nearNum(t, o.ID+" topk_share", o.TopKShare, w.first, 0) // top 1 = place 1
	}
	// Ties by places and by omission together: R = a 6, b c d 8; S = 3;
	// ΣT = 60 + 24 + 60.
	r = RankingTies(map[string]Ranked{
		"A": {IDs: opts, Places: []int{1, 1, 1, 1}},
		"B": {IDs: opts[:1], Places: []int{1}}, // a, then b c d tied by omission
		"C": {IDs: opts, Places: []int{1, 1, 1, 1}},
	}, opts, 0)
	nearNum(t, "w one ranked", r.W, 12*3.0/(9*60-3*(60+24+60)), 1e-15)
	// Everything tied in every ranking: the denominator is 0.
	all := Ranked{IDs: opts, Places: []int{1, 1, 1, 1}}
	r = RankingTies(map[string]Ranked{"A": all, "B": all}, opts, 0)
	undefined(t, "w all tied", r.W, "all ranks tied")
}

func TestValidPlaces(t *testing.T) {
	for _, p := range [][]int{nil, {1}, {1, 2, 3}, {1, 1, 3}, {1, 1, 1}, {1, 2, 2, 4}} {
		if !ValidPlaces(p) {
			t.Errorf("%v refused", p)
		}
	}
	for _, p := range [][]int{{0}, {2}, {1, 1, 2}, {1, 3, 3}, {1, 2, 1}, {1, 2, 4}} {
		if ValidPlaces(p) {
			t.Errorf("%v accepted", p)
		}
	}
}
