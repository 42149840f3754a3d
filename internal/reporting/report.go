package reporting

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/results"
	"github.com/expertenrunde/expertenrunde/internal/rounds"
)

// Sources are what Report reads: the round lifecycle (so an overdue round
// is closed first), the results service the results API uses (the numbers
// match), and the stores of the responses, the panel and the mail sends.
type Sources struct {
	Rounds interface {
		List(ctx context.Context, surveyID string) ([]*delphi.Round, error)
	}
	Results interface {
		Round(ctx context.Context, surveyID string, n int) (*analysis.RoundResults, error)
	}
	Responses delphi.ResponseStore
	Experts   interface { // optional: without it the panel is who responded
		ListExperts(ctx context.Context, surveyID string) ([]*delphi.Expert, error)
	}
	Mail interface { // optional
		ListMailSends(ctx context.Context, surveyID string, round int) ([]*delphi.MailSend, error)
	}
}

// Statuses of a checklist entry.
const (
	FromData    = "from_data"    // filled from the study's data
	NeedsAuthor = "needs_author" // only the authors know it
)

// Why a study stopped (Facts.Stop).
const (
	StopRunning = "running"         // a round is open or prepared, or fewer rounds than planned ran and items are left
	StopPlanned = "planned_reached" // the planned number of rounds closed
	StopRuleMet = "rule_met"        // no item was left for another round
)

// Entry is one item of the reporting checklist. Topic and Value are given
// in German and English (keys "de", "en"); Value is empty when the status
// is NeedsAuthor. ACCORD and CREDES are the guidelines' item numbers where
// they were verified from the published text, otherwise empty (see
// docs/REPORTING.md).
type Entry struct {
	ID     string            `json:"id"`
	Topic  map[string]string `json:"topic"`
	Value  map[string]string `json:"value"`
	Status string            `json:"status"`
	ACCORD string            `json:"accord"`
	CREDES string            `json:"credes"`
}

// RoundFacts are the facts of one round.
type RoundFacts struct {
	Number   int        `json:"number"`
	Status   string     `json:"status"`
	OpenedAt *time.Time `json:"opened_at,omitempty"`
	ClosedAt *time.Time `json:"closed_at,omitempty"`
	// DaysSincePrevious: whole days from the close of the previous round
	// to the opening of this one; nil for round 1 or when not known.
	DaysSincePrevious *int `json:"days_since_previous,omitempty"`
	Items             int  `json:"items"`
	Initial           int  `json:"initial"`
	Carried           int  `json:"carried"`
	Changed           int  `json:"changed"`
	New               int  `json:"new"`
	Dropped           int  `json:"dropped"` // asked in the previous round, not in this one
	Panel             int  `json:"panel"`   // results.ResponseRates' panel of the round
	Submitted         int  `json:"submitted"`
	// ResponseRate is Submitted / Panel in percent; nil for an empty panel.
	ResponseRate *float64 `json:"response_rate,omitempty"`
	Comments     int      `json:"comments"` // item comments in the round's results
	ConsensusIn  int      `json:"consensus_in"`
	ConsensusOut int      `json:"consensus_out"`
}

// FinalItem is an item that reached consensus in its last round.
type FinalItem struct {
	ID    string      `json:"id"`
	Text  delphi.Text `json:"text"`
	Round int         `json:"round"`
}

// Facts are what the platform knows about the study for its report.
type Facts struct {
	SurveyID     string             `json:"survey_id"`
	Revision     int                `json:"revision"`
	Version      string             `json:"version"`
	Software     string             `json:"software"`
	RuleText     map[string]string  `json:"rule_text"`
	MinN         int                `json:"min_n"`
	QuantileType int                `json:"quantile_type"`
	CarryOver    string             `json:"carry_over"`
	Feedback     delphi.Feedback    `json:"feedback"`
	Planned      int                `json:"planned"`
	Actual       int                `json:"actual"` // rounds opened
	Stop         string             `json:"stop"`
	Groups       int                `json:"groups"`
	Experts      int                `json:"experts"` // panel members (experts of the study), 0 when unknown
	Rounds       []RoundFacts       `json:"rounds"`
	Comments     int                `json:"comments"`
	Stability    bool               `json:"stability"` // a Wilcoxon signed-rank test between rounds was computed
	FinalItems   []FinalItem        `json:"final_items"`
	Protocol     *delphi.Protocol   `json:"protocol,omitempty"`
	Deviations   []delphi.Deviation `json:"deviations"`
	TimeZone     string             `json:"time_zone"` // the study's: dates in the texts are its calendar days
	loc          *time.Location
}

