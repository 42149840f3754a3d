package stats

import (
	"cmp"
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
	buf := borrowFloats(len(values))
	xs := *buf
	defer func() { giveBack(buf, xs) }()
	invalid := 0
	for _, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			invalid++
			continue
		}
		xs = append(xs, v)
	}
	sortFloats(xs)
	n := len(xs)
	typ := opt.QuantileType
	if typ == 0 {
		typ = Type7
	}
	s := Summary{N: n, Abstentions: max(abstentions, 0), Invalid: invalid, QuantileType: typ, Modes: modes(xs)}
	// Moments, exact.
	mo := moments(xs)
	switch {
	case n == 0:
		s.Mean, s.Min, s.Max = UndefinedNum("n = 0"), UndefinedNum("n = 0"), UndefinedNum("n = 0")
	default:
		s.Mean, s.Min, s.Max = NumOf(mo.meanFloat()), NumOf(xs[0]), NumOf(xs[n-1])
	}
	if !mo.hasVariance() {
		s.SD = UndefinedNum("n < 2")
		s.CV = UndefinedNum("n < 2")
	} else {
		s.SD = NumOf(math.Sqrt(mo.varFloat()))
		if mo.meanSign() == 0 {
			s.CV = UndefinedNum("mean is 0")
		} else {
			s.CV = NumOf(s.SD.Value / s.Mean.Value)
		}
	}

	// Quantiles, exact.
	_, s.Median = quantile(xs, 0.5, typ)
	r1, q1 := quantile(xs, 0.25, typ)
	r3, q3 := quantile(xs, 0.75, typ)
	s.Q1, s.Q3 = q1, q3
	if r1.defined() && r3.defined() {
		s.IQR = r3.minus(r1)
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
		s.Bimodal = Bimodal(counts)
		s.RWG = rwg(points, mo)
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
	s.BimodalityCoefficient = bimodalityCoefficient(xs, mo)

	fields := []field{
		{"mean", s.Mean}, {"sd", s.SD}, {"cv", s.CV}, {"median", s.Median}, {"q1", s.Q1}, {"q3", s.Q3},
		{"iqr", s.IQR}, {"min", s.Min}, {"max", s.Max}, {"agreement_percent", s.AgreementPercent},
		{"disagreement_percent", s.DisagreementPercent}, {"rwg", s.RWG}, {"ipr", s.IPR},
		{"ipras", s.IPRAS}, {"bimodality_coefficient", s.BimodalityCoefficient},
	}
	if n == 0 && len(points) > 0 {
		fields = append(fields, field{"distribution.percent", UndefinedNum("n = 0")})
	}
	if !s.IPR.Valid && s.IPR.Reason != "" {
		fields = append(fields, field{"rand_disagreement", s.IPR})
	}
	s.Undefined = undefinedFields(fields)
	return s
}

// mom holds the exact mean and sample variance (n-1 denominator) of some
// values: as int64 sums when every value is an integer of magnitude ≤ 2¹⁰
// and n ≤ 2¹⁶ (ratings: every number formed below stays under 2⁵³), else as
// big.Rat.
type mom struct {
	n        int64
	small    bool
	s, sq    int64    // Σx, Σx² (small)
	mean, vr *big.Rat // (not small) nil when n = 0, n < 2
}

// moments returns the exact moments of xs: mean Σx/n, and the variance
// (nΣx² - (Σx)²) / (n(n-1)).
func moments(xs []float64) mom {
	m := mom{n: int64(len(xs))}
	if m.n == 0 {
		return m
	}
	m.small = m.n <= 1<<16
	for _, x := range xs {
		if !m.small {
			break
		}
		m.small = x == math.Trunc(x) && math.Abs(x) <= 1<<10
	}
	if m.small {
		for _, x := range xs {
			v := int64(x)
			m.s += v
			m.sq += v * v
		}
		return m
	}
	sum, sumSq := new(big.Rat), new(big.Rat)
	v := new(big.Rat)
	for _, x := range xs {
		v.SetFloat64(x)
		sum.Add(sum, v)
		sumSq.Add(sumSq, v.Mul(v, v))
	}
	m.mean = new(big.Rat).Quo(sum, big.NewRat(m.n, 1))
	if m.n < 2 {
		return m
	}
	m.vr = new(big.Rat).Mul(sumSq, big.NewRat(m.n, 1))
	m.vr.Sub(m.vr, new(big.Rat).Mul(sum, sum))
	m.vr.Quo(m.vr, big.NewRat(m.n*(m.n-1), 1))
	return m
}

