package export

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// overview writes the methods sheet: what a report must carry (CREDES,
// ACCORD): the study, the rule stated before round 1, the feedback shown,
// the rounds with their dates and item changes, the panel and attrition per
// group, anonymity, free text, codes, software and export time.
func (x *xw) overview() error {
	sh, err := x.sheet(x.sheetName("overview"), 38, 60, 16, 16, 16, 16, 14, 14, 14, 14, 16, 18, 14)
	if err != nil {
		return err
	}
	def := x.def
	kv := func(label string, v any) error { return sh.add(x.bold(label), v) }
	heading := func(t string) error {
		sh.row++ // a blank row before each section
		return sh.add(excelize.Cell{StyleID: x.st.heading, Value: t})
	}
	steps := []func() error{
		func() error { return sh.add(excelize.Cell{StyleID: x.st.title, Value: x.text(def.Title)}) },
		func() error { return heading(x.t("Studie", "Study")) },
		func() error { return kv(x.t("Studien-ID", "Study id"), x.str(def.ID)) },
		func() error { return kv(x.t("Version der Definition", "Definition version"), x.str(def.Version)) },
		func() error {
			return kv(x.t("Revision der Definition", "Definition revision"), excelize.Cell{StyleID: x.st.left, Value: x.in.Survey.Revision})
		},
		func() error {
			return kv(x.t("Status der Studie", "Study status"), x.str(x.surveyStatus(x.in.Survey.Status)))
		},
		func() error { return kv(x.t("Sprachen", "Languages"), x.str(strings.Join(def.Languages, ", "))) },
		func() error { return kv(x.t("Zeitzone (alle Zeiten)", "Time zone (all times)"), x.str(x.loc.String())) },
		func() error {
			return kv(x.t("Geplante Runden", "Planned rounds"), excelize.Cell{StyleID: x.st.left, Value: def.Rounds.Planned})
		},
		func() error {
			return kv(x.t("Exportierte Runden", "Rounds exported"), x.str(roundsText(x.roundNumbers())))
		},
		func() error {
			return kv(x.t("Software", "Software"), x.str(strings.TrimSpace(Software+" "+x.in.Version)))
		},
		func() error {
			return kv(x.t("Exportiert am", "Exported at"), excelize.Cell{StyleID: x.st.leftDate, Value: x.localTime(x.in.Now)})
		},
		func() error { return kv(x.t("Sprache des Exports", "Export language"), x.str(x.lang)) },
		func() error {
			if x.answered() {
				return nil
			}
			return kv(x.t("Hinweis", "Note"), x.long(x.t(
				"Es liegen noch keine Antworten vor. Die Ergebnisblätter enthalten die Fragen ohne Werte.",
				"There are no answers yet. The results sheets list the items without values.")))
		},

		func() error {
			return heading(x.t("Konsenskriterium (vor Runde 1 festgelegt)", "Consensus rule (stated before round 1)"))
		},
		func() error { return kv(x.t("Regel", "Rule"), x.long(x.ruleText())) },
		x.ruleChanges(sh),
		x.ruleSetRows(sh),
		func() error { return kv(x.t("Quantile", "Quantiles"), x.long(x.quantileText())) },
		func() error { return kv(x.t("Wilcoxon-Test", "Wilcoxon test"), x.long(x.wilcoxonText())) },
		func() error { return kv("ΔIQR", x.long(x.deltaIQRText())) },
		func() error {
			if t := x.tiesText(); t != "" {
				return kv(x.t("Rangfolgen mit Gleichständen", "Rankings with ties"), x.long(t))
			}
			return nil
		},
		func() error {
			return kv(x.t("Enthaltungen", "Abstentions"), x.long(x.t(
				"„Kann ich nicht beurteilen“ ist keine gültige Antwort: Es zählt nicht zu n, geht in keine Statistik ein und wird als Enthaltung gezählt.",
				"\"Cannot judge\" is not a valid answer: it does not count in n, enters no statistic and is counted as an abstention.")))
		},
		func() error {
			return kv(x.t("Rundung", "Rounding"), x.long(x.t(
				"Die Blätter zeigen gerundete Werte (kaufmännisch, z. B. 81,25 → 81,3); die Zellen enthalten die ungerundeten Werte mit 15 signifikanten Stellen, genau wie die Ergebnis-API sie liefert.",
				"The sheets show rounded values (half up, e.g. 81.25 → 81.3); the cells hold the unrounded values to 15 significant digits, exactly as the results API gives them.")))
		},

		func() error {
			return heading(x.t("Rückmeldung an das Panel (ab Runde 2)", "Feedback shown to the panel (from round 2)"))
		},
		func() error { return kv(x.t("Statistiken", "Statistics"), x.long(x.feedbackStats())) },
		func() error {
			fb := def.Rounds.Feedback
			return kv(x.t("Eigene Antwort der Vorrunde", "Own previous answer"), x.yesNo(fb.OwnPrevious))
		},
		func() error {
			fb := def.Rounds.Feedback
			return kv(x.t("Kommentare der Vorrunde (anonym)", "Previous comments (anonymous)"), x.yesNo(fb.Comments))
		},
		func() error {
			fb := def.Rounds.Feedback
			return kv(x.t("Nach Gruppen getrennt", "Split by expert group"), x.yesNo(fb.ByGroup))
		},
		func() error {
			return kv(x.t("Mindestzahl Antworten je Gruppe (min_group_n)", "Minimum answers per group (min_group_n)"), x.long(x.minGroupText()))
		},
		func() error {
			fb := def.Rounds.Feedback
			return kv(x.t("Gruppenergebnis erst nach eigener Antwort (Anti-Anchoring)", "Group results only after answering (anti-anchoring)"), x.yesNo(fb.HideUntilAnswered))
		},
		func() error {
			what := x.t("nur abgeschickte (submitted)", "submitted only (submitted)")
			if def.Rounds.Feedback.CountRule() == delphi.CountAll {
				what = x.t("alle, auch Entwürfe (all)", "all, drafts included (all)")
			}
			return kv(x.t("Gezählte Antworten (feedback.count)", "Answers counted (feedback.count)"), x.long(what))
		},
		func() error {
			fb := def.Rounds.Feedback
			return kv(x.t("Begründung außerhalb des IQR der Vorrunde verlangt", "Justification required outside the previous IQR"), x.yesNo(fb.JustifyOutsideIQR))
		},
		func() error {
			return kv(x.t("Übernahme in die nächste Runde", "Carried into the next round"), x.long(x.carryText()))
		},
		func() error {
			return kv(x.t("Überarbeiten nach dem Absenden", "Revising after submitting"), x.yesNo(def.Rounds.RevisionAllowed()))
		},

		func() error { return heading(x.t("Anonymität und Freitexte", "Anonymity and free text")) },
		func() error {
			return kv(x.t("Anonymität", "Anonymity"), x.long(x.t(
				"Die Expertinnen und Experten erscheinen nur mit ihrem pseudonymen Code und ihrer Gruppe. Namen, E-Mail-Adressen und Organisationen werden getrennt gespeichert und sind nicht Teil dieses Exports. Das Panel sah nur zusammengefasste Ergebnisse und Kommentare ohne Pseudonym.",
				"Experts appear only by their pseudonymous code and their group. Names, e-mail addresses and organisations are stored apart and are not part of this export. The panel saw only aggregated results and comments without pseudonyms.")))
		},
		func() error {
			return kv(x.t("Freitexte", "Free text"), x.long(x.t(
				"Kommentare, Antworten auf offene Fragen und Begründungen stehen im Blatt „Kommentare“ mit Runde, Frage und Gruppe, sortiert nach Gruppe und Text, nie mit Pseudonym. Die Rohdaten enthalten keine Freitexte.",
				"Comments, answers to open questions and justifications are in the sheet \"Comments\" with round, item and group, ordered by group and text, never with a pseudonym. The raw data hold no free text.")))
		},
		func() error {
			return kv(x.t("Kleine Gruppen", "Small groups"), x.long(x.t(
				"Ergebnisse und Kommentare nach Gruppe können bei Gruppen mit ein oder zwei Mitgliedern auf Personen schließen lassen. Bitte vor der Veröffentlichung prüfen.",
				"Results and comments by group may point to a person in groups of one or two members. Please check before publishing.")))
		},

		func() error { return heading(x.t("Runden", "Rounds")) },
		x.roundsTable(sh),
		func() error { return heading(x.t("Panel nach Expertengruppen", "Panel by expert group")) },
		x.panelTable(sh),
		func() error {
			return heading(x.t("Teilnahme je Runde und Gruppe", "Participation per round and group"))
		},
		x.attritionTable(sh),
		func() error {
			return heading(x.t("Hinzugefügte, geänderte und entfallene Fragen", "Items added, changed and dropped"))
		},
		x.changesTable(sh),

		func() error { return heading(x.t("Codes in den Rohdaten", "Codes in the raw data")) },
		func() error {
			return kv(strconv.Itoa(AbstainCode), x.long(x.t("kann ich nicht beurteilen (Enthaltung)", "cannot judge (abstention)")))
		},
		func() error {
			return kv(x.t("leere Zelle", "empty cell"), x.long(x.t("in dieser Runde nicht gefragt oder nicht beantwortet", "not asked in this round, or not answered")))
		},
		func() error {
			return kv(x.t("Mehrfachauswahl", "Multiple choice"), x.long(x.t("eine Spalte je Option: 1 gewählt, 0 nicht gewählt", "one column per option: 1 chosen, 0 not chosen")))
		},
		func() error {
			return kv(x.t("Rangfolge", "Ranking"), x.long(x.t("eine Spalte je Option: Rang (1 = vorn); 0 = nicht unter den ersten k", "one column per option: the rank (1 = first); 0 = not in the top k")))
		},
		func() error {
			return kv(x.t("Einfachauswahl", "Single choice"), x.long(x.t("die Nummer der Option laut Codebuch", "the option's number as in the codebook")))
		},

		func() error { return heading(x.t("Blätter", "Sheets")) },
		x.sheetList(sh),
	}
	for _, st := range steps {
		if err := st(); err != nil {
			return err
		}
	}
	return sh.close()
}

