package analysis

import (
	"crypto/sha256"
	"encoding/binary"
	"strconv"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/stats"
)

// The threshold sensitivity report (docs/STATISTICS.md, "Threshold
// sensitivity"): every rating and criterion of a round under a grid of
// alternative consensus rules, a bootstrap CI of its agreement percentage
// and a flag where the outcome changes near the study's threshold.
const (
	// SensitivityResamples is the number of bootstrap resamples.
	SensitivityResamples = 2000
	// SensitivityLevel is the confidence level of the bootstrap interval.
	SensitivityLevel = 0.95
	// SensitivityNear is the distance in percentage points around the
	// study's agreement threshold within which a change of outcome flags
	// an item.
	SensitivityNear = 5.0
	// BootstrapSeedPrefix starts the text whose SHA-256 seeds an item's
	// bootstrap (BootstrapSeed).
	BootstrapSeedPrefix = "expertenrunde/bootstrap/v1"
)

// SensitivityAgreement and SensitivityIQR are the grid's agreement
// thresholds (percent) and IQR limits; the grid also has "no IQR
// condition".
var (
	SensitivityAgreement = []float64{60, 65, 70, 75, 80, 85, 90}
	SensitivityIQR       = []float64{0.5, 1, 1.5}
)

// Rule kinds in a Sensitivity.
const (
	RuleGrid  = "grid"  // a point of the grid
	RuleExtra = "extra" // a named rule passed in (ExtraRules)
)

// NamedRule is an alternative consensus rule with an id, e.g. one of the
// study's named alternatives.
type NamedRule struct {
	ID   string      `json:"id"`
	Rule delphi.Rule `json:"rule"`
}

// ExtraRules returns the named alternative rules of a study that the
// sensitivity report evaluates besides the grid: the rating rule of each
// alternative rule set (consensus_alternatives), in the study's order,
// with the set's name as its id. A set's per-criterion and numeric rules
// are not in the report: like the grid, it applies one rule to every
// rating and criterion.
func ExtraRules(def *delphi.Definition) []NamedRule {
	var out []NamedRule
	for _, set := range def.RuleSets() {
		if set.Name != delphi.PrimaryRuleSet && set.Rule != nil {
			out = append(out, NamedRule{ID: set.Name, Rule: *set.Rule})
		}
	}
	return out
}

// GridPoint is where a grid rule sits: agreement ≥ AgreementPercent, IQR ≤
// IQRMax (nil: no IQR condition) and at least MinN valid answers.
type GridPoint struct {
	AgreementPercent float64  `json:"agreement_percent"`
	IQRMax           *float64 `json:"iqr_max"`
	MinN             int      `json:"min_n"`
}

// SensitivityRule is one rule of the report.
type SensitivityRule struct {
	ID   string      `json:"id"`   // e.g. "a75_iqr1_n5"; for extras their own id
	Kind string      `json:"kind"` // RuleGrid or RuleExtra
	Grid *GridPoint  `json:"grid,omitempty"`
	Rule delphi.Rule `json:"rule"`
}

// BootstrapSpec says how the intervals were drawn, so they can be redrawn.
type BootstrapSpec struct {
	Resamples int     `json:"resamples"`
	Level     float64 `json:"level"`
	PRNG      string  `json:"prng"` // "splitmix64"
	// Seed describes the derivation of each item's seed.
	Seed string `json:"seed"`
}

// Sensitivity is the threshold sensitivity report of one round.
type Sensitivity struct {
	SurveyID   string    `json:"survey_id"`
	Round      int       `json:"round"`
	Live       bool      `json:"live"`
	ComputedAt time.Time `json:"computed_at"`
	// ConsensusRule is the rule the round's results were computed with.
	ConsensusRule delphi.Rule       `json:"consensus_rule"`
	RuleText      map[string]string `json:"rule_text"`
	// ThresholdPercent is the rule's agreement threshold (the first
	// agreement or COMET min_percent, depth first); null when the rule has
	// none, and then no item is flagged.
	ThresholdPercent stats.Num `json:"threshold_percent"`
	// NearPercent is the distance around the threshold that flags a change.
	NearPercent float64 `json:"near_percent"`
	// MinN is the rule's min_n (0: none); MinNGrid its values in the grid:
	// MinN, and MinN·0.5 and MinN·1.5 rounded half up, distinct, ascending.
	MinN      int               `json:"min_n"`
	MinNGrid  []int             `json:"min_n_grid"`
	Bootstrap BootstrapSpec     `json:"bootstrap"`
	Rules     []SensitivityRule `json:"rules"`
	Items     []SensitivityItem `json:"items"`
}

