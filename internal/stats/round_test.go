package stats

import (
	"fmt"
	"math"
	"testing"
)

func TestRoundHalfUp(t *testing.T) {
	// Sanity on the premise: binary formatting rounds these down.
	if got := fmt.Sprintf("%.1f", 81.25); got != "81.2" {
		t.Logf("note: %%.1f of 81.25 gives %s here", got)
	}
	for _, tc := range []struct {
		x    float64
		d    int
		want float64
	}{
		{81.25, 1, 81.3},   // 39/48 = 81.25 exactly; half-even would give 81.2
		{12.5, 0, 13},      // 1/8 = 12.5%
		{1.005, 2, 1.01},   // binary 1.00499999999999989…
		{2.675, 2, 2.68},   // binary 2.67499999999999982…
		{0.125, 2, 0.13},   // exact binary half
		{81.24, 1, 81.2},   // below half
		{-81.25, 1, -81.3}, // halves away from zero
		{-2.5, 0, -3},
		{-0.04, 1, 0}, // no -0
		{3.7, 3, 3.7},
		{1234.5, -1, 1235}, // negative decimals mean 0
		{1e21, 1, 1e21},
	} {
		got := RoundHalfUp(tc.x, tc.d)
		if got != tc.want || math.Signbit(got) != math.Signbit(tc.want) {
			t.Errorf("RoundHalfUp(%v, %d) = %v, want %v", tc.x, tc.d, got, tc.want)
		}
	}
	if got := RoundHalfUp(math.NaN(), 1); !math.IsNaN(got) {
		t.Errorf("RoundHalfUp(NaN) = %v", got)
	}
	if got := RoundHalfUp(math.Inf(1), 1); !math.IsInf(got, 1) {
		t.Errorf("RoundHalfUp(+Inf) = %v", got)
	}
}

func TestFormatHalfUp(t *testing.T) {
	for _, tc := range []struct {
		x    float64
		d    int
		want string
	}{
		{81.25, 1, "81.3"},
		{2.675, 2, "2.68"},
		{3, 2, "3.00"},
		{-0.04, 1, "0.0"},
		{-0.05, 1, "-0.1"},
		{math.NaN(), 1, ""},
	} {
		if got := FormatHalfUp(tc.x, tc.d); got != tc.want {
			t.Errorf("FormatHalfUp(%v, %d) = %q, want %q", tc.x, tc.d, got, tc.want)
		}
	}
}

func TestPercentDisplay(t *testing.T) {
	for _, tc := range []struct {
		num, den, d int
		want        string
	}{
		{39, 48, 1, "81.3"}, // 3900/48 = 81.25 → 81.3
		{1, 8, 1, "12.5"},   // 12.5
		{1, 8, 0, "13"},     // 12.5 → 13
		{1, 3, 1, "33.3"},   // 33.33…
		{2, 3, 1, "66.7"},   // 66.66…
		{1, 16, 2, "6.25"},  // exact
		{1, 16, 1, "6.3"},   // 6.25 → 6.3
		{0, 5, 1, "0.0"},
		{5, 5, 0, "100"},
		{1, 0, 1, ""},
	} {
		if got := PercentDisplay(tc.num, tc.den, tc.d); got != tc.want {
			t.Errorf("PercentDisplay(%d, %d, %d) = %q, want %q", tc.num, tc.den, tc.d, got, tc.want)
		}
	}
}
