package stats

import (
	"math/big"
	"math/bits"
	"slices"
)

// SplitMix64 is the pseudo-random generator of the bootstrap: Steele, Lea
// and Flood's SplitMix64 (2014), chosen because it is a few lines in any
// language, so a reader can reproduce every resample (docs/STATISTICS.md).
// The state is the seed; each Next adds the golden-ratio increment and mixes.
type SplitMix64 struct{ state uint64 }

// NewSplitMix64 returns the generator seeded with seed.
func NewSplitMix64(seed uint64) *SplitMix64 { return &SplitMix64{state: seed} }

// Next returns the next 64-bit output.
func (g *SplitMix64) Next() uint64 {
	g.state += 0x9e3779b97f4a7c15
	z := g.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Index returns an index in [0, n): the high 64 bits of the 128-bit
// product Next()·n (Lemire's multiply-shift without rejection; its bias is
// below n/2⁶⁴). n must be positive.
func (g *SplitMix64) Index(n int) int {
	hi, _ := bits.Mul64(g.Next(), uint64(n))
	return int(hi)
}

// BootstrapCI is a percentile bootstrap interval of a percentage.
type BootstrapCI struct {
	Low       Num     `json:"low"`  // 0–100
	High      Num     `json:"high"` // 0–100
	Level     float64 `json:"level"`
	Resamples int     `json:"resamples"`
}

// BootstrapPercentCI is the percentile bootstrap confidence interval (level,
// e.g. 0.95) of the percentage 100·k/n of a sample of n answers of which k
// are counted (e.g. in the agreement band), with resamples resamples drawn
// from SplitMix64 seeded with seed.
//
// The sample is ordered with the k counted answers first (indexes 0..k−1).
// Each resample draws n indexes with Index(n), in order, and its percentage
// is 100·(draws below k)/n. The bounds are the type 7 quantiles at
// (1−level)/2 and (1+level)/2 of the resample percentages. Both bounds are
// undefined ("n = 0") for an empty sample, and for resamples < 1 or a
// level outside (0, 1) ("no resamples", "bad level").
func BootstrapPercentCI(k, n, resamples int, level float64, seed uint64) BootstrapCI {
	ci := BootstrapCI{Level: level, Resamples: resamples}
	switch {
	case n <= 0:
		ci.Low, ci.High = UndefinedNum("n = 0"), UndefinedNum("n = 0")
		return ci
	case resamples < 1:
		ci.Low, ci.High = UndefinedNum("no resamples"), UndefinedNum("no resamples")
		return ci
	case !(level > 0 && level < 1):
		ci.Low, ci.High = UndefinedNum("bad level"), UndefinedNum("bad level")
		return ci
	}
	k = min(max(k, 0), n)
	g := NewSplitMix64(seed)
	counts := make([]float64, resamples) // counted draws per resample
	for r := range counts {
		c := 0
		for range n {
			if g.Index(n) < k {
				c++
			}
		}
		counts[r] = float64(c)
	}
	slices.Sort(counts)
	// The quantiles of the counts, exact, scaled by 100/n and rounded
	// once: Q of the percentages. p is taken to 12 decimals, so a level of
	// 0.95 gives exactly 0.025 and 0.975.
	ci.Low = percentQuantile(counts, RoundHalfUp((1-level)/2, 12), n)
	ci.High = percentQuantile(counts, RoundHalfUp((1+level)/2, 12), n)
	return ci
}

// percentQuantile returns 100·Q(p)/n of the sorted counts (type 7).
func percentQuantile(sorted []float64, p float64, n int) Num {
	q, ok := quantileRat(sorted, p, Type7)
	if !ok {
		return UndefinedNum("no resamples")
	}
	return ratNum(q.Mul(q, big.NewRat(100, int64(n))))
}
