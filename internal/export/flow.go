package export

import (
	"context"

	"github.com/expertenrunde/expertenrunde/internal/panelflow"
)

// FlowReader gives the participant and item flow and the attrition
// comparison of a study (*panelflow.Service), for the sheets "Fluss / Flow"
// and "Ausfälle / Attrition". They always cover every round of the study.
type FlowReader interface {
	Flow(ctx context.Context, surveyID string) (*panelflow.Flow, error)
	Attrition(ctx context.Context, surveyID string) (*panelflow.Attrition, error)
}

// loadFlow reads the flow reports into in when src has a FlowReader.
func loadFlow(ctx context.Context, src Sources, surveyID string, in *Input) error {
	if src.Flow == nil {
		return nil
	}
	var err error
	if in.Flow, err = src.Flow.Flow(ctx, surveyID); err != nil {
		return err
	}
	in.Attrition, err = src.Flow.Attrition(ctx, surveyID)
	return err
}

func (s *study) flowSheetName() string      { return s.t("Fluss", "Flow") }
func (s *study) attritionSheetName() string { return s.t("Ausfälle", "Attrition") }

// flowSheets lists the flow sheets for the overview's list of sheets (none
// without flow reports).
func (s *study) flowSheets() [][2]string {
	var out [][2]string
	if s.in.Flow != nil {
		out = append(out, [2]string{s.flowSheetName(), s.t("Teilnahme- und Fragenfluss je Runde und Gruppe (wie ein CONSORT-Diagramm)",
			"participant and item flow per round and group (like a CONSORT diagram)")})
	}
	if s.in.Attrition != nil {
		out = append(out, [2]string{s.attritionSheetName(), s.t("Ausgeschiedene gegen Verbliebene je Frage: Mediane, Mann-Whitney-U, p",
			"experts who left vs those who stayed per item: medians, Mann–Whitney U, p")})
	}
	return out
}

// count is an integer cell, or empty for nil (not applicable).
func (x *xw) count(n *int) any {
	if n == nil {
		return nil
	}
	return x.int(*n)
}

// flowSheet writes the participants per round × group (then the total),
// and the items per round, from Input.Flow. Nothing without it.
func (x *xw) flowSheet() error {
	f := x.in.Flow
	if f == nil {
		return nil
	}
	sh, err := x.sheet(x.flowSheetName(), 8, 12, 22, 10, 11, 12, 14, 10, 10, 12, 11, 12, 13, 14)
	if err != nil {
		return err
	}
	if err := sh.add(x.bold(x.t("Rekrutiert", "Recruited")), x.int(f.Recruited)); err != nil {
		return err
	}
	if err := sh.header([]string{x.t("Runde", "Round"), x.t("Status", "Status"), x.t("Expertengruppe", "Expert group"),
		x.t("Panel", "Panel"), x.t("eingeladen", "invited"), x.t("davon per E-Mail", "of them by e-mail"),
		x.t("davon per persönlichem Link", "of them by personal link"), x.t("geöffnet", "opened"), x.t("begonnen", "started"),
		x.t("abgeschickt", "submitted"), x.t("ausgetreten", "declined"), x.t("weiter dabei", "continued"),
		x.t("ausgeschieden", "dropped out"), x.t("davon ausgetreten", "of them declined")}, false); err != nil {
		return err
	}
	row := func(fr panelflow.FlowRound, label any, c panelflow.FlowCounts) error {
		return sh.add(x.int(fr.Round), x.str(x.statusLabel(fr.Status)), label, x.int(c.Panel), x.int(c.Invited), x.int(c.InvitedMail),
			x.int(c.InvitedLink), x.int(c.Opened), x.int(c.Started), x.int(c.Submitted), x.int(c.Declined),
			x.count(c.Continued), x.count(c.DroppedOut), x.count(c.DroppedOutDeclined))
	}
	for _, fr := range f.Rounds {
		for _, g := range f.Groups {
			if err := row(fr, x.str(x.groupLabel(g)), fr.ByGroup[g]); err != nil {
				return err
			}
		}
		if err := row(fr, x.bold(x.t("Gesamt", "Total")), fr.Participants); err != nil {
			return err
		}
	}
	if err := sh.add(); err != nil {
		return err
	}
	if err := sh.header([]string{x.t("Runde", "Round"), x.t("Fragen", "Items"), x.t("aus der Definition", "initial"),
		x.t("unverändert übernommen", "carried over"), x.t("umformuliert", "changed"), x.t("neu", "new"), x.t("entfallen", "dropped"),
		x.t("Konsens (ein)", "consensus in"), x.t("Konsens (aus)", "consensus out"), x.t("kein Konsens", "no consensus")}, false); err != nil {
		return err
	}
	for _, fr := range f.Rounds {
		it := fr.Items
		if err := sh.add(x.int(fr.Round), x.int(it.Total), x.int(it.Initial), x.int(it.Carried), x.int(it.Changed), x.int(it.New),
			x.int(it.Dropped), x.int(it.ConsensusIn), x.int(it.ConsensusOut), x.int(it.ConsensusNone)); err != nil {
			return err
		}
	}
	if err := x.round0Flow(sh, f.Round0); err != nil {
		return err
	}
	return sh.close()
}

