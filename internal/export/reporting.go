package export

import (
	"strconv"

	"github.com/expertenrunde/expertenrunde/internal/reporting"
)

// Names of the reporting sheets, written when Input.Report is set.
func (s *study) reportingSheetName(key string) string {
	if key == "protocol" {
		return s.t("Protokoll", "Protocol")
	}
	return s.t("Methoden & Berichterstattung", "Methods & reporting")
}

// reportingSheets writes the reporting checklist with the methods
// paragraph, and the locked analysis protocol with its deviations.
func (x *xw) reportingSheets() error {
	rep := x.in.Report
	if rep == nil {
		return nil
	}
	if err := x.checklistSheet(rep); err != nil {
		return err
	}
	return x.protocolSheet(rep)
}

func (x *xw) reportStatusLabel(st string) string {
	if st == reporting.FromData {
		return x.t("aus den Daten", "from the data")
	}
	return x.t("von den Autor:innen anzugeben", "needs the author")
}

func (x *xw) checklistSheet(rep *reporting.Report) error {
	sh, err := x.sheet(x.reportingSheetName("checklist"), 40, 90, 22, 10, 10)
	if err != nil {
		return err
	}
	if err := sh.header([]string{x.t("Berichtspunkt", "Reporting item"), x.t("Wert", "Value"), x.t("Status", "Status"),
		"ACCORD", "CREDES"}, false); err != nil {
		return err
	}
	for _, e := range rep.Checklist {
		if err := sh.add(x.bold(e.Topic[x.lang]), x.long(e.Value[x.lang]), x.str(x.reportStatusLabel(e.Status)), x.str(e.ACCORD), x.str(e.CREDES)); err != nil {
			return err
		}
	}
	if err := sh.add(); err != nil {
		return err
	}
	if err := sh.add(x.bold(x.t("Methodenabschnitt (Entwurf)", "Methods paragraph (draft)")), x.long(rep.Paragraph[x.lang])); err != nil {
		return err
	}
	return sh.close()
}

func (x *xw) protocolSheet(rep *reporting.Report) error {
	sh, err := x.sheet(x.reportingSheetName("protocol"), 34, 60, 60, 40)
	if err != nil {
		return err
	}
	p := rep.Facts.Protocol
	if p == nil {
		if err := sh.note(x.t("Das Auswertungsprotokoll wird beim Öffnen von Runde 1 festgeschrieben.", "The analysis protocol is frozen when round 1 opens.")); err != nil {
			return err
		}
		return sh.close()
	}
	canon, err := p.Canonical()
	if err != nil {
		return err
	}
	rows := [][2]any{
		{x.bold("SHA-256"), x.str(p.SHA256)},
		{x.bold(x.t("Festgeschrieben", "Frozen at")), x.dateCell(&p.FrozenAt)},
		{x.bold(x.t("Revision (Version)", "Revision (version)")), x.str(strconv.Itoa(p.Revision) + " (" + p.Version + ")")},
		{x.bold(x.t("Konsensregel", "Consensus rule")), x.long(rep.Facts.RuleText[x.lang])},
		{x.bold(x.t("Quantil-Typ", "Quantile type")), x.int(p.Fields.QuantileType)},
		{x.bold(x.t("Übernahme (carry-over)", "Carry-over")), x.str(p.Fields.CarryOver.Mode)},
		{x.bold(x.t("Geplante Runden", "Planned rounds")), x.int(p.Fields.Planned)},
		{x.bold(x.t("Abbruchregel", "Stopping rule")), x.str(p.Fields.StoppingRule)},
		{x.bold(x.t("Kanonisches JSON (gehasht)", "Canonical JSON (hashed)")), x.long(string(canon))},
	}
	for _, r := range rows {
		if err := sh.add(r[0], r[1]); err != nil {
			return err
		}
	}
	if err := sh.add(); err != nil {
		return err
	}
	if err := sh.add(x.bold(x.t("Abweichungen", "Deviations")), x.bold(x.t("Feld: alt → neu", "Field: old → new")), x.bold(x.t("Begründung", "Reason")), x.bold(x.t("Wer, wann, Revision", "Who, when, revision"))); err != nil {
		return err
	}
	if len(rep.Facts.Deviations) == 0 {
		if err := sh.add(x.str(x.t("keine", "none"))); err != nil {
			return err
		}
	}
	for i, d := range rep.Facts.Deviations {
		for _, c := range d.Changes {
			if err := sh.add(x.int(i+1), x.long(c.Field+": "+c.Old+" → "+c.New), x.long(d.Reason),
				x.str(d.ActorID+", "+x.localTime(d.At).Format("2006-01-02 15:04")+", "+x.t("Revision ", "revision ")+strconv.Itoa(d.Revision))); err != nil {
				return err
			}
		}
	}
	return sh.close()
}
