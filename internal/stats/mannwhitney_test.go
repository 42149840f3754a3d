package stats

import (
	"math"
	"testing"
)

// The expected U and p below are scipy 1.10.1's (Debian's python3-scipy):
//
//	from scipy.stats import mannwhitneyu
//	mannwhitneyu(x, y, alternative="two-sided", method=M, use_continuity=True)
//
// with M = "exact" for exactP and M = "asymptotic" for normalP; statistic
// is U1, the U of x.
var mannWhitneyCases = []struct {
	name     string
	x, y     []float64
	u1       float64
	exactP   float64 // 0: the case has ties (scipy's exact ignores them; we never use it then)
	normalP  float64
	wantMeth string // MannWhitneyU's own choice
}{
	// mannwhitneyu([1,4,7], [2,3,5,6,8,9], ...) → 6.0; exact 0.5476190476190476, asymptotic 0.5186050164287256
	{"exact_small", []float64{1, 4, 7}, []float64{2, 3, 5, 6, 8, 9}, 6, 0.5476190476190476, 0.5186050164287256, MethodExact},
	// mannwhitneyu([1.5,2.5,3.5,4.5], [5,6,7,8,9], ...) → 0.0; exact 0.015873015873015872, asymptotic 0.019964453305216043
	{"exact_separated", []float64{1.5, 2.5, 3.5, 4.5}, []float64{5, 6, 7, 8, 9}, 0, 0.015873015873015872, 0.019964453305216043, MethodExact},
	// mannwhitneyu([3,9,12,15,20,21], [1,2,4,5,6,7,8,10], ...) → 41.0; exact 0.029304029304029304, asymptotic 0.03315998745884777
	{"exact_mid", []float64{3, 9, 12, 15, 20, 21}, []float64{1, 2, 4, 5, 6, 7, 8, 10}, 41, 0.029304029304029304, 0.03315998745884777, MethodExact},
	// mannwhitneyu([1,2,2,3,4,5,5], [3,4,4,5,5,5,6,7], ...) → 11.5; asymptotic 0.057936001992383114
	{"ties_ratings", []float64{1, 2, 2, 3, 4, 5, 5}, []float64{3, 4, 4, 5, 5, 5, 6, 7}, 11.5, 0, 0.057936001992383114, MethodNormal},
	// mannwhitneyu([2,2,3], [3,4,4,5], ...) → 0.5; asymptotic 0.0692003544198483
	{"ties_small", []float64{2, 2, 3}, []float64{3, 4, 4, 5}, 0.5, 0, 0.0692003544198483, MethodNormal},
	// mannwhitneyu([1,2,3,4], [1,2,3,4], ...) → 8.0; asymptotic 1.0
	{"equal", []float64{1, 2, 3, 4}, []float64{1, 2, 3, 4}, 8, 0, 1, MethodNormal},
	// x = list(range(0,50,2)); y = list(range(1,50,2))[:20] + [60,61,62,63,64]
	// (n = 50, the largest exact case) → 290.0; exact 0.6721397853379758, asymptotic 0.6694793348058024
	{"exact_n50", evens(0, 50), append(odds(1, 40), 60, 61, 62, 63, 64), 290, 0.6721397853379758, 0.6694793348058024, MethodExact},
	// x = list(range(0,60,2)); y = [i+0.5 for i in range(25)] (n = 55, normal
	// without ties) → 581.0; asymptotic 0.000513556608877475
	{"normal_n55", evens(0, 60), halves(25), 581, 0, 0.000513556608877475, MethodNormal},
}

func evens(from, to int) []float64 {
	var out []float64
	for v := from; v < to; v += 2 {
		out = append(out, float64(v))
	}
	return out
}

func odds(from, to int) []float64 { return evens(from, to) } // from odd: 1, 3, …

func halves(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = float64(i) + 0.5
	}
	return out
}

func TestMannWhitneyAgainstScipy(t *testing.T) {
	for _, c := range mannWhitneyCases {
		t.Run(c.name, func(t *testing.T) {
			m := MannWhitneyU(c.x, c.y)
			if m.U1 != c.u1 || m.U1+m.U2 != float64(len(c.x)*len(c.y)) || m.N1 != len(c.x) || m.N2 != len(c.y) {
				t.Fatalf("%+v, want U1 %g", m, c.u1)
			}
			if m.Method != c.wantMeth {
				t.Errorf("method %q, want %q", m.Method, c.wantMeth)
			}
			want := c.normalP
			if c.wantMeth == MethodExact {
				want = c.exactP
			}
			nearNum(t, "p", m.P, want, 1e-12)
			nearNum(t, "p (asymptotic)", mannWhitneyU(c.x, c.y, false).P, c.normalP, 1e-12)
			if c.exactP != 0 {
				nearNum(t, "p (exact)", mannWhitneyU(c.x, c.y, true).P, c.exactP, 1e-12)
			}
			// Swapping the samples swaps U and keeps p (two-sided).
			s := MannWhitneyU(c.y, c.x)
			if s.U1 != m.U2 || s.P != m.P || s.Method != m.Method {
				t.Errorf("swapped: %+v vs %+v", s, m)
			}
		})
	}
}

func TestMannWhitneyHandWorked(t *testing.T) {
	// x = 1 2 2, y = 2 3: ranks 1, 3, 3 | 3, 5 (2 ×3 → mid-rank 3).
	// R1 = 7, U1 = 7 − 6 = 1, U2 = 6 − 1 = 5. Σ(t³−t) = 24, n = 5.
	// σ² = 3·2/12 · (6 − 24/20) = 0.5 · 4.8 = 2.4; |U1 − 3| − ½ = 1.5.
	// z = −1.5/√2.4, p = erfc(|z|/√2).
	m := MannWhitneyU([]float64{1, 2, 2, math.NaN()}, []float64{2, 3, math.Inf(1)})
	if m.N1 != 3 || m.N2 != 2 || m.U1 != 1 || m.U2 != 5 || m.Method != MethodNormal {
		t.Fatalf("%+v", m)
	}
	z := -1.5 / math.Sqrt(2.4)
	nearNum(t, "z", m.Z, z, 1e-15)
	nearNum(t, "p", m.P, math.Erfc(-z/math.Sqrt2), 1e-15)

	// Exact, n1 = 2, n2 = 2: the 6 rank sets of x have U = 0,1,2,2,3,4;
	// x = 1 2 below y = 3 4 gives U1 = 0, p = 2·1/6.
	e := MannWhitneyU([]float64{1, 2}, []float64{3, 4})
	if e.U1 != 0 || e.Method != MethodExact {
		t.Fatalf("%+v", e)
	}
	nearNum(t, "exact p", e.P, 1.0/3, 1e-15)
}

func TestMannWhitneyUndefined(t *testing.T) {
	m := MannWhitneyU(nil, []float64{1, 2})
	undefined(t, "p", m.P, "a sample is empty")
	undefined(t, "z", m.Z, "a sample is empty")
	m = MannWhitneyU([]float64{3, 3}, []float64{3})
	undefined(t, "p", m.P, "all values are tied")
	if m.Method != "" || m.U1 != 1 {
		t.Errorf("%+v", m)
	}
	if s := mustJSON(t, m); s == "" {
		t.Fatal("empty JSON")
	}
}
