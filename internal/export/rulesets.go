package export

import (
	"slices"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// ruleSetRows writes the methods sheet's rows for the rules beside the
// primary consensus rule: the primary's per-criterion and numeric rules,
// then each alternative rule set with its parts.
func (x *xw) ruleSetRows(sh *sheet) func() error {
	return func() error {
		for _, info := range analysis.RuleSetInfos(x.def) {
			prefix := x.t("Regel", "Rule")
			if !info.Primary {
				prefix = x.t("Alternative Regel „", "Alternative rule \"") + x.ruleSetLabel(info.Name, info.Label) + x.t("“", "\"")
				if t := info.Text[x.lang]; t != "" {
					if err := sh.add(x.bold(prefix), x.long(t)); err != nil {
						return err
					}
				}
			}
			ids := make([]string, 0, len(info.CriteriaText))
			for id := range info.CriteriaText {
				ids = append(ids, id)
			}
			slices.Sort(ids)
			for _, id := range ids {
				if err := sh.add(x.bold(prefix+x.t(", Kriterium ", ", criterion ")+id), x.long(info.CriteriaText[id][x.lang])); err != nil {
					return err
				}
			}
			if t := info.NumericText[x.lang]; t != "" {
				if err := sh.add(x.bold(prefix+x.t(", Schätzfragen", ", numeric items")), x.long(t)); err != nil {
					return err
				}
			}
		}
		return nil
	}
}

// ruleSetLabel names a rule set: its label in the export's language and
// its name, or the name alone.
func (x *xw) ruleSetLabel(name string, label delphi.Text) string {
	if l := x.text(label); l != "" && l != name {
		return l + " (" + name + ")"
	}
	return name
}

// alternatives returns the alternative rule sets of a round's results.
func alternatives(res *analysis.RoundResults) []analysis.RuleSetInfo {
	var out []analysis.RuleSetInfo
	for _, s := range res.RuleSets {
		if !s.Primary {
			out = append(out, s)
		}
	}
	return out
}

// altHeader returns the column titles of the alternatives' outcomes.
func (x *xw) altHeader(alts []analysis.RuleSetInfo) []string {
	out := make([]string, len(alts))
	for i, a := range alts {
		out[i] = x.t("Konsens: ", "Consensus: ") + x.ruleSetLabel(a.Name, a.Label)
	}
	return out
}

// altCells returns one cell per alternative: its outcome, empty when the
// alternative has no rule for the row.
func (x *xw) altCells(alts []analysis.RuleSetInfo, outcomes []analysis.RuleOutcome) []any {
	row := make([]any, len(alts))
	for i, a := range alts {
		if j := slices.IndexFunc(outcomes, func(o analysis.RuleOutcome) bool { return o.Rule == a.Name }); j >= 0 {
			row[i] = x.str(x.outcomeLabel(outcomes[j].Outcome))
		}
	}
	return row
}