// Report is the reporting checklist and the methods paragraph of a study,
// both from the same Facts.
type Report struct {
	Facts     Facts             `json:"facts"`
	Checklist []Entry           `json:"checklist"`
	Paragraph map[string]string `json:"paragraph"` // "de" and "en"
}

// Report gathers the facts of sv and writes the checklist and the methods
// paragraph. Deterministic: the same data give the same text. Errors: the
// stores' and the results service's.
func (s *Service) Report(ctx context.Context, sv *delphi.Survey) (*Report, error) {
	f, err := s.facts(ctx, sv)
	if err != nil {
		return nil, err
	}
	return &Report{Facts: *f, Checklist: checklist(f), Paragraph: map[string]string{
		delphi.LangDE: paragraph(f, delphi.LangDE), delphi.LangEN: paragraph(f, delphi.LangEN),
	}}, nil
}

func (s *Service) facts(ctx context.Context, sv *delphi.Survey) (*Facts, error) {
	def := sv.Definition
	f := &Facts{
		SurveyID: sv.ID, Revision: sv.Revision, Version: def.Version, Software: "Expertenrunde " + s.Version,
		RuleText: map[string]string{}, MinN: def.Consensus.MinN, QuantileType: def.Quantile(),
		CarryOver: delphi.ProtocolOf(def).CarryOver.Mode, Feedback: delphi.ProtocolOf(def).Feedback,
		Planned: def.Rounds.Planned, Groups: len(def.Groups), Deviations: []delphi.Deviation{}, FinalItems: []FinalItem{},
		TimeZone: def.Zone(), loc: def.Location(),
	}
	for _, l := range []string{delphi.LangDE, delphi.LangEN} {
		f.RuleText[l] = analysis.RuleText(def.Consensus, def, l)
	}
	p, devs, err := s.Protocol(ctx, sv)
	switch {
	case err == nil:
		f.Protocol, f.Deviations = p, append(f.Deviations, devs...)
	case delphi.ErrorCode(err) != delphi.ENOTFOUND:
		return nil, err
	}
	rs, err := s.Sources.Rounds.List(ctx, sv.ID)
	if err != nil {
		return nil, err
	}
	var experts []*delphi.Expert
	if s.Sources.Experts != nil {
		if experts, err = s.Sources.Experts.ListExperts(ctx, sv.ID); err != nil {
			return nil, err
		}
		f.Experts = len(experts)
	}
	final := map[string]FinalItem{}
	var last *analysis.RoundResults
	for i, r := range rs {
		rf, res, err := s.round(ctx, sv, rs, i, experts, final)
		if err != nil {
			return nil, err
		}
		if r.Status != delphi.RoundDraft {
			f.Actual++
		}
		if r.Status == delphi.RoundClosed {
			last = res
		}
		f.Comments += rf.Comments
		f.Stability = f.Stability || hasStability(res)
		f.Rounds = append(f.Rounds, rf)
	}
	f.Stop = stopReason(def, rs, last)
	for _, it := range def.Items() { // definition order, then items added later by round
		if fi, ok := final[it.ID]; ok {
			f.FinalItems = append(f.FinalItems, fi)
			delete(final, it.ID)
		}
	}
	for _, r := range rs {
		for _, ri := range r.Items {
			if fi, ok := final[ri.Item.ID]; ok {
				f.FinalItems = append(f.FinalItems, fi)
				delete(final, ri.Item.ID)
			}
		}
	}
	return f, nil
}

