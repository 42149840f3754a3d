package stats

import (
	"math"
	"testing"
)

// Fixture with zeros and ties: 14 paired ratings.
var (
	wxX = []float64{5, 4, 4, 3, 5, 2, 4, 3, 5, 4, 3, 4, 6, 5}
	wxY = []float64{4, 4, 2, 3, 3, 3, 5, 1, 4, 4, 2, 2, 2, 5}
	// R's ?wilcox.test example (Hollander & Wolfe, depression), no zeros, no ties.
	hwX = []float64{1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30}
	hwY = []float64{0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29}
)

func diffsOf(x, y []float64) []float64 {
	d := make([]float64, len(x))
	for i := range x {
		d[i] = x[i] - y[i]
	}
	return d
}

// TestWilcoxonSciPy reproduces SciPy 1.10.1 (Debian's python3-scipy),
// scipy.stats.wilcoxon(x, y, zero_method=…, correction=…, method="approx")
// on the fixture with 4 zeros and tied |d|; SciPy's statistic is
// min(W+, W−) and its zstatistic has the sign of min − mean, so |z| is
// compared. Printed with repr(float(…)):
//
//	wilcox False 6.0  0.025386931822469268 -2.2354635531131564
//	wilcox True  6.0  0.029000772386681528 -2.183476028622153
//	pratt  False 14.0 0.031457233574713125 -2.151240351877584
//	pratt  True  14.0 0.034079288797763514 -2.1191322869241875
//	zsplit False 19.0 0.033666565361484255 -2.1240427935766086
//	zsplit True  19.0 0.036408052721601435 -2.0923406623291965
func TestWilcoxonSciPy(t *testing.T) {
	d := diffsOf(wxX, wxY)
	for _, c := range []struct {
		zero    string
		corr    bool
		minW, p float64
		z       float64
	}{
		{ZeroWilcox, false, 6, 0.025386931822469268, 2.2354635531131564},
		{ZeroWilcox, true, 6, 0.029000772386681528, 2.183476028622153},
		{ZeroPratt, false, 14, 0.031457233574713125, 2.151240351877584},
		{ZeroPratt, true, 14, 0.034079288797763514, 2.1191322869241875},
		{ZeroSplit, false, 19, 0.033666565361484255, 2.1240427935766086},
		{ZeroSplit, true, 19, 0.036408052721601435, 2.0923406623291965},
	} {
		for _, m := range []string{MethodNormal, MethodAuto, MethodExact} { // ties: always normal
			w := WilcoxonSignedRankWith(d, WilcoxonOptions{Method: m, ZeroMethod: c.zero, Correction: c.corr})
			name := c.zero + "/" + m
			if w.N != 10 || w.Zeros != 4 || w.Method != MethodNormal || w.ZeroMethod != c.zero || w.Correction != c.corr {
				t.Fatalf("%s: %+v", name, w)
			}
			if got := min(w.WPlus, w.WMinus); got != c.minW {
				t.Errorf("%s: min(W+, W-) = %g, want %g", name, got, c.minW)
			}
			nearNum(t, name+" p", w.P, c.p, 1e-14)
			near(t, name+" |z|", math.Abs(w.Z.Value), c.z, 1e-13)
		}
	}
}

