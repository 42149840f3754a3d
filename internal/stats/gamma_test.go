package stats

import (
	"math"
	"testing"
)

func TestChiSquareSurvival(t *testing.T) {
	for _, x := range []float64{0.01, 0.5, 1, 2, 3.3, 5.991464547107979, 10, 40, 200} {
		// df = 2: Q(1, x/2) = exp(-x/2).
		near(t, "df2", chiSquareSurvival(x, 2), math.Exp(-x/2), 1e-14)
		// df = 1: P(|Z| ≥ √x) = erfc(√(x/2)).
		near(t, "df1", chiSquareSurvival(x, 1), math.Erfc(math.Sqrt(x/2)), 1e-14)
		// df = 3: erfc(√(x/2)) + √(2x/π)·exp(-x/2).
		near(t, "df3", chiSquareSurvival(x, 3), math.Erfc(math.Sqrt(x/2))+math.Sqrt(2*x/math.Pi)*math.Exp(-x/2), 1e-14)
		// df = 4: (1 + x/2)·exp(-x/2).
		near(t, "df4", chiSquareSurvival(x, 4), (1+x/2)*math.Exp(-x/2), 1e-14)
	}
	// Table critical values at α = 0.05.
	near(t, "3.841 df1", chiSquareSurvival(3.841458820694124, 1), 0.05, 1e-12)
	near(t, "5.991 df2", chiSquareSurvival(5.991464547107979, 2), 0.05, 1e-12)
	near(t, "18.307 df10", chiSquareSurvival(18.307038053275146, 10), 0.05, 1e-10)
	if got := chiSquareSurvival(0, 3); got != 1 {
		t.Errorf("x=0: %v", got)
	}
	if got := chiSquareSurvival(1, 0); !math.IsNaN(got) {
		t.Errorf("df=0: %v", got)
	}
}
