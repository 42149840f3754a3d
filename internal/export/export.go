// Package export writes the results of a Delphi study for reports and for
// statistics software: an Excel workbook (WriteXLSX) with readable results,
// a methods sheet, the raw data and a codebook, and the raw data in long
// format as CSV (WriteCSV) or JSON (WriteJSON). docs/EXPORT.md describes
// every sheet and column.
//
// The package is pure apart from the writer it is given: the caller loads the
// study, the rounds and their results (analysis.RoundResults, frozen for
// closed rounds, live for open ones) and streams the responses round by round.
// Every statistic is taken from the results as given, never recomputed, so
// the export matches the results API. Input carries no personal data: experts
// appear only by pseudonym and group, and free texts only without pseudonym.
package export

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/panelflow"
	"github.com/expertenrunde/expertenrunde/internal/reporting"
)

// AbstainCode is the value of a "cannot judge" rating in the raw data sheet.
// It lies outside every scale a study may define (points are −1000…1000).
const AbstainCode = -9999

// Software is the name printed with the version in every export.
const Software = "Expertenrunde"

// Input is everything an export needs. It holds no names, e-mail addresses
// or organisations.
type Input struct {
	Survey  *delphi.Survey           // the definition and its revision
	Rounds  []delphi.Round           // the rounds to export, ascending by number
	Results []*analysis.RoundResults // one per round, in the same order
	// Responses streams the responses of one round, calling yield once per
	// response, and returns yield's first error. The export never holds a
	// round's panel in memory. nil means there are no responses.
	Responses func(round int, yield func(*delphi.Response) error) error
	Panel     PanelComposition // counts per group, for the methods sheet
	Lang      string           // de or en; "" takes the study's first language
	Version   string           // the software version
	Now       time.Time        // the export time
	// Flow and Attrition, optional, give the sheets "Fluss / Flow" and
	// "Ausfälle / Attrition" (Sources.Flow); nil leaves them out.
	Flow      *panelflow.Flow
	Attrition *panelflow.Attrition
	// Provenance, optional, gives the sheet "Herkunft / Provenance"
	// (Sources.Provenance); nil leaves it out.
	Provenance []delphi.ProvenanceRow
	// Report, optional, is the reporting checklist, the methods paragraph
	// and the analysis protocol: the workbook's sheets "Methoden &
	// Berichterstattung" and "Protokoll".
	Report *reporting.Report
	// Protocol and Deviations, optional, are the locked analysis protocol
	// for the bundle's protocol.json (nil before round 1 opened).
	Protocol   *delphi.Protocol
	Deviations []delphi.Deviation
	// Realtime and Revisions, optional, are a real-time study's analysed
	// revision history and the revisions (Sources.Realtime): the sheets
	// "Verlauf", "Überarbeitungen" and "Revisionen"; nil leaves them out.
	Realtime  *analysis.RealtimeResults
	Revisions []delphi.Revision
	// Arguments, optional, are the study's arguments between rounds with
	// their ratings: the workbook's sheet "Argumente" (hidden ones marked).
	Arguments []delphi.RatedArgument

	// texts holds the answers and free texts of the live results Load
	// computed, and their comments (ItemResult.EachComment). Close removes
	// it.
	texts *textFile
	// releases free the rounds' reads (ResponseReader) that the writer did
	// not stream to their end.
	releases []func()
}

// Close releases what Load keeps outside memory for the export (temporary
// files of answers and free texts); call it after writing. The results'
// comments are unreadable after it.
func (in *Input) Close() {
	in.texts.close()
	in.texts = nil
	for _, release := range in.releases {
		release()
	}
	in.releases = nil
}

// PanelComposition counts the panel per expert group (group id → count).
// Nil maps are printed as "not given".
type PanelComposition struct {
	Experts  map[string]int                   // panel members per group (everyone recruited)
	Declined map[string]int                   // members who left the study
	Rounds   map[int]map[string]Participation // round → group → participation
	// InvitedUnknown says the invitations were not recorded (no panel or
	// no mail store given): the invited columns say so.
	InvitedUnknown bool
}

