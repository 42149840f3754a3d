package stats

import "testing"

func TestQuantileHandWorked(t *testing.T) {
	x4 := []float64{1, 2, 3, 4}
	// Likert sample, n = 10, sorted (1-based): x1=2 x2=3 x3=3 x4=4 x5=4 x6=4 x7=4 x8=5 x9=5 x10=5.
	lik := []float64{2, 3, 3, 4, 4, 4, 4, 5, 5, 5}
	tests := []struct {
		name string
		xs   []float64
		p    float64
		typ  int
		want float64
	}{
		// Type 7, n=4: h = 3p + 1.
		{"x4 t7 p.25", x4, 0.25, 7, 1.75}, // h=1.75: 1 + .75·(2-1)
		{"x4 t7 p.5", x4, 0.5, 7, 2.5},    // h=2.5: 2 + .5·(3-2)
		{"x4 t7 p.75", x4, 0.75, 7, 3.25}, // h=3.25: 3 + .25·(4-3)
		{"x4 t0 is t7", x4, 0.25, 0, 1.75},
		// Type 6, n=4: h = 5p.
		{"x4 t6 p.25", x4, 0.25, 6, 1.25}, // h=1.25
		{"x4 t6 p.5", x4, 0.5, 6, 2.5},    // h=2.5
		{"x4 t6 p.75", x4, 0.75, 6, 3.75}, // h=3.75
		// Type 6 clamping: h = 5·0.1 = 0.5 → 1; h = 5·0.9 = 4.5 → 4.
		{"x4 t6 p.1 clamped", x4, 0.1, 6, 1},
		{"x4 t6 p.9 clamped", x4, 0.9, 6, 4},
		// Ends.
		{"x4 t7 p0", x4, 0, 7, 1},
		{"x4 t7 p1", x4, 1, 7, 4},
		// Likert type 7: h = 9p + 1.
		{"lik t7 q1", lik, 0.25, 7, 3.25}, // h=3.25: x3 + .25(x4-x3) = 3 + .25
		{"lik t7 med", lik, 0.5, 7, 4},    // h=5.5: x5 + .5(x6-x5) = 4
		{"lik t7 q3", lik, 0.75, 7, 4.75}, // h=7.75: x7 + .75(x8-x7) = 4 + .75
		// Likert type 6: h = 11p.
		{"lik t6 q1", lik, 0.25, 6, 3}, // h=2.75: x2 + .75(x3-x2) = 3
		{"lik t6 med", lik, 0.5, 6, 4}, // h=5.5
		{"lik t6 q3", lik, 0.75, 6, 5}, // h=8.25: x8 + .25(x9-x8) = 5
		// Exactness: naive floats give 9·0.3+1 = 3.6999999999999997.
		{"1..10 t7 p.3 exact", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.3, 7, 3.7},
		{"single", []float64{7}, 0.3, 6, 7},
	}
	for _, tc := range tests {
		got, ok := Quantile(tc.xs, tc.p, tc.typ)
		if !ok || got != tc.want { // exact equality on purpose
			t.Errorf("%s: Quantile = %.17g, %v; want %g", tc.name, got, ok, tc.want)
		}
	}
}

func TestQuantileRejects(t *testing.T) {
	x := []float64{1, 2}
	for _, tc := range []struct {
		name string
		xs   []float64
		p    float64
		typ  int
	}{
		{"empty", nil, 0.5, 7},
		{"p<0", x, -0.1, 7},
		{"p>1", x, 1.1, 7},
		{"type 5", x, 0.5, 5},
		{"NaN p", x, nan(), 7},
	} {
		if q, ok := Quantile(tc.xs, tc.p, tc.typ); ok {
			t.Errorf("%s: Quantile = %g, true; want false", tc.name, q)
		}
	}
}
