package stats

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
)

var likert5 = []int{1, 2, 3, 4, 5}

func TestDescribeLikert(t *testing.T) {
	// n = 10 on 1–5, 2 abstentions.
	xs := []float64{4, 2, 5, 3, 4, 5, 4, 3, 5, 4}
	s := Describe(xs, 2, Options{ScalePoints: likert5, Agreement: &Band{4, 5}, Disagreement: &Band{1, 2}})
	if s.N != 10 || s.Abstentions != 2 || s.QuantileType != 7 {
		t.Fatalf("n, abstentions, type = %d, %d, %d", s.N, s.Abstentions, s.QuantileType)
	}
	// Σx = 2+3+3+4·4+5·3 = 39, mean 3.9.
	nearNum(t, "mean", s.Mean, 3.9, 0)
	// Σx² = 4+9+9+4·16+3·25 = 161; s² = (10·161 - 39²)/(10·9) = 89/90.
	nearNum(t, "sd", s.SD, math.Sqrt(89.0/90), 1e-15)
	nearNum(t, "cv", s.CV, math.Sqrt(89.0/90)/3.9, 1e-15) // 0.25498…
	// Type 7 quartiles (see TestQuantileHandWorked): 3.25, 4, 4.75.
	nearNum(t, "q1", s.Q1, 3.25, 0)
	nearNum(t, "median", s.Median, 4, 0)
	nearNum(t, "q3", s.Q3, 4.75, 0)
	nearNum(t, "iqr", s.IQR, 1.5, 0)
	nearNum(t, "min", s.Min, 2, 0)
	nearNum(t, "max", s.Max, 5, 0)
	if !slices.Equal(s.Modes, []float64{4}) {
		t.Errorf("modes = %v, want [4]", s.Modes)
	}
	// Counts 0,1,2,4,3 → 0%, 10%, 20%, 40%, 30% of n = 10.
	wantCounts := []int{0, 1, 2, 4, 3}
	for i, p := range s.Distribution {
		if p.Value != i+1 || p.Count != wantCounts[i] {
			t.Errorf("distribution[%d] = %+v", i, p)
		}
		nearNum(t, "percent", p.Percent, float64(10*wantCounts[i]), 0)
	}
	nearNum(t, "agreement", s.AgreementPercent, 70, 0)       // 7 of 10 in 4–5
	nearNum(t, "disagreement", s.DisagreementPercent, 10, 0) // 1 of 10 in 1–2
	// rWG = 1 - (89/90)/((25-1)/12) = 1 - 89/180 = 91/180.
	nearNum(t, "rwg", s.RWG, 91.0/180, 1e-16)
	if s.Bimodal {
		t.Error("bimodal = true for counts 0,1,2,4,3")
	}
	if s.IPR.Valid || s.IPR.Reason != "" || s.RANDDisagreement != nil {
		t.Error("RAND/UCLA reported on a 5-point scale")
	}
	if s.Undefined != nil {
		t.Errorf("undefined = %v, want none", s.Undefined)
	}
	js := mustJSON(t, s)
	for _, frag := range []string{`"n":10`, `"abstentions":2`, `"quantile_type":7`, `"mean":3.9`,
		`"iqr":1.5`, `"agreement_percent":70`, `{"value":4,"count":4,"percent":40}`, `"bimodal":false`} {
		if !strings.Contains(js, frag) {
			t.Errorf("JSON lacks %s: %s", frag, js)
		}
	}
	if strings.Contains(js, "ipr") {
		t.Errorf("JSON has ipr on a 5-point scale: %s", js)
	}

	// Type 6 on the same data: quartiles 3, 4, 5 (see TestQuantileHandWorked).
	s6 := Describe(xs, 2, Options{QuantileType: 6, ScalePoints: likert5})
	nearNum(t, "t6 iqr", s6.IQR, 2, 0)
	if s6.QuantileType != 6 {
		t.Errorf("quantile_type = %d", s6.QuantileType)
	}
}

