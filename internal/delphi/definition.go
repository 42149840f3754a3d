package delphi

// A study definition, as written by coordinators in surveys/*.yaml and
// validated by internal/survey against surveys/schema.json plus semantic checks.
// JSON and YAML field names are identical (snake_case).

import (
	"strconv"
	"time"
)

// Languages the platform speaks. Every study text may be given in each.
const (
	LangDE = "de"
	LangEN = "en"
)

// Text is a text per language code, e.g. {"de": "Wohnen", "en": "Housing"}.
type Text map[string]string

// Get returns the text in lang, falling back to German, then English, then any.
func (t Text) Get(lang string) string {
	if s, ok := t[lang]; ok && s != "" {
		return s
	}
	for _, l := range []string{LangDE, LangEN} {
		if s, ok := t[l]; ok && s != "" {
			return s
		}
	}
	for _, s := range t {
		return s
	}
	return ""
}

// Item types.
const (
	ItemRating         = "rating"          // one rating on one scale
	ItemMultiRating    = "multi_rating"    // one rating per criterion, e.g. importance and feasibility
	ItemSingleChoice   = "single_choice"   // exactly one option
	ItemMultipleChoice = "multiple_choice" // several options, at most MaxChoices
	ItemRanking        = "ranking"         // a full ranking of the options, or the top K
	ItemNumeric        = "numeric"         // a number estimate with unit and bounds
	ItemText           = "text"            // free text (open question)
)

// Carry-over modes for preparing round n+1 from round n.
const (
	CarryNoConsensus = "no_consensus" // items without consensus (default)
	CarryAll         = "all"
	CarryChosen      = "chosen" // the items listed in CarryOver.Items
)

// Quantile types (Hyndman–Fan).
const (
	QuantileType7 = 7 // R default, Excel QUARTILE.INC (the default)
	QuantileType6 = 6 // SPSS, Excel QUARTILE.EXC
)

// Definition is one version of a study definition.
type Definition struct {
	ID          string   `json:"id" yaml:"id"`               // slug, e.g. "kleinstadtakademie-2020"
	Version     string   `json:"version" yaml:"version"`     // the author's version label, e.g. "1" or "2020-10"
	Languages   []string `json:"languages" yaml:"languages"` // declared languages; the first is the default
	Title       Text     `json:"title" yaml:"title"`         //
	Description Text     `json:"description,omitempty" yaml:"description,omitempty"`
	TimeZone    string   `json:"time_zone,omitempty" yaml:"time_zone,omitempty"` // IANA zone, default Europe/Berlin
	Contact     *Contact `json:"contact,omitempty" yaml:"contact,omitempty"`     // coordinators' contact shown in e-mails
	Privacy     Text     `json:"privacy,omitempty" yaml:"privacy,omitempty"`     // privacy notice shown before consent

	Groups       []Group   `json:"groups" yaml:"groups"` // expert groups (strata)
	Scales       []Scale   `json:"scales" yaml:"scales"`
	QuantileType int       `json:"quantile_type,omitempty" yaml:"quantile_type,omitempty"` // 7 (default) or 6
	Consensus    Rule      `json:"consensus" yaml:"consensus"`                             // stated before round 1
	Rounds       RoundPlan `json:"rounds" yaml:"rounds"`
	Sections     []Section `json:"sections" yaml:"sections"` // the blocks, in order

	// Analysis chooses between statistical methods (analysis.go); nil: the defaults.
	Analysis *Analysis `json:"analysis,omitempty" yaml:"analysis,omitempty"`

	// ConsensusCriteria gives the criteria with these ids (of any
	// multi_rating item) a primary rule of their own instead of Consensus.
	ConsensusCriteria map[string]Rule `json:"consensus_criteria,omitempty" yaml:"consensus_criteria,omitempty"`
	// ConsensusNumeric is the primary rule of numeric items (none when nil).
	ConsensusNumeric *Rule `json:"consensus_numeric,omitempty" yaml:"consensus_numeric,omitempty"`
	// ConsensusAlternatives are named rule sets shown beside the primary
	// one; see RuleSets.
	ConsensusAlternatives []RuleSet `json:"consensus_alternatives,omitempty" yaml:"consensus_alternatives,omitempty"`

	// Mode is ModeRounds (absent: the default) or ModeRealtime: one
	// continuous round from its opening time to its deadline, with the
	// panel's current statistics shown after one's own answer (#21).
	Mode string `json:"mode,omitempty" yaml:"mode,omitempty"`
	// Arguments turns on anonymous pro/con arguments between rounds
	// (argument.go); ArgumentOptions tunes them (nil: the defaults).
	Arguments       bool             `json:"arguments,omitempty" yaml:"arguments,omitempty"`
	ArgumentOptions *ArgumentOptions `json:"argument_options,omitempty" yaml:"argument_options,omitempty"`
}

