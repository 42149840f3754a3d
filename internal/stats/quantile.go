package stats

import (
	"math/big"
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
