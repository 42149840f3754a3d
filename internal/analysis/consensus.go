package analysis

import (
	"cmp"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/stats"
)

// Consensus outcomes.
const (
	ConsensusIn   = "consensus_in"  // agree / include
	ConsensusOut  = "consensus_out" // reject / exclude
	ConsensusNone = "none"          // no consensus
)

// Consensus is the outcome of a consensus rule on one rating (or one
// criterion of a multi_rating item), overall or in one expert group.
type Consensus struct {
	Outcome string `json:"outcome"` // ConsensusIn, ConsensusOut or ConsensusNone
	// Reason says why, for machines and for the curious researcher, e.g.
	// "all(agreement=in, iqr=held)" or "min_n: n 4 < 5". See docs/ANALYSIS.md.
	Reason string `json:"reason"`
}

// Evaluate applies rule to the summary s of one rating (or criterion) on
// scale sc. s must come from stats.Describe with sc's points and bands.
//
// Each node yields two truth values, "in" and "out":
//   - agreement {min_percent t}: in ⇔ share in sc.Agreement ≥ t; out ⇔ share
//     in sc.Disagreement ≥ t (never out without a disagreement band);
//   - iqr / sd / cv {max}: the dispersion condition, direction-neutral: it
//     sets in and out alike. cv needs a positive mean;
//   - comet: in ⇔ ≥ min_percent in in_band and < max_opposite_percent in
//     out_band; out the other way round;
//   - all: in (out) ⇔ every child in (out); any: at least one;
//   - min_n at any node: when n < min_n the node is neither in nor out.
//
// Shares are counted exactly on the distribution (100·count ≥ t·n with t
// read as its shortest decimal). An undefined statistic (e.g. SD with n = 1,
// anything with n = 0) makes its leaf false.
//
// The outcome is in when only in holds, out when only out holds and none
// when neither does. When both hold, as they always do for a rule made only
// of dispersion leaves, the median decides: in the agreement band → in, in
// the disagreement band → out, else none.
func Evaluate(rule delphi.Rule, s stats.Summary, sc delphi.Scale) Consensus {
	if isEmptyRule(rule) {
		return Consensus{Outcome: ConsensusNone, Reason: "no rule"}
	}
	if rule.MinN > 0 && s.N < rule.MinN {
		return Consensus{Outcome: ConsensusNone, Reason: fmt.Sprintf("min_n: n %d < %d", s.N, rule.MinN)}
	}
	e := newEvaluator(s, sc)
	in, out, why := e.node(rule)
	switch {
	case in && out:
		outcome, med := e.byMedian()
		return Consensus{Outcome: outcome, Reason: why + "; " + med}
	case in:
		return Consensus{Outcome: ConsensusIn, Reason: why}
	case out:
		return Consensus{Outcome: ConsensusOut, Reason: why}
	}
	return Consensus{Outcome: ConsensusNone, Reason: why}
}

func isEmptyRule(r delphi.Rule) bool {
	return len(r.All) == 0 && len(r.Any) == 0 && r.Agreement == nil && r.IQR == nil &&
		r.SD == nil && r.CV == nil && r.COMET == nil && r.IQRRelative == nil
}

// evaluator holds the exact facts of one summary.
type evaluator struct {
	s      stats.Summary
	sc     delphi.Scale
	counts []stats.Point
	// sum, sumSq over the distribution; complete when it covers all n values.
	sum, sumSq int64
	complete   bool
	// num holds the declared bounds of a numeric item (EvaluateNumeric);
	// iqr_relative refers to them, else to the scale's range.
	num *delphi.Numeric
}

func newEvaluator(s stats.Summary, sc delphi.Scale) *evaluator {
	e := &evaluator{s: s, sc: sc, counts: s.Distribution}
	total := 0
	for _, p := range s.Distribution {
		total += p.Count
		v := int64(p.Value)
		e.sum += int64(p.Count) * v
		e.sumSq += int64(p.Count) * v * v
	}
	e.complete = total == s.N && s.OffScale == 0 && s.Invalid == 0
	return e
}

// bandCount counts the valid answers on the points of b.
func (e *evaluator) bandCount(b delphi.Band) int {
	c := 0
	for _, p := range e.counts {
		if p.Value >= b.Min && p.Value <= b.Max {
			c += p.Count
		}
	}
	return c
}

// decimal returns x as its shortest decimal, nil if x is not finite.
func decimal(x float64) *big.Rat {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	r, _ := new(big.Rat).SetString(strconv.FormatFloat(x, 'g', -1, 64))
	return r
}

// cmpPercent compares 100·c/n with t exactly: -1, 0 or 1. n must be > 0.
func cmpPercent(c, n int, t float64) (int, bool) {
	if num, den, ok := stats.DecimalFrac(t); ok && num >= -1<<32 && num <= 1<<32 && n > 0 && n <= 1<<20 && c >= 0 && c <= n {
		// 100·c·den and num·n stay below 2⁵³.
		lhs, rhs := 100*int64(c)*den, num*int64(n)
		return cmp.Compare(lhs, rhs), true
	}
	tr := decimal(t)
	if tr == nil || n <= 0 {
		return 0, false
	}
	lhs := big.NewRat(100*int64(c), 1)
	rhs := new(big.Rat).Mul(tr, big.NewRat(int64(n), 1))
	return lhs.Cmp(rhs), true
}

func atLeast(c, n int, t float64) bool {
	r, ok := cmpPercent(c, n, t)
	return ok && r >= 0
}

func below(c, n int, t float64) bool {
	r, ok := cmpPercent(c, n, t)
	return ok && r < 0
}