// hasVariance reports n ≥ 2.
func (m mom) hasVariance() bool { return m.n >= 2 }

// meanFloat is the mean rounded once to float64 (n > 0).
func (m mom) meanFloat() float64 {
	if m.small {
		return float64(m.s) / float64(m.n)
	}
	f, _ := m.mean.Float64()
	return f
}

func (m mom) meanSign() int {
	if m.small {
		return cmp.Compare(m.s, 0)
	}
	return m.mean.Sign()
}

// varFrac is the variance as num/den (small, n ≥ 2).
func (m mom) varFrac() (num, den int64) { return m.n*m.sq - m.s*m.s, m.n * (m.n - 1) }

// varFloat is the variance rounded once to float64 (n ≥ 2).
func (m mom) varFloat() float64 {
	if m.small {
		num, den := m.varFrac()
		return float64(num) / float64(den)
	}
	f, _ := m.vr.Float64()
	return f
}

func (m mom) varSign() int {
	if m.small {
		num, _ := m.varFrac()
		return cmp.Compare(num, 0)
	}
	return m.vr.Sign()
}

// varRat is the variance as a big.Rat (n ≥ 2).
func (m mom) varRat() *big.Rat {
	if m.small {
		return big.NewRat(m.varFrac())
	}
	return m.vr
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
func rwg(points []int, m mom) Num {
	a := int64(len(points))
	switch {
	case a < 2:
		return UndefinedNum("scale has < 2 points")
	case !isRange(points, points[0], points[len(points)-1]):
		return UndefinedNum("scale points are not consecutive integers")
	case !m.hasVariance():
		return UndefinedNum("n < 2")
	}
	if m.small && a <= 1<<10 { // 1 - 12·num/(den·(A²-1)), every term < 2⁵³
		num, den := m.varFrac()
		d := den * (a*a - 1)
		return fracNum(max(d-12*num, 0), d)
	}
	r := new(big.Rat).Mul(m.varRat(), big.NewRat(12, a*a-1))
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
	p30, _ := quantile(xs, 0.3, typ)
	p70, _ := quantile(xs, 0.7, typ)
	if !p30.defined() || !p70.defined() {
		return UndefinedNum("unsupported quantile type"), UndefinedNum("unsupported quantile type"), nil
	}
	if p30.fast && p70.fast && p30.den == p70.den { // P30 = A/D, P70 = B/D: all over 400D
		a, b, d := p30.num, p70.num, p30.den
		mid := 10*d - a - b
		as := 300*max(mid, -mid) + 940*d
		out := 400*(b-a) > as
		return fracNum(b-a, d), fracNum(as, 400*d), &out
	}
	lo, hi := p30.rat(), p70.rat()
	d := new(big.Rat).Sub(hi, lo)
	mid := new(big.Rat).Add(lo, hi)
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
	return bimodalityCoefficient(xs, moments(xs))
}

// bimodalityCoefficient works on sorted xs, so the float sums do not depend
// on input order.
func bimodalityCoefficient(xs []float64, mo mom) Num {
	n := float64(len(xs))
	if len(xs) < 4 {
		return UndefinedNum("n < 4")
	}
	if mo.varSign() == 0 {
		return UndefinedNum("sd is 0")
	}
	m, v := mo.meanFloat(), mo.varFloat()
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