// Contact is the coordinators' contact.
type Contact struct {
	Name  string `json:"name" yaml:"name"`
	Email string `json:"email" yaml:"email"`
}

// Group is an expert group (stratum) of the panel.
type Group struct {
	ID    string `json:"id" yaml:"id"`
	Label Text   `json:"label" yaml:"label"`
}

// Scale is an ordinal rating scale.
type Scale struct {
	ID     string       `json:"id" yaml:"id"`
	Points []ScalePoint `json:"points" yaml:"points"` // ascending values
	// Abstain, when set, offers a "cannot judge" answer. It is excluded from
	// every statistic and counted separately.
	Abstain *Abstain `json:"abstain,omitempty" yaml:"abstain,omitempty"`
	// Agreement is the band of points that count as agreement (e.g. 4–5 of 5).
	Agreement Band `json:"agreement" yaml:"agreement"`
	// Disagreement is the band that counts as rejection (e.g. 1–2 of 5);
	// needed for a "consensus out" outcome under percent-agreement rules.
	Disagreement *Band `json:"disagreement,omitempty" yaml:"disagreement,omitempty"`
}

// ScalePoint is one point of a scale. Label may be empty: the point is
// then shown as its number (see LabelText).
type ScalePoint struct {
	Value int  `json:"value" yaml:"value"`
	Label Text `json:"label,omitempty" yaml:"label,omitempty"`
}

// LabelText returns the point's label in lang (falling back as Text.Get
// does), or its number when the point has no label.
func (p ScalePoint) LabelText(lang string) string {
	if s := p.Label.Get(lang); s != "" {
		return s
	}
	return strconv.Itoa(p.Value)
}

// Abstain is the "cannot judge" option of a scale.
type Abstain struct {
	Label Text `json:"label" yaml:"label"`
}

// Band is an inclusive range of scale values.
type Band struct {
	Min int `json:"min" yaml:"min"`
	Max int `json:"max" yaml:"max"`
}

// Contains reports whether v lies in the band.
func (b Band) Contains(v float64) bool { return v >= float64(b.Min) && v <= float64(b.Max) }

// Section is a block of the questionnaire (e.g. Themen, Aufgaben).
type Section struct {
	ID          string `json:"id" yaml:"id"`
	Title       Text   `json:"title" yaml:"title"`
	Description Text   `json:"description,omitempty" yaml:"description,omitempty"`
	Items       []Item `json:"items" yaml:"items"`
}

// Item is one question.
type Item struct {
	ID   string `json:"id" yaml:"id"` // unique within the study
	Type string `json:"type" yaml:"type"`
	Text Text   `json:"text" yaml:"text"`
	Help Text   `json:"help,omitempty" yaml:"help,omitempty"`

	Scale      string      `json:"scale,omitempty" yaml:"scale,omitempty"`             // rating
	Criteria   []Criterion `json:"criteria,omitempty" yaml:"criteria,omitempty"`       // multi_rating
	Options    []Option    `json:"options,omitempty" yaml:"options,omitempty"`         // single/multiple choice, ranking
	MaxChoices int         `json:"max_choices,omitempty" yaml:"max_choices,omitempty"` // multiple_choice; 0 = no limit
	TopK       int         `json:"top_k,omitempty" yaml:"top_k,omitempty"`             // ranking; 0 = full ranking
	Numeric    *Numeric    `json:"numeric,omitempty" yaml:"numeric,omitempty"`         // numeric
	MaxLength  int         `json:"max_length,omitempty" yaml:"max_length,omitempty"`   // text; default and cap 5000

	// RandomizeOptions: a ranking's options are shown to each expert in an
	// order of their own (nil or true, the default) or as defined (false).
	// Only the questionnaire reads it.
	RandomizeOptions *bool `json:"randomize_options,omitempty" yaml:"randomize_options,omitempty"`

	// Ties lets experts put several options of a ranking on one place
	// (answer: {"order": [...], "places": [...]}, see Value).
	Ties bool `json:"ties,omitempty" yaml:"ties,omitempty"`

	// Comment allows an optional free-text comment on the item.
	Comment bool `json:"comment,omitempty" yaml:"comment,omitempty"`
}

// Criterion is one dimension of a multi_rating item.
type Criterion struct {
	ID    string `json:"id" yaml:"id"`
	Label Text   `json:"label" yaml:"label"`
	Scale string `json:"scale" yaml:"scale"`
}

