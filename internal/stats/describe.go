package stats

import (
	"math"
	"math/big"
	"slices"
)

// Band is an inclusive range of scale values, e.g. {4, 5} on a 1–5 scale.
type Band struct {
	Min int `json:"min"`
	Max int `json:"max"`
}

func (b Band) contains(x float64) bool { return x >= float64(b.Min) && x <= float64(b.Max) }

// Options configures Describe.
type Options struct {
	QuantileType int   // Type7 (also when 0) or Type6
	ScalePoints  []int // the scale's values, e.g. 1..5; nil for numeric items
	Agreement    *Band // band for agreement_percent; nil: not reported
	Disagreement *Band // band for disagreement_percent; nil: not reported
}

// Point is the count and percentage of valid answers on one scale point.
type Point struct {
	Value   int `json:"value"`
	Count   int `json:"count"`
	Percent Num `json:"percent"` // of valid answers (n), 0–100
}

// Summary describes the valid answers to one item in one round.
type Summary struct {
	N            int `json:"n"`                 // valid answers
	Abstentions  int `json:"abstentions"`       // "cannot judge", excluded from all else
	Invalid      int `json:"invalid,omitempty"` // non-finite values, dropped
	QuantileType int `json:"quantile_type"`

	Mean   Num       `json:"mean"`
	SD     Num       `json:"sd"` // n-1 denominator
	CV     Num       `json:"cv"` // SD / mean
	Median Num       `json:"median"`
	Q1     Num       `json:"q1"`
	Q3     Num       `json:"q3"`
	IQR    Num       `json:"iqr"`
	Min    Num       `json:"min"`
	Max    Num       `json:"max"`
	Modes  []float64 `json:"modes"` // every value with the highest count, ascending

	Distribution []Point `json:"distribution,omitempty"` // per scale point
	OffScale     int     `json:"off_scale,omitempty"`    // valid values on no scale point

	AgreementPercent    Num `json:"agreement_percent,omitzero"`
	DisagreementPercent Num `json:"disagreement_percent,omitzero"`
	RWG                 Num `json:"rwg,omitzero"`

	// RAND/UCLA, only on a 1–9 scale.
	IPR              Num   `json:"ipr,omitzero"`
	IPRAS            Num   `json:"ipras,omitzero"`
	RANDDisagreement *bool `json:"rand_disagreement,omitempty"`

	Bimodal               bool `json:"bimodal"` // see Bimodal; false without a scale of ≥ 3 points
	BimodalityCoefficient Num  `json:"bimodality_coefficient"`

	Undefined map[string]string `json:"undefined,omitempty"` // field → reason
}