func (s *study) roundNumbers() []int {
	out := make([]int, len(s.rounds))
	for i, r := range s.rounds {
		out[i] = r.Number
	}
	return out
}

// answered reports whether any exported round has a respondent.
func (s *study) answered() bool {
	for _, r := range s.rounds {
		if r.res.Respondents.Total > 0 {
			return true
		}
		for _, it := range r.res.Items {
			if it.Answered > 0 {
				return true
			}
		}
	}
	return false
}

// ruleChanges warns when a round's results used another rule than the first.
func (x *xw) ruleChanges(sh *sheet) func() error {
	return func() error {
		first := x.ruleText()
		for _, r := range x.rounds {
			if t := r.res.RuleText[x.lang]; t != "" && t != first {
				if err := sh.add(x.bold(x.t("Achtung", "Warning")), x.long(x.t("In Runde ", "In round ")+strconv.Itoa(r.Number)+
					x.t(" galt eine andere Regel: ", " another rule applied: ")+t)); err != nil {
					return err
				}
			}
		}
		return nil
	}
}

// minGroupText states the smallest group the feedback by group showed
// with numbers, and what happened to smaller ones.
func (s *study) minGroupText() string {
	fb := s.def.Rounds.Feedback
	k := strconv.Itoa(fb.MinGroup())
	if !fb.ByGroup {
		return s.t(k+" (nicht angewandt: keine Rückmeldung nach Gruppen)", k+" (not applied: no feedback by group)")
	}
	return s.t(
		k+": Gruppen mit weniger Antworten (Enthaltungen eingeschlossen) wurden dem Panel ohne Zahlen gezeigt, und die Kommentare einer solchen Frage ohne Gruppe. Die Ergebnisblätter dieses Exports enthalten alle Gruppen.",
		k+": groups with fewer answers (abstentions included) were shown to the panel without numbers, and the comments of such an item without groups. The results sheets of this export hold every group.")
}