// Participation counts one group in one round (results.ResponseRates).
type Participation struct {
	Invited     int `json:"invited"`      // InvitedMail + InvitedFile
	InvitedMail int `json:"invited_mail"` // an invitation e-mail was sent
	InvitedFile int `json:"invited_file"` // a link handed out without mail (links file, single link)
	Started     int `json:"started"`      // saved at least one answer, or submitted
	Completed   int `json:"completed"`    // submitted
}

// FileName returns the export's file name, e.g.
// "kleinstadtakademie-2020_ergebnisse_2026-11-26.xlsx" ("_results_" in
// English). The date is now's calendar date in now's location: pass the
// time in the study's time zone. ext may be given with or without the dot.
func FileName(surveyID, lang string, now time.Time, ext string) string {
	word := "ergebnisse"
	if lang == delphi.LangEN {
		word = "results"
	}
	id := unsafeFileChars.ReplaceAllString(surveyID, "_")
	if id == "" {
		id = "study"
	}
	return id + "_" + word + "_" + now.Format("2006-01-02") + "." + strings.TrimPrefix(ext, ".")
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// study is the checked input with the lookups every writer needs.
type study struct {
	in     Input
	def    *delphi.Definition
	lang   string
	loc    *time.Location
	rounds []roundInfo
	groups []string // group ids: the definition's order, then others from the results by id
	vars   []variable
	byItem map[string][]int // item id → indexes into vars
	texts  []variable       // text items: no variable, listed in the codebook
}

// roundInfo is one exported round with its results.
type roundInfo struct {
	delphi.Round
	res   *analysis.RoundResults
	items map[string]delphi.RoundItem
	vars  [][]int // per entry of Items, its variables (indexes into study.vars)
}

// prepare checks in and builds the lookups. Errors are EINVALID.
func prepare(in Input) (*study, error) {
	if in.Survey == nil || in.Survey.Definition == nil {
		return nil, delphi.FieldErrorf(delphi.EINVALID, "survey", "the study definition is missing")
	}
	def := in.Survey.Definition
	lang := in.Lang
	if lang == "" {
		lang = delphi.LangDE
		if len(def.Languages) > 0 && def.Languages[0] == delphi.LangEN {
			lang = delphi.LangEN
		}
	}
	if lang != delphi.LangDE && lang != delphi.LangEN {
		return nil, delphi.FieldErrorf(delphi.EINVALID, "lang", "the language must be de or en")
	}
	if len(in.Results) != len(in.Rounds) {
		return nil, delphi.FieldErrorf(delphi.EINVALID, "results", "%d results for %d rounds", len(in.Results), len(in.Rounds))
	}
	s := &study{in: in, def: def, lang: lang, loc: def.Location()}
	for i, r := range in.Rounds {
		res := in.Results[i]
		if res == nil || res.Round != r.Number {
			return nil, delphi.FieldErrorf(delphi.EINVALID, "results", "the results of round %d are missing", r.Number)
		}
		if i > 0 && r.Number <= in.Rounds[i-1].Number {
			return nil, delphi.FieldErrorf(delphi.EINVALID, "rounds", "the rounds must be in ascending order")
		}
		ri := roundInfo{Round: r, res: res, items: make(map[string]delphi.RoundItem, len(r.Items))}
		for _, it := range r.Items {
			ri.items[it.Item.ID] = it
		}
		s.rounds = append(s.rounds, ri)
	}
	s.setGroups()
	s.setVariables()
	return s, nil
}

// setGroups orders the group ids: the definition's, then those only the
// results know, by id.
func (s *study) setGroups() {
	seen := map[string]bool{}
	for _, g := range s.def.Groups {
		if !seen[g.ID] {
			seen[g.ID] = true
			s.groups = append(s.groups, g.ID)
		}
	}
	var extra []string
	for _, r := range s.rounds {
		for _, g := range r.res.Groups {
			if !seen[g] {
				seen[g] = true
				extra = append(extra, g)
			}
		}
	}
	slices.Sort(extra)
	s.groups = append(s.groups, extra...)
}

// t picks the German or the English text.
func (s *study) t(de, en string) string {
	if s.lang == delphi.LangDE {
		return de
	}
	return en
}

// text returns t in the export language (with delphi.Text's fallbacks).
func (s *study) text(t delphi.Text) string { return t.Get(s.lang) }

// groupLabel returns the group's label, or its id for unknown groups and
// "(ohne Gruppe)" for the empty id.
func (s *study) groupLabel(id string) string {
	if id == "" {
		return s.t("(ohne Gruppe)", "(no group)")
	}
	if g, ok := s.def.Group(id); ok {
		if l := s.text(g.Label); l != "" {
			return l
		}
	}
	return id
}

// sectionTitle returns the title of the definition's section id, or the id.
func (s *study) sectionTitle(id string) string {
	for _, sec := range s.def.Sections {
		if sec.ID == id {
			if t := s.text(sec.Title); t != "" {
				return t
			}
		}
	}
	return id
}

// item returns the item as asked in round ri (falling back to the
// definition) and its section id.
func (s *study) item(ri int, id string) (delphi.Item, string) {
	if ri >= 0 && ri < len(s.rounds) {
		if it, ok := s.rounds[ri].items[id]; ok {
			sec := it.SectionID
			if sec == "" {
				sec = s.defSection(id)
			}
			return it.Item, sec
		}
	}
	it, _ := s.def.Item(id)
	if it.ID == "" {
		it.ID = id
	}
	return it, s.defSection(id)
}

func (s *study) defSection(id string) string {
	for _, sec := range s.def.Sections {
		for _, it := range sec.Items {
			if it.ID == id {
				return sec.ID
			}
		}
	}
	return ""
}

// criterionLabel returns the label of criterion id of it, or the id.
func (s *study) criterionLabel(it delphi.Item, id string) string {
	for _, c := range it.Criteria {
		if c.ID == id {
			if l := s.text(c.Label); l != "" {
				return l
			}
		}
	}
	return id
}

// optionLabel returns the label of option id of it, or the id.
func (s *study) optionLabel(it delphi.Item, id string) string {
	for _, o := range it.Options {
		if o.ID == id {
			if l := s.text(o.Label); l != "" {
				return l
			}
		}
	}
	return id
}

// scaleOf returns the scale of a rating item or of one criterion.
func (s *study) scaleOf(it delphi.Item, criterion string) (delphi.Scale, bool) {
	id := it.Scale
	if criterion != "" {
		for _, c := range it.Criteria {
			if c.ID == criterion {
				id = c.Scale
			}
		}
	}
	return s.def.Scale(id)
}

// typeLabel names an item type for people.
func (s *study) typeLabel(typ string) string {
	switch typ {
	case delphi.ItemRating:
		return s.t("Bewertung", "rating")
	case delphi.ItemMultiRating:
		return s.t("Mehrfachbewertung", "multi rating")
	case delphi.ItemSingleChoice:
		return s.t("Einfachauswahl", "single choice")
	case delphi.ItemMultipleChoice:
		return s.t("Mehrfachauswahl", "multiple choice")
	case delphi.ItemRanking:
		return s.t("Rangfolge", "ranking")
	case delphi.ItemNumeric:
		return s.t("Zahl", "numeric")
	case delphi.ItemText:
		return s.t("Freitext", "text")
	}
	return typ
}

// outcomeLabel names a consensus outcome for people. The labels are what
// the conditional formats of the results sheets match.
func (s *study) outcomeLabel(o string) string {
	switch o {
	case analysis.ConsensusIn:
		return s.t("Konsens", "consensus in")
	case analysis.ConsensusOut:
		return s.t("ablehnender Konsens", "consensus out")
	case analysis.ConsensusNone:
		return s.t("kein Konsens", "no consensus")
	}
	return o
}

// kindLabel names a comment kind.
func (s *study) kindLabel(k string) string {
	switch k {
	case analysis.KindAnswer:
		return s.t("Antwort (Freitext)", "answer (open question)")
	case analysis.KindComment:
		return s.t("Kommentar", "comment")
	case analysis.KindJustification:
		return s.t("Begründung (außerhalb des IQR)", "justification (outside the IQR)")
	}
	return k
}

// flagLabel names a divergence flag.
func (s *study) flagLabel(f string) string {
	switch f {
	case analysis.FlagMedianGap:
		return s.t("Mediane der Gruppen ≥ 2 Punkte auseinander", "group medians ≥ 2 points apart")
	case analysis.FlagOppositeConsensus:
		return s.t("gegensätzlicher Konsens in den Gruppen", "opposite consensus between groups")
	case analysis.FlagBimodal:
		return s.t("bimodale Verteilung", "bimodal distribution")
	}
	return f
}

// reasons turns a summary's undefined map into a note such as
// "SD: n < 2; CV: n < 2", with the columns' names.
func (s *study) reasons(undefined map[string]string, names map[string]string) string {
	if len(undefined) == 0 {
		return ""
	}
	keys := make([]string, 0, len(undefined))
	for k := range undefined {
		if _, shown := names[k]; shown {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(fieldRank(a), fieldRank(b)), cmp.Compare(a, b))
	})
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, names[k]+": "+s.reason(undefined[k]))
	}
	return strings.Join(parts, "; ")
}

