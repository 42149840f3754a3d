package stats

import (
	"math"
	"testing"
)

func TestWilcoxonTiesNormal(t *testing.T) {
	// d: 0 (dropped), +1 -1 +1 +1, +2 +2 -2, +3 → n = 8.
	// |d| = 1 ×4 → ranks 1–4, mid-rank 2.5; 2 ×3 → ranks 5–7, mid 6; 3 → 8.
	// W+ = 3·2.5 + 2·6 + 8 = 27.5; W- = 2.5 + 6 = 8.5 (Σ 36 = 8·9/2).
	// Var = 8·9·17/24 - ((4³-4) + (3³-3))/48 = 51 - 84/48 = 49.25.
	// z = (27.5 - 18)/√49.25 = 1.35369…, p = erfc(z/√2) = 0.17583…
	w := WilcoxonSignedRank([]float64{0, 1, -1, 1, 1, 2, 2, -2, 3})
	if w.N != 8 || w.WPlus != 27.5 || w.WMinus != 8.5 || w.Method != MethodNormal {
		t.Fatalf("%+v", w)
	}
	nearNum(t, "z", w.Z, 9.5/math.Sqrt(49.25), 1e-15)
	nearNum(t, "p", w.P, 0.1758340391826133, 1e-12)
}

func TestWilcoxonExact(t *testing.T) {
	// Hollander & Wolfe's depression data (R's ?wilcox.test example):
	// x = 1.83 0.50 1.62 2.48 1.68 1.88 1.55 3.06 1.30,
	// y = 0.878 0.647 0.598 2.05 1.06 1.29 1.06 3.14 1.29.
	// d = x - y: the two negatives (-0.147, -0.08) have ranks 3 and 2 of 9, so
	// W- = 5, W+ = 40 (R: V = 40). Subsets of {1..9} with sum ≤ 5: sizes
	// 1,1,1,2,2,3 for sums 0..5 → 10; p = 2·10/512 = 0.0390625 (R: 0.03906).
	x := []float64{1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30}
	y := []float64{0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29}
	d := make([]float64, len(x))
	for i := range x {
		d[i] = x[i] - y[i]
	}
	w := WilcoxonSignedRank(d)
	if w.N != 9 || w.WPlus != 40 || w.WMinus != 5 || w.Method != MethodExact {
		t.Fatalf("%+v", w)
	}
	nearNum(t, "p", w.P, 0.0390625, 0)
	// Normal z for comparison: (40 - 22.5)/√(9·10·19/24) = 17.5/√71.25.
	nearNum(t, "z", w.Z, 17.5/math.Sqrt(71.25), 1e-15)

	// Table checks for n = 8 (critical T = 3 at two-sided α = .05):
	// #subsets of {1..8} with sum ≤ 3 = 5 ({},1,2,3,12) → p = 10/256;
	// sum ≤ 4 adds {4},{1,3} → 7 → p = 14/256.
	w = WilcoxonSignedRank([]float64{-1, -2, 3, 4, 5, 6, 7, 8})
	nearNum(t, "p n=8 T=3", w.P, 10.0/256, 0)
	w = WilcoxonSignedRank([]float64{-1, 2, -3, 4, 5, 6, 7, 8})
	nearNum(t, "p n=8 T=4", w.P, 14.0/256, 0)
	// n = 5 all positive: P(W- ≤ 0) = 1/32, two-sided 1/16.
	w = WilcoxonSignedRank([]float64{1, 2, 3, 4, 5})
	nearNum(t, "p n=5", w.P, 1.0/16, 0)
	// Balanced: W+ = W- is capped at p = 1. {1,-2,-3,4}: W+ = 5 = W-.
	w = WilcoxonSignedRank([]float64{1, -2, -3, 4})
	nearNum(t, "p balanced", w.P, 1, 0)
	// n = 26 without ties switches to the normal approximation.
	big := make([]float64, 26)
	for i := range big {
		big[i] = float64(i + 1)
	}
	if w = WilcoxonSignedRank(big); w.Method != MethodNormal {
		t.Errorf("n = 26: method %q", w.Method)
	}
}

func TestNormalP(t *testing.T) {
	// The formula used for the normal method: two-sided p at z = 1.96 ≈ 0.05.
	near(t, "p(1.96)", math.Erfc(1.96/math.Sqrt2), 0.05, 1e-4)
}

func TestWilcoxonNoDifferences(t *testing.T) {
	w := WilcoxonSignedRank([]float64{0, 0, math.NaN()})
	if w.N != 0 || w.Method != "" {
		t.Errorf("%+v", w)
	}
	undefined(t, "p", w.P, "no non-zero differences")
	mustJSON(t, w)
}

