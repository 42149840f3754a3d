package stats

import (
	"math"
	"slices"
)

// Wilcoxon options: the method of the p-value and the handling of zero
// differences. The empty string means the default (MethodAuto, ZeroWilcox).
const (
	MethodAuto = "auto" // exact when n′ ≤ 25 and no |d| tied, else normal (the default)

	ZeroWilcox = "wilcox" // drop zero differences before ranking (the default; R, SciPy's default)
	ZeroPratt  = "pratt"  // rank zeros with the rest, then drop their ranks (Pratt 1959)
	ZeroSplit  = "zsplit" // rank zeros with the rest and split their ranks between W+ and W−
)

// exactMaxNExplicit is the largest number of non-zero differences for the
// exact test when a study asks for it (R's default exact limit is n < 50);
// the counts of rank sums stay below 2⁵³, exact in float64.
const exactMaxNExplicit = 50

// WilcoxonOptions choose how WilcoxonSignedRankWith computes p. The zero
// value is the default: Method auto, ZeroMethod wilcox, no continuity
// correction.
type WilcoxonOptions struct {
	Method     string `json:"method"`      // auto (default), exact or normal
	ZeroMethod string `json:"zero_method"` // wilcox (default), pratt or zsplit
	Correction bool   `json:"correction"`  // continuity correction of the normal approximation
}

// Normalized returns o with the defaults filled in.
func (o WilcoxonOptions) Normalized() WilcoxonOptions {
	if o.Method == "" {
		o.Method = MethodAuto
	}
	if o.ZeroMethod == "" {
		o.ZeroMethod = ZeroWilcox
	}
	return o
}

// WilcoxonSignedRankWith is WilcoxonSignedRank with options:
//
//   - ZeroMethod wilcox drops zero differences; pratt ranks |d| with the
//     zeros and drops the zeros' ranks (mean and variance reduced by those
//     of the z zeros' ranks 1..z, as SciPy does); zsplit ranks them with
//     the rest and adds half of the zeros' rank sum to each of W+ and W−.
//   - Method auto is the exact test when n′ ≤ 25 and no |d| are tied, else
//     the normal approximation; exact is the exact test whenever no |d|
//     are tied, n′ ≤ 50 and no zero ranks take part (zero_method wilcox,
//     or no zeros), else normal; normal always uses the approximation.
//     The result's Method names the one used.
//   - Correction subtracts 0.5 from |W+ − mean| before dividing by the
//     standard deviation (R's correct = TRUE, SciPy's correction = True);
//     it changes z and the normal p only.
//
// N stays the number of non-zero differences; Zeros counts the zeros.
func WilcoxonSignedRankWith(diffs []float64, o WilcoxonOptions) Wilcoxon {
	o = o.Normalized()
	var w Wilcoxon
	var plus2, tieSum, count, zeros int64
	if o.ZeroMethod == ZeroWilcox {
		n, p2, ts, ok := signedRanksSmall(diffs)
		if !ok {
			n, p2, ts = signedRanks(diffs)
		}
		count, plus2, tieSum = int64(n), p2, ts
		w.Zeros = countEqual(diffs, 0)
	} else {
		count, zeros, plus2, tieSum = signedRanksZeros(diffs, o.ZeroMethod)
		w.Zeros = int(zeros)
	}
	w.N = int(count - zeros)
	w.ZeroMethod, w.Correction = o.ZeroMethod, o.Correction
	if w.N == 0 {
		w.Z, w.P = UndefinedNum("no non-zero differences"), UndefinedNum("no non-zero differences")
		return w
	}
	// Ranks take part for count entries; under pratt the zeros' ranks
	// 1..z are then removed from the mean and the variance.
	total2 := count * (count + 1) // doubled sum of all ranks
	mean4 := count * (count + 1)  // 4·mean
	v24 := count * (count + 1) * (2*count + 1)
	ranked2 := total2 // doubled sum of the ranks shared by W+ and W−
	if o.ZeroMethod == ZeroPratt {
		z := zeros
		mean4 -= z * (z + 1)
		v24 -= z * (z + 1) * (2*z + 1)
		ranked2 -= z * (z + 1)
	}
	v48 := 2*v24 - tieSum // 48·variance
	w.WPlus = float64(plus2) / 2
	w.WMinus = float64(ranked2-plus2) / 2
	dev := w.WPlus - float64(mean4)/4
	if o.Correction && dev != 0 {
		dev -= math.Copysign(0.5, dev) // as R and SciPy: sign(dev)·0.5
	}
	z := dev / math.Sqrt(float64(v48)/48)
	w.Z = NumOf(z)
	exact := false
	switch o.Method {
	case MethodAuto:
		exact = w.N <= exactMaxN && tieSum == 0 && (zeros == 0 || o.ZeroMethod == ZeroWilcox)
	case MethodExact:
		exact = w.N <= exactMaxNExplicit && tieSum == 0 && (zeros == 0 || o.ZeroMethod == ZeroWilcox)
	}
	if exact {
		w.Method = MethodExact
		w.P = NumOf(min(1, 2*exactLowerTail(w.N, min(plus2, int64(w.N)*int64(w.N+1)-plus2)/2)))
	} else {
		w.Method = MethodNormal
		w.P = NumOf(min(1, math.Erfc(math.Abs(z)/math.Sqrt2)))
	}
	return w
}

// signedRanksZeros ranks |d| of the finite differences with the zeros
// (which take the lowest ranks) and returns the number ranked, the number
// of zeros, the doubled rank sum of the positive differences (plus half of
// the zeros' under zsplit) and Σ(t³−t) over the tie groups (without the
// zeros' group under pratt, as SciPy does).
func signedRanksZeros(diffs []float64, zeroMethod string) (count, zeros, plus2, tieSum int64) {
	ds := make([]float64, 0, len(diffs))
	for _, d := range diffs {
		if !math.IsNaN(d) && !math.IsInf(d, 0) {
			ds = append(ds, d)
		}
	}
	slices.SortFunc(ds, func(a, b float64) int {
		a, b = math.Abs(a), math.Abs(b)
		switch {
		case a < b:
			return -1
		case a > b:
			return 1
		}
		return 0
	})
	count = int64(len(ds))
	for i := 0; i < len(ds); {
		j := i
		for j < len(ds) && math.Abs(ds[j]) == math.Abs(ds[i]) {
			j++
		}
		t := int64(j - i)
		r2 := int64(i + 1 + j) // doubled mid-rank of positions i+1..j
		if ds[i] == 0 {
			zeros = t
			if zeroMethod == ZeroSplit {
				plus2 += t * r2 / 2 // half the zeros' doubled rank sum t·r2
				tieSum += t*t*t - t
			}
		} else {
			tieSum += t*t*t - t
			for _, d := range ds[i:j] {
				if d > 0 {
					plus2 += r2
				}
			}
		}
		i = j
	}
	return count, zeros, plus2, tieSum
}

// countEqual returns how many of xs equal x.
func countEqual(xs []float64, x float64) int {
	c := 0
	for _, v := range xs {
		if v == x {
			c++
		}
	}
	return c
}