// fieldOrder is the column order of the statistics, for notes.
var fieldOrder = []string{"mean", "sd", "median", "q1", "q3", "iqr", "min", "max", "agreement_percent", "cv", "rwg",
	"share_changed", "scheibe", "wilcoxon.p", "delta_iqr", "w", "chi2", "p"}

func fieldRank(f string) int {
	if i := slices.Index(fieldOrder, f); i >= 0 {
		return i
	}
	return len(fieldOrder)
}

// reason translates the known reasons of internal/stats.
func (s *study) reason(r string) string {
	if s.lang != delphi.LangDE {
		return r
	}
	switch r {
	case "mean is 0":
		return "Mittelwert ist 0"
	case "no rankings":
		return "keine Rangfolgen"
	case "fewer than 2 options":
		return "weniger als 2 Optionen"
	case "no paired experts":
		return "keine gepaarten Antworten"
	case "no non-zero differences":
		return "keine Änderungen"
	}
	return r
}

// localTime returns t's wall clock in the study's time zone, as a UTC time
// (spreadsheet date cells have no zone).
func (s *study) localTime(t time.Time) time.Time {
	l := t.In(s.loc)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)
}

// ruleText returns the consensus rule in words as the first exported
// round's results state it (the rule used from round 1), or from the
// definition when there are no results.
func (s *study) ruleText() string {
	for _, r := range s.rounds {
		if t := r.res.RuleText[s.lang]; t != "" {
			return t
		}
	}
	return analysis.RuleText(s.def.Consensus, s.def, s.lang)
}