// round gathers the facts of rs[i] and notes in final the outcome of each
// of its items (a later round's outcome replaces an earlier one).
func (s *Service) round(ctx context.Context, sv *delphi.Survey, rs []*delphi.Round, i int, experts []*delphi.Expert, final map[string]FinalItem) (RoundFacts, *analysis.RoundResults, error) {
	r := rs[i]
	rf := RoundFacts{Number: r.Number, Status: r.Status, OpenedAt: r.OpenedAt, ClosedAt: r.ClosedAt, Items: len(r.Items)}
	var prev *delphi.Round
	if i > 0 {
		prev = rs[i-1]
		if prev.ClosedAt != nil && r.OpenedAt != nil {
			d := int(math.Round(r.OpenedAt.Sub(*prev.ClosedAt).Hours() / 24))
			rf.DaysSincePrevious = &d
		}
		for _, pi := range prev.Items {
			if _, ok := r.Item(pi.Item.ID); !ok {
				rf.Dropped++
			}
		}
	}
	for _, ri := range r.Items {
		switch ri.Origin {
		case delphi.OriginInitial:
			rf.Initial++
		case delphi.OriginCarried:
			rf.Carried++
		case delphi.OriginChanged:
			rf.Changed++
		case delphi.OriginNew:
			rf.New++
		}
	}
	if r.Status == delphi.RoundDraft {
		return rf, nil, nil
	}
	responses, err := s.Sources.Responses.ListResponses(ctx, sv.ID, r.Number)
	if err != nil {
		return rf, nil, err
	}
	var sends []*delphi.MailSend
	if s.Sources.Mail != nil {
		if sends, err = s.Sources.Mail.ListMailSends(ctx, sv.ID, r.Number); err != nil {
			return rf, nil, err
		}
	}
	_, total := results.ResponseRates(experts, responses, sends, results.RoundLinkWindow(prev, r))
	rf.Panel, rf.Submitted = total.Panel, total.Submitted
	if total.Panel > 0 {
		rate := 100 * float64(total.Submitted) / float64(total.Panel)
		rf.ResponseRate = &rate
	}
	res, err := s.Sources.Results.Round(ctx, sv.ID, r.Number)
	if err != nil {
		return rf, nil, err
	}
	for _, ri := range r.Items {
		ir, ok := res.Item(ri.Item.ID)
		if !ok {
			continue
		}
		rf.Comments += len(ir.Comments)
		switch outcome(ir) {
		case analysis.ConsensusIn:
			rf.ConsensusIn++
			if r.Status == delphi.RoundClosed {
				final[ri.Item.ID] = FinalItem{ID: ri.Item.ID, Text: ri.Item.Text, Round: r.Number}
			}
		case analysis.ConsensusOut:
			rf.ConsensusOut++
			delete(final, ri.Item.ID)
		default:
			delete(final, ri.Item.ID)
		}
	}
	return rf, res, nil
}

// outcome is an item's consensus outcome: a rating's; a multi_rating's
// when every criterion has the same one; "" for items without consensus.
func outcome(ir *analysis.ItemResult) string {
	if ir.Rating != nil {
		return ir.Rating.Consensus.Outcome
	}
	if len(ir.Criteria) == 0 {
		return ""
	}
	o := ir.Criteria[0].Consensus.Outcome
	for _, c := range ir.Criteria[1:] {
		if c.Consensus.Outcome != o {
			return analysis.ConsensusNone
		}
	}
	return o
}

func hasStability(res *analysis.RoundResults) bool {
	if res == nil {
		return false
	}
	for _, ir := range res.Items {
		if ir.Rating != nil && ir.Rating.Stability != nil {
			return true
		}
		for _, c := range ir.Criteria {
			if c.Stability != nil {
				return true
			}
		}
	}
	return false
}

// stopReason says why the study stopped: running while a round is open or
// prepared; planned_reached once the planned rounds closed; rule_met when
// the latest closed round left no item for another round by the study's
// carry-over rule (rounds.NeedsAnotherRound under no_consensus); running
// otherwise (fewer rounds than planned, items left).
func stopReason(def *delphi.Definition, rs []*delphi.Round, last *analysis.RoundResults) string {
	if len(rs) == 0 || rs[len(rs)-1].Status != delphi.RoundClosed || last == nil {
		return StopRunning
	}
	if def.Rounds.Planned > 0 && len(rs) >= def.Rounds.Planned {
		return StopPlanned
	}
	if delphi.ProtocolOf(def).CarryOver.Mode == delphi.CarryNoConsensus {
		r := rs[len(rs)-1]
		if !slices.ContainsFunc(r.Items, func(ri delphi.RoundItem) bool { return rounds.NeedsAnotherRound(ri.Item, last) }) {
			return StopRuleMet
		}
	}
	return StopRunning
}

// words picks the German or the English text.
func words(lang, de, en string) string {
	if lang == delphi.LangDE {
		return de
	}
	return en
}

// both returns the text of fn in German and English.
func both(fn func(lang string) string) map[string]string {
	return map[string]string{delphi.LangDE: fn(delphi.LangDE), delphi.LangEN: fn(delphi.LangEN)}
}