func TestStabilityHandWorked(t *testing.T) {
	prev := map[string]float64{"e1": 3, "e2": 3, "e3": 4, "e4": 4, "e5": 4, "e6": 5, "e7": 2, "e8": 3, "e9": 4, "e10": 5, "e11": 1}
	cur := map[string]float64{"e1": 3, "e2": 4, "e3": 4, "e4": 4, "e5": 5, "e6": 5, "e7": 3, "e8": 3, "e9": 4, "e10": 4, "e12": 5}
	s := Stability(prev, cur, 7)
	// Paired: e1–e10. Changed: e2 3→4, e5 4→5, e7 2→3, e10 5→4 → 4/10.
	if s.NPaired != 10 || s.QuantileType != 7 {
		t.Fatalf("n_paired = %d", s.NPaired)
	}
	nearNum(t, "share_changed", s.ShareChanged, 0.4, 0)
	// prev counts 2:1 3:3 4:4 5:2; cur 3:3 4:5 5:2 → Σ|Δ| = 1+0+1+0 = 2; 2/20.
	nearNum(t, "scheibe", s.Scheibe, 0.1, 0)
	if s.Stable == nil || !*s.Stable {
		t.Errorf("stable = %v", s.Stable)
	}
	// d = +1 +1 +1 -1: all tied, mid-rank 2.5; W+ = 7.5, W- = 2.5.
	// Var = 4·5·9/24 - (4³-4)/48 = 7.5 - 1.25 = 6.25; z = (7.5-5)/2.5 = 1;
	// p = erfc(1/√2) = 0.31731…
	w := s.Wilcoxon
	if w.N != 4 || w.WPlus != 7.5 || w.WMinus != 2.5 || w.Method != MethodNormal {
		t.Errorf("wilcoxon = %+v", w)
	}
	nearNum(t, "z", w.Z, 1, 1e-15)
	nearNum(t, "p", w.P, 0.31731050786291415, 1e-12)
	// Type 7, h = 9p+1: prev 2,3,3,3,4,4,4,4,5,5 → Q1 = 3, Q3 = 4, IQR 1;
	// cur 3,3,3,4,4,4,4,4,5,5 → Q1 = 3 + .25 = 3.25, Q3 = 4, IQR .75.
	nearNum(t, "delta_iqr", s.DeltaIQR, -0.25, 0)
	// prev mean 3.7, s² = (1450-1369)/90 = 0.9; cur mean 3.9, s² = (1570-1521)/90 = 49/90.
	nearNum(t, "delta_cv", s.DeltaCV, math.Sqrt(49.0/90)/3.9-math.Sqrt(0.9)/3.7, 1e-15)
	if s.Undefined != nil {
		t.Errorf("undefined = %v", s.Undefined)
	}
	mustJSON(t, s)
}

func TestStabilityThreshold(t *testing.T) {
	// 20 paired, 3 move 1→2: Σ|Δ| = 6, scheibe = 6/40 = 0.15, not < 0.15.
	prev, cur := map[string]float64{}, map[string]float64{}
	for i := range 20 {
		k := string(rune('a' + i))
		prev[k], cur[k] = 1, 1
		if i < 3 {
			cur[k] = 2
		}
	}
	s := Stability(prev, cur, 0)
	nearNum(t, "scheibe", s.Scheibe, 0.15, 0)
	if s.Stable == nil || *s.Stable {
		t.Errorf("stable = %v at exactly 15%%", s.Stable)
	}
	// prev: all 1, CV 0. cur: 17×1, 3×2: mean 23/20, s² = (20·29 - 23²)/(20·19) = 51/380.
	nearNum(t, "delta_cv", s.DeltaCV, math.Sqrt(51.0/380)/1.15, 1e-15)
}

func TestStabilityEmpty(t *testing.T) {
	s := Stability(map[string]float64{"a": 1}, map[string]float64{"b": 1}, 7)
	if s.NPaired != 0 || s.Stable != nil {
		t.Errorf("%+v", s)
	}
	for name, n := range map[string]Num{"share_changed": s.ShareChanged, "scheibe": s.Scheibe, "delta_iqr": s.DeltaIQR} {
		undefined(t, name, n, "no paired experts")
	}
	undefined(t, "delta_cv", s.DeltaCV, "previous round: n < 2")
	if s.Undefined["stable"] != "no paired experts" || s.Undefined["wilcoxon.p"] == "" {
		t.Errorf("undefined = %v", s.Undefined)
	}
	mustJSON(t, s)
}