// attritionSheet writes one row per step into a round × rating row ×
// (total, then each group), from Input.Attrition. Nothing without it.
func (x *xw) attritionSheet() error {
	a := x.in.Attrition
	if a == nil {
		return nil
	}
	sh, err := x.sheet(x.attritionSheetName(), 8, 8, 18, 18, 45, 22, 9, 9, 11, 11, 9, 9, 10, 9, 10)
	if err != nil {
		return err
	}
	if err := sh.freeze(3); err != nil {
		return err
	}
	if err := sh.header([]string{x.t("Runde", "Round"), x.t("nach Runde", "after round"), x.t("Frage", "Item"),
		x.t("Kriterium", "Criterion"), x.t("Text", "Text"), x.t("Expertengruppe", "Expert group"),
		x.t("n ausgeschieden", "n left"), x.t("n verblieben", "n stayed"), x.t("Median ausgeschieden", "median left"),
		x.t("Median verblieben", "median stayed"), x.t("U (ausgeschieden)", "U (left)"), "z", "p", x.t("Methode", "Method"),
		x.t("p < 0,05", "p < 0.05")}, true); err != nil {
		return err
	}
	if len(a.Rounds) == 0 {
		return cmpNote(sh, x.t("Keine abgeschlossene Runde nach der ersten.", "No closed round after the first."))
	}
	for _, ar := range a.Rounds {
		ri := -1
		for i, r := range x.rounds {
			if r.Number == ar.From {
				ri = i
			}
		}
		for _, it := range ar.Items {
			item, _ := x.item(ri, it.ItemID)
			var crit any
			if it.CriterionID != "" {
				crit = x.str(x.criterionLabel(item, it.CriterionID))
			}
			add := func(label any, c panelflow.Comparison) error {
				var method, flag any
				if c.Test.Method != "" {
					method = x.str(c.Test.Method)
				}
				if c.Test.P.Valid {
					flag = x.yesNo(c.Flag)
				}
				return sh.add(x.int(ar.Round), x.int(ar.From), x.str(it.ItemID), crit, x.long(x.text(item.Text)), label,
					x.int(c.NLeft), x.int(c.NStayed), x.num(c.MedianLeft, x.st.dec2), x.num(c.MedianStayed, x.st.dec2),
					x.float(c.Test.U1, x.st.dec2), x.num(c.Test.Z, x.st.dec3), x.num(c.Test.P, x.st.dec3), method, flag)
			}
			if err := add(x.bold(x.t("Gesamt", "Total")), it.Overall); err != nil {
				return err
			}
			for _, g := range x.groups {
				if c, ok := it.ByGroup[g]; ok {
					if err := add(x.str(x.groupLabel(g)), c); err != nil {
						return err
					}
				}
			}
		}
	}
	return sh.close()
}

// cmpNote writes a note on an empty table and closes the sheet.
func cmpNote(sh *sheet, text string) error {
	if err := sh.note(text); err != nil {
		return err
	}
	return sh.close()
}
