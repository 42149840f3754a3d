package stats

import "math"

// chiSquareSurvival returns P(X ≥ x) for X chi-square with df degrees of
// freedom: the regularized upper incomplete gamma Q(df/2, x/2).
func chiSquareSurvival(x float64, df int) float64 {
	if df <= 0 || math.IsNaN(x) {
		return math.NaN()
	}
	if x <= 0 {
		return 1
	}
	return gammaQ(float64(df)/2, x/2)
}

const (
	gammaEps   = 1e-15
	gammaIters = 10000
	gammaTiny  = 1e-300
)

// gammaQ is the regularized upper incomplete gamma function Q(a, x) for
// a > 0, x ≥ 0: by the series for P when x < a+1, else by the continued
// fraction (modified Lentz), as in Numerical Recipes §6.2.
func gammaQ(a, x float64) float64 {
	if x <= 0 {
		return 1
	}
	if x < a+1 {
		return max(0, 1-gammaPSeries(a, x))
	}
	return min(1, gammaQFraction(a, x))
}

// gammaPrefix returns x^a e^{-x} / Γ(a).
func gammaPrefix(a, x float64) float64 {
	lg, _ := math.Lgamma(a)
	return math.Exp(a*math.Log(x) - x - lg)
}

// gammaPSeries: P(a, x) = x^a e^{-x}/Γ(a) · Σ_k x^k / (a(a+1)…(a+k)).
func gammaPSeries(a, x float64) float64 {
	ap, del := a, 1/a
	sum := del
	for range gammaIters {
		ap++
		del *= x / ap
		sum += del
		if math.Abs(del) < math.Abs(sum)*gammaEps {
			break
		}
	}
	return sum * gammaPrefix(a, x)
}

// gammaQFraction: Q(a, x) = x^a e^{-x}/Γ(a) · 1/(x+1-a- 1·(1-a)/(x+3-a- …)).
func gammaQFraction(a, x float64) float64 {
	b := x + 1 - a
	c := 1 / gammaTiny
	d := 1 / b
	h := d
	for i := 1; i <= gammaIters; i++ {
		an := -float64(i) * (float64(i) - a)
		b += 2
		d = an*d + b
		if math.Abs(d) < gammaTiny {
			d = gammaTiny
		}
		c = b + an/c
		if math.Abs(c) < gammaTiny {
			c = gammaTiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < gammaEps {
			break
		}
	}
	return h * gammaPrefix(a, x)
}