// pct writes a percentage with one decimal (a decimal comma in German).
func pct(lang string, v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	if lang == delphi.LangDE {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + " %"
}

func day(t *time.Time, loc *time.Location) string {
	if t == nil {
		return "–"
	}
	return t.In(loc).Format("2006-01-02")
}

// StopText says in words why the study stopped.
func StopText(stop, lang string) string {
	switch stop {
	case StopPlanned:
		return words(lang, "die geplante Rundenzahl wurde erreicht", "the planned number of rounds was reached")
	case StopRuleMet:
		return words(lang, "das Abbruchkriterium wurde erfüllt: kein Item blieb für eine weitere Runde", "the stopping rule was met: no item was left for another round")
	}
	return words(lang, "die Befragung läuft noch", "the study is still running")
}

func carryText(mode, lang string) string {
	switch mode {
	case delphi.CarryAll:
		return words(lang, "Alle Items wurden in die nächste Runde übernommen.", "All items were carried into the next round.")
	case delphi.CarryChosen:
		return words(lang, "Die Koordination wählte die Items der nächsten Runde aus.", "The coordinators chose the items of the next round.")
	}
	return words(lang, "Items ohne Konsens wurden in die nächste Runde übernommen; Items mit Konsens (Zustimmung oder Ablehnung) schieden aus.",
		"Items without consensus were carried into the next round; items with consensus (in or out) were dropped.")
}

func feedbackText(fb delphi.Feedback, lang string) string {
	parts := []string{}
	if len(fb.Statistics) > 0 {
		parts = append(parts, words(lang, "Statistiken (", "statistics (")+strings.Join(fb.Statistics, ", ")+")")
	}
	if fb.OwnPrevious {
		parts = append(parts, words(lang, "die eigene Antwort der Vorrunde", "the expert's own previous answer"))
	}
	if fb.Comments {
		parts = append(parts, words(lang, "die anonymisierten Kommentare", "the anonymised comments"))
	}
	if len(parts) == 0 {
		return words(lang, "keine Rückmeldung", "no feedback")
	}
	s := strings.Join(parts, ", ")
	if fb.ByGroup {
		s += words(lang, fmt.Sprintf(", getrennt nach Gruppen mit mindestens %d Antworten", fb.MinGroupN),
			fmt.Sprintf(", split by groups with at least %d answers", fb.MinGroupN))
	}
	return s
}

func analysisText(f *Facts, lang string) string {
	s := words(lang,
		fmt.Sprintf("Median und Quartile (Hyndman–Fan Typ %d), Anteil der Zustimmung je Item", f.QuantileType),
		fmt.Sprintf("median and quartiles (Hyndman–Fan type %d), percentage agreement per item", f.QuantileType))
	if f.Stability {
		s += words(lang, "; Stabilität zwischen den Runden: Wilcoxon-Vorzeichen-Rang-Test", "; stability between rounds: Wilcoxon signed-rank test")
	}
	return s
}

func roundsValue(f *Facts, lang string) string {
	return words(lang, fmt.Sprintf("geplant %d, durchgeführt %d; %s", f.Planned, f.Actual, StopText(f.Stop, lang)),
		fmt.Sprintf("planned %d, run %d; %s", f.Planned, f.Actual, StopText(f.Stop, lang)))
}

func perRound(f *Facts, fn func(r RoundFacts) (string, bool)) string {
	var parts []string
	for _, r := range f.Rounds {
		if s, ok := fn(r); ok {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return "–"
	}
	return strings.Join(parts, "; ")
}

func rateText(r RoundFacts, lang string) string {
	s := fmt.Sprintf("%d/%d", r.Submitted, r.Panel)
	if r.ResponseRate != nil {
		s += " (" + pct(lang, *r.ResponseRate) + ")"
	}
	return s
}

// roundName is a round's short name in lists, e.g. "R2" (the same in both languages).
func roundName(_ string, n int) string { return "R" + strconv.Itoa(n) }

// checklist maps the facts to the reporting items.
func checklist(f *Facts) []Entry {
	loc := f.loc
	entry := func(id, de, en string, value func(lang string) string) Entry {
		e := Entry{ID: id, Topic: map[string]string{delphi.LangDE: de, delphi.LangEN: en}, Status: NeedsAuthor, Value: map[string]string{delphi.LangDE: "", delphi.LangEN: ""}}
		if value != nil {
			e.Status, e.Value = FromData, both(value)
		}
		return e
	}
	return []Entry{
		entry("consensus_definition", "Konsensdefinition und Schwelle", "Consensus definition and threshold", func(l string) string {
			s := f.RuleText[l]
			if f.MinN > 0 {
				s += words(l, fmt.Sprintf(" (mindestens %d gültige Antworten)", f.MinN), fmt.Sprintf(" (at least %d valid answers)", f.MinN))
			}
			return s
		}),
		entry("carry_over", "Regel für Beibehalten oder Streichen von Items", "Rule for keeping or dropping items", func(l string) string { return carryText(f.CarryOver, l) }),
		entry("rounds", "Anzahl der Runden (geplant, durchgeführt) und Grund des Endes", "Number of rounds (planned, run) and why the study stopped", func(l string) string { return roundsValue(f, l) }),
		entry("dates", "Zeitraum der Runden und Abstand zwischen ihnen", "Dates of the rounds and time between them", func(l string) string {
			return perRound(f, func(r RoundFacts) (string, bool) {
				if r.OpenedAt == nil {
					return "", false
				}
				s := roundName(l, r.Number) + ": " + day(r.OpenedAt, loc) + " – " + day(r.ClosedAt, loc)
				if r.DaysSincePrevious != nil {
					s += words(l, fmt.Sprintf(" (%d Tage nach Runde %d)", *r.DaysSincePrevious, r.Number-1), fmt.Sprintf(" (%d days after round %d)", *r.DaysSincePrevious, r.Number-1))
				}
				return s, true
			})
		}),
		entry("software", "Software und Version", "Software and version", func(string) string { return f.Software }),
		entry("anonymity", "Anonymität und wie sie gewahrt wurde", "Anonymity and how it was kept", func(l string) string {
			s := words(l, "Die Expertinnen und Experten antworteten unter Pseudonymen; Rückmeldungen und Kommentare wurden ohne Namen gezeigt",
				"Experts answered under pseudonyms; feedback and comments were shown without names")
			if f.Feedback.ByGroup {
				s += words(l, fmt.Sprintf("; Gruppenwerte nur bei mindestens %d Antworten", f.Feedback.MinGroupN), fmt.Sprintf("; group results only with at least %d answers", f.Feedback.MinGroupN))
			}
			return s
		}),
		entry("feedback", "Rückmeldung nach jeder Runde", "Feedback after each round", func(l string) string { return feedbackText(f.Feedback, l) }),
		entry("analysis", "Auswertung der Antworten (Quantile, Tests)", "How answers were analysed (quantiles, tests)", func(l string) string { return analysisText(f, l) }),
		entry("response_rate", "Rücklauf je Runde (abgeschickt/Panel)", "Response rate per round (submitted/panel)", func(l string) string {
			return perRound(f, func(r RoundFacts) (string, bool) {
				return roundName(l, r.Number) + ": " + rateText(r, l), r.Status != delphi.RoundDraft
			})
		}),
		entry("items_per_round", "Items je Runde (übernommen, neu, gestrichen)", "Items per round (carried, new, dropped)", func(l string) string {
			return perRound(f, func(r RoundFacts) (string, bool) {
				return roundName(l, r.Number) + ": " + words(l,
					fmt.Sprintf("%d Items (%d ursprünglich, %d übernommen, %d geändert, %d neu, %d gestrichen)", r.Items, r.Initial, r.Carried, r.Changed, r.New, r.Dropped),
					fmt.Sprintf("%d items (%d initial, %d carried, %d changed, %d new, %d dropped)", r.Items, r.Initial, r.Carried, r.Changed, r.New, r.Dropped)), true
			})
		}),
		entry("comments", "Anzahl der Kommentare", "Number of comments", func(l string) string {
			return strconv.Itoa(f.Comments) + " (" + perRound(f, func(r RoundFacts) (string, bool) {
				return roundName(l, r.Number) + ": " + strconv.Itoa(r.Comments), r.Status != delphi.RoundDraft
			}) + ")"
		}),
		entry("final_items", "Endgültige Item-Liste (Konsens: Zustimmung)", "Final item list (consensus in)", func(l string) string {
			if len(f.FinalItems) == 0 {
				return words(l, "keine", "none")
			}
			parts := make([]string, len(f.FinalItems))
			for i, it := range f.FinalItems {
				parts[i] = it.ID + " (" + roundName(l, it.Round) + ")"
			}
			return strconv.Itoa(len(f.FinalItems)) + ": " + strings.Join(parts, ", ")
		}),
		protocolEntry(f, entry),
		entry("panel_selection", "Auswahl und Rekrutierung des Panels", "Selection and recruitment of the panel", nil),
		entry("ethics", "Ethikvotum und Einwilligung", "Ethics approval and consent", nil),
		entry("conflicts", "Interessenkonflikte", "Conflicts of interest", nil),
		entry("funding", "Finanzierung", "Funding", nil),
	}
}

func protocolEntry(f *Facts, entry func(id, de, en string, value func(lang string) string) Entry) Entry {
	if f.Protocol == nil {
		return entry("protocol", "Vorab festgelegtes Auswertungsprotokoll und Abweichungen", "Pre-specified analysis protocol and deviations", func(l string) string {
			return words(l, "wird beim Öffnen von Runde 1 festgeschrieben", "frozen when round 1 opens")
		})
	}
	return entry("protocol", "Vorab festgelegtes Auswertungsprotokoll und Abweichungen", "Pre-specified analysis protocol and deviations", func(l string) string {
		return words(l, fmt.Sprintf("festgeschrieben am %s (Revision %d), SHA-256 %s; %d Abweichungen", day(&f.Protocol.FrozenAt, f.loc), f.Protocol.Revision, f.Protocol.SHA256, len(f.Deviations)),
			fmt.Sprintf("frozen on %s (revision %d), SHA-256 %s; %d deviations", day(&f.Protocol.FrozenAt, f.loc), f.Protocol.Revision, f.Protocol.SHA256, len(f.Deviations)))
	})
}

// paragraph writes the methods paragraph in lang from the facts.
func paragraph(f *Facts, lang string) string {
	var b strings.Builder
	add := func(de, en string) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words(lang, de, en))
	}
	add(fmt.Sprintf("Die Delphi-Befragung wurde online mit %s durchgeführt.", f.Software),
		fmt.Sprintf("The Delphi study was run online with %s.", f.Software))
	add(fmt.Sprintf("Geplant waren %d Runden; durchgeführt wurden %d (%s).", f.Planned, f.Actual, StopText(f.Stop, lang)),
		fmt.Sprintf("%d rounds were planned and %d were run (%s).", f.Planned, f.Actual, StopText(f.Stop, lang)))
	rule := strings.TrimSuffix(f.RuleText[lang], ".")
	add("Konsens war vor der ersten Runde definiert als: "+rule+".", "Consensus was defined before the first round as: "+rule+".")
	if f.MinN > 0 {
		add(fmt.Sprintf("Ein Item brauchte dafür mindestens %d gültige Antworten.", f.MinN), fmt.Sprintf("An item needed at least %d valid answers for it.", f.MinN))
	}
	add(carryText(f.CarryOver, delphi.LangDE), carryText(f.CarryOver, delphi.LangEN))
	add("Nach jeder Runde erhielten die Teilnehmenden als Rückmeldung: "+feedbackText(f.Feedback, delphi.LangDE)+".",
		"After each round, participants received as feedback: "+feedbackText(f.Feedback, delphi.LangEN)+".")
	add("Die Teilnehmenden antworteten unter Pseudonymen.", "Participants answered under pseudonyms.")
	add("Ausgewertet wurden "+analysisText(f, delphi.LangDE)+".", "The analysis reported "+analysisText(f, delphi.LangEN)+".")
	var rates []string
	for _, r := range f.Rounds {
		if r.Status != delphi.RoundDraft {
			rates = append(rates, words(lang, fmt.Sprintf("Runde %d: %s", r.Number, rateText(r, lang)), fmt.Sprintf("round %d: %s", r.Number, rateText(r, lang))))
		}
	}
	if len(rates) > 0 {
		add("Rücklauf (abgeschickt/Panel): "+strings.Join(rates, "; ")+".", "Response (submitted/panel): "+strings.Join(rates, "; ")+".")
	}
	add(fmt.Sprintf("Insgesamt wurden %d Kommentare abgegeben.", f.Comments), fmt.Sprintf("In total, %d comments were made.", f.Comments))
	if f.Actual > 0 {
		add(fmt.Sprintf("Konsens (Zustimmung) erreichten %d Items.", len(f.FinalItems)), fmt.Sprintf("%d items reached consensus (in).", len(f.FinalItems)))
	}
	if f.Protocol != nil {
		add(fmt.Sprintf("Das Auswertungsprotokoll wurde beim Öffnen der ersten Runde festgeschrieben (SHA-256 %s); es gab %d Abweichungen.", f.Protocol.SHA256, len(f.Deviations)),
			fmt.Sprintf("The analysis protocol was frozen when the first round opened (SHA-256 %s); there were %d deviations.", f.Protocol.SHA256, len(f.Deviations)))
	}
	return b.String()
}