// variance returns the exact sample variance from the distribution, nil
// when the distribution does not cover every value or n < 2.
func (e *evaluator) variance() *big.Rat {
	n := int64(e.s.N)
	if !e.complete || n < 2 {
		return nil
	}
	v := new(big.Rat).SetFrac64(n*e.sumSq-e.sum*e.sum, n*(n-1))
	return v
}

// sdAtMost reports SD ≤ max, exactly (variance ≤ max²) where the
// distribution allows, else on the reported float.
func (e *evaluator) sdAtMost(max float64) (bool, bool) {
	if !e.s.SD.Valid {
		return false, false
	}
	m := decimal(max)
	if m == nil {
		return false, false
	}
	if v := e.variance(); v != nil {
		if m.Sign() < 0 {
			return false, true
		}
		return v.Cmp(new(big.Rat).Mul(m, m)) <= 0, true
	}
	return e.s.SD.Value <= max, true
}

// cvAtMost reports CV ≤ max for a positive mean (SD ≤ max·mean), exactly
// where the distribution allows. A mean ≤ 0 makes CV meaningless here: false.
func (e *evaluator) cvAtMost(max float64) (bool, bool) {
	if !e.s.CV.Valid || !e.s.Mean.Valid || e.s.Mean.Value <= 0 {
		return false, false
	}
	m := decimal(max)
	if m == nil {
		return false, false
	}
	if v := e.variance(); v != nil && e.sum > 0 {
		if m.Sign() < 0 {
			return false, true
		}
		mean := big.NewRat(e.sum, int64(e.s.N))
		lim := new(big.Rat).Mul(m, mean)
		return v.Cmp(lim.Mul(lim, lim)) <= 0, true
	}
	return e.s.CV.Value <= max, true
}

func (e *evaluator) iqrAtMost(max float64) (bool, bool) {
	if !e.s.IQR.Valid {
		return false, false
	}
	m := decimal(max)
	if m == nil {
		return false, false
	}
	// The IQR of integer ratings is usually a multiple of 1/4: compared
	// in integers then, else as the exact value of the float.
	if x4 := e.s.IQR.Value * 4; x4 == math.Trunc(x4) && math.Abs(x4) <= 1<<30 {
		if num, den, ok := stats.DecimalFrac(max); ok {
			return int64(x4)*den <= num*4, true
		}
	}
	return new(big.Rat).SetFloat64(e.s.IQR.Value).Cmp(m) <= 0, true
}

// node evaluates r and describes the leaves.
func (e *evaluator) node(r delphi.Rule) (in, out bool, why string) {
	if r.MinN > 0 && e.s.N < r.MinN {
		return false, false, fmt.Sprintf("min_n(n %d < %d)", e.s.N, r.MinN)
	}
	n := e.s.N
	switch {
	case len(r.All) > 0 || len(r.Any) > 0:
		all := len(r.All) > 0
		kids := r.All
		name := "all"
		if !all {
			kids, name = r.Any, "any"
		}
		in, out = all, all
		parts := make([]string, len(kids))
		for i, k := range kids {
			ki, ko, kw := e.node(k)
			parts[i] = kw
			if all {
				in, out = in && ki, out && ko
			} else {
				in, out = in || ki, out || ko
			}
		}
		return in, out, name + "(" + strings.Join(parts, ", ") + ")"
	case r.Agreement != nil:
		if n == 0 {
			return false, false, "agreement=undefined"
		}
		t := r.Agreement.MinPercent
		in = atLeast(e.bandCount(e.sc.Agreement), n, t)
		if d := e.sc.Disagreement; d != nil {
			out = atLeast(e.bandCount(*d), n, t)
		}
		return in, out, "agreement=" + direction(in, out)
	case r.COMET != nil:
		if n == 0 {
			return false, false, "comet=undefined"
		}
		c := r.COMET
		ci, co := e.bandCount(c.InBand), e.bandCount(c.OutBand)
		in = atLeast(ci, n, c.MinPercent) && below(co, n, c.MaxOppositePercent)
		out = atLeast(co, n, c.MinPercent) && below(ci, n, c.MaxOppositePercent)
		return in, out, "comet=" + direction(in, out)
	case r.IQR != nil:
		ok, def := e.iqrAtMost(r.IQR.Max)
		return ok, ok, "iqr=" + held(ok, def)
	case r.SD != nil:
		ok, def := e.sdAtMost(r.SD.Max)
		return ok, ok, "sd=" + held(ok, def)
	case r.CV != nil:
		ok, def := e.cvAtMost(r.CV.Max)
		return ok, ok, "cv=" + held(ok, def)
	case r.IQRRelative != nil:
		ok, def := e.iqrRelativeAtMost(r.IQRRelative.Max)
		return ok, ok, "iqr_relative=" + held(ok, def)
	}
	return false, false, "empty"
}

func direction(in, out bool) string {
	switch {
	case in && out:
		return "in+out"
	case in:
		return "in"
	case out:
		return "out"
	}
	return "no"
}

func held(ok, defined bool) string {
	switch {
	case !defined:
		return "undefined"
	case ok:
		return "held"
	}
	return "no"
}

// byMedian decides the direction of a rule that holds both ways.
func (e *evaluator) byMedian() (string, string) {
	m := e.s.Median
	if !m.Valid {
		return ConsensusNone, "median undefined"
	}
	ms := strconv.FormatFloat(m.Value, 'g', -1, 64)
	switch {
	case e.sc.Agreement.Contains(m.Value):
		return ConsensusIn, "median " + ms + " in agreement band"
	case e.sc.Disagreement != nil && e.sc.Disagreement.Contains(m.Value):
		return ConsensusOut, "median " + ms + " in disagreement band"
	}
	return ConsensusNone, "median " + ms + " in neither band"
}
