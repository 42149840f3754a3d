package export

import (
	"context"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// RealtimeReader gives the analysed revision history of a real-time study
// and the revisions themselves (*results.Service), for the sheets
// "Verlauf / Time series", "Überarbeitungen / Revision summary" and
// "Revisionen / Revisions".
type RealtimeReader interface {
	RealtimeHistory(ctx context.Context, surveyID string) (*analysis.RealtimeResults, []delphi.Revision, error)
}

// loadRealtime reads the revision history into in for a real-time study
// whose round was opened, when src has a RealtimeReader.
func loadRealtime(ctx context.Context, src Sources, sv *delphi.Survey, in *Input) error {
	if src.Realtime == nil || !sv.Definition.Realtime() {
		return nil
	}
	res, revs, err := src.Realtime.RealtimeHistory(ctx, sv.ID)
	if delphi.ErrorCode(err) == delphi.ECONFLICT { // not opened yet: no history
		return nil
	}
	in.Realtime, in.Revisions = res, revs
	return err
}

func (s *study) realtimeSheetName(key string) string {
	switch key {
	case "series":
		return s.t("Verlauf", "Time series")
	case "summary":
		return s.t("Überarbeitungen", "Revision summary")
	}
	return s.t("Revisionen", "Revisions")
}

// realtimeSheets lists the real-time sheets for the overview's list of
// sheets (none without a revision history).
func (s *study) realtimeSheets() [][2]string {
	if s.in.Realtime == nil {
		return nil
	}
	return [][2]string{
		{s.realtimeSheetName("series"), s.t("Median, IQR und Konsens jeder Bewertung und Schätzung nach jeder Änderung (Echtzeit-Delphi)",
			"median, IQR and consensus of every rating and estimate after each change (real-time Delphi)")},
		{s.realtimeSheetName("summary"), s.t("wer nach dem Feedback überarbeitet hat und wie; erste gegen letzte Antwort",
			"who revised after the feedback and how; first versus last answer")},
		{s.realtimeSheetName("revisions"), s.t("jede gespeicherte Änderung mit Zeit, Pseudonym und Gruppe",
			"every stored change with its time, pseudonym and group")},
	}
}

// realtimeSeries is one series of the history with its item and criterion.
type realtimeSeries struct {
	item      *analysis.RealtimeItem
	criterion string
	s         *analysis.RealtimeSeries
}

func (s *study) realtimeSeriesList() []realtimeSeries {
	var out []realtimeSeries
	for i := range s.in.Realtime.Items {
		it := &s.in.Realtime.Items[i]
		switch {
		case it.Rating != nil:
			out = append(out, realtimeSeries{it, "", it.Rating})
		case it.Numeric != nil:
			out = append(out, realtimeSeries{it, "", it.Numeric})
		}
		for k := range it.Criteria {
			out = append(out, realtimeSeries{it, it.Criteria[k].CriterionID, &it.Criteria[k].RealtimeSeries})
		}
	}
	return out
}

// secondsStyle is the date style with seconds: revisions seconds apart
// would look alike to the minute.
func (x *xw) secondsStyle() (int, error) {
	f := "yyyy-mm-dd hh:mm:ss"
	return x.f.NewStyle(&excelize.Style{CustomNumFmt: &f, Alignment: &excelize.Alignment{Vertical: "top"}})
}

func (x *xw) criterionCell(itemID, criterion string) any {
	if criterion == "" {
		return nil
	}
	it, _ := x.item(0, itemID)
	return x.str(x.criterionLabel(it, criterion))
}

// realtimeSeriesSheet writes one row per point of every series: the item,
// the criterion, the time and the panel's state then.
func (x *xw) realtimeSeriesSheet() error {
	if x.in.Realtime == nil {
		return nil
	}
	secs, err := x.secondsStyle()
	if err != nil {
		return err
	}
	sh, err := x.sheet(x.realtimeSheetName("series"), 10, 16, 19, 10, 6, 11, 8, 8, 8, 8, 16)
	if err != nil {
		return err
	}
	if err := sh.freeze(3); err != nil {
		return err
	}
	if err := sh.header([]string{x.t("Frage", "Item"), x.t("Kriterium", "Criterion"), x.t("Zeitpunkt", "Time"),
		x.t("Änderungen", "Changes"), "n", x.t("Enthaltungen", "Abstentions"), "Median", "Q1", "Q3", "IQR",
		x.t("Konsens", "Consensus")}, true); err != nil {
		return err
	}
	sh.outcomes(11, 2)
	for _, rs := range x.realtimeSeriesList() {
		crit := x.criterionCell(rs.item.ItemID, rs.criterion)
		for _, p := range rs.s.Points {
			if err := sh.add(x.str(rs.item.ItemID), crit, excelize.Cell{StyleID: secs, Value: x.localTime(p.At)},
				x.int(p.Changes), x.int(p.N), x.int(p.Abstentions), x.num(p.Median, x.st.dec2), x.num(p.Q1, x.st.dec2),
				x.num(p.Q3, x.st.dec2), x.num(p.IQR, x.st.dec2), x.optOutcome(p.Outcome)); err != nil {
				return err
			}
		}
	}
	if sh.row == 1 {
		if err := sh.note(x.t("Noch keine gezählten Antworten.", "No counted answers yet.")); err != nil {
			return err
		}
	}
	return sh.close()
}

// realtimeSummarySheet writes one row per series: who revised, after the
// feedback and how, and the stability of first versus last answers.
func (x *xw) realtimeSummarySheet() error {
	if x.in.Realtime == nil {
		return nil
	}
	sh, err := x.sheet(x.realtimeSheetName("summary"), 10, 16, 10, 12, 12, 12, 11, 11, 11, 12, 12, 10, 10, 10, 8, 10, 10, 10)
	if err != nil {
		return err
	}
	if err := sh.freeze(2); err != nil {
		return err
	}
	if err := sh.header([]string{x.t("Frage", "Item"), x.t("Kriterium", "Criterion"), x.t("Personen", "Experts"),
		x.t("überarbeitet", "revised"), x.t("nach Feedback überarbeitet", "revised after feedback"),
		x.t("Änderungen nach Feedback", "changes after feedback"), x.t("zum Median hin", "toward the median"),
		x.t("vom Median weg", "away from the median"), x.t("gleicher Abstand", "same distance"),
		x.t("nicht vergleichbar", "not comparable"), x.t("mittlere Änderung |letzte − vorher|", "mean change |last − before|"),
		x.t("gepaart (erste/letzte)", "paired (first/last)"), x.t("Anteil geändert", "share changed"), "Scheibe",
		x.t("stabil", "stable"), "Wilcoxon p", x.t("ΔIQR gepaart", "ΔIQR paired"), x.t("ΔIQR alle", "ΔIQR all")}, true); err != nil {
		return err
	}
	for _, rs := range x.realtimeSeriesList() {
		s, fr := rs.s, rs.s.AfterFeedback
		st := s.Stability
		stable := any(nil)
		if st.Stable != nil {
			stable = x.yesNo(*st.Stable)
		}
		if err := sh.add(x.str(rs.item.ItemID), x.criterionCell(rs.item.ItemID, rs.criterion), x.int(s.Experts), x.int(s.Revised),
			x.int(fr.Experts), x.int(fr.Revisions), x.int(fr.Toward), x.int(fr.Away), x.int(fr.Same), x.int(fr.NotComparable),
			x.num(fr.MeanAbsChange, x.st.dec2), x.int(st.NPaired), x.num(st.ShareChanged, x.st.share), x.num(st.Scheibe, x.st.dec3),
			stable, x.num(st.Wilcoxon.P, x.st.dec3), x.num(st.DeltaIQR, x.st.dec2), x.num(st.DeltaIQRRounds, x.st.dec2)); err != nil {
			return err
		}
	}
	if sh.row == 1 {
		if err := sh.note(x.t("Keine Bewertungs- oder Zahlenfragen.", "No rating or numeric items.")); err != nil {
			return err
		}
	}
	return sh.close()
}

// realtimeRevisionsSheet writes every stored revision: one row per
// revision, and per criterion for multi_rating items. A rating's value is
// its scale point (AbstainCode for "cannot judge"), a number's the number;
// choices and rankings are their option ids as text; text answers are
// left out (they stand without pseudonym in "Kommentare / Comments").
func (x *xw) realtimeRevisionsSheet() error {
	if x.in.Realtime == nil {
		return nil
	}
	secs, err := x.secondsStyle()
	if err != nil {
		return err
	}
	sh, err := x.sheet(x.realtimeSheetName("revisions"), 19, 12, 16, 10, 16, 14, 12, 10, 12)
	if err != nil {
		return err
	}
	if err := sh.freeze(0); err != nil {
		return err
	}
	if err := sh.header([]string{x.t("Zeitpunkt", "Time"), "Pseudonym", x.t("Gruppe", "Group"), x.t("Frage", "Item"),
		x.t("Kriterium", "Criterion"), x.t("Wert", "Value"), x.t("Feedback gesehen", "saw feedback"), x.t("Entwurf", "draft"),
		x.t("außerhalb des IQR", "outside the IQR")}, true); err != nil {
		return err
	}
	types := map[string]delphi.Item{}
	for _, it := range x.in.Realtime.Items {
		item, _ := x.item(0, it.ItemID)
		types[it.ItemID] = item
	}
	for i, r := range x.in.Revisions {
		if i%256 == 255 {
			if err := x.ctx.Err(); err != nil {
				return err
			}
		}
		it, ok := types[r.ItemID]
		if !ok {
			continue
		}
		row := func(crit, value any) error {
			return sh.add(excelize.Cell{StyleID: secs, Value: x.localTime(r.At)}, x.str(r.Pseudonym), x.str(x.groupLabel(r.Group)),
				x.str(r.ItemID), crit, value, x.yesNo(r.SawFeedback), x.yesNo(r.Draft), x.yesNo(r.OutsideIQR))
		}
		if it.Type == delphi.ItemMultiRating {
			for _, c := range it.Criteria {
				if v, ok := r.Value.Criteria[c.ID]; ok {
					if err := row(x.str(x.criterionLabel(it, c.ID)), x.revisionValue(it, v)); err != nil {
						return err
					}
				}
			}
			continue
		}
		if err := row(nil, x.revisionValue(it, r.Value)); err != nil {
			return err
		}
	}
	if sh.row == 1 {
		if err := sh.note(x.t("Noch keine Revisionen.", "No revisions yet.")); err != nil {
			return err
		}
	}
	return sh.close()
}

// revisionValue is the cell of one revision's value of item it (or of one
// of its criteria): a number cell for ratings and numbers, option ids as
// a text cell for choices and rankings ("a > b = c" for a ranking with a
// tie), nothing for text items and empty values.
func (x *xw) revisionValue(it delphi.Item, v delphi.Value) any {
	switch {
	case v.Abstain:
		return abstainCell
	case v.Point != nil:
		return x.int(*v.Point)
	case v.Number != nil:
		return x.float(*v.Number, x.st.dec3)
	case it.Type == delphi.ItemText:
		return nil
	case v.Choice != "":
		return x.str(v.Choice)
	case len(v.Choices) > 0 && it.Type == delphi.ItemRanking:
		var b strings.Builder
		for i, id := range v.Choices {
			if i > 0 {
				if i < len(v.Places) && v.Places[i] == v.Places[i-1] {
					b.WriteString(" = ")
				} else {
					b.WriteString(" > ")
				}
			}
			b.WriteString(id)
		}
		return x.str(b.String())
	case len(v.Choices) > 0:
		return x.str(strings.Join(v.Choices, "; "))
	}
	return nil
}
