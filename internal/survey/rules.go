package survey

import (
	"fmt"
	"slices"
	"strings"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// ruleSets checks the primary rule's per-criterion and numeric parts and
// the alternative rule sets (consensus_criteria, consensus_numeric,
// consensus_alternatives); rated lists the scales rated items use.
func (c *checker) ruleSets(rated []string) {
	d := c.d
	criteria := map[string][]string{} // criterion id -> the scales it uses
	var numeric []delphi.Item
	for _, it := range d.Items() {
		switch it.Type {
		case delphi.ItemMultiRating:
			for _, cr := range it.Criteria {
				if cr.ID == "" {
					continue
				}
				scales := criteria[cr.ID]
				if _, ok := c.scales[cr.Scale]; ok && !slices.Contains(scales, cr.Scale) {
					scales = append(scales, cr.Scale)
				}
				criteria[cr.ID] = append([]string{}, scales...)
			}
		case delphi.ItemNumeric:
			numeric = append(numeric, it)
		}
	}
	c.criteriaRules(path("consensus_criteria"), d.ConsensusCriteria, criteria)
	if d.ConsensusNumeric != nil {
		c.numericRule(path("consensus_numeric"), *d.ConsensusNumeric, numeric)
	}
	seen := map[string][]string{}
	for i, s := range d.ConsensusAlternatives {
		p := path("consensus_alternatives", i)
		switch first, dup := seen[s.Name]; {
		case s.Name == delphi.PrimaryRuleSet:
			c.add(path(p, "name"), "the name %q is the study's own rule (consensus); give the alternative another name", s.Name)
		case dup:
			c.add(path(p, "name"), "duplicate alternative name %q (first used at line %d)", s.Name, c.t.at(first).line)
		case s.Name != "":
			seen[s.Name] = path(p, "name")
		}
		if s.Rule == nil && s.Criteria == nil && s.Numeric == nil && c.present(p) {
			c.add(p, "alternative %q has no rule: give rule (for ratings), criteria or numeric", s.Name)
		}
		c.text(s.Label, p, "label")
		if s.Rule != nil {
			c.rule(path(p, "rule"), *s.Rule, rated)
		}
		c.criteriaRules(path(p, "criteria"), s.Criteria, criteria)
		if s.Numeric != nil {
			c.numericRule(path(p, "numeric"), *s.Numeric, numeric)
		}
	}
}

// criteriaRules checks rules keyed by criterion id: each id must be a
// criterion of a multi_rating item, and COMET bands points of its scales.
func (c *checker) criteriaRules(p []string, rules map[string]delphi.Rule, criteria map[string][]string) {
	ids := make([]string, 0, len(rules))
	for id := range rules {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	known := make([]string, 0, len(criteria))
	for id := range criteria {
		known = append(known, id)
	}
	slices.Sort(known)
	for _, id := range ids {
		if scales, ok := criteria[id]; ok {
			c.rule(path(p, id), rules[id], scales)
			continue
		}
		msg := fmt.Sprintf("criterion %q is not a criterion of any multi_rating item", id)
		switch s := suggest(id, known); {
		case s != "":
			msg += fmt.Sprintf("; did you mean %q?", s)
		case len(known) == 0:
			msg += "; the study has no multi_rating items"
		default:
			msg += "; criteria: " + strings.Join(known, ", ")
		}
		c.addKey(path(p, id), c.t.field(path(p, id)), "%s", msg)
	}
}

// numericRule checks a rule for numeric items: it may use dispersion only
// (there is no scale, so no agreement band), and iqr_relative needs every
// numeric item's declared range.
func (c *checker) numericRule(p []string, r delphi.Rule, items []delphi.Item) {
	if len(items) == 0 && c.present(p) {
		c.addKey(p, c.t.field(p), "there are no numeric items for this rule")
		return
	}
	for i, sub := range r.All {
		c.numericRule(path(p, "all", i), sub, items)
	}
	for i, sub := range r.Any {
		c.numericRule(path(p, "any", i), sub, items)
	}
	for _, k := range []struct {
		key string
		set bool
	}{{"agreement", r.Agreement != nil}, {"comet", r.COMET != nil}} {
		if k.set && c.present(path(p, k.key)) {
			c.addKey(path(p, k.key), c.t.field(path(p, k.key)), "%s needs a scale and numeric items have none; use iqr_relative, cv, iqr or sd", k.key)
		}
	}
	if r.IQRRelative == nil || !c.present(path(p, "iqr_relative")) {
		return
	}
	var open []string
	for _, it := range items {
		if it.Numeric == nil || it.Numeric.Min == nil || it.Numeric.Max == nil {
			open = append(open, it.ID)
		}
	}
	if len(open) > 0 {
		c.addKey(path(p, "iqr_relative"), c.t.field(path(p, "iqr_relative")),
			"iqr_relative needs the declared range (numeric min and max) of every numeric item; %s %s none: give both or use cv",
			plural(len(open), "item", "items")+" "+strings.Join(open, ", "), plural(len(open), "has", "have"))
	}
}