// Option is a choice or ranking option.
type Option struct {
	ID    string `json:"id" yaml:"id"`
	Label Text   `json:"label" yaml:"label"`
}

// Numeric describes a numeric estimate.
type Numeric struct {
	Unit    Text     `json:"unit,omitempty" yaml:"unit,omitempty"`
	Min     *float64 `json:"min,omitempty" yaml:"min,omitempty"`
	Max     *float64 `json:"max,omitempty" yaml:"max,omitempty"`
	Integer bool     `json:"integer,omitempty" yaml:"integer,omitempty"`
}

// Rule is a consensus rule: exactly one of All, Any, Agreement, IQR, SD, CV,
// COMET, IQRRelative is set. MinN applies where it is given: below it, no
// consensus. It applies to the overall result and, unless GroupMinN is
// given, to each expert group as well; GroupMinN, where given, replaces it
// for the groups (see ForGroups).
type Rule struct {
	MinN      int            `json:"min_n,omitempty" yaml:"min_n,omitempty"`
	GroupMinN int            `json:"group_min_n,omitempty" yaml:"group_min_n,omitempty"`
	All       []Rule         `json:"all,omitempty" yaml:"all,omitempty"`
	Any       []Rule         `json:"any,omitempty" yaml:"any,omitempty"`
	Agreement *AgreementRule `json:"agreement,omitempty" yaml:"agreement,omitempty"`
	IQR       *MaxRule       `json:"iqr,omitempty" yaml:"iqr,omitempty"`
	SD        *MaxRule       `json:"sd,omitempty" yaml:"sd,omitempty"`
	CV        *MaxRule       `json:"cv,omitempty" yaml:"cv,omitempty"`
	COMET     *COMETRule     `json:"comet,omitempty" yaml:"comet,omitempty"`

	// IQRRelative: IQR <= Max × the range (a scale's last point − its first;
	// a numeric item's declared max − min).
	IQRRelative *MaxRule `json:"iqr_relative,omitempty" yaml:"iqr_relative,omitempty"`
}

// ForGroups returns the rule as it applies to one expert group: at every
// node that gives GroupMinN, that replaces MinN; elsewhere MinN stays (a
// study written before group_min_n existed applies min_n to groups too).
func (r Rule) ForGroups() Rule {
	if r.GroupMinN > 0 {
		r.MinN = r.GroupMinN
	}
	r.GroupMinN = 0
	r.All = forGroups(r.All)
	r.Any = forGroups(r.Any)
	return r
}

func forGroups(rs []Rule) []Rule {
	if rs == nil {
		return nil
	}
	out := make([]Rule, len(rs))
	for i, k := range rs {
		out[i] = k.ForGroups()
	}
	return out
}

// AgreementRule: share of valid answers in the scale's agreement band >= MinPercent
// (consensus in); in its disagreement band >= MinPercent (consensus out).
type AgreementRule struct {
	MinPercent float64 `json:"min_percent" yaml:"min_percent"`
}

// MaxRule: a dispersion statistic <= Max.
type MaxRule struct {
	Max float64 `json:"max" yaml:"max"`
}

// COMETRule is the COMET "70/15" rule: consensus in if >= MinPercent rate in
// InBand and < MaxOppositePercent rate in OutBand; consensus out the other way round.
type COMETRule struct {
	InBand             Band    `json:"in_band" yaml:"in_band"`                           // e.g. 7–9
	OutBand            Band    `json:"out_band" yaml:"out_band"`                         // e.g. 1–3
	MinPercent         float64 `json:"min_percent" yaml:"min_percent"`                   // e.g. 70
	MaxOppositePercent float64 `json:"max_opposite_percent" yaml:"max_opposite_percent"` // e.g. 15
}

// RoundPlan is the planned round structure and the feedback shown.
type RoundPlan struct {
	Planned       int       `json:"planned" yaml:"planned"` // planned number of rounds
	Feedback      Feedback  `json:"feedback" yaml:"feedback"`
	CarryOver     CarryOver `json:"carry_over" yaml:"carry_over"`
	AllowRevision *bool     `json:"allow_revision,omitempty" yaml:"allow_revision,omitempty"` // revise after submit until the deadline; default true
	// Round0, when enabled, opens the study with a round 0 of free-text
	// suggestions that coordinators curate into round 1's items (curation.go).
	Round0 *Round0 `json:"round0,omitempty" yaml:"round0,omitempty"`
}

// RevisionAllowed reports whether experts may revise after submitting (default yes).
func (p RoundPlan) RevisionAllowed() bool { return p.AllowRevision == nil || *p.AllowRevision }