// SensitivityItem is one rating item, or one criterion of a multi_rating
// item, under every rule.
type SensitivityItem struct {
	ItemID      string `json:"item_id"`
	CriterionID string `json:"criterion_id,omitempty"`
	Position    int    `json:"position"`
	N           int    `json:"n"`
	// AgreementCount is the number of ratings in the agreement band.
	AgreementCount int `json:"agreement_count"`
	// AgreementPercent is the point estimate; CI its bootstrap interval,
	// drawn with Seed (hex, BootstrapSeed).
	AgreementPercent stats.Num         `json:"agreement_percent"`
	CI               stats.BootstrapCI `json:"ci"`
	Seed             string            `json:"seed"`
	// Outcome is the outcome under the study's rule; Outcomes under
	// Sensitivity.Rules, in their order, and Counts tallies them.
	Outcome  string         `json:"outcome"`
	Outcomes []string       `json:"outcomes"`
	Counts   map[string]int `json:"counts"` // consensus_in, consensus_out, none
	// OutcomeMinus and OutcomePlus are the outcomes under the study's rule
	// with its agreement thresholds lowered and raised by NearPercent
	// (clamped to 0–100); "" without a threshold. NearThreshold is set
	// when either differs from Outcome.
	OutcomeMinus  string `json:"outcome_minus"`
	OutcomePlus   string `json:"outcome_plus"`
	NearThreshold bool   `json:"near_threshold"`
}

// SensitivityInput is what SensitivityOf needs.
type SensitivityInput struct {
	Def     *delphi.Definition // for the scales
	Items   []delphi.Item      // the round's items (their scales); the definition's when missing
	Results *RoundResults
	Extra   []NamedRule // evaluated after the grid, e.g. ExtraRules(Def)
}

// SensitivityOf computes the report from a round's results. It is pure and
// deterministic: the same results give the same report, bootstrap included.
func SensitivityOf(in SensitivityInput) *Sensitivity {
	res := in.Results
	rule := res.ConsensusRule
	out := &Sensitivity{
		SurveyID: res.SurveyID, Round: res.Round, Live: res.Live, ComputedAt: res.ComputedAt,
		ConsensusRule: rule, RuleText: res.RuleText, NearPercent: SensitivityNear,
		MinN: rule.MinN, MinNGrid: minNGrid(rule.MinN),
		Bootstrap: BootstrapSpec{Resamples: SensitivityResamples, Level: SensitivityLevel, PRNG: "splitmix64",
			Seed: "first 8 bytes, big-endian, of SHA-256(\"" + BootstrapSeedPrefix + "\" NUL survey_id NUL round NUL item_id NUL criterion_id)"},
		Items: []SensitivityItem{},
	}
	threshold, hasThreshold := firstThreshold(rule)
	out.ThresholdPercent = stats.UndefinedNum("the rule has no agreement threshold")
	if hasThreshold {
		out.ThresholdPercent = stats.NumOf(threshold)
	}
	out.Rules = sensitivityRules(out.MinNGrid, in.Extra)
	// The near-threshold check shifts each row's own primary rule: a
	// criterion with a rule of its own (consensus_criteria) was decided
	// by that rule, not by the study's.
	rowRule := func(criterionID string) delphi.Rule {
		if in.Def != nil && criterionID != "" {
			if r, ok := in.Def.ConsensusCriteria[criterionID]; ok {
				return r
			}
		}
		return rule
	}

	items := map[string]delphi.Item{}
	for _, it := range in.Items {
		items[it.ID] = it
	}
	scaleOf := func(itemID, criterionID string) delphi.Scale {
		it, ok := items[itemID]
		if !ok && in.Def != nil {
			it, _ = in.Def.Item(itemID)
		}
		id := it.Scale
		for _, c := range it.Criteria {
			if c.ID == criterionID {
				id = c.Scale
			}
		}
		var sc delphi.Scale
		if in.Def != nil {
			sc, _ = in.Def.Scale(id)
		}
		return sc
	}
	add := func(ir *ItemResult, criterionID string, rr *RatingResult) {
		s := rr.Overall
		sc := scaleOf(ir.ItemID, criterionID)
		seed := BootstrapSeed(res.SurveyID, res.Round, ir.ItemID, criterionID)
		k := newEvaluator(s, sc).bandCount(sc.Agreement)
		si := SensitivityItem{
			ItemID: ir.ItemID, CriterionID: criterionID, Position: ir.Position, N: s.N, AgreementCount: k,
			AgreementPercent: s.AgreementPercent,
			CI:               stats.BootstrapPercentCI(k, s.N, SensitivityResamples, SensitivityLevel, seed),
			Seed:             strconv.FormatUint(seed, 16),
			Outcome:          rr.Consensus.Outcome,
			Outcomes:         make([]string, len(out.Rules)),
			Counts:           map[string]int{ConsensusIn: 0, ConsensusOut: 0, ConsensusNone: 0},
		}
		if !si.AgreementPercent.Valid {
			si.AgreementPercent = stats.UndefinedNum("n = 0")
		}
		for i, r := range out.Rules {
			o := Evaluate(r.Rule, s, sc).Outcome
			si.Outcomes[i] = o
			si.Counts[o]++
		}
		if own := rowRule(criterionID); hasOwnThreshold(own) {
			si.OutcomeMinus = Evaluate(shiftThresholds(own, -SensitivityNear), s, sc).Outcome
			si.OutcomePlus = Evaluate(shiftThresholds(own, SensitivityNear), s, sc).Outcome
			si.NearThreshold = si.OutcomeMinus != si.Outcome || si.OutcomePlus != si.Outcome
		}
		out.Items = append(out.Items, si)
	}
	for i := range res.Items {
		ir := &res.Items[i]
		switch {
		case ir.Rating != nil:
			add(ir, "", ir.Rating)
		case len(ir.Criteria) > 0:
			for j := range ir.Criteria {
				add(ir, ir.Criteria[j].CriterionID, &ir.Criteria[j].RatingResult)
			}
		}
	}
	return out
}

