package stats

import "testing"

// The published SplitMix64 reference outputs for seed 1234567 (Vigna's
// splitmix64.c; the same as java.util.SplittableRandom's mix).
func TestSplitMix64ReferenceVector(t *testing.T) {
	g := NewSplitMix64(1234567)
	for i, want := range []uint64{6457827717110365317, 3203168211198807973, 9817491932198370423} {
		if got := g.Next(); got != want {
			t.Fatalf("output %d = %d, want %d", i, got, want)
		}
	}
}

func TestSplitMix64IndexInRange(t *testing.T) {
	g := NewSplitMix64(7)
	seen := make([]bool, 3)
	for range 1000 {
		j := g.Index(3)
		if j < 0 || j >= 3 {
			t.Fatalf("Index(3) = %d", j)
		}
		seen[j] = true
	}
	if !seen[0] || !seen[1] || !seen[2] {
		t.Fatalf("Index(3) never drew some index in 1000 draws: %v", seen)
	}
}

// The expected bounds come from an independent Python implementation of the
// documented procedure (SplitMix64, multiply-shift index, exact type 7
// quantiles with fractions.Fraction), as reproduce.py does it
// (internal/export/reproduce/reproduce.py).
func TestBootstrapPercentCIMatchesIndependentComputation(t *testing.T) {
	for _, c := range []struct {
		k, n     int
		seed     uint64
		low, hig float64
	}{
		{7, 10, 42, 40, 90},
		{13, 17, 0xdeadbeef, 52.94117647058823, 94.11764705882354},
		{1, 3, 1, 0, 100},
	} {
		ci := BootstrapPercentCI(c.k, c.n, 2000, 0.95, c.seed)
		if !ci.Low.Valid || !ci.High.Valid || ci.Low.Value != c.low || ci.High.Value != c.hig {
			t.Errorf("CI(k %d, n %d, seed %d) = [%v, %v], want [%v, %v]", c.k, c.n, c.seed, ci.Low, ci.High, c.low, c.hig)
		}
	}
}

func TestBootstrapPercentCIProperties(t *testing.T) {
	// Degenerate samples: every resample equals the sample.
	for _, c := range []struct{ k, n int }{{5, 5}, {0, 5}, {1, 1}} {
		ci := BootstrapPercentCI(c.k, c.n, 2000, 0.95, 99)
		want := 100 * float64(c.k) / float64(c.n)
		if ci.Low.Value != want || ci.High.Value != want {
			t.Errorf("CI(k %d of %d) = [%v, %v], want [%v, %v]", c.k, c.n, ci.Low.Value, ci.High.Value, want, want)
		}
	}
	// The interval holds the point estimate, and the same seed gives the
	// same interval.
	for n := 2; n <= 40; n += 3 {
		for k := 0; k <= n; k++ {
			seed := uint64(n*1000 + k)
			ci := BootstrapPercentCI(k, n, 2000, 0.95, seed)
			p := 100 * float64(k) / float64(n)
			if !(ci.Low.Value <= p && p <= ci.High.Value) {
				t.Fatalf("CI(k %d of %d) = [%v, %v] misses %v", k, n, ci.Low.Value, ci.High.Value, p)
			}
			if again := BootstrapPercentCI(k, n, 2000, 0.95, seed); again != ci {
				t.Fatalf("CI(k %d of %d) not reproducible: %+v then %+v", k, n, ci, again)
			}
		}
	}
	if ci := BootstrapPercentCI(0, 0, 2000, 0.95, 1); ci.Low.Valid || ci.Low.Reason != "n = 0" {
		t.Errorf("n = 0: %+v", ci)
	}
	if ci := BootstrapPercentCI(1, 2, 0, 0.95, 1); ci.High.Valid {
		t.Errorf("no resamples: %+v", ci)
	}
	if ci := BootstrapPercentCI(1, 2, 10, 1, 1); ci.High.Valid {
		t.Errorf("level 1: %+v", ci)
	}
}
