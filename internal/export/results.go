package export

import (
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/stats"
)

// statNames maps the summary fields to the column names (for notes).
func (s *study) statNames() map[string]string {
	return map[string]string{
		"mean": s.t("Mittelwert", "Mean"), "sd": "SD", "cv": s.t("VK", "CV"), "median": "Median",
		"q1": "Q1", "q3": "Q3", "iqr": "IQR", "min": "Min", "max": "Max",
		"agreement_percent": s.t("Zustimmung %", "Agreement %"), "rwg": "rWG",
	}
}

// elsewhere is the note of items whose results are on another sheet.
func (s *study) elsewhere(typ string) string {
	switch typ {
	case delphi.ItemSingleChoice, delphi.ItemMultipleChoice:
		return s.t("Optionen: Blatt „", "options: sheet \"") + s.sheetName("choices") + s.t("“", "\"")
	case delphi.ItemRanking:
		return s.t("Ränge: Blatt „", "ranks: sheet \"") + s.sheetName("rankings") + s.t("“", "\"")
	case delphi.ItemText:
		return s.t("Texte: Blatt „", "texts: sheet \"") + s.sheetName("comments") + s.t("“", "\"")
	}
	return ""
}

// roundSheet writes the results of one round: one row per item, one per
// criterion of multi_rating items.
func (x *xw) roundSheet(ri int) error {
	r := x.rounds[ri]
	alts := alternatives(r.res)
	widths := []float64{18, 9, 18, 60, 18, 6, 13, 11, 8, 8, 8, 8, 8, 8, 8, 13, 8, 8, 18, 30, 30}
	for range alts {
		widths = append(widths, 18)
	}
	sh, err := x.sheet(x.roundName(r.Number), widths...)
	if err != nil {
		return err
	}
	if err := sh.freeze(2); err != nil {
		return err
	}
	if err := sh.header(append([]string{x.t("Block", "Block"), x.t("Frage", "Item"), x.t("Kriterium", "Criterion"),
		x.t("Text", "Text"), x.t("Typ", "Type"), "n", x.t("Enthaltungen", "Abstentions"), x.t("Mittelwert", "Mean"), "SD",
		"Median", "Q1", "Q3", "IQR", "Min", "Max", x.t("Zustimmung %", "Agreement %"), x.t("VK", "CV"), "rWG",
		x.t("Konsens", "Consensus"), x.t("Regel im Einzelnen", "Rule in detail"), x.t("Hinweise", "Notes")}, x.altHeader(alts)...), true); err != nil {
		return err
	}
	sh.outcomes(19, 2)
	for i := range alts {
		sh.outcomes(22+i, 2)
	}
	names := x.statNames()
	for i := range r.res.Items {
		it := &r.res.Items[i]
		item, sec := x.item(ri, it.ItemID)
		sec = cmpOr(it.SectionID, sec)
		head := func(criterion string) []any {
			crit := any(nil)
			if criterion != "" {
				crit = x.str(x.criterionLabel(item, criterion))
			}
			return []any{x.str(x.sectionTitle(sec)), x.str(it.ItemID), crit, x.long(x.text(item.Text)), x.str(x.typeLabel(it.Type))}
		}
		switch {
		case it.Rating != nil || it.Criteria != nil:
			for _, rr := range ratingRows(it) {
				s := rr.r.Overall
				row := append(head(rr.criterion), x.summary(s, true)...)
				row = append(row, x.str(x.outcomeLabel(rr.r.Consensus.Outcome)), x.str(rr.r.Consensus.Reason), x.long(x.reasons(s.Undefined, names)))
				row = append(row, x.altCells(alts, rr.r.Alternatives)...)
				if err := sh.add(row...); err != nil {
					return err
				}
			}
		case it.Numeric != nil:
			s := it.Numeric.Overall
			row := append(head(""), x.summary(s, false)...)
			if c := it.Numeric.Consensus; c != nil {
				row = append(row, x.str(x.outcomeLabel(c.Outcome)), x.str(c.Reason), x.long(x.reasons(s.Undefined, names)))
			} else {
				row = append(row, nil, nil, x.long(x.reasons(s.Undefined, names)))
			}
			row = append(row, x.altCells(alts, it.Numeric.Alternatives)...)
			if err := sh.add(row...); err != nil {
				return err
			}
		default:
			abst := any(nil)
			if it.Ranking != nil {
				abst = x.int(it.Ranking.Overall.Abstentions)
			}
			row := append(head(""), x.int(it.N), abst)
			row = append(row, make([]any, 13)...)
			row = append(row, x.long(x.elsewhere(it.Type)))
			if err := sh.add(row...); err != nil {
				return err
			}
		}
	}
	if len(r.res.Items) == 0 {
		if err := sh.note(x.t("Diese Runde enthält keine Fragen.", "This round has no items.")); err != nil {
			return err
		}
	}
	return sh.close()
}

