package delphi

// Named consensus rules: the study's primary rule set (what it reports)
// and any number of alternatives, shown beside it and used by the
// sensitivity analysis. See docs/STUDY-FORMAT.md ("Alternative rules").

// PrimaryRuleSet is the name of the primary rule set: consensus,
// consensus_criteria and consensus_numeric of the definition.
const PrimaryRuleSet = "primary"

// RuleSet is one named set of consensus rules: Rule for ratings and for
// the criteria of multi_rating items that Criteria does not name, Criteria
// per criterion id (in every multi_rating item that has it), Numeric for
// numeric items. A part left out gives no outcome under this set.
type RuleSet struct {
	Name     string          `json:"name" yaml:"name"`
	Label    Text            `json:"label,omitempty" yaml:"label,omitempty"`
	Rule     *Rule           `json:"rule,omitempty" yaml:"rule,omitempty"`
	Criteria map[string]Rule `json:"criteria,omitempty" yaml:"criteria,omitempty"`
	Numeric  *Rule           `json:"numeric,omitempty" yaml:"numeric,omitempty"`
}

// RuleSets returns the study's rule sets, the primary first (named
// PrimaryRuleSet, its Rule always set), then the alternatives in their order.
func (d *Definition) RuleSets() []RuleSet {
	primary := d.Consensus
	sets := make([]RuleSet, 0, 1+len(d.ConsensusAlternatives))
	sets = append(sets, RuleSet{Name: PrimaryRuleSet, Rule: &primary, Criteria: d.ConsensusCriteria, Numeric: d.ConsensusNumeric})
	return append(sets, d.ConsensusAlternatives...)
}

// For returns the set's rule for an item: for a rating its Rule, for the
// criterion criterionID of a multi_rating item Criteria[criterionID] or
// else Rule, for a numeric item Numeric. ok is false when the set has no
// rule for it (and for other item types).
func (s RuleSet) For(it Item, criterionID string) (Rule, bool) {
	var r *Rule
	switch it.Type {
	case ItemRating:
		r = s.Rule
	case ItemMultiRating:
		if c, ok := s.Criteria[criterionID]; ok {
			return c, true
		}
		r = s.Rule
	case ItemNumeric:
		r = s.Numeric
	}
	if r == nil {
		return Rule{}, false
	}
	return *r, true
}
