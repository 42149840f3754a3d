package analysis

import (
	"fmt"
	"math/big"
	"slices"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/stats"
)

// ItemRule is one rule set's rule for one rating of an item: the item
// itself (rating, numeric) or one criterion of a multi_rating item.
type ItemRule struct {
	Set         string      // the rule set's name; delphi.PrimaryRuleSet for the primary
	Label       delphi.Text // the set's label (none for the primary)
	ItemType    string      // the item's type
	CriterionID string      // the criterion of a multi_rating item, else ""
	Rule        delphi.Rule
	Scale       delphi.Scale    // the scale of a rating or criterion
	Numeric     *delphi.Numeric // the bounds of a numeric item
}

// ItemRules returns every rule the study's rule sets give an item: the
// primary set's first, then each alternative's in the study's order; for a
// multi_rating item one entry per set and criterion, in criterion order
// within each set. A set without a rule for the item (or criterion) is
// left out; the primary always has one for ratings and criteria, and for
// numeric items when the study sets consensus_numeric. Choice, ranking and
// text items have none. The sensitivity analysis evaluates these with
// ItemRule.Evaluate.
func ItemRules(def *delphi.Definition, it delphi.Item) []ItemRule {
	var out []ItemRule
	for _, set := range def.RuleSets() {
		add := func(criterionID, scaleID string) {
			r, ok := set.For(it, criterionID)
			if !ok {
				return
			}
			ir := ItemRule{Set: set.Name, Label: set.Label, ItemType: it.Type, CriterionID: criterionID, Rule: r, Numeric: it.Numeric}
			ir.Scale, _ = def.Scale(scaleID)
			out = append(out, ir)
		}
		switch it.Type {
		case delphi.ItemRating:
			add("", it.Scale)
		case delphi.ItemMultiRating:
			for _, cr := range it.Criteria {
				add(cr.ID, cr.Scale)
			}
		case delphi.ItemNumeric:
			add("", "")
		}
	}
	return out
}

// Evaluate applies the rule to the summary s of the rating, criterion or
// numeric item it belongs to (overall or one group): Evaluate for ratings,
// EvaluateNumeric for numeric items.
func (r ItemRule) Evaluate(s stats.Summary) Consensus {
	if r.ItemType == delphi.ItemNumeric {
		return EvaluateNumeric(r.Rule, s, r.Numeric)
	}
	return Evaluate(r.Rule, s, r.Scale)
}

// EvaluateNumeric applies a rule of dispersion leaves (iqr_relative, cv,
// iqr, sd, all, any, min_n) to the summary of a numeric item: consensus in
// when it holds (the panel agrees on the estimate), else none; a numeric
// item has no consensus out. iqr_relative refers to the declared range
// num.Max − num.Min and is undefined without both.
func EvaluateNumeric(rule delphi.Rule, s stats.Summary, num *delphi.Numeric) Consensus {
	if isEmptyRule(rule) {
		return Consensus{Outcome: ConsensusNone, Reason: "no rule"}
	}
	if rule.MinN > 0 && s.N < rule.MinN {
		return Consensus{Outcome: ConsensusNone, Reason: fmt.Sprintf("min_n: n %d < %d", s.N, rule.MinN)}
	}
	e := newEvaluator(s, delphi.Scale{})
	e.num = num
	if e.num == nil {
		e.num = &delphi.Numeric{} // no bounds: iqr_relative is undefined
	}
	in, _, why := e.node(rule)
	if in {
		return Consensus{Outcome: ConsensusIn, Reason: why}
	}
	return Consensus{Outcome: ConsensusNone, Reason: why}
}

// iqrRelativeAtMost reports IQR ≤ max × width exactly, reading the IQR as
// reported and max as their shortest decimals (an IQR printed 0.9 meets
// 0.3 × 3). Undefined without a positive width.
func (e *evaluator) iqrRelativeAtMost(max float64) (bool, bool) {
	m, iqr, w := decimal(max), decimal(e.s.IQR.Value), e.width()
	if !e.s.IQR.Valid || w == nil || w.Sign() <= 0 || m == nil || iqr == nil {
		return false, false
	}
	return iqr.Cmp(new(big.Rat).Mul(m, w)) <= 0, true
}

// width is the range iqr_relative refers to: a numeric item's declared
// max − min, else the scale's last point − its first; nil when unknown.
func (e *evaluator) width() *big.Rat {
	if e.num != nil {
		if e.num.Min == nil || e.num.Max == nil {
			return nil
		}
		lo, hi := decimal(*e.num.Min), decimal(*e.num.Max)
		if lo == nil || hi == nil {
			return nil
		}
		return new(big.Rat).Sub(hi, lo)
	}
	if n := len(e.sc.Points); n >= 2 {
		return big.NewRat(int64(e.sc.Points[n-1].Value)-int64(e.sc.Points[0].Value), 1)
	}
	return nil
}

