package export

import (
	"github.com/xuri/excelize/v2"

	"github.com/expertenrunde/expertenrunde/internal/results"
)

// sensitivity writes the threshold sensitivity report (results.SensitivityOf,
// as the API serves it) of every exported round: one row per rating and
// criterion with n, agreement, its bootstrap CI, the outcome under the
// study's rule and with its threshold 5 points lower and higher, the flag,
// the tally over the rules, then one column per rule (its id as header).
func (x *xw) sensitivity() error {
	fixed := []string{x.t("Runde", "Round"), x.t("Frage", "Item"), x.t("Kriterium", "Criterion"), "n",
		x.t("Zustimmung %", "Agreement %"), x.t("95-%-KI unten", "95% CI low"), x.t("95-%-KI oben", "95% CI high"),
		x.t("Konsens (Studienregel)", "Consensus (study rule)"), x.t("Schwelle −5", "threshold −5"), x.t("Schwelle +5", "threshold +5"),
		x.t("kippt nahe der Schwelle", "changes near the threshold"),
		x.t("Regeln: Konsens", "rules: consensus in"), x.t("Regeln: ablehnend", "rules: consensus out"), x.t("Regeln: kein Konsens", "rules: none"),
		x.t("Bootstrap-Seed (hex)", "bootstrap seed (hex)")}
	widths := []float64{7, 10, 16, 6, 11, 11, 11, 16, 16, 16, 12, 10, 10, 10, 18}
	var header []string
	first := true
	rows := 0
	var sh *sheet
	for ri := range x.rounds {
		r := &x.rounds[ri]
		rep := results.SensitivityOf(x.def, &r.Round, r.res)
		if first {
			header = append(header, fixed...)
			for _, rule := range rep.Rules {
				header = append(header, rule.ID)
				widths = append(widths, 13)
			}
			var err error
			if sh, err = x.sheet(x.sheetName("sensitivity"), widths...); err != nil {
				return err
			}
			if err := sh.freeze(3); err != nil {
				return err
			}
			if err := sh.header(header, true); err != nil {
				return err
			}
			sh.outcomes(8, 2)
			sh.outcomes(9, 2)
			sh.outcomes(10, 2)
			if len(rep.Rules) > 0 {
				a, _ := excelize.ColumnNumberToName(len(fixed) + 1)
				b, _ := excelize.ColumnNumberToName(len(fixed) + len(rep.Rules))
				sh.conds = append(sh.conds, a+"2:"+b)
			}
			first = false
		}
		for _, it := range rep.Items {
			item, _ := x.item(ri, it.ItemID)
			crit := any(nil)
			if it.CriterionID != "" {
				crit = x.str(x.criterionLabel(item, it.CriterionID))
			}
			near := any(nil)
			if rep.ThresholdPercent.Valid {
				near = x.yesNo(it.NearThreshold)
			}
			cells := []any{x.int(r.Number), x.str(it.ItemID), crit, x.int(it.N),
				x.num(it.AgreementPercent, x.st.dec2), x.num(it.CI.Low, x.st.dec2), x.num(it.CI.High, x.st.dec2),
				x.str(x.outcomeLabel(it.Outcome)), x.optOutcome(it.OutcomeMinus), x.optOutcome(it.OutcomePlus), near,
				x.int(it.Counts["consensus_in"]), x.int(it.Counts["consensus_out"]), x.int(it.Counts["none"]), x.str(it.Seed)}
			for _, o := range it.Outcomes {
				cells = append(cells, x.str(x.outcomeLabel(o)))
			}
			if err := sh.add(cells...); err != nil {
				return err
			}
			rows++
		}
	}
	if sh == nil {
		var err error
		if sh, err = x.sheet(x.sheetName("sensitivity"), widths...); err != nil {
			return err
		}
		if err := sh.header(fixed, false); err != nil {
			return err
		}
	}
	if rows == 0 {
		if err := sh.note(x.t("Keine Bewertungsfragen in den exportierten Runden.", "No rating items in the exported rounds.")); err != nil {
			return err
		}
	}
	return sh.close()
}

// optOutcome is an outcome cell, empty for "".
func (x *xw) optOutcome(o string) any {
	if o == "" {
		return nil
	}
	return x.str(x.outcomeLabel(o))
}