// Describe summarises the valid answers values of one item (abstentions
// counted apart) with the options' quantile type, scale and bands.
// Non-finite values are dropped and counted in Invalid.
func Describe(values []float64, abstentions int, opt Options) Summary {
	xs := make([]float64, 0, len(values))
	invalid := 0
	for _, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			invalid++
			continue
		}
		xs = append(xs, v)
	}
	slices.Sort(xs)
	n := len(xs)
	typ := opt.QuantileType
	if typ == 0 {
		typ = Type7
	}
	s := Summary{N: n, Abstentions: max(abstentions, 0), Invalid: invalid, QuantileType: typ, Modes: modes(xs)}
	und := map[string]Num{}

	// Moments, exact.
	mean, variance := moments(xs)
	switch {
	case n == 0:
		s.Mean, s.Min, s.Max = UndefinedNum("n = 0"), UndefinedNum("n = 0"), UndefinedNum("n = 0")
	default:
		s.Mean, s.Min, s.Max = ratNum(mean), NumOf(xs[0]), NumOf(xs[n-1])
	}
	if variance == nil {
		s.SD = UndefinedNum("n < 2")
		s.CV = UndefinedNum("n < 2")
	} else {
		vf, _ := variance.Float64()
		s.SD = NumOf(math.Sqrt(vf))
		if mean.Sign() == 0 {
			s.CV = UndefinedNum("mean is 0")
		} else {
			s.CV = NumOf(s.SD.Value / s.Mean.Value)
		}
	}

	// Quantiles, exact.
	q := func(p float64) (*big.Rat, Num) {
		if n == 0 {
			return nil, UndefinedNum("n = 0")
		}
		r, ok := quantileRat(xs, p, typ)
		if !ok {
			return nil, UndefinedNum("unsupported quantile type")
		}
		return r, ratNum(r)
	}
	_, s.Median = q(0.5)
	r1, q1 := q(0.25)
	r3, q3 := q(0.75)
	s.Q1, s.Q3 = q1, q3
	if r1 != nil && r3 != nil {
		s.IQR = ratNum(new(big.Rat).Sub(r3, r1))
	} else {
		s.IQR = q1
	}

	// Scale-based statistics.
	points := slices.Clone(opt.ScalePoints)
	slices.Sort(points)
	points = slices.Compact(points)
	if len(points) > 0 {
		counts := make([]int, len(points))
		for _, x := range xs {
			if i, ok := slices.BinarySearch(points, int(x)); ok && float64(points[i]) == x {
				counts[i]++
			} else {
				s.OffScale++
			}
		}
		s.Distribution = make([]Point, len(points))
		for i, p := range points {
			s.Distribution[i] = Point{Value: p, Count: counts[i], Percent: ratio(100*int64(counts[i]), int64(n), "n = 0")}
		}
		if n == 0 {
			und["distribution.percent"] = UndefinedNum("n = 0")
		}
		s.Bimodal = Bimodal(counts)
		s.RWG = rwg(points, variance)
		if isRange(points, 1, 9) {
			s.IPR, s.IPRAS, s.RANDDisagreement = randUCLA(xs, typ)
		}
	}
	band := func(b *Band) Num {
		if b == nil {
			return Num{}
		}
		c := 0
		for _, x := range xs {
			if b.contains(x) {
				c++
			}
		}
		return ratio(100*int64(c), int64(n), "n = 0")
	}
	s.AgreementPercent = band(opt.Agreement)
	s.DisagreementPercent = band(opt.Disagreement)
	s.BimodalityCoefficient = bimodalityCoefficient(xs)

	for k, v := range map[string]Num{
		"mean": s.Mean, "sd": s.SD, "cv": s.CV, "median": s.Median, "q1": s.Q1, "q3": s.Q3,
		"iqr": s.IQR, "min": s.Min, "max": s.Max, "agreement_percent": s.AgreementPercent,
		"disagreement_percent": s.DisagreementPercent, "rwg": s.RWG, "ipr": s.IPR,
		"ipras": s.IPRAS, "bimodality_coefficient": s.BimodalityCoefficient,
	} {
		und[k] = v
	}
	if !s.IPR.Valid && s.IPR.Reason != "" {
		und["rand_disagreement"] = s.IPR
	}
	s.Undefined = undefinedOf(und)
	return s
}

// moments returns the exact mean (nil if n = 0) and sample variance with
// n-1 denominator (nil if n < 2): (nΣx² - (Σx)²) / (n(n-1)).
func moments(xs []float64) (mean, variance *big.Rat) {
	n := int64(len(xs))
	if n == 0 {
		return nil, nil
	}
	var sum, sumSq *big.Rat
	const lim = 1 << 20
	small := n <= lim
	for _, x := range xs {
		if !small {
			break
		}
		small = x == math.Trunc(x) && math.Abs(x) <= lim
	}
	if small { // Σx² ≤ 2^20·2^40: fits int64
		var s, sq int64
		for _, x := range xs {
			v := int64(x)
			s += v
			sq += v * v
		}
		sum, sumSq = big.NewRat(s, 1), big.NewRat(sq, 1)
	} else {
		sum, sumSq = new(big.Rat), new(big.Rat)
		v := new(big.Rat)
		for _, x := range xs {
			v.SetFloat64(x)
			sum.Add(sum, v)
			sumSq.Add(sumSq, v.Mul(v, v))
		}
	}
	mean = new(big.Rat).Quo(sum, big.NewRat(n, 1))
	if n < 2 {
		return mean, nil
	}
	variance = new(big.Rat).Mul(sumSq, big.NewRat(n, 1))
	variance.Sub(variance, new(big.Rat).Mul(sum, sum))
	variance.Quo(variance, big.NewRat(n*(n-1), 1))
	return mean, variance
}

// modes returns every value of sorted xs that reaches the highest count.
func modes(xs []float64) []float64 {
	out := []float64{}
	best := 0
	for i := 0; i < len(xs); {
		j := i
		for j < len(xs) && xs[j] == xs[i] {
			j++
		}
		switch c := j - i; {
		case c > best:
			best, out = c, append(out[:0], xs[i])
		case c == best:
			out = append(out, xs[i])
		}
		i = j
	}
	return out
}

// isRange reports whether points are exactly lo, lo+1, …, hi.
func isRange(points []int, lo, hi int) bool {
	if len(points) != hi-lo+1 {
		return false
	}
	for i, p := range points {
		if p != lo+i {
			return false
		}
	}
	return true
}