// RuleOutcome is the outcome of one alternative rule set.
type RuleOutcome struct {
	Rule string `json:"rule"` // the rule set's name
	Consensus
}

// RuleSetInfo describes one of the study's rule sets in the results: the
// set as defined plus its rules in words ("de" and "en").
type RuleSetInfo struct {
	delphi.RuleSet
	Primary      bool                         `json:"primary"`
	Text         map[string]string            `json:"text,omitempty"`          // Rule, for ratings
	CriteriaText map[string]map[string]string `json:"criteria_text,omitempty"` // per criterion id
	NumericText  map[string]string            `json:"numeric_text,omitempty"`  // Numeric
}

// RuleSetInfos describes def's rule sets, the primary first.
func RuleSetInfos(def *delphi.Definition) []RuleSetInfo {
	sets := def.RuleSets()
	out := make([]RuleSetInfo, 0, len(sets))
	langs := []string{delphi.LangDE, delphi.LangEN}
	for i, set := range sets {
		info := RuleSetInfo{RuleSet: set, Primary: i == 0}
		if set.Rule != nil {
			info.Text = map[string]string{}
			for _, l := range langs {
				info.Text[l] = RuleText(*set.Rule, def, l)
			}
		}
		if len(set.Criteria) > 0 {
			info.CriteriaText = map[string]map[string]string{}
			for id, r := range set.Criteria {
				info.CriteriaText[id] = map[string]string{}
				for _, l := range langs {
					info.CriteriaText[id][l] = CriterionRuleText(r, def, id, l)
				}
			}
		}
		if set.Numeric != nil {
			info.NumericText = map[string]string{}
			for _, l := range langs {
				info.NumericText[l] = NumericRuleText(*set.Numeric, l)
			}
		}
		out = append(out, info)
	}
	return out
}

// rulesForGroups returns rules as they apply to one expert group
// (delphi.Rule.ForGroups: group_min_n where given).
func rulesForGroups(rules []ItemRule) []ItemRule {
	out := make([]ItemRule, len(rules))
	for i, r := range rules {
		r.Rule = r.Rule.ForGroups()
		out[i] = r
	}
	return out
}

// ruleOutcomes evaluates the alternatives among rules (all but the
// primary) on s; nil when there are none.
func ruleOutcomes(rules []ItemRule, s stats.Summary) []RuleOutcome {
	var out []RuleOutcome
	for _, r := range rules {
		if r.Set != delphi.PrimaryRuleSet {
			out = append(out, RuleOutcome{Rule: r.Set, Consensus: r.Evaluate(s)})
		}
	}
	return out
}

// CriterionRuleText states a per-criterion rule (consensus_criteria) like
// RuleText, with the bands of the scales that criterion id uses.
func CriterionRuleText(rule delphi.Rule, def *delphi.Definition, criterionID, lang string) string {
	scoped := &delphi.Definition{}
	if def != nil {
		for _, it := range def.Items() {
			for _, cr := range it.Criteria {
				if sc, ok := def.Scale(cr.Scale); ok && cr.ID == criterionID && !slices.ContainsFunc(scoped.Scales, func(s delphi.Scale) bool { return s.ID == sc.ID }) {
					scoped.Scales = append(scoped.Scales, sc)
				}
			}
		}
	}
	return RuleText(rule, scoped, lang)
}

// NumericRuleText states a rule for numeric items, e.g. "Konsens über den
// Schätzwert, wenn IQR ≤ 0,1 × Spannweite (Höchst- minus Mindestwert);
// mindestens 5 gültige Antworten". lang as for RuleText.
func NumericRuleText(rule delphi.Rule, lang string) string {
	w := ruleWriter{de: lang == delphi.LangDE, numeric: true}
	if isEmptyRule(rule) {
		return w.pick("Kein Konsenskriterium festgelegt", "No consensus rule defined")
	}
	top := rule
	top.MinN = 0
	in, _ := w.text(top, false, true)
	s := w.pick("Konsens über den Schätzwert, wenn ", "Consensus on the estimate when ") + in
	if rule.MinN > 0 {
		s += w.pick(fmt.Sprintf("; mindestens %d gültige Antworten", rule.MinN), fmt.Sprintf("; at least %d valid answers", rule.MinN))
	}
	return s
}

// rangeText names the range iqr_relative multiplies.
func (w *ruleWriter) rangeText() string {
	if w.numeric {
		return w.pick(" × Spannweite (Höchst- minus Mindestwert)", " × the range (max − min)")
	}
	return w.pick(" × Spannweite der Skala", " × the scale's range")
}

// criterionRules keeps the rules of one criterion.
func criterionRules(rules []ItemRule, criterionID string) []ItemRule {
	out := make([]ItemRule, 0, len(rules))
	for _, r := range rules {
		if r.CriterionID == criterionID {
			out = append(out, r)
		}
	}
	return out
}