func (s *study) feedbackStats() string {
	names := map[string][2]string{
		"n": {"n", "n"}, "median": {"Median", "median"}, "iqr": {"Interquartilsabstand (IQR)", "interquartile range (IQR)"},
		"mean": {"Mittelwert", "mean"}, "sd": {"Standardabweichung", "standard deviation"},
		"distribution": {"Verteilung (Diagramm)", "distribution (chart)"}, "agreement": {"Zustimmung in %", "agreement in %"},
		"consensus": {"Konsensergebnis", "consensus outcome"},
	}
	var parts []string
	for _, st := range s.def.Rounds.Feedback.Statistics {
		if n, ok := names[st]; ok {
			parts = append(parts, s.t(n[0], n[1]))
		} else {
			parts = append(parts, st)
		}
	}
	if !slices.Contains(s.def.Rounds.Feedback.Statistics, "n") {
		parts = append([]string{"n"}, parts...) // n is always shown
	}
	return strings.Join(parts, ", ")
}

func (s *study) carryText() string {
	co := s.def.Rounds.CarryOver
	switch co.Mode {
	case delphi.CarryAll:
		return s.t("alle Fragen", "all items")
	case delphi.CarryChosen:
		return s.t("ausgewählte Fragen: ", "chosen items: ") + strings.Join(co.Items, ", ")
	}
	return s.t("Fragen ohne Konsens", "items without consensus")
}