// TestWilcoxonR reproduces R's wilcox.test(x, y, paired = TRUE, exact = …,
// correct = …). R is not installed here: the numbers follow R's documented
// algorithm (stats:::wilcox.test.default): zeros dropped; the exact
// psignrank p only when n < 50 and there are neither ties nor zeros, else
// z = (V − n(n+1)/4 − sign·0.5·correct) / √(n(n+1)(2n+1)/24 − Σ(t³−t)/48)
// and p = 2·min(Φ(z), 1−Φ(z)). On the depression data R prints V = 40,
// p-value = 0.03906 (the exact test, ?wilcox.test's example).
func TestWilcoxonR(t *testing.T) {
	hw := diffsOf(hwX, hwY)
	// exact = NULL or TRUE (no ties, no zeros): exact, R prints 0.03906.
	w := WilcoxonSignedRankWith(hw, WilcoxonOptions{Method: MethodExact, Correction: true})
	if w.WPlus != 40 || w.Method != MethodExact {
		t.Fatalf("%+v", w)
	}
	printed(t, "exact p", w.P, 5, "0.03906")
	// exact = FALSE, correct = TRUE: z = (40 − 22.5 − 0.5)/√71.25 = 2.01398…
	// p = 0.04401 (SciPy method="approx", correction=True: 0.04401098401295143).
	w = WilcoxonSignedRankWith(hw, WilcoxonOptions{Method: MethodNormal, Correction: true})
	nearNum(t, "z corrected", w.Z, 17/math.Sqrt(71.25), 1e-15)
	nearNum(t, "p corrected", w.P, 0.04401098401295143, 1e-14)
	// exact = FALSE, correct = FALSE: SciPy 0.038151710173415135.
	w = WilcoxonSignedRankWith(hw, WilcoxonOptions{Method: MethodNormal})
	nearNum(t, "p uncorrected", w.P, 0.038151710173415135, 1e-14)

	// The fixture with zeros and ties: R drops the 4 zeros, n = 10; |d| 1 ×5
	// (mid-rank 3), 2 ×4 (7.5), 4 (10); V = 3·3 + 4·7.5 + 10 = 49;
	// σ² = 10·11·21/24 − (120 + 60)/48 = 92.5; with correct = TRUE (R's
	// default) z = 21/√92.5 and p = 0.02900 (= SciPy wilcox True above),
	// with correct = FALSE z = 21.5/√92.5, p = 0.02539. R's exact = TRUE
	// falls back to the normal approximation here (ties, zeros), as ours does.
	d := diffsOf(wxX, wxY)
	for _, m := range []string{MethodAuto, MethodExact, MethodNormal} {
		w = WilcoxonSignedRankWith(d, WilcoxonOptions{Method: m, Correction: true})
		if w.WPlus != 49 || w.Method != MethodNormal {
			t.Fatalf("%s: %+v", m, w)
		}
		nearNum(t, m+" z", w.Z, 21/math.Sqrt(92.5), 1e-15)
		printed(t, m+" p", w.P, 5, "0.02900")
	}
	w = WilcoxonSignedRankWith(d, WilcoxonOptions{Method: MethodNormal})
	nearNum(t, "z uncorrected", w.Z, 21.5/math.Sqrt(92.5), 1e-15)
	printed(t, "p uncorrected", w.P, 5, "0.02539")
}

func TestWilcoxonOptionsMethods(t *testing.T) {
	// Defaults unchanged: the zero options equal WilcoxonSignedRank.
	d := diffsOf(wxX, wxY)
	if a, b := WilcoxonSignedRank(d), WilcoxonSignedRankWith(d, WilcoxonOptions{Method: MethodAuto, ZeroMethod: ZeroWilcox}); a != b {
		t.Errorf("default %+v != auto/wilcox %+v", a, b)
	}
	// Zeros without ties: wilcox drops them and stays exact; pratt and
	// zsplit rank them, so the exact test does not apply.
	z := []float64{0, 1, -2, 3, 4, 5, 6}
	if w := WilcoxonSignedRankWith(z, WilcoxonOptions{}); w.Method != MethodExact || w.N != 6 || w.Zeros != 1 {
		t.Errorf("wilcox: %+v", w)
	}
	for _, zm := range []string{ZeroPratt, ZeroSplit} {
		if w := WilcoxonSignedRankWith(z, WilcoxonOptions{Method: MethodExact, ZeroMethod: zm}); w.Method != MethodNormal {
			t.Errorf("%s: %+v", zm, w)
		}
	}
	// n′ = 26..50 without ties: auto is normal, exact stays exact; 51 is normal.
	seq := func(n int) []float64 {
		s := make([]float64, n)
		for i := range s {
			s[i] = float64(i + 1)
			if i%3 == 0 {
				s[i] = -s[i]
			}
		}
		return s
	}
	if w := WilcoxonSignedRankWith(seq(26), WilcoxonOptions{}); w.Method != MethodNormal {
		t.Errorf("auto n=26: %q", w.Method)
	}
	if w := WilcoxonSignedRankWith(seq(50), WilcoxonOptions{Method: MethodExact}); w.Method != MethodExact || !w.P.Valid {
		t.Errorf("exact n=50: %+v", w)
	}
	if w := WilcoxonSignedRankWith(seq(51), WilcoxonOptions{Method: MethodExact}); w.Method != MethodNormal {
		t.Errorf("exact n=51: %q", w.Method)
	}
	// normal on untied data: the approximation even when exact is possible.
	if w := WilcoxonSignedRankWith(seq(5), WilcoxonOptions{Method: MethodNormal}); w.Method != MethodNormal {
		t.Errorf("normal n=5: %q", w.Method)
	}
	// All zeros: undefined under every zero method.
	for _, zm := range []string{ZeroWilcox, ZeroPratt, ZeroSplit} {
		w := WilcoxonSignedRankWith([]float64{0, 0}, WilcoxonOptions{ZeroMethod: zm})
		undefined(t, zm+" p", w.P, "no non-zero differences")
	}
	// The continuity correction moves W+ − mean by 0.5 towards 0:
	// {1, -2, 3}: W+ = 4, mean 3, σ² = 3.5; corrected z = 0.5/√3.5.
	w := WilcoxonSignedRankWith([]float64{1, -2, 3}, WilcoxonOptions{Method: MethodNormal, Correction: true})
	nearNum(t, "z small", w.Z, 0.5/math.Sqrt(3.5), 1e-15)
}