// quantileText describes the quantile type.
func (s *study) quantileText() string {
	typ := s.def.Quantile()
	if len(s.rounds) > 0 && s.rounds[0].res.QuantileType != 0 {
		typ = s.rounds[0].res.QuantileType
	}
	switch typ {
	case delphi.QuantileType6:
		return s.t("Typ 6 nach Hyndman & Fan (wie SPSS, Excel QUARTILE.EXC)", "type 6 of Hyndman & Fan (as SPSS, Excel QUARTILE.EXC)")
	case delphi.QuantileType7:
		return s.t("Typ 7 nach Hyndman & Fan (Standard von R, Excel QUARTILE.INC)", "type 7 of Hyndman & Fan (the default of R, Excel QUARTILE.INC)")
	}
	return fmt.Sprintf(s.t("Typ %d", "type %d"), typ)
}

// ratingRow is one rating or one criterion of a result item.
type ratingRow struct {
	criterion string
	r         *analysis.RatingResult
}

// ratingRows returns the rating of it, or one row per criterion.
func ratingRows(it *analysis.ItemResult) []ratingRow {
	switch {
	case it.Rating != nil:
		return []ratingRow{{"", it.Rating}}
	case it.Criteria != nil:
		rows := make([]ratingRow, len(it.Criteria))
		for i := range it.Criteria {
			rows[i] = ratingRow{it.Criteria[i].CriterionID, &it.Criteria[i].RatingResult}
		}
		return rows
	}
	return nil
}