func TestDescribeRAND(t *testing.T) {
	nine := []int{1, 2, 3, 4, 5, 6, 7, 8, 9}
	// Type 7, n = 10: h = 9p + 1.
	// P30: h = 3.7 → x3 + .7(x4-x3) = 2 + .7 = 2.7; P70: h = 7.3 → 8 + .3·0 = 8.
	// IPR = 5.3; IPRAS = 2.35 + 1.5·|5 - 5.35| = 2.875; 5.3 > 2.875: disagreement.
	s := Describe([]float64{1, 2, 2, 3, 5, 7, 8, 8, 9, 9}, 0, Options{ScalePoints: nine})
	nearNum(t, "ipr", s.IPR, 5.3, 0)
	nearNum(t, "ipras", s.IPRAS, 2.875, 0)
	if s.RANDDisagreement == nil || !*s.RANDDisagreement {
		t.Errorf("rand_disagreement = %v, want true", s.RANDDisagreement)
	}
	// P30 = x3..x4 = 8, P70 = x7..x8 = 9: IPR 1, IPRAS = 2.35 + 1.5·3.5 = 7.6.
	s = Describe([]float64{7, 7, 8, 8, 8, 8, 9, 9, 9, 9}, 0, Options{ScalePoints: nine})
	nearNum(t, "ipr", s.IPR, 1, 0)
	nearNum(t, "ipras", s.IPRAS, 7.6, 0)
	if s.RANDDisagreement == nil || *s.RANDDisagreement {
		t.Errorf("rand_disagreement = %v, want false", s.RANDDisagreement)
	}
	// A 9-point scale 0–8 is not RAND/UCLA's 1–9: not reported.
	s = Describe([]float64{1, 2}, 0, Options{ScalePoints: []int{0, 1, 2, 3, 4, 5, 6, 7, 8}})
	if s.IPR != (Num{}) || s.RANDDisagreement != nil {
		t.Errorf("RAND/UCLA on 0–8: %+v %v", s.IPR, s.RANDDisagreement)
	}
	// n = 0 on 1–9: null with reasons.
	s = Describe(nil, 3, Options{ScalePoints: nine})
	undefined(t, "ipr", s.IPR, "n = 0")
	if s.Undefined["rand_disagreement"] != "n = 0" {
		t.Errorf("undefined = %v", s.Undefined)
	}
}

func TestDescribeEdgeCases(t *testing.T) {
	opt := Options{ScalePoints: likert5, Agreement: &Band{4, 5}, Disagreement: &Band{1, 2}}

	t.Run("n=0 all abstain", func(t *testing.T) {
		s := Describe(nil, 4, opt)
		if s.N != 0 || s.Abstentions != 4 || len(s.Modes) != 0 {
			t.Fatalf("%+v", s)
		}
		for name, n := range map[string]Num{"mean": s.Mean, "median": s.Median, "iqr": s.IQR, "min": s.Min,
			"agreement_percent": s.AgreementPercent} {
			undefined(t, name, n, "n = 0")
		}
		undefined(t, "sd", s.SD, "n < 2")
		undefined(t, "rwg", s.RWG, "n < 2")
		undefined(t, "bc", s.BimodalityCoefficient, "n < 4")
		js := mustJSON(t, s)
		for _, frag := range []string{`"mean":null`, `"sd":null`, `"modes":[]`, `"percent":null`,
			`"mean":"n = 0"`, `"distribution.percent":"n = 0"`} {
			if !strings.Contains(js, frag) {
				t.Errorf("JSON lacks %s: %s", frag, js)
			}
		}
		var back struct{ Undefined map[string]string }
		if err := json.Unmarshal([]byte(js), &back); err != nil || back.Undefined["sd"] != "n < 2" {
			t.Errorf("decoded undefined = %v, %v", back.Undefined, err)
		}
	})

	t.Run("n=1", func(t *testing.T) {
		s := Describe([]float64{3}, 0, opt)
		nearNum(t, "mean", s.Mean, 3, 0)
		nearNum(t, "median", s.Median, 3, 0)
		nearNum(t, "iqr", s.IQR, 0, 0)
		undefined(t, "sd", s.SD, "n < 2")
		undefined(t, "cv", s.CV, "n < 2")
		if s.Undefined["sd"] != "n < 2" || s.Undefined["cv"] != "n < 2" {
			t.Errorf("undefined = %v", s.Undefined)
		}
		mustJSON(t, s)
	})

	t.Run("all equal", func(t *testing.T) {
		s := Describe([]float64{4, 4, 4, 4, 4}, 0, opt)
		nearNum(t, "sd", s.SD, 0, 0)
		nearNum(t, "cv", s.CV, 0, 0)
		nearNum(t, "iqr", s.IQR, 0, 0)
		nearNum(t, "rwg", s.RWG, 1, 0)
		undefined(t, "bc", s.BimodalityCoefficient, "sd is 0")
		mustJSON(t, s)
	})

	t.Run("mean 0", func(t *testing.T) {
		s := Describe([]float64{-1, 0, 1}, 0, Options{})
		nearNum(t, "sd", s.SD, 1, 0)
		undefined(t, "cv", s.CV, "mean is 0")
		if s.Distribution != nil || s.RWG != (Num{}) || s.AgreementPercent != (Num{}) {
			t.Errorf("scale statistics without a scale: %+v", s)
		}
		js := mustJSON(t, s)
		if !strings.Contains(js, `"cv":"mean is 0"`) || strings.Contains(js, "rwg") {
			t.Errorf("JSON = %s", js)
		}
	})

	t.Run("non-finite and off-scale", func(t *testing.T) {
		s := Describe([]float64{math.NaN(), 3, math.Inf(1), 3.5, 7}, 0, opt)
		if s.N != 3 || s.Invalid != 2 || s.OffScale != 2 {
			t.Errorf("n, invalid, off_scale = %d, %d, %d", s.N, s.Invalid, s.OffScale)
		}
		mustJSON(t, s)
	})

	t.Run("ties for mode", func(t *testing.T) {
		s := Describe([]float64{5, 1, 1, 5, 3}, 0, opt)
		if !slices.Equal(s.Modes, []float64{1, 5}) {
			t.Errorf("modes = %v", s.Modes)
		}
	})

	t.Run("rwg truncated and non-consecutive scale", func(t *testing.T) {
		// s² of {1,1,5,5} = 16/3; 1 - (16/3)/2 = -5/3 → 0.
		s := Describe([]float64{1, 1, 5, 5}, 0, opt)
		nearNum(t, "rwg", s.RWG, 0, 0)
		s = Describe([]float64{0, 50}, 0, Options{ScalePoints: []int{0, 25, 50, 75, 100}})
		undefined(t, "rwg", s.RWG, "scale points are not consecutive integers")
	})

	t.Run("bad quantile type", func(t *testing.T) {
		s := Describe([]float64{1, 2}, 0, Options{QuantileType: 5})
		undefined(t, "median", s.Median, "unsupported quantile type")
		mustJSON(t, s)
	})
}