// summary returns the cells n … rWG of a summary (agreement and rWG only
// for ratings).
func (x *xw) summary(s stats.Summary, rating bool) []any {
	row := []any{x.int(s.N), x.int(s.Abstentions), x.num(s.Mean, x.st.dec2), x.num(s.SD, x.st.dec2),
		x.num(s.Median, x.st.dec2), x.num(s.Q1, x.st.dec2), x.num(s.Q3, x.st.dec2), x.num(s.IQR, x.st.dec2),
		x.num(s.Min, x.st.dec2), x.num(s.Max, x.st.dec2), nil, x.num(s.CV, x.st.dec2), nil}
	if rating {
		row[10], row[12] = x.num(s.AgreementPercent, x.st.pct), x.num(s.RWG, x.st.dec2)
	}
	return row
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// acrossRounds writes one row per item (criterion) with median, IQR and
// agreement per round side by side, then the stability against the
// previous round, then the outcome per round.
func (x *xw) acrossRounds() error {
	board := analysis.Overview(x.results())
	n := len(x.rounds)
	widths := []float64{18, 9, 18, 50, 18}
	header := []string{x.t("Block", "Block"), x.t("Frage", "Item"), x.t("Kriterium", "Criterion"), x.t("Text", "Text"), x.t("Typ", "Type")}
	for _, r := range x.rounds {
		rs := " R" + strconv.Itoa(r.Number)
		header = append(header, "n"+rs, "Median"+rs, "IQR"+rs, x.t("Zustimmung %", "Agreement %")+rs)
		widths = append(widths, 7, 10, 8, 17)
	}
	var stab []int // round indexes with a previous round
	for i, r := range x.rounds {
		if r.Number > 1 {
			stab = append(stab, i)
			// Stability compares the experts who answered both rounds
			// (paired), so ΔIQR can differ from the two rounds' IQRs.
			rs := x.t(" gepaart", " paired") + " R" + strconv.Itoa(r.Number)
			header = append(header, x.t("Anteil geändert", "Share changed")+rs, "Scheibe"+rs, x.t("stabil", "stable")+rs,
				"Wilcoxon p"+rs, "ΔIQR"+rs, x.t("ΔIQR Runden R", "ΔIQR rounds R")+strconv.Itoa(r.Number))
			widths = append(widths, 18, 11, 10, 15, 9, 12)
		}
	}
	for _, r := range x.rounds {
		header = append(header, x.t("Konsens", "Consensus")+" R"+strconv.Itoa(r.Number))
		widths = append(widths, 18)
	}
	header = append(header, x.t("Hinweise", "Notes"))
	widths = append(widths, 30)
	stabNames := map[string]string{"share_changed": x.t("Anteil geändert", "Share changed"), "scheibe": "Scheibe",
		"wilcoxon.p": "Wilcoxon p", "delta_iqr": "ΔIQR", "delta_iqr_rounds": x.t("ΔIQR Runden", "ΔIQR rounds")}
	sh, err := x.sheet(x.sheetName("across"), widths...)
	if err != nil {
		return err
	}
	if err := sh.freeze(2); err != nil {
		return err
	}
	if err := sh.header(header, true); err != nil {
		return err
	}
	first := len(header) - n
	for i := range n {
		sh.outcomes(first+i, 2)
	}
	latest := func(id string) int { // the last exported round that has the item
		for i := n - 1; i >= 0; i-- {
			if _, ok := x.rounds[i].items[id]; ok {
				return i
			}
			if _, ok := x.rounds[i].res.Item(id); ok {
				return i
			}
		}
		return -1
	}
	for _, row := range board.Rows {
		ri := latest(row.ItemID)
		item, sec := x.item(ri, row.ItemID)
		crit := any(nil)
		if row.CriterionID != "" {
			crit = x.str(x.criterionLabel(item, row.CriterionID))
		}
		cells := []any{x.str(x.sectionTitle(cmpOr(row.SectionID, sec))), x.str(row.ItemID), crit, x.long(x.text(item.Text)), x.str(x.typeLabel(row.Type))}
		for i, c := range row.Cells {
			if !c.Present {
				cells = append(cells, nil, nil, nil, nil)
				continue
			}
			med, iqr := c.Median, c.IQR
			if row.Type == delphi.ItemNumeric {
				if it, ok := x.rounds[i].res.Item(row.ItemID); ok && it.Numeric != nil {
					med, iqr = it.Numeric.Overall.Median, it.Numeric.Overall.IQR
				}
			}
			cells = append(cells, x.int(c.N), x.num(med, x.st.dec2), x.num(iqr, x.st.dec2), x.num(c.AgreementPercent, x.st.pct))
		}
		var notes []string
		for _, i := range stab {
			st := x.stability(i, row.ItemID, row.CriterionID)
			if st == nil {
				cells = append(cells, nil, nil, nil, nil, nil, nil)
				continue
			}
			if note := x.reasons(st.Undefined, stabNames); note != "" {
				notes = append(notes, "R"+strconv.Itoa(x.rounds[i].Number)+": "+note)
			}
			var stable any
			if st.Stable != nil {
				stable = x.yesNo(*st.Stable)
			}
			cells = append(cells, x.num(st.ShareChanged, x.st.share), x.num(st.Scheibe, x.st.share), stable,
				x.num(st.Wilcoxon.P, x.st.dec3), x.num(st.DeltaIQR, x.st.dec2), x.num(st.DeltaIQRRounds, x.st.dec2))
		}
		for _, c := range row.Cells {
			switch {
			case !c.Present:
				cells = append(cells, x.str(x.t("nicht gefragt", "not asked")))
			case c.Outcome != "":
				cells = append(cells, x.str(x.outcomeLabel(c.Outcome)))
			default:
				cells = append(cells, nil)
			}
		}
		cells = append(cells, x.long(strings.Join(notes, "; ")))
		if err := sh.add(cells...); err != nil {
			return err
		}
	}
	if len(board.Rows) == 0 {
		if err := sh.note(x.t("Keine Ergebnisse.", "No results.")); err != nil {
			return err
		}
	}
	return sh.close()
}

func (s *study) results() []*analysis.RoundResults {
	out := make([]*analysis.RoundResults, len(s.rounds))
	for i, r := range s.rounds {
		out[i] = r.res
	}
	return out
}

// stability returns the stability of an item (criterion) in round ri
// against the round before, or nil.
func (s *study) stability(ri int, id, criterion string) *stats.StabilitySummary {
	it, ok := s.rounds[ri].res.Item(id)
	if !ok {
		return nil
	}
	switch {
	case it.Numeric != nil:
		return it.Numeric.Stability
	case criterion != "":
		if rr, ok := it.Criterion(criterion); ok {
			return rr.Stability
		}
	case it.Rating != nil:
		return it.Rating.Stability
	}
	return nil
}

// byGroup writes the statistics per round × item (criterion) × expert
// group, with the item's divergence flags on each of its rows.
func (x *xw) byGroup() error {
	sh, err := x.sheet(x.sheetName("groups"), 7, 18, 9, 18, 50, 28, 6, 13, 8, 8, 8, 8, 11, 8, 13, 18, 14, 14, 13, 40, 28)
	if err != nil {
		return err
	}
	if err := sh.freeze(3); err != nil {
		return err
	}
	if err := sh.header([]string{x.t("Runde", "Round"), x.t("Block", "Block"), x.t("Frage", "Item"), x.t("Kriterium", "Criterion"),
		x.t("Text", "Text"), x.t("Expertengruppe", "Expert group"), "n", x.t("Enthaltungen", "Abstentions"), "Median", "Q1", "Q3", "IQR",
		x.t("Mittelwert", "Mean"), "SD", x.t("Zustimmung %", "Agreement %"), x.t("Konsens", "Consensus"),
		x.t("zählt für Divergenz (n ≥ 3)", "counts for divergence (n ≥ 3)"), x.t("Medianabstand", "Median gap"),
		x.t("Divergenzwert", "Divergence score"), x.t("Divergenz", "Divergence"), x.t("Hinweise", "Notes")}, true); err != nil {
		return err
	}
	sh.outcomes(16, 2)
	names := x.statNames()
	rows := 0
	for ri, r := range x.rounds {
		for i := range r.res.Items {
			it := &r.res.Items[i]
			item, sec := x.item(ri, it.ItemID)
			sec = cmpOr(it.SectionID, sec)
			head := func(criterion string) []any {
				crit := any(nil)
				if criterion != "" {
					crit = x.str(x.criterionLabel(item, criterion))
				}
				return []any{x.int(r.Number), x.str(x.sectionTitle(sec)), x.str(it.ItemID), crit, x.long(x.text(item.Text))}
			}
			for _, rr := range ratingRows(it) {
				d := rr.r.Divergence
				flags := make([]string, len(d.Flags))
				for k, f := range d.Flags {
					flags[k] = x.flagLabel(f)
				}
				eligible := map[string]bool{}
				for _, gm := range d.GroupMedians {
					eligible[gm.Group] = gm.Eligible
				}
				for _, g := range r.res.Groups {
					gr, ok := rr.r.ByGroup[g]
					if !ok {
						continue
					}
					s := gr.Summary
					row := append(head(rr.criterion), x.str(x.groupLabel(g)), x.int(s.N), x.int(s.Abstentions),
						x.num(s.Median, x.st.dec2), x.num(s.Q1, x.st.dec2), x.num(s.Q3, x.st.dec2), x.num(s.IQR, x.st.dec2),
						x.num(s.Mean, x.st.dec2), x.num(s.SD, x.st.dec2), x.num(s.AgreementPercent, x.st.pct),
						x.str(x.outcomeLabel(gr.Consensus.Outcome)), x.yesNo(eligible[g]), x.num(d.MedianGap, x.st.dec2),
						x.float(d.Score, x.st.dec2), x.long(strings.Join(flags, "; ")), x.long(x.reasons(s.Undefined, names)))
					if err := sh.add(row...); err != nil {
						return err
					}
					rows++
				}
			}
			if it.Numeric != nil {
				for _, g := range r.res.Groups {
					s, ok := it.Numeric.ByGroup[g]
					if !ok {
						continue
					}
					row := append(head(""), x.str(x.groupLabel(g)), x.int(s.N), x.int(s.Abstentions),
						x.num(s.Median, x.st.dec2), x.num(s.Q1, x.st.dec2), x.num(s.Q3, x.st.dec2), x.num(s.IQR, x.st.dec2),
						x.num(s.Mean, x.st.dec2), x.num(s.SD, x.st.dec2), nil, nil, nil, nil, nil, nil, x.long(x.reasons(s.Undefined, names)))
					if err := sh.add(row...); err != nil {
						return err
					}
					rows++
				}
			}
		}
	}
	if rows == 0 {
		if err := sh.note(x.t("Keine Bewertungs- oder Zahlenfragen mit Gruppen.", "No rating or numeric items with groups.")); err != nil {
			return err
		}
	}
	return sh.close()
}

// rankings writes one row per round × ranking item × group (all first) ×
// option, with the item's Kendall's W, χ², df and p on each row.
func (x *xw) rankings() error {
	sh, err := x.sheet(x.sheetName("rankings"), 7, 18, 9, 45, 24, 16, 24, 6, 10, 10, 10, 10, 10, 10, 5, 10, 28)
	if err != nil {
		return err
	}
	if err := sh.freeze(3); err != nil {
		return err
	}
	if err := sh.header([]string{x.t("Runde", "Round"), x.t("Block", "Block"), x.t("Frage", "Item"), x.t("Text", "Text"),
		x.t("Expertengruppe", "Expert group"), x.t("Option", "Option"), x.t("Optionstext", "Option label"), "m",
		x.t("mittlerer Rang", "Mean rank"), x.t("Rangsumme", "Rank sum"), x.t("Anteil Rang 1", "Share ranked first"),
		x.t("Anteil unter den ersten k", "Share in top k"), "Kendall W", "χ²", "df", "p", x.t("Hinweise", "Notes")}, true); err != nil {
		return err
	}
	rows := 0
	for ri, r := range x.rounds {
		for i := range r.res.Items {
			it := &r.res.Items[i]
			if it.Ranking == nil {
				continue
			}
			item, sec := x.item(ri, it.ItemID)
			sec = cmpOr(it.SectionID, sec)
			groups := append([]string{""}, r.res.Groups...)
			for _, g := range groups {
				rs := it.Ranking.Overall
				label := x.t("alle", "all")
				if g != "" {
					var ok bool
					if rs, ok = it.Ranking.ByGroup[g]; !ok {
						continue
					}
					label = x.groupLabel(g)
				}
				note := x.reasons(rs.Undefined, map[string]string{"w": "W", "chi2": "χ²", "p": "p"})
				for _, o := range rs.Options {
					if err := sh.add(x.int(r.Number), x.str(x.sectionTitle(sec)), x.str(it.ItemID), x.long(x.text(item.Text)),
						x.str(label), x.str(o.ID), x.str(x.optionLabel(item, o.ID)), x.int(rs.M), x.num(o.MeanRank, x.st.dec2),
						x.float(o.RankSum, x.st.dec2), x.num(o.FirstShare, x.st.share), x.num(o.TopKShare, x.st.share),
						x.num(rs.W, x.st.dec3), x.num(rs.Chi2, x.st.dec2), x.int(rs.DF), x.num(rs.P, x.st.dec3), x.long(note)); err != nil {
						return err
					}
					rows++
				}
			}
		}
	}
	if rows == 0 {
		if err := sh.note(x.t("Keine Rangfolge-Fragen in den exportierten Runden.", "No ranking items in the exported rounds.")); err != nil {
			return err
		}
	}
	return sh.close()
}

// choices writes one row per round × choice item × group (all first) ×
// option: n, count and share.
func (x *xw) choices() error {
	sh, err := x.sheet(x.sheetName("choices"), 7, 18, 9, 45, 16, 24, 16, 24, 6, 8, 10, 10)
	if err != nil {
		return err
	}
	if err := sh.freeze(3); err != nil {
		return err
	}
	if err := sh.header([]string{x.t("Runde", "Round"), x.t("Block", "Block"), x.t("Frage", "Item"), x.t("Text", "Text"),
		x.t("Typ", "Type"), x.t("Expertengruppe", "Expert group"), x.t("Option", "Option"), x.t("Optionstext", "Option label"),
		"n", x.t("Anzahl", "Count"), x.t("Anteil", "Share"), x.t("ungültig", "invalid")}, true); err != nil {
		return err
	}
	rows := 0
	for ri, r := range x.rounds {
		for i := range r.res.Items {
			it := &r.res.Items[i]
			if it.Choice == nil {
				continue
			}
			item, sec := x.item(ri, it.ItemID)
			sec = cmpOr(it.SectionID, sec)
			groups := append([]string{""}, r.res.Groups...)
			for _, g := range groups {
				cc := it.Choice.ChoiceCounts
				label := x.t("alle", "all")
				if g != "" {
					var ok bool
					if cc, ok = it.Choice.ByGroup[g]; !ok {
						continue
					}
					label = x.groupLabel(g)
				}
				for _, o := range cc.Options {
					if err := sh.add(x.int(r.Number), x.str(x.sectionTitle(sec)), x.str(it.ItemID), x.long(x.text(item.Text)),
						x.str(x.typeLabel(it.Type)), x.str(label), x.str(o.ID), x.str(x.optionLabel(item, o.ID)),
						x.int(cc.N), x.int(o.Count), x.num(o.Share, x.st.share), x.int(cc.Invalid)); err != nil {
						return err
					}
					rows++
				}
			}
		}
	}
	if rows == 0 {
		if err := sh.note(x.t("Keine Auswahlfragen in den exportierten Runden.", "No choice items in the exported rounds.")); err != nil {
			return err
		}
	}
	return sh.close()
}

// maxCharts caps the charts of the distributions sheet.
const maxCharts = 60

// distributions writes the counts per scale point per round × rating item
// (criterion), and one 100 % stacked bar chart per round and block.
func (x *xw) distributions() error {
	var points []int // every scale value, ascending
	for _, sc := range x.def.Scales {
		for _, p := range sc.Points {
			if !slices.Contains(points, p.Value) {
				points = append(points, p.Value)
			}
		}
	}
	slices.Sort(points)
	widths := []float64{7, 18, 9, 18, 30, 6, 13}
	header := []string{x.t("Runde", "Round"), x.t("Block", "Block"), x.t("Frage", "Item"), x.t("Kriterium", "Criterion"),
		x.t("Beschriftung", "Label"), "n", x.t("Enthaltungen", "Abstentions")}
	const firstPoint = 8 // column of the first scale point
	for _, p := range points {
		header = append(header, strconv.Itoa(p))
		widths = append(widths, 6)
	}
	sh, err := x.sheet(x.sheetName("distributions"), widths...)
	if err != nil {
		return err
	}
	if err := sh.freeze(5); err != nil {
		return err
	}
	if err := sh.header(header, true); err != nil {
		return err
	}
	type block struct {
		round, first, last int
		title              string
		scale              delphi.Scale
		cols               []int // point columns used
	}
	var blocks []block
	for ri, r := range x.rounds {
		cur := -1
		for i := range r.res.Items {
			it := &r.res.Items[i]
			rows := ratingRows(it)
			if rows == nil {
				continue
			}
			item, sec := x.item(ri, it.ItemID)
			sec = cmpOr(it.SectionID, sec)
			title := x.sectionTitle(sec)
			if cur < 0 || blocks[cur].title != title || blocks[cur].round != r.Number {
				blocks = append(blocks, block{round: r.Number, first: sh.row + 1, title: title})
				cur = len(blocks) - 1
			}
			for _, rr := range rows {
				s := rr.r.Overall
				label := it.ItemID
				crit := any(nil)
				if rr.criterion != "" {
					l := x.criterionLabel(item, rr.criterion)
					label += " " + l
					crit = x.str(l)
				}
				cells := make([]any, firstPoint-1+len(points))
				copy(cells, []any{x.int(r.Number), x.str(title), x.str(it.ItemID), crit, x.str(label), x.int(s.N), x.int(s.Abstentions)})
				for _, p := range s.Distribution {
					if j := slices.Index(points, p.Value); j >= 0 {
						cells[firstPoint-1+j] = x.int(p.Count)
						if !slices.Contains(blocks[cur].cols, firstPoint+j) {
							blocks[cur].cols = append(blocks[cur].cols, firstPoint+j)
						}
					}
				}
				if len(blocks[cur].scale.Points) == 0 {
					blocks[cur].scale, _ = x.scaleOf(item, rr.criterion)
				}
				if err := sh.add(cells...); err != nil {
					return err
				}
				blocks[cur].last = sh.row
			}
		}
	}
	if len(blocks) == 0 {
		if err := sh.note(x.t("Keine Bewertungsfragen in den exportierten Runden.", "No rating items in the exported rounds.")); err != nil {
			return err
		}
	}
	// The charts, to the right of the table, one below the other.
	col, _ := excelize.ColumnNumberToName(len(header) + 2)
	at := 2
	for _, b := range blocks[:min(len(blocks), maxCharts)] {
		slices.Sort(b.cols)
		if len(b.cols) == 0 {
			continue
		}
		n := b.last - b.first + 1
		height := uint(min(120+22*n, 1800))
		chart := &excelize.Chart{
			Type:       excelize.BarPercentStacked,
			Title:      excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: x.roundName(b.round) + " – " + b.title + x.scaleEnds(b.scale)}}},
			Legend:     excelize.ChartLegend{Position: "bottom"},
			Dimension:  excelize.ChartDimension{Width: 720, Height: height},
			Format:     excelize.GraphicOptions{AltText: x.t("Verteilung der Bewertungen", "Distribution of ratings") + ": " + b.title},
			XAxis:      excelize.ChartAxis{ReverseOrder: true},
			VaryColors: new(bool),
		}
		colors := palette(len(b.cols))
		for j, c := range b.cols {
			chart.Series = append(chart.Series, excelize.ChartSeries{
				Name:       ref(sh.name, c, 1, c, 1),
				Categories: ref(sh.name, 5, b.first, 5, b.last),
				Values:     ref(sh.name, c, b.first, c, b.last),
				Fill:       excelize.Fill{Type: "pattern", Color: []string{colors[j]}, Pattern: 1},
			})
		}
		if err := x.f.AddChart(sh.name, col+strconv.Itoa(at), chart); err != nil {
			return err
		}
		at += int(height)/20 + 2
	}
	if len(blocks) > maxCharts {
		if err := sh.note(x.t("Diagramme nur für die ersten ", "Charts only for the first ") + strconv.Itoa(maxCharts) +
			x.t(" von ", " of ") + strconv.Itoa(len(blocks)) + x.t(" Blöcken.", " blocks.")); err != nil {
			return err
		}
	}
	return sh.close()
}

