package stats

import (
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"testing"
)

func newRand() *rand.Rand { return rand.New(rand.NewPCG(2026, 7)) }

// randLikert returns n ratings on 1..k.
func randLikert(r *rand.Rand, n, k int) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = float64(1 + r.IntN(k))
	}
	return xs
}

func TestPropKendallWInUnitInterval(t *testing.T) {
	r := newRand()
	for range 300 {
		n := 2 + r.IntN(7)
		opts := make([]string, n)
		for i := range opts {
			opts[i] = strconv.Itoa(i)
		}
		rk := map[string][]string{}
		for e := range 1 + r.IntN(12) {
			perm := slices.Clone(opts)
			r.Shuffle(n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
			rk[strconv.Itoa(e)] = perm[:r.IntN(n+1)] // partial or empty
		}
		s := Ranking(rk, opts, r.IntN(n))
		if s.W.Valid && (s.W.Value < 0 || s.W.Value > 1) {
			t.Fatalf("W = %v outside [0,1] for %v", s.W.Value, rk)
		}
		if s.P.Valid && (s.P.Value < 0 || s.P.Value > 1) {
			t.Fatalf("p = %v outside [0,1]", s.P.Value)
		}
		mustJSON(t, s)
	}
}

func TestPropDescribePermutationAndAbstentions(t *testing.T) {
	r := newRand()
	opt := Options{ScalePoints: []int{1, 2, 3, 4, 5, 6, 7, 8, 9}, Agreement: &Band{7, 9}, Disagreement: &Band{1, 3}}
	for range 200 {
		xs := randLikert(r, r.IntN(30), 9)
		for _, typ := range []int{6, 7} {
			opt.QuantileType = typ
			base := Describe(xs, 0, opt)
			ys := slices.Clone(xs)
			r.Shuffle(len(ys), func(i, j int) { ys[i], ys[j] = ys[j], ys[i] })
			if got := Describe(ys, 0, opt); !reflect.DeepEqual(got, base) {
				t.Fatalf("permutation changed the summary of %v:\n%+v\n%+v", xs, got, base)
			}
			a := 1 + r.IntN(5)
			got := Describe(xs, a, opt)
			if got.Abstentions != a {
				t.Fatalf("abstentions = %d, want %d", got.Abstentions, a)
			}
			got.Abstentions = 0
			if !reflect.DeepEqual(got, base) {
				t.Fatalf("abstentions changed the summary of %v", xs)
			}
			mustJSON(t, base)
		}
	}
}

func TestPropQuantileMonotone(t *testing.T) {
	r := newRand()
	for range 200 {
		xs := make([]float64, 1+r.IntN(20))
		for i := range xs {
			xs[i] = math.Round(r.NormFloat64()*100) / 10
		}
		slices.Sort(xs)
		for _, typ := range []int{6, 7} {
			prev := math.Inf(-1)
			for i := 0; i <= 100; i++ {
				q, ok := Quantile(xs, float64(i)/100, typ)
				if !ok || q < prev || q < xs[0] || q > xs[len(xs)-1] {
					t.Fatalf("type %d, p=%v: q=%v (prev %v, ok %v) on %v", typ, float64(i)/100, q, prev, ok, xs)
				}
				prev = q
			}
		}
	}
}

func TestPropWilcoxonExactMatchesEnumeration(t *testing.T) {
	r := newRand()
	for range 100 {
		n := 1 + r.IntN(10)
		// Distinct magnitudes 1..n with random signs: no ties.
		d := make([]float64, n)
		for i := range d {
			d[i] = float64(i + 1)
			if r.IntN(2) == 0 {
				d[i] = -d[i]
			}
		}
		w := WilcoxonSignedRank(d)
		if w.Method != MethodExact {
			t.Fatalf("method %q for %v", w.Method, d)
		}
		// Enumerate all 2ⁿ sign patterns; count W+ at least as extreme.
		obs := math.Abs(w.WPlus - float64(n*(n+1))/4)
		extreme := 0
		for mask := range 1 << n {
			s := 0
			for k := range n {
				if mask&(1<<k) != 0 {
					s += k + 1
				}
			}
			if math.Abs(float64(s)-float64(n*(n+1))/4) >= obs {
				extreme++
			}
		}
		near(t, "exact p", w.P.Value, float64(extreme)/float64(int(1)<<n), 1e-15)
	}
}

func TestPropPercentDisplayMatchesRoundHalfUp(t *testing.T) {
	// For den ≤ 1000 the exact percentage is either a short decimal or at
	// least 1/(20·den) from any rounding boundary, so the float path agrees.
	r := newRand()
	for range 2000 {
		den := 1 + r.IntN(1000)
		num := r.IntN(den + 1)
		for _, d := range []int{0, 1, 2} {
			want := FormatHalfUp(100*float64(num)/float64(den), d)
			if got := PercentDisplay(num, den, d); got != want {
				t.Fatalf("PercentDisplay(%d, %d, %d) = %q, FormatHalfUp gives %q", num, den, d, got, want)
			}
		}
	}
}

func TestPropNoNaNInJSON(t *testing.T) {
	r := newRand()
	odd := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), 1e308, -1e308}
	for range 200 {
		xs := randLikert(r, r.IntN(6), 5)
		for range r.IntN(3) {
			xs = append(xs, odd[r.IntN(len(odd))])
		}
		mustJSON(t, Describe(xs, r.IntN(3), Options{ScalePoints: likert5, Agreement: &Band{4, 5}}))
		prev, cur := map[string]float64{}, map[string]float64{}
		for i, x := range xs {
			prev[strconv.Itoa(i)] = x
			cur[strconv.Itoa(i)] = xs[(i+1)%len(xs)]
		}
		mustJSON(t, Stability(prev, cur, 6))
	}
}