// rwg returns 1 - s²/((A²-1)/12) truncated at 0, for A consecutive integer
// scale points.
func rwg(points []int, variance *big.Rat) Num {
	a := int64(len(points))
	switch {
	case a < 2:
		return UndefinedNum("scale has < 2 points")
	case !isRange(points, points[0], points[len(points)-1]):
		return UndefinedNum("scale points are not consecutive integers")
	case variance == nil:
		return UndefinedNum("n < 2")
	}
	r := new(big.Rat).Mul(variance, big.NewRat(12, a*a-1))
	r.Sub(big.NewRat(1, 1), r)
	if r.Sign() < 0 {
		r.SetInt64(0)
	}
	return ratNum(r)
}

// randUCLA returns IPR = P70 - P30, IPRAS = 2.35 + 1.5·|5 - (P30+P70)/2| and
// whether IPR > IPRAS, all compared exactly.
func randUCLA(xs []float64, typ int) (ipr, ipras Num, disagree *bool) {
	if len(xs) == 0 {
		return UndefinedNum("n = 0"), UndefinedNum("n = 0"), nil
	}
	p30, ok1 := quantileRat(xs, 0.3, typ)
	p70, ok2 := quantileRat(xs, 0.7, typ)
	if !ok1 || !ok2 {
		return UndefinedNum("unsupported quantile type"), UndefinedNum("unsupported quantile type"), nil
	}
	d := new(big.Rat).Sub(p70, p30)
	mid := new(big.Rat).Add(p30, p70)
	mid.Quo(mid, big.NewRat(2, 1))
	mid.Sub(big.NewRat(5, 1), mid).Abs(mid)
	as := mid.Mul(mid, big.NewRat(3, 2))
	as.Add(as, big.NewRat(235, 100))
	b := d.Cmp(as) > 0
	return ratNum(d), ratNum(as), &b
}

// Bimodal reports whether counts (answers per ordered scale point) show two
// separated modes: there is a point j, not the first or last, such that the
// largest count left of j and the largest count right of j each hold at
// least 20% of all answers, and count[j] is less than half of the smaller of
// the two. Equivalently: two local maxima, each ≥ 20% of n, with a valley
// between them below half the smaller peak. Fewer than 3 points: false.
func Bimodal(counts []int) bool {
	k := len(counts)
	if k < 3 {
		return false
	}
	n := 0
	right := make([]int, k+1) // right[j] = max counts[j:]
	for j := k - 1; j >= 0; j-- {
		c := max(counts[j], 0)
		n += c
		right[j] = max(right[j+1], c)
	}
	if n == 0 {
		return false
	}
	left := 0 // max counts[:j]
	for j := 1; j < k-1; j++ {
		left = max(left, counts[j-1])
		lo := min(left, right[j+1])
		if 5*lo >= n && 2*max(counts[j], 0) < lo {
			return true
		}
	}
	return false
}

// BimodalityCoefficient returns Sarle's b = (g² + 1) / (k + 3(n-1)²/((n-2)(n-3)))
// with the bias-corrected sample skewness g and excess kurtosis k of the
// finite values; b > 5/9 ≈ 0.555 hints at bimodality. Undefined if n < 4 or
// SD = 0.
func BimodalityCoefficient(values []float64) Num {
	xs := make([]float64, 0, len(values))
	for _, v := range values {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			xs = append(xs, v)
		}
	}
	slices.Sort(xs)
	return bimodalityCoefficient(xs)
}

// bimodalityCoefficient works on sorted xs, so the float sums do not depend
// on input order.
func bimodalityCoefficient(xs []float64) Num {
	n := float64(len(xs))
	if len(xs) < 4 {
		return UndefinedNum("n < 4")
	}
	mean, variance := moments(xs)
	if variance.Sign() == 0 {
		return UndefinedNum("sd is 0")
	}
	m, _ := mean.Float64()
	v, _ := variance.Float64()
	sd := math.Sqrt(v)
	var s3, s4 float64
	for _, x := range xs {
		z := (x - m) / sd
		s3 += z * z * z
		s4 += z * z * z * z
	}
	g := n / ((n - 1) * (n - 2)) * s3
	corr := 3 * (n - 1) * (n - 1) / ((n - 2) * (n - 3))
	k := n*(n+1)/((n-1)*(n-2)*(n-3))*s4 - corr
	return NumOf((g*g + 1) / (k + corr))
}