func (s *study) surveyStatus(st string) string {
	switch st {
	case delphi.SurveyDraft:
		return s.t("Entwurf", "draft")
	case delphi.SurveyActive:
		return s.t("aktiv", "active")
	case delphi.SurveyClosed:
		return s.t("abgeschlossen", "closed")
	}
	return st
}

func (s *study) statusLabel(st string) string {
	switch st {
	case delphi.RoundDraft:
		return s.t("Entwurf", "draft")
	case delphi.RoundOpen:
		return s.t("offen", "open")
	case delphi.RoundClosed:
		return s.t("geschlossen", "closed")
	}
	return st
}

// dateCell returns a date cell in the study's zone, or nil.
func (x *xw) dateCell(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return excelize.Cell{StyleID: x.st.date, Value: x.localTime(*t)}
}

// change is one item added, changed or dropped in a round.
type change struct {
	round  int
	item   string
	kind   string // delphi.OriginNew, delphi.OriginChanged or "dropped"
	reason string
}

// changes lists the item changes per exported round, and counts per round
// (added, changed, dropped; dropped is -1 when the previous round is not
// exported).
func (s *study) changes() ([]change, map[int][3]int) {
	var list []change
	counts := map[int][3]int{}
	for i, r := range s.rounds {
		var c [3]int
		for _, it := range r.Items {
			switch it.Origin {
			case delphi.OriginNew:
				c[0]++
				list = append(list, change{r.Number, it.Item.ID, delphi.OriginNew, it.Reason})
			case delphi.OriginChanged:
				c[1]++
				list = append(list, change{r.Number, it.Item.ID, delphi.OriginChanged, it.Reason})
			}
		}
		switch {
		case i > 0 && s.rounds[i-1].Number == r.Number-1:
			prev := s.rounds[i-1]
			for _, it := range prev.Items {
				if _, ok := r.items[it.Item.ID]; !ok {
					c[2]++
					list = append(list, change{r.Number, it.Item.ID, "dropped", s.outcomeSummary(i-1, it.Item.ID)})
				}
			}
		case r.Number > 1:
			c[2] = -1
		}
		counts[r.Number] = c
	}
	return list, counts
}

