package stats

import (
	"math"
	"math/big"
	"slices"
	"testing"
)

// The integer fast paths give exactly what the general ones give: the same
// sorted values, quantiles, moments and signed ranks (bit for bit after the
// one rounding to float64), on ratings, integers of every sign and
// non-integer values (which fall back).
func TestFastPathsMatchGeneral(t *testing.T) {
	r := newRand()
	gen := func() []float64 {
		n := r.IntN(300)
		xs := make([]float64, n)
		for i := range xs {
			switch r.IntN(4) {
			case 0:
				xs[i] = float64(1 + r.IntN(5))
			case 1:
				xs[i] = float64(r.IntN(2001) - 1000)
			case 2:
				xs[i] = float64(1 + r.IntN(9))
			default:
				if r.IntN(5) == 0 {
					xs[i] = r.Float64()*10 - 5
				} else {
					xs[i] = float64(r.IntN(7) - 3)
				}
			}
		}
		return xs
	}
	ps := []float64{0, 0.25, 0.3, 0.5, 0.7, 0.75, 1, 0.125, 0.33333}
	for range 2000 {
		xs := gen()
		want := slices.Clone(xs)
		slices.Sort(want)
		got := slices.Clone(xs)
		sortFloats(got)
		if !slices.Equal(got, want) {
			t.Fatalf("sortFloats(%v) = %v", xs, got)
		}
		for _, typ := range []int{Type6, Type7} {
			for _, p := range ps {
				num, den, fast := quantileFrac(want, p, typ)
				if !fast {
					continue
				}
				r, ok := quantileRat(want, p, typ)
				if !ok || r.Cmp(big.NewRat(num, den)) != 0 || fracNum(num, den) != ratNum(r) {
					t.Fatalf("quantile %v type %d of %v: %d/%d, want %v", p, typ, want, num, den, r)
				}
			}
		}
		if m := moments(want); m.small && m.n > 1 {
			slow := mom{n: m.n, mean: new(big.Rat).SetFrac64(m.s, m.n), vr: big.NewRat(m.varFrac())}
			if m.meanFloat() != slow.meanFloat() || m.varFloat() != slow.varFloat() || m.varSign() != slow.varSign() {
				t.Fatalf("moments of %v: fast and big.Rat differ", want)
			}
		}
		diffs := make([]float64, len(xs))
		for i := range xs {
			diffs[i] = xs[i] - want[len(want)-1-i]
		}
		if n, p, ts, ok := signedRanksSmall(diffs); ok {
			n2, p2, ts2 := signedRanks(diffs)
			if n != n2 || p != p2 || ts != ts2 {
				t.Fatalf("signed ranks of %v: counted %d %d %d, sorted %d %d %d", diffs, n, p, ts, n2, p2, ts2)
			}
		}
	}
	if _, _, _, ok := signedRanksSmall([]float64{1, math.NaN()}); ok {
		t.Error("signedRanksSmall took a NaN")
	}
	neg := []float64{0, math.Copysign(0, -1)}
	for range 70 {
		neg = append(neg, 1)
	}
	sortFloats(neg)
	if !math.Signbit(neg[0]) && !math.Signbit(neg[1]) {
		t.Error("sortFloats lost -0")
	}
}

// DecimalFrac reads a number as its shortest decimal.
func TestDecimalFrac(t *testing.T) {
	for _, c := range []struct {
		x        float64
		num, den int64
		ok       bool
	}{{0.3, 3, 10, true}, {75, 75, 1, true}, {-1.25, -125, 100, true}, {66.6667, 666667, 10000, true},
		{0.00001, 0, 0, false}, {math.NaN(), 0, 0, false}, {1e12, 0, 0, false}} {
		num, den, ok := DecimalFrac(c.x)
		if num != c.num || den != c.den || ok != c.ok {
			t.Errorf("DecimalFrac(%v) = %d/%d %v, want %d/%d %v", c.x, num, den, ok, c.num, c.den, c.ok)
		}
	}
}
