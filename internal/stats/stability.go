package stats

import (
	"math"
	"math/big"
	"slices"
)

// Wilcoxon methods.
const (
	MethodExact  = "exact"  // exact null distribution (n ≤ 25, no ties)
	MethodNormal = "normal" // normal approximation, tie-corrected
)

// exactMaxN is the largest number of non-zero differences for the exact test.
const exactMaxN = 25

// Wilcoxon is the result of a Wilcoxon signed-rank test.
type Wilcoxon struct {
	N      int     `json:"n"`      // non-zero differences
	WPlus  float64 `json:"w_plus"` // rank sum of positive differences
	WMinus float64 `json:"w_minus"`
	Z      Num     `json:"z"` // (W+ - n(n+1)/4) / sqrt(tie-corrected variance)
	P      Num     `json:"p"` // two-sided
	Method string  `json:"method,omitempty"`
	// The options used (WilcoxonOptions) and the zero differences seen.
	ZeroMethod string `json:"zero_method,omitempty"`
	Correction bool   `json:"correction,omitempty"`
	Zeros      int    `json:"zeros,omitempty"`
}

// WilcoxonSignedRank tests the paired differences diffs (non-finite ones
// ignored) with the default options: zeros are dropped, |d| ties get
// mid-ranks. Z uses the variance n(n+1)(2n+1)/24 - Σ(t³-t)/48 without
// continuity correction. P is exact (the distribution of W+ over all 2ⁿ
// sign patterns, by dynamic programming over rank sums) when n ≤ 25 and no
// |d| are tied, else 2·(1-Φ(|Z|)) by math.Erfc. Both P are two-sided and
// capped at 1. See WilcoxonSignedRankWith for the options.
func WilcoxonSignedRank(diffs []float64) Wilcoxon {
	return WilcoxonSignedRankWith(diffs, WilcoxonOptions{})
}

// signedRanks returns the number n of non-zero finite differences, the
// doubled rank sum of the positive ones (mid-ranks of |d|) and Σ(t³-t)
// over the ties of |d|.
func signedRanks(diffs []float64) (n int, plus2, tieSum int64) {
	type obs struct {
		abs float64
		pos bool
	}
	ds := make([]obs, 0, len(diffs))
	for _, d := range diffs {
		if d != 0 && !math.IsNaN(d) && !math.IsInf(d, 0) {
			ds = append(ds, obs{math.Abs(d), d > 0})
		}
	}
	slices.SortFunc(ds, func(a, b obs) int {
		switch {
		case a.abs < b.abs:
			return -1
		case a.abs > b.abs:
			return 1
		}
		return 0
	})
	n = len(ds)
	for i := 0; i < n; {
		j := i
		for j < n && ds[j].abs == ds[i].abs {
			j++
		}
		t := int64(j - i)
		tieSum += t*t*t - t
		r2 := int64(i + 1 + j) // doubled mid-rank of positions i+1..j
		for k := i; k < j; k++ {
			if ds[k].pos {
				plus2 += r2
			}
		}
		i = j
	}
	return n, plus2, tieSum
}

// smallSpan bounds the integer differences signedRanksSmall counts.
const smallSpan = 1 << 10

// signedRanksSmall is signedRanks by counting, without sorting, when every
// difference is an integer with |d| ≤ smallSpan (ratings); ok is false
// otherwise.
func signedRanksSmall(diffs []float64) (n int, plus2, tieSum int64, ok bool) {
	var total, pos [smallSpan + 1]int32
	hi := 0
	for _, d := range diffs {
		if d == 0 {
			continue
		}
		a := math.Abs(d)
		if a > smallSpan || a != math.Trunc(a) { // NaN and ±Inf included
			return 0, 0, 0, false
		}
		k := int(a)
		total[k]++
		if d > 0 {
			pos[k]++
		}
		hi = max(hi, k)
		n++
	}
	i := int64(0) // positions before this value
	for k := 1; k <= hi; k++ {
		t := int64(total[k])
		if t == 0 {
			continue
		}
		tieSum += t*t*t - t
		plus2 += int64(pos[k]) * (2*i + t + 1) // doubled mid-rank of positions i+1..i+t
		i += t
	}
	return n, plus2, tieSum, true
}