// Feedback says what experts see from round 2 on.
type Feedback struct {
	// Statistics lists the statistics shown: any of n, median, iqr, mean, sd,
	// distribution, agreement, consensus.
	Statistics        []string `json:"statistics" yaml:"statistics"`
	OwnPrevious       bool     `json:"own_previous" yaml:"own_previous"`               // the expert's own previous answer
	Comments          bool     `json:"comments" yaml:"comments"`                       // anonymised comments of the previous round
	ByGroup           bool     `json:"by_group" yaml:"by_group"`                       // split by expert group
	HideUntilAnswered bool     `json:"hide_until_answered" yaml:"hide_until_answered"` // anti-anchoring
	JustifyOutsideIQR bool     `json:"justify_outside_iqr" yaml:"justify_outside_iqr"` // justification required outside the previous IQR
	// MinGroupN is the fewest answers a group needs for its statistics to
	// be shown in feedback by group; 0 (absent) means DefaultMinGroupN.
	MinGroupN int `json:"min_group_n,omitempty" yaml:"min_group_n,omitempty"`
	// Count says whose answers the results count: CountSubmitted (absent)
	// or CountAll (drafts too). It applies to the feedback snapshot, the
	// live results and the export alike.
	Count string `json:"count,omitempty" yaml:"count,omitempty"`
}

// Values of Feedback.Count.
const (
	CountSubmitted = "submitted" // only the answers of experts who submitted the round
	CountAll       = "all"       // every stored answer, drafts included
)

// CountRule returns Count, CountSubmitted when it is not set.
func (f Feedback) CountRule() string {
	if f.Count == "" {
		return CountSubmitted
	}
	return f.Count
}

// DefaultMinGroupN is the minimum group size of feedback by group when a
// study does not set feedback.min_group_n.
const DefaultMinGroupN = 3

// MinGroup returns the minimum group size of feedback by group: MinGroupN,
// or DefaultMinGroupN when it is not set.
func (f Feedback) MinGroup() int {
	if f.MinGroupN < 1 {
		return DefaultMinGroupN
	}
	return f.MinGroupN
}

// CarryOver is the policy for which items go into the next round.
type CarryOver struct {
	Mode  string   `json:"mode" yaml:"mode"`                       // no_consensus (default), all, chosen
	Items []string `json:"items,omitempty" yaml:"items,omitempty"` // for mode chosen
}

// Items returns every item of the definition in questionnaire order.
func (d *Definition) Items() []Item {
	var items []Item
	for _, s := range d.Sections {
		items = append(items, s.Items...)
	}
	return items
}

// Item returns the item with the given id.
func (d *Definition) Item(id string) (Item, bool) {
	for _, s := range d.Sections {
		for _, it := range s.Items {
			if it.ID == id {
				return it, true
			}
		}
	}
	return Item{}, false
}

// Scale returns the scale with the given id.
func (d *Definition) Scale(id string) (Scale, bool) {
	for _, s := range d.Scales {
		if s.ID == id {
			return s, true
		}
	}
	return Scale{}, false
}

// Group returns the expert group with the given id.
func (d *Definition) Group(id string) (Group, bool) {
	for _, g := range d.Groups {
		if g.ID == id {
			return g, true
		}
	}
	return Group{}, false
}

// LanguageList returns the study's declared languages, de and en when it
// declares none.
func (d *Definition) LanguageList() []string {
	if len(d.Languages) == 0 {
		return []string{LangDE, LangEN}
	}
	return d.Languages
}

// DefaultLanguage is the language of a new expert who names none: the
// study's first.
func (d *Definition) DefaultLanguage() string { return d.LanguageList()[0] }

// HasLanguage reports whether lang is one of the study's languages.
func (d *Definition) HasLanguage(lang string) bool {
	for _, l := range d.LanguageList() {
		if l == lang {
			return true
		}
	}
	return false
}

// Quantile returns the study's quantile type, defaulting to 7.
func (d *Definition) Quantile() int {
	if d.QuantileType == 0 {
		return QuantileType7
	}
	return d.QuantileType
}

// DefaultTimeZone is the time zone of a study that names none.
const DefaultTimeZone = "Europe/Berlin"

// Zone returns the study's IANA time zone, DefaultTimeZone when unset.
func (d *Definition) Zone() string {
	if d.TimeZone == "" {
		return DefaultTimeZone
	}
	return d.TimeZone
}

// Location returns the study's time zone, UTC when Zone is unknown here.
func (d *Definition) Location() *time.Location {
	loc, err := time.LoadLocation(d.Zone())
	if err != nil {
		return time.UTC
	}
	return loc
}