// scaleEnds names the scale's end points, e.g. " (1 = gar nicht … 5 = sehr)".
func (s *study) scaleEnds(sc delphi.Scale) string {
	if len(sc.Points) < 2 {
		return ""
	}
	lo, hi := sc.Points[0], sc.Points[len(sc.Points)-1]
	return " (" + s.pointText(lo) + " … " + s.pointText(hi) + ")"
}

// pointText renders a scale point as "5 = sehr", or "5" when it has no label.
func (s *study) pointText(p delphi.ScalePoint) string {
	n := strconv.Itoa(p.Value)
	if l := s.text(p.Label); l != "" {
		return n + " = " + l
	}
	return n
}

// palette returns n colours from red over grey to green, as Likert charts use.
func palette(n int) []string {
	lo, mid, hi := [3]float64{0xD7, 0x19, 0x1C}, [3]float64{0xC8, 0xC8, 0xC8}, [3]float64{0x1A, 0x96, 0x41}
	out := make([]string, n)
	for i := range n {
		t := 0.5
		if n > 1 {
			t = float64(i) / float64(n-1)
		}
		a, b, u := lo, mid, t*2
		if t > 0.5 {
			a, b, u = mid, hi, (t-0.5)*2
		}
		var c [3]byte
		for k := range 3 {
			c[k] = byte(a[k] + (b[k]-a[k])*u + 0.5)
		}
		out[i] = "#" + hex2(c[0]) + hex2(c[1]) + hex2(c[2])
	}
	return out
}

