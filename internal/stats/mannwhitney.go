package stats

import (
	"math"
	"slices"
)

// MannWhitneyExactMaxN is the largest n1 + n2 for which MannWhitneyU uses
// the exact null distribution (when no value is tied). Up to it every count
// of the distribution is at most C(50, 25) < 2⁵³, so it is exact in
// float64.
const MannWhitneyExactMaxN = 50

// MannWhitney is the result of a two-sided Mann–Whitney U test (Wilcoxon
// rank-sum test) of two independent samples.
type MannWhitney struct {
	N1 int `json:"n1"` // finite values of the first sample
	N2 int `json:"n2"`
	// U1 is the U of the first sample, R1 − n1(n1+1)/2 with mid-ranks;
	// U2 = n1·n2 − U1 (scipy's mannwhitneyu reports U1).
	U1 float64 `json:"u1"`
	U2 float64 `json:"u2"`
	// Z is the signed normal score (U1 − n1n2/2 ∓ ½)/σ with continuity
	// correction towards 0 and the tie-corrected σ; set for both methods.
	Z      Num    `json:"z"`
	P      Num    `json:"p"`      // two-sided, capped at 1
	Method string `json:"method"` // MethodExact or MethodNormal; "" if undefined
}

// MannWhitneyU tests whether x and y (non-finite values ignored) come from
// the same distribution (Mann & Whitney 1947), two-sided.
//
// Ranks are mid-ranks over both samples. Without ties and with
// n1 + n2 ≤ MannWhitneyExactMaxN, P = min(1, 2·P(U ≤ min(U1, U2))) from the
// exact null distribution of U (counts of rank sets, by dynamic
// programming): scipy.stats.mannwhitneyu(x, y, method='exact'). Otherwise
// P = erfc(|Z|/√2) with
//
//	σ² = n1·n2/12 · ((n+1) − Σ(t³−t)/(n(n−1)))
//
// (t the sizes of the tie groups, n = n1 + n2) and the continuity
// correction ½: scipy's method='asymptotic' with use_continuity=True, and
// R's wilcox.test(x, y, exact = FALSE, correct = TRUE).
//
// Undefined (P and Z) when a sample is empty, or when every value is tied
// (σ = 0).
func MannWhitneyU(x, y []float64) MannWhitney { return mannWhitneyU(x, y, true) }

// mannWhitneyU is MannWhitneyU; exact false forces the normal
// approximation (for the tests against scipy's method='asymptotic').
func mannWhitneyU(x, y []float64, exact bool) MannWhitney {
	type obs struct {
		v     float64
		first bool
	}
	all := make([]obs, 0, len(x)+len(y))
	for _, v := range x {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			all = append(all, obs{v, true})
		}
	}
	n1 := len(all)
	for _, v := range y {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			all = append(all, obs{v, false})
		}
	}
	n := len(all)
	n2 := n - n1
	m := MannWhitney{N1: n1, N2: n2}
	if n1 == 0 || n2 == 0 {
		m.Z, m.P = UndefinedNum("a sample is empty"), UndefinedNum("a sample is empty")
		return m
	}
	slices.SortFunc(all, func(a, b obs) int {
		switch {
		case a.v < b.v:
			return -1
		case a.v > b.v:
			return 1
		}
		return 0
	})
	var r1x2, tieSum int64 // doubled rank sum of x; Σ(t³−t)
	for i := 0; i < n; {
		j := i
		for j < n && all[j].v == all[i].v {
			j++
		}
		t := int64(j - i)
		tieSum += t*t*t - t
		for k := i; k < j; k++ {
			if all[k].first {
				r1x2 += int64(i + 1 + j) // doubled mid-rank of positions i+1..j
			}
		}
		i = j
	}
	a, b, nn := int64(n1), int64(n2), int64(n)
	u1x2 := r1x2 - a*(a+1) // doubled U1
	m.U1 = float64(u1x2) / 2
	m.U2 = float64(2*a*b-u1x2) / 2
	// 12·n(n−1)·σ² = n1·n2·((n+1)·n(n−1) − Σ(t³−t)), exact in integers.
	v := a * b * ((nn+1)*nn*(nn-1) - tieSum)
	if v <= 0 {
		m.Z, m.P = UndefinedNum("all values are tied"), UndefinedNum("all values are tied")
		return m
	}
	sigma := math.Sqrt(float64(v) / float64(12*nn*(nn-1)))
	d := math.Abs(float64(u1x2-a*b)) / 2 // |U1 − n1n2/2|
	z := max(0, d-0.5) / sigma
	if u1x2 < a*b {
		z = -z
	}
	m.Z = NumOf(z)
	if exact && tieSum == 0 && n <= MannWhitneyExactMaxN {
		m.Method = MethodExact
		low := min(u1x2, 2*a*b-u1x2) / 2 // integer without ties
		m.P = NumOf(min(1, 2*mannWhitneyLowerTail(n1, n2, low)))
		return m
	}
	m.Method = MethodNormal
	m.P = NumOf(min(1, math.Erfc(math.Abs(z)/math.Sqrt2)))
	return m
}

// mannWhitneyLowerTail returns P(U ≤ u) under H0 for samples of n1 and n2
// untied values: the share of the C(n, n1) rank sets of the first sample
// whose rank sum is at most u + n1(n1+1)/2. c[k][s] counts the k-subsets
// of the ranks seen so far with sum s.
func mannWhitneyLowerTail(n1, n2 int, u int64) float64 {
	n := n1 + n2
	maxSum := n * (n + 1) / 2
	c := make([][]float64, n1+1)
	for k := range c {
		c[k] = make([]float64, maxSum+1)
	}
	c[0][0] = 1
	for r := 1; r <= n; r++ {
		for k := min(r, n1); k >= 1; k-- {
			for s := maxSum; s >= r; s-- {
				c[k][s] += c[k-1][s-r]
			}
		}
	}
	limit := int(u) + n1*(n1+1)/2
	var cum, total float64
	for s, k := range c[n1] {
		total += k
		if s <= limit {
			cum += k
		}
	}
	return cum / total
}