// outcomeSummary states an item's consensus outcome(s) in round ri.
func (s *study) outcomeSummary(ri int, id string) string {
	it, ok := s.rounds[ri].res.Item(id)
	if !ok {
		return ""
	}
	item, _ := s.item(ri, id)
	var parts []string
	for _, rr := range ratingRows(it) {
		p := s.outcomeLabel(rr.r.Consensus.Outcome)
		if rr.criterion != "" {
			p = s.criterionLabel(item, rr.criterion) + ": " + p
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return ""
	}
	return s.roundName(s.rounds[ri].Number) + ": " + strings.Join(parts, "; ")
}

func (x *xw) roundsTable(sh *sheet) func() error {
	return func() error {
		if len(x.rounds) == 0 {
			return sh.note(x.t("Es wurden keine Runden exportiert.", "No rounds were exported."))
		}
		if err := sh.header([]string{x.t("Runde", "Round"), x.t("Status", "Status"),
			x.t("öffnet (geplant)", "opens (planned)"), x.t("Frist", "deadline"), x.t("geöffnet", "opened"), x.t("geschlossen", "closed"),
			x.t("Fragen", "items"), x.t("neu", "added"), x.t("geändert", "changed"), x.t("entfallen", "dropped"),
			x.t("Ergebnisse", "results"), x.t("berechnet am", "computed at"), x.t("Antwortende", "respondents"),
			x.t("davon abgeschickt", "submitted"), x.t("Entwürfe", "drafts")}, false); err != nil {
			return err
		}
		_, counts := x.changes()
		for _, r := range x.rounds {
			c := counts[r.Number]
			var dropped any = x.int(c[2])
			if c[2] < 0 {
				dropped = x.str(x.t("unbekannt", "unknown"))
			}
			state := x.t("eingefroren (Runde geschlossen)", "frozen (round closed)")
			if r.res.Live {
				state = x.t("vorläufig (Runde offen)", "provisional (round open)")
			}
			computed := r.res.ComputedAt
			if err := sh.add(x.int(r.Number), x.str(x.statusLabel(r.Status)), x.dateCell(r.OpensAt), x.dateCell(r.Deadline),
				x.dateCell(r.OpenedAt), x.dateCell(r.ClosedAt), x.int(len(r.Items)), x.int(c[0]), x.int(c[1]), dropped,
				x.long(state), x.dateCell(&computed), x.int(r.res.Respondents.Total),
				x.int(r.res.Respondents.Submitted), x.int(r.res.Respondents.Drafts)); err != nil {
				return err
			}
		}
		return nil
	}
}

func (x *xw) panelTable(sh *sheet) func() error {
	return func() error {
		p := x.in.Panel
		if p.Experts == nil {
			return sh.note(x.t("Die Zusammensetzung des Panels wurde nicht übergeben.", "The panel composition was not given."))
		}
		if err := sh.header([]string{x.t("Expertengruppe", "Expert group"), x.t("Gruppen-ID", "group id"),
			x.t("Mitglieder", "members"), x.t("ausgeschieden", "declined")}, false); err != nil {
			return err
		}
		total, declined := 0, 0
		for _, g := range x.panelGroups() {
			total += p.Experts[g]
			declined += p.Declined[g]
			if err := sh.add(x.str(x.groupLabel(g)), x.str(g), x.int(p.Experts[g]), x.int(p.Declined[g])); err != nil {
				return err
			}
		}
		return sh.add(x.bold(x.t("Gesamt", "Total")), nil, x.int(total), x.int(declined))
	}
}

// panelGroups are the study's groups plus any the panel counts name.
func (s *study) panelGroups() []string {
	gs := slices.Clone(s.groups)
	var extra []string
	add := func(m map[string]int) {
		for g := range m {
			if !slices.Contains(gs, g) && !slices.Contains(extra, g) {
				extra = append(extra, g)
			}
		}
	}
	add(s.in.Panel.Experts)
	add(s.in.Panel.Declined)
	for _, m := range s.in.Panel.Rounds {
		for g := range m {
			if !slices.Contains(gs, g) && !slices.Contains(extra, g) {
				extra = append(extra, g)
			}
		}
	}
	slices.Sort(extra)
	return append(gs, extra...)
}

func (x *xw) attritionTable(sh *sheet) func() error {
	return func() error {
		if len(x.rounds) == 0 {
			return sh.note(x.t("Es wurden keine Runden exportiert.", "No rounds were exported."))
		}
		if err := sh.header([]string{x.t("Runde", "Round"), x.t("Expertengruppe", "Expert group"),
			x.t("eingeladen", "invited"), x.t("davon per E-Mail", "of them by e-mail"), x.t("davon per Link-Datei oder Einzellink", "of them by links file or single link"),
			x.t("begonnen", "started"), x.t("abgeschlossen", "completed"),
			x.t("Rücklauf (abgeschlossen / eingeladen)", "response rate (completed / invited)"),
			x.t("Antwortende in der Auswertung", "respondents in the results")}, false); err != nil {
			return err
		}
		rate := func(p Participation) any {
			if p.Invited == 0 || x.in.Panel.InvitedUnknown {
				return nil
			}
			return x.float(float64(p.Completed)/float64(p.Invited), x.st.share)
		}
		for _, r := range x.rounds {
			byGroup, given := x.in.Panel.Rounds[r.Number]
			var sum Participation
			for _, g := range x.panelGroups() {
				p := byGroup[g]
				sum.Invited += p.Invited
				sum.InvitedMail += p.InvitedMail
				sum.InvitedFile += p.InvitedFile
				sum.Started += p.Started
				sum.Completed += p.Completed
				inv, mail, file, st, co := x.participation(p, given)
				if err := sh.add(x.int(r.Number), x.str(x.groupLabel(g)), inv, mail, file, st, co, rate(p), x.int(r.res.Respondents.ByGroup[g])); err != nil {
					return err
				}
			}
			inv, mail, file, st, co := x.participation(sum, given)
			if err := sh.add(x.int(r.Number), x.bold(x.t("Gesamt", "Total")), inv, mail, file, st, co, rate(sum), x.int(r.res.Respondents.Total)); err != nil {
				return err
			}
		}
		return nil
	}
}

// participation is the cells of one row of the attrition table: invited,
// by mail, by file, started, completed; empty when the round's numbers
// were not given, "not recorded" for unknown invitations.
func (x *xw) participation(p Participation, given bool) (inv, mail, file, st, co any) {
	if !given {
		return
	}
	inv, mail, file, st, co = x.int(p.Invited), x.int(p.InvitedMail), x.int(p.InvitedFile), x.int(p.Started), x.int(p.Completed)
	if x.in.Panel.InvitedUnknown {
		inv = x.str(x.t("nicht erfasst", "not recorded"))
		mail, file = inv, inv
	}
	return
}

func (x *xw) changesTable(sh *sheet) func() error {
	return func() error {
		list, _ := x.changes()
		if len(x.rounds) > 0 && x.rounds[0].Number == 1 {
			if err := sh.add(x.bold(x.roundName(1)), x.long(strconv.Itoa(len(x.rounds[0].Items))+
				x.t(" Fragen aus der Definition", " items from the definition"))); err != nil {
				return err
			}
		}
		if len(list) == 0 {
			return sh.note(x.t("Keine Fragen hinzugefügt, geändert oder entfallen.", "No items were added, changed or dropped."))
		}
		if err := sh.header([]string{x.t("Runde", "Round"), x.t("Frage", "Item"), x.t("Änderung", "Change"),
			x.t("Begründung bzw. Ergebnis der Vorrunde", "Reason, or the previous round's outcome")}, false); err != nil {
			return err
		}
		for _, c := range list {
			kind := map[string]string{
				delphi.OriginNew:     x.t("neu", "added"),
				delphi.OriginChanged: x.t("geändert", "changed"),
				"dropped":            x.t("entfallen", "dropped"),
			}[c.kind]
			if err := sh.add(x.int(c.round), x.str(c.item), x.str(kind), x.long(c.reason)); err != nil {
				return err
			}
		}
		return nil
	}
}

func (x *xw) sheetList(sh *sheet) func() error {
	return func() error {
		rows := [][2]string{
			{x.sheetName("overview"), x.t("diese Übersicht (Methoden)", "this overview (methods)")},
			{x.t("Runde n", "Round n"), x.t("Ergebnisse je Frage und Kriterium einer Runde", "results per item and criterion of one round")},
			{x.sheetName("across"), x.t("Median, IQR, Zustimmung, Stabilität und Konsens über die Runden", "median, IQR, agreement, stability and consensus across rounds")},
			{x.sheetName("groups"), x.t("Ergebnisse je Expertengruppe und Divergenz zwischen den Gruppen", "results per expert group and divergence between groups")},
			{x.sheetName("rankings"), x.t("mittlere Ränge, Kendalls W", "mean ranks, Kendall's W")},
			{x.sheetName("distributions"), x.t("Häufigkeiten je Skalenpunkt, mit Diagrammen", "counts per scale point, with charts")},
			{x.sheetName("choices"), x.t("Häufigkeiten der Optionen von Auswahlfragen", "option counts of choice items")},
			{x.sheetName("comments"), x.t("alle Freitexte ohne Pseudonym", "every free text, without pseudonym")},
			{x.sheetName("raw"), x.t("eine Zeile je Person und Runde, eine Spalte je Frage (für R, SPSS, pandas)", "one row per expert and round, one column per item (for R, SPSS, pandas)")},
			{x.sheetName("codebook"), x.t("Variablen der Rohdaten mit Fragetexten und Codes", "the raw data's variables with item texts and codes")},
			{x.sheetName("sensitivity"), x.t("Konsens unter alternativen Regeln, Bootstrap-KI der Zustimmung, Fragen nahe der Schwelle", "consensus under alternative rules, bootstrap CI of agreement, items near the threshold")},
		}
		rows = append(rows, x.flowSheets()...)
		rows = append(rows, x.realtimeSheets()...)
		rows = append(rows, x.provenanceSheets()...)
		if x.def.Arguments {
			rows = append(rows, [2]string{x.t("Argumente", "Arguments"), x.t("die Argumente pro und contra mit Gruppe und Bewertungen, ausgeblendete markiert, nie mit Pseudonym", "the pro and con arguments with group and ratings, hidden ones marked, never with a pseudonym")})
		}
		if x.in.Report != nil {
			rows = append(rows,
				[2]string{x.reportingSheetName("checklist"), x.t("Berichtscheckliste und Methodenabsatz (Entwurf)", "reporting checklist and methods paragraph (draft)")},
				[2]string{x.reportingSheetName("protocol"), x.t("das gesperrte Analyseprotokoll mit SHA-256 und Abweichungen", "the locked analysis protocol with SHA-256 and deviations")})
		}
		for _, r := range rows {
			if err := sh.add(x.bold(r[0]), x.long(r[1])); err != nil {
				return err
			}
		}
		return nil
	}
}