func hex2(b byte) string {
	const digits = "0123456789ABCDEF"
	return string([]byte{digits[b>>4], digits[b&15]})
}

// comments writes every free text with round, item and group, in the
// results' order (by group, then text), never with a pseudonym.
func (x *xw) comments() error {
	sh, err := x.sheet(x.sheetName("comments"), 7, 18, 9, 45, 28, 24, 90)
	if err != nil {
		return err
	}
	if err := sh.freeze(3); err != nil {
		return err
	}
	if err := sh.header([]string{x.t("Runde", "Round"), x.t("Block", "Block"), x.t("Frage", "Item"), x.t("Fragetext", "Item text"),
		x.t("Expertengruppe", "Expert group"), x.t("Art", "Kind"), x.t("Text", "Text")}, true); err != nil {
		return err
	}
	if err := sh.spoolRows(); err != nil {
		return err
	}
	rows := 0
	groups, kinds := map[string]any{}, map[string]any{} // cells reused across rows
	cached := func(m map[string]any, key string, label func(string) string) any {
		c, ok := m[key]
		if !ok {
			c = x.str(label(key))
			m[key] = c
		}
		return c
	}
	for ri, r := range x.rounds {
		round := x.int(r.Number)
		for i := range r.res.Items {
			it := &r.res.Items[i]
			if len(it.Comments) == 0 && it.NComments == 0 {
				continue
			}
			item, sec := x.item(ri, it.ItemID)
			block, id, itemText := x.str(x.sectionTitle(cmpOr(it.SectionID, sec))), x.str(it.ItemID), x.long(x.text(item.Text))
			err := it.EachComment(x.in.texts, func(c analysis.Comment) error {
				if rows%256 == 0 {
					if err := x.ctx.Err(); err != nil {
						return err
					}
				}
				rows++
				return sh.add(round, block, id, itemText, cached(groups, c.Group, x.groupLabel),
					cached(kinds, c.Kind, x.kindLabel), x.long(c.Text))
			})
			if err != nil {
				return err
			}
		}
	}
	if err := x.in.texts.Err(); err != nil {
		return err
	}
	if rows == 0 {
		if err := sh.note(x.t("Keine Kommentare oder Freitexte.", "No comments or free texts.")); err != nil {
			return err
		}
	}
	return sh.close()
}