func TestBimodal(t *testing.T) {
	for _, tc := range []struct {
		counts []int
		want   bool
	}{
		{[]int{5, 0, 0, 0, 5}, true},              // two poles
		{[]int{4, 1, 0, 1, 4}, true},              // valley 0 < 4/2
		{[]int{2, 0, 2}, true},                    // n=4: peaks 2 ≥ 0.8, valley 0 < 1
		{[]int{2, 1, 2}, false},                   // valley 1 is not < 2/2
		{[]int{3, 3, 2, 3, 3}, false},             // flat: valley 2 is not < 1.5
		{[]int{0, 1, 2, 4, 3}, false},             // one mode
		{[]int{1, 0, 0, 0, 0, 0, 0, 0, 9}, false}, // 1 of 10 < 20%
		{[]int{2, 0, 0, 0, 0, 0, 0, 0, 8}, true},  // 2 of 10 = 20% exactly
		{[]int{6, 0}, false},                      // < 3 points
		{[]int{0, 0, 0}, false},
	} {
		if got := Bimodal(tc.counts); got != tc.want {
			t.Errorf("Bimodal(%v) = %v, want %v", tc.counts, got, tc.want)
		}
	}
	s := Describe([]float64{1, 1, 1, 1, 5, 5, 5, 5, 3}, 0, Options{ScalePoints: likert5})
	if !s.Bimodal {
		t.Error("Describe: bimodal = false for counts 4,0,1,0,4")
	}
}

func TestBimodalityCoefficient(t *testing.T) {
	// {1×5, 5×5}: mean 3, s² = 10·4/9 = 40/9, z = ±2/√(40/9), z² = 0.9, z⁴ = 0.81.
	// g = 0. Σz⁴ = 8.1; k + 3(n-1)²/((n-2)(n-3)) = n(n+1)/((n-1)(n-2)(n-3))·Σz⁴
	// = 110/504 · 8.1, so b = 504/(110·8.1) = 56/99 ≈ 0.5657 (> 5/9).
	b := BimodalityCoefficient([]float64{1, 5, 1, 5, 1, 5, 1, 5, 1, 5, math.NaN()})
	nearNum(t, "b", b, 56.0/99, 1e-14)
	undefined(t, "b n=3", BimodalityCoefficient([]float64{1, 2, 3}), "n < 4")
}