// exactLowerTail returns P(W+ ≤ w) under H0 for n untied ranks 1..n: the
// number of subsets of {1..n} with sum ≤ w, over 2ⁿ.
func exactLowerTail(n int, w int64) float64 {
	maxSum := n * (n + 1) / 2
	c := make([]float64, maxSum+1) // counts ≤ 2^25: exact in float64
	c[0] = 1
	for k := 1; k <= n; k++ {
		for s := maxSum; s >= k; s-- {
			c[s] += c[s-k]
		}
	}
	var cum float64
	for s := 0; s <= int(w) && s <= maxSum; s++ {
		cum += c[s]
	}
	return cum / math.Ldexp(1, n)
}

// StabilitySummary compares one item between consecutive rounds on the
// experts who answered it in both.
type StabilitySummary struct {
	NPaired      int      `json:"n_paired"`
	QuantileType int      `json:"quantile_type"`
	ShareChanged Num      `json:"share_changed"` // 0–1
	Scheibe      Num      `json:"scheibe"`       // 0–1
	Stable       *bool    `json:"stable,omitempty"`
	Wilcoxon     Wilcoxon `json:"wilcoxon"`
	DeltaIQR     Num      `json:"delta_iqr"` // IQR(cur) - IQR(prev), paired experts only
	DeltaCV      Num      `json:"delta_cv"`  // CV(cur) - CV(prev), paired experts only
	// DeltaIQRRounds is IQR(cur) - IQR(prev) over all respondents of each
	// round (SetRoundsIQR): the difference of the IQRs shown as feedback.
	DeltaIQRRounds Num `json:"delta_iqr_rounds"`

	Undefined map[string]string `json:"undefined,omitempty"` // field → reason
}

// Stability compares prev and cur (expert key → value; abstentions left out)
// on the keys present in both with finite values. Scheibe's shift is
// Σ_k |n_k(cur) - n_k(prev)| / (2n) over the values k that occur, stable
// when < 0.15. IQR (quantile type typ) and CV are computed on the paired
// values of each round; differences are cur - prev.
func Stability(prev, cur map[string]float64, typ int) StabilitySummary {
	return StabilityWilcoxon(prev, cur, typ, WilcoxonOptions{})
}

// StabilityWilcoxon is Stability with the study's Wilcoxon options.
func StabilityWilcoxon(prev, cur map[string]float64, typ int, wo WilcoxonOptions) StabilitySummary {
	a, b := make([]float64, 0, len(prev)), make([]float64, 0, len(prev))
	for k, p := range prev {
		if c, ok := cur[k]; ok {
			a, b = append(a, p), append(b, c)
		}
	}
	return StabilityPairsWilcoxon(a, b, typ, wo)
}

// StabilityPairs is Stability on the pairs (prev[i], cur[i]), one per
// expert, in any order; pairs with a non-finite value are left out. It
// reorders prev and cur.
func StabilityPairs(prev, cur []float64, typ int) StabilitySummary {
	return StabilityPairsWilcoxon(prev, cur, typ, WilcoxonOptions{})
}

