package stats

import (
	"math"
	"math/big"
	"slices"
	"strconv"
)

// Hyndman–Fan quantile types accepted by Quantile (0 means Type7).
const (
	Type6 = 6 // h = (n+1)p clamped to [1, n]; SPSS, Excel QUARTILE.EXC
	Type7 = 7 // h = (n-1)p + 1; R's default, Excel QUARTILE.INC
)

// Quantile returns the p-quantile of sorted (ascending, finite values) under
// Hyndman–Fan type typ: Q = x[⌊h⌋] + (h-⌊h⌋)(x[⌊h⌋+1] - x[⌊h⌋]), 1-based.
// It is computed exactly, taking p as its shortest decimal (0.3 is 3/10), and
// rounded once to float64. ok is false for empty input, p outside [0, 1], a
// non-finite value at the interpolation points, or a type other than 0, 6, 7.
func Quantile(sorted []float64, p float64, typ int) (q float64, ok bool) {
	r, ok := quantileRat(sorted, p, typ)
	if !ok {
		return 0, false
	}
	q, _ = r.Float64()
	return q, true
}

// decimalRat returns the shortest decimal representation of finite x as a Rat.
func decimalRat(x float64) *big.Rat {
	r, _ := new(big.Rat).SetString(strconv.FormatFloat(x, 'g', -1, 64))
	return r
}

func quantileRat(sorted []float64, p float64, typ int) (*big.Rat, bool) {
	n := int64(len(sorted))
	if n == 0 || !(p >= 0 && p <= 1) {
		return nil, false
	}
	pr := decimalRat(p)
	var h *big.Rat
	switch typ {
	case 0, Type7:
		h = new(big.Rat).Mul(pr, big.NewRat(n-1, 1))
		h.Add(h, big.NewRat(1, 1))
	case Type6:
		h = new(big.Rat).Mul(pr, big.NewRat(n+1, 1))
		if h.Cmp(big.NewRat(1, 1)) < 0 {
			h.SetInt64(1)
		}
		if h.Cmp(big.NewRat(n, 1)) > 0 {
			h.SetInt64(n)
		}
	default:
		return nil, false
	}
	k := new(big.Int).Quo(h.Num(), h.Denom()) // h ≥ 1, so truncation is floor
	ki := int(k.Int64())
	lo := new(big.Rat).SetFloat64(sorted[ki-1])
	if lo == nil {
		return nil, false
	}
	frac := new(big.Rat).Sub(h, new(big.Rat).SetInt(k))
	if ki >= len(sorted) || frac.Sign() == 0 {
		return lo, true
	}
	hi := new(big.Rat).SetFloat64(sorted[ki])
	if hi == nil {
		return nil, false
	}
	hi.Sub(hi, lo).Mul(hi, frac)
	return hi.Add(hi, lo), true
}

// ratNum converts an exact value to a Num.
func ratNum(r *big.Rat) Num {
	f, _ := r.Float64()
	return NumOf(f)
}

// smallInt is the bound of the values the integer fast paths take: every
// sum and product they form stays far below 2⁵³, so it is exact in int64
// and converts to float64 without rounding.
const smallInt = 1 << 20

// isSmallInt reports whether x is an integer of magnitude ≤ smallInt.
func isSmallInt(x float64) bool { return x == math.Trunc(x) && math.Abs(x) <= smallInt }

// DecimalFrac returns x as num/den taken as its shortest decimal (0.3 is
// 3/10), with den = 10^k ≤ 10⁴ and |x| < 10⁹; ok is false for other x.
func DecimalFrac(x float64) (num, den int64, ok bool) {
	if !(math.Abs(x) < 1e9) {
		return 0, 0, false
	}
	var buf [32]byte
	s := strconv.AppendFloat(buf[:0], x, 'f', -1, 64)
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	den = 1
	seenDot := false
	for _, c := range s {
		switch {
		case c == '.':
			seenDot = true
		case c >= '0' && c <= '9':
			num = num*10 + int64(c-'0')
			if seenDot {
				if den *= 10; den > 10_000 {
					return 0, 0, false
				}
			}
		default:
			return 0, 0, false
		}
	}
	if neg {
		num = -num
	}
	return num, den, true
}

