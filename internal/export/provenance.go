package export

import (
	"context"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/panelflow"
)

// ProvenanceReader gives where each item of a study came from
// (*curation.Service), for the sheet "Herkunft / Provenance".
type ProvenanceReader interface {
	Provenance(ctx context.Context, sv *delphi.Survey) ([]delphi.ProvenanceRow, error)
}

// loadProvenance reads the provenance rows into in when src has a
// ProvenanceReader.
func loadProvenance(ctx context.Context, src Sources, sv *delphi.Survey, in *Input) error {
	if src.Provenance == nil {
		return nil
	}
	var err error
	in.Provenance, err = src.Provenance.Provenance(ctx, sv)
	return err
}

func (s *study) provenanceSheetName() string { return s.t("Herkunft", "Provenance") }

// provenanceSheets lists the provenance sheet for the overview's list of
// sheets (none without provenance rows).
func (s *study) provenanceSheets() [][2]string {
	if s.in.Provenance == nil {
		return nil
	}
	return [][2]string{{s.provenanceSheetName(), s.t("Herkunft jeder Frage: aus der Definition, aus Runde 0 kuratiert (Vorschläge, Aktion), neu oder umformuliert; wer, wann, warum",
		"where each item came from: the definition, curated from round 0 (suggestions, action), new or reworded; who, when, why")}}
}

// provenanceSheet writes one row per provenance step, from
// Input.Provenance. Nothing without it. Every text is a string cell.
func (x *xw) provenanceSheet() error {
	rows := x.in.Provenance
	if rows == nil {
		return nil
	}
	sh, err := x.sheet(x.provenanceSheetName(), 14, 8, 12, 18, 26, 17, 14, 40, 50)
	if err != nil {
		return err
	}
	if err := sh.header([]string{x.t("Frage", "Item"), x.t("Runde", "Round"), x.t("Herkunft", "Origin"),
		x.t("Vorschläge", "Source suggestions"), x.t("Bearbeitet von", "Curator"), x.t("Zeitpunkt", "Time"),
		x.t("Aktion", "Action"), x.t("Begründung", "Reason"), x.t("Formulierung", "Wording")}, true); err != nil {
		return err
	}
	for _, r := range rows {
		var at any
		if r.At != nil {
			at = excelize.Cell{StyleID: x.st.date, Value: x.localTime(*r.At)}
		}
		if err := sh.add(x.str(r.ItemID), x.int(r.Round), x.str(r.Origin), x.str(strings.Join(r.Sources, ", ")), x.str(r.CuratorID), at,
			x.str(r.Action), x.long(r.Reason), x.long(x.text(r.Text))); err != nil {
			return err
		}
	}
	return sh.close()
}

// round0Flow adds the item flow of round 0 to the flow sheet: the
// suggestions in and what became of them. Nothing without round 0.
func (x *xw) round0Flow(sh *sheet, r0 *panelflow.Round0Flow) error {
	if r0 == nil {
		return nil
	}
	if err := sh.add(); err != nil {
		return err
	}
	if err := sh.header([]string{x.t("Runde", "Round"), x.t("Vorschlagende", "Experts suggesting"), x.t("Vorschläge", "Suggestions"),
		x.t("übernommen", "accepted"), x.t("zusammengeführt", "merged"), x.t("aufgeteilt", "split"), x.t("abgelehnt", "rejected"),
		x.t("offen", "open"), x.t("Fragen für Runde 1", "Items for round 1")}, false); err != nil {
		return err
	}
	return sh.add(x.int(0), x.int(r0.Experts), x.int(r0.Suggestions), x.int(r0.Accepted), x.int(r0.Merged), x.int(r0.Split),
		x.int(r0.Rejected), x.int(r0.Open), x.int(r0.Items))
}