// StabilityPairsWilcoxon is StabilityPairs with the study's Wilcoxon
// options.
func StabilityPairsWilcoxon(prev, cur []float64, typ int, wo WilcoxonOptions) StabilitySummary {
	if typ == 0 {
		typ = Type7
	}
	a, b := prev[:0], cur[:0]
	for i, p := range prev {
		c := cur[i]
		if math.IsNaN(p) || math.IsInf(p, 0) || math.IsNaN(c) || math.IsInf(c, 0) {
			continue
		}
		a, b = append(a, p), append(b, c)
	}
	n := len(a)
	s := StabilitySummary{NPaired: n, QuantileType: typ}
	buf := borrowFloats(n)
	diffs := (*buf)[:n]
	defer giveBack(buf, diffs)
	changed := 0
	for i := range a {
		diffs[i] = b[i] - a[i]
		if a[i] != b[i] {
			changed++
		}
	}
	s.ShareChanged = ratio(int64(changed), int64(n), "no paired experts")
	s.Wilcoxon = WilcoxonSignedRankWith(diffs, wo)

	sortFloats(a)
	sortFloats(b)
	// Σ_k |n_k(cur) - n_k(prev)| over the values k, by merging the sorted
	// rounds (a pair with equal values adds one to both counts of k).
	var moved int64
	for i, j := 0, 0; i < n || j < n; {
		switch {
		case j == n || i < n && a[i] < b[j]:
			moved++
			i++
		case i == n || b[j] < a[i]:
			moved++
			j++
		default:
			i++
			j++
		}
	}
	s.Scheibe = ratio(moved, 2*int64(n), "no paired experts")
	if n > 0 {
		st := 10*moved < 3*int64(n) // moved/(2n) < 15/100
		s.Stable = &st
	}
	s.DeltaIQR = deltaIQR(a, b, typ)
	s.DeltaCV = deltaCV(a, b)

	s.Undefined = undefinedFields([]field{
		{"share_changed", s.ShareChanged}, {"scheibe", s.Scheibe}, {"stable", s.Scheibe},
		{"wilcoxon.z", s.Wilcoxon.Z}, {"wilcoxon.p", s.Wilcoxon.P},
		{"delta_iqr", s.DeltaIQR}, {"delta_cv", s.DeltaCV},
	})
	return s
}

func deltaIQR(prev, cur []float64, typ int) Num {
	if len(prev) == 0 {
		return UndefinedNum("no paired experts")
	}
	p1, _ := quantile(prev, 0.25, typ)
	p3, _ := quantile(prev, 0.75, typ)
	c1, _ := quantile(cur, 0.25, typ)
	c3, _ := quantile(cur, 0.75, typ)
	if !p1.defined() || !p3.defined() || !c1.defined() || !c3.defined() {
		return UndefinedNum("unsupported quantile type")
	}
	if d := p1.den; p1.fast && p3.fast && c1.fast && c3.fast && p3.den == d && c1.den == d && c3.den == d {
		return fracNum(c3.num-c1.num-p3.num+p1.num, d)
	}
	c := new(big.Rat).Sub(c3.rat(), c1.rat())
	return ratNum(c.Sub(c, new(big.Rat).Sub(p3.rat(), p1.rat())))
}

func cvOf(xs []float64) Num {
	m := moments(xs)
	switch {
	case !m.hasVariance():
		return UndefinedNum("n < 2")
	case m.meanSign() == 0:
		return UndefinedNum("mean is 0")
	}
	return NumOf(math.Sqrt(m.varFloat()) / m.meanFloat())
}

func deltaCV(prev, cur []float64) Num {
	p, c := cvOf(prev), cvOf(cur)
	switch {
	case !p.Valid:
		return UndefinedNum("previous round: " + p.Reason)
	case !c.Valid:
		return UndefinedNum("current round: " + c.Reason)
	}
	return NumOf(c.Value - p.Value)
}

// SetRoundsIQR sets DeltaIQRRounds, the plain difference of the two
// rounds' IQRs over all their respondents (not only the paired experts):
// IQR(cur) − IQR(prev), quantile type typ. Neither slice needs sorting;
// both are left unchanged.
func (s *StabilitySummary) SetRoundsIQR(prev, cur []float64, typ int) {
	if typ == 0 {
		typ = Type7
	}
	bufA, bufB := borrowFloats(len(prev)), borrowFloats(len(cur))
	a, b := append(*bufA, prev...), append(*bufB, cur...)
	defer func() { giveBack(bufA, a); giveBack(bufB, b) }()
	sortFloats(a)
	sortFloats(b)
	switch {
	case len(a) == 0:
		s.DeltaIQRRounds = UndefinedNum("previous round: n = 0")
	case len(b) == 0:
		s.DeltaIQRRounds = UndefinedNum("current round: n = 0")
	default:
		s.DeltaIQRRounds = deltaIQR(a, b, typ)
	}
	if !s.DeltaIQRRounds.Valid {
		if s.Undefined == nil {
			s.Undefined = map[string]string{}
		}
		s.Undefined["delta_iqr_rounds"] = s.DeltaIQRRounds.Reason
	}
}