// quantileFrac is quantileRat on integer values in exact int64 arithmetic:
// the quantile as num/den. fast is false when the fast path does not apply
// (non-integer or large values, p with more than 4 decimals, n > 2²⁰, a
// type other than 0, 6, 7); the caller then takes quantileRat.
func quantileFrac(sorted []float64, p float64, typ int) (num, den int64, fast bool) {
	n := int64(len(sorted))
	if n == 0 || n > smallInt {
		return 0, 0, false
	}
	pn, pd, ok := DecimalFrac(p)
	if !ok || pn < 0 || pn > pd {
		return 0, 0, false
	}
	var h int64 // in units of 1/pd
	switch typ {
	case 0, Type7:
		h = pn*(n-1) + pd
	case Type6:
		h = min(max(pn*(n+1), pd), n*pd)
	default:
		return 0, 0, false
	}
	k, f := h/pd, h%pd
	lo := sorted[k-1]
	if !isSmallInt(lo) {
		return 0, 0, false
	}
	if k >= n || f == 0 {
		return int64(lo), 1, true
	}
	hi := sorted[k]
	if !isSmallInt(hi) {
		return 0, 0, false
	}
	return int64(lo)*pd + f*(int64(hi)-int64(lo)), pd, true
}

// fracNum converts num/den (|num|, den < 2⁵³) to a Num: the float division
// of two exact integers is correctly rounded, as ratNum's is.
func fracNum(num, den int64) Num { return NumOf(float64(num) / float64(den)) }

// quant is one quantile, exact: num/den from quantileFrac (fast), else r.
type quant struct {
	num, den int64
	fast     bool
	r        *big.Rat
}

func (q quant) defined() bool { return q.fast || q.r != nil }

func (q quant) rat() *big.Rat {
	if q.fast {
		return big.NewRat(q.num, q.den)
	}
	return q.r
}

// minus returns q - o exactly, rounded once (both defined).
func (q quant) minus(o quant) Num {
	if q.fast && o.fast { // denominators ≤ 10⁴, numerators < 2³⁵
		if q.den == o.den {
			return fracNum(q.num-o.num, q.den)
		}
		return fracNum(q.num*o.den-o.num*q.den, q.den*o.den)
	}
	return ratNum(new(big.Rat).Sub(q.rat(), o.rat()))
}

// quantile is quantileRat, on the integer fast path where it applies, with
// the value as a Num (undefined with the reason).
func quantile(sorted []float64, p float64, typ int) (quant, Num) {
	if len(sorted) == 0 {
		return quant{}, UndefinedNum("n = 0")
	}
	if num, den, ok := quantileFrac(sorted, p, typ); ok {
		return quant{num: num, den: den, fast: true}, fracNum(num, den)
	}
	r, ok := quantileRat(sorted, p, typ)
	if !ok {
		return quant{}, UndefinedNum("unsupported quantile type")
	}
	return quant{r: r}, ratNum(r)
}

// sortFloats sorts xs ascending, by counting when they are integers
// spanning at most smallSpan values (ratings), else with slices.Sort. The
// result is the same: counting writes back the very values (it leaves -0,
// which it would turn into 0, to slices.Sort).
func sortFloats(xs []float64) {
	if len(xs) < 64 {
		slices.Sort(xs)
		return
	}
	lo, hi := xs[0], xs[0]
	for _, x := range xs {
		if x != math.Trunc(x) || math.IsInf(x, 0) || x == 0 && math.Signbit(x) { // NaN: x != x
			slices.Sort(xs)
			return
		}
		lo, hi = min(lo, x), max(hi, x)
	}
	if hi-lo > smallSpan {
		slices.Sort(xs)
		return
	}
	var counts [smallSpan + 1]int32
	for _, x := range xs {
		counts[int(x-lo)]++
	}
	i := 0
	for k, c := range counts[:int(hi-lo)+1] {
		for range c {
			xs[i] = lo + float64(k)
			i++
		}
	}
}