// hasOwnThreshold reports whether r has an agreement threshold to shift.
func hasOwnThreshold(r delphi.Rule) bool {
	_, ok := firstThreshold(r)
	return ok
}

// BootstrapSeed returns the seed of one item's (or criterion's) bootstrap:
// the first 8 bytes, big-endian, of the SHA-256 of BootstrapSeedPrefix,
// survey id, round number (decimal), item id and criterion id ("" for a
// rating item), separated by NUL bytes.
func BootstrapSeed(surveyID string, round int, itemID, criterionID string) uint64 {
	h := sha256.New()
	for i, p := range []string{BootstrapSeedPrefix, surveyID, strconv.Itoa(round), itemID, criterionID} {
		if i > 0 {
			h.Write([]byte{0})
		}
		h.Write([]byte(p))
	}
	return binary.BigEndian.Uint64(h.Sum(nil)[:8])
}

// minNGrid returns k, round(k/2) and round(3k/2), halves rounded up,
// distinct and ascending; [0] without a min_n.
func minNGrid(k int) []int {
	if k <= 0 {
		return []int{0}
	}
	lo, hi := (k+1)/2, (3*k+1)/2
	out := []int{lo}
	for _, v := range []int{k, hi} {
		if v != out[len(out)-1] {
			out = append(out, v)
		}
	}
	return out
}

// sensitivityRules builds the grid, min_n outermost, then the IQR limit
// (none first), then the agreement threshold; then the extra rules.
func sensitivityRules(minN []int, extra []NamedRule) []SensitivityRule {
	iqrs := append([]*float64{nil}, ptrs(SensitivityIQR)...)
	var out []SensitivityRule
	for _, k := range minN {
		for _, m := range iqrs {
			for _, t := range SensitivityAgreement {
				agree := delphi.Rule{Agreement: &delphi.AgreementRule{MinPercent: t}}
				id := "a" + fmtNum(t)
				r := agree
				if m != nil {
					r = delphi.Rule{All: []delphi.Rule{agree, {IQR: &delphi.MaxRule{Max: *m}}}}
					id += "_iqr" + fmtNum(*m)
				}
				r.MinN = k
				if k > 0 {
					id += "_n" + strconv.Itoa(k)
				}
				out = append(out, SensitivityRule{ID: id, Kind: RuleGrid, Grid: &GridPoint{AgreementPercent: t, IQRMax: m, MinN: k}, Rule: r})
			}
		}
	}
	for _, e := range extra {
		out = append(out, SensitivityRule{ID: e.ID, Kind: RuleExtra, Rule: e.Rule})
	}
	return out
}

func ptrs(xs []float64) []*float64 {
	out := make([]*float64, len(xs))
	for i := range xs {
		out[i] = &xs[i]
	}
	return out
}

func fmtNum(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// firstThreshold returns the first agreement or COMET min_percent of r,
// depth first.
func firstThreshold(r delphi.Rule) (float64, bool) {
	switch {
	case r.Agreement != nil:
		return r.Agreement.MinPercent, true
	case r.COMET != nil:
		return r.COMET.MinPercent, true
	}
	for _, k := range append(append([]delphi.Rule{}, r.All...), r.Any...) {
		if t, ok := firstThreshold(k); ok {
			return t, true
		}
	}
	return 0, false
}

// shiftThresholds returns a copy of r with every agreement and COMET
// min_percent moved by d and clamped to 0–100; r is not changed.
func shiftThresholds(r delphi.Rule, d float64) delphi.Rule {
	shift := func(t float64) float64 { return min(max(t+d, 0), 100) }
	out := r
	if r.Agreement != nil {
		a := *r.Agreement
		a.MinPercent = shift(a.MinPercent)
		out.Agreement = &a
	}
	if r.COMET != nil {
		c := *r.COMET
		c.MinPercent = shift(c.MinPercent)
		out.COMET = &c
	}
	if r.All != nil {
		out.All = make([]delphi.Rule, len(r.All))
		for i, k := range r.All {
			out.All[i] = shiftThresholds(k, d)
		}
	}
	if r.Any != nil {
		out.Any = make([]delphi.Rule, len(r.Any))
		for i, k := range r.Any {
			out.Any[i] = shiftThresholds(k, d)
		}
	}
	return out
}
