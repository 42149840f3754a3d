package analysis

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/stats"
)

// Input is what Compute needs: the study, the round's items and the stored
// answers of this round and of the round before.
type Input struct {
	Def      *delphi.Definition
	Round    int
	Items    []delphi.Item   // the round's item list, in order
	Answers  []delphi.Answer // this round
	Previous []delphi.Answer // round-1, nil when there is none (no stability then)
	// Compact and PreviousCompact, when set, stand for Answers and
	// Previous: the same answers in a compact form (NewCompact), with the
	// same results.
	Compact         *Compact
	PreviousCompact *Compact
	// Texts, when set, receives the results' free texts (the Text of
	// ItemResult.Comments and TextResult.Texts), which then hold references
	// into it (TextStore.Put) instead of the texts: for a caller that
	// writes them out without holding them all (the export).
	Texts      TextStore
	ComputedAt time.Time
	Live       bool // computed while the round is open
}

// RoundResults are the results of one round. Field names are stable: the
// API, the feedback snapshot and the export rely on them (docs/ANALYSIS.md).
type RoundResults struct {
	SurveyID      string            `json:"survey_id"`
	Version       string            `json:"version"` // the definition's version label
	Round         int               `json:"round"`
	ComputedAt    time.Time         `json:"computed_at"`
	Live          bool              `json:"live"`
	QuantileType  int               `json:"quantile_type"`
	ConsensusRule delphi.Rule       `json:"consensus_rule"`
	RuleText      map[string]string `json:"rule_text"` // "de" and "en"
	Groups        []string          `json:"groups"`    // group ids: the definition's order, then unknown ones by id
	// Count is the study's feedback.count applied: "submitted" counts the
	// experts who submitted the round, "all" drafts too.
	Count       string       `json:"count"`
	Respondents Respondents  `json:"respondents"`
	Items       []ItemResult `json:"items"` // in the order of Input.Items

	// RuleSets are the study's named rule sets, the primary first
	// (consensus_rule and rule_text repeat its rule for ratings).
	RuleSets []RuleSetInfo `json:"rule_sets"`
}

// Respondents counts the experts with at least one stored answer to an item
// of the round, overall and per group, of those the results count (see
// RoundResults.Count); Submitted and Drafts split all of them, counted or
// not, by whether they submitted the round.
type Respondents struct {
	Total     int            `json:"total"`
	ByGroup   map[string]int `json:"by_group"`
	Submitted int            `json:"submitted"`
	Drafts    int            `json:"drafts"`
}

// ItemResult is the result of one item. Exactly one of Rating, Criteria,
// Choice, Ranking, Numeric, Text is set, by Type.
type ItemResult struct {
	ItemID    string `json:"item_id"`
	Type      string `json:"type"`
	SectionID string `json:"section_id"`
	// Position is the item's index in the definition's questionnaire order
	// (items not in the definition follow, in round order).
	Position int `json:"position"`
	Answered int `json:"answered"` // experts with a non-empty answer, abstentions included
	N        int `json:"n"`        // valid answers; see docs/ANALYSIS.md per type
	// Submitted and Drafts split the experts with a non-empty answer,
	// counted or not, by whether they submitted the round.
	Submitted int `json:"submitted"`
	Drafts    int `json:"drafts"`

	Rating   *RatingResult     `json:"rating,omitempty"`
	Criteria []CriterionResult `json:"criteria,omitempty"`
	Choice   *ChoiceResult     `json:"choice,omitempty"`
	Ranking  *RankingResult    `json:"ranking,omitempty"`
	Numeric  *NumericResult    `json:"numeric,omitempty"`
	Text     *TextResult       `json:"text,omitempty"`

	// DivergenceScore is the highest divergence score of the item's
	// rating or criteria (0 for other types): sort by it for a policy Delphi.
	DivergenceScore float64 `json:"divergence_score"`

	Comments []Comment `json:"comments"`
}

// RatingResult is the result of one rating (or one criterion).
type RatingResult struct {
	Overall    stats.Summary           `json:"overall"`
	Consensus  Consensus               `json:"consensus"`
	ByGroup    map[string]GroupRating  `json:"by_group"`
	Stability  *stats.StabilitySummary `json:"stability,omitempty"` // vs the previous round, paired by expert
	Divergence Divergence              `json:"divergence"`

	// Alternatives are the outcomes under the study's alternative rule
	// sets that have a rule for this rating, in the study's order.
	Alternatives []RuleOutcome `json:"alternatives,omitempty"`
}

// GroupRating is a rating's result within one expert group.
type GroupRating struct {
	Summary   stats.Summary `json:"summary"`
	Consensus Consensus     `json:"consensus"`

	Alternatives []RuleOutcome `json:"alternatives,omitempty"` // as in RatingResult
}

// CriterionResult is the result of one criterion of a multi_rating item.
type CriterionResult struct {
	CriterionID string `json:"criterion_id"`
	RatingResult
}

// ChoiceResult is the result of a single_choice or multiple_choice item.
type ChoiceResult struct {
	ChoiceCounts
	ByGroup map[string]ChoiceCounts `json:"by_group"`
}

// ChoiceCounts counts the options chosen by n respondents.
type ChoiceCounts struct {
	N       int           `json:"n"`                 // respondents with a valid choice
	Invalid int           `json:"invalid,omitempty"` // answers naming an unknown option or one twice, dropped
	Options []OptionCount `json:"options"`           // in the item's order
}

// OptionCount is the count of one option and its share of the respondents.
type OptionCount struct {
	ID    string    `json:"id"`
	Count int       `json:"count"`
	Share stats.Num `json:"share"` // count / n, 0–1; null when n = 0
}

// RankingResult is the result of a ranking item.
type RankingResult struct {
	TopK    int                             `json:"top_k"`
	Ties    bool                            `json:"ties,omitempty"` // the item lets experts tie options`
	Overall stats.RankingSummary            `json:"overall"`
	ByGroup map[string]stats.RankingSummary `json:"by_group"`
}

// NumericResult is the result of a numeric item: no scale, so no
// distribution, bands or consensus.
type NumericResult struct {
	Overall   stats.Summary            `json:"overall"`
	ByGroup   map[string]stats.Summary `json:"by_group"`
	Stability *stats.StabilitySummary  `json:"stability,omitempty"`

	// Consensus is the outcome of the study's consensus_numeric (absent
	// without one), GroupConsensus the same per group; Alternatives as in
	// RatingResult.
	Consensus      *Consensus           `json:"consensus,omitempty"`
	GroupConsensus map[string]Consensus `json:"group_consensus,omitempty"`
	Alternatives   []RuleOutcome        `json:"alternatives,omitempty"`
}

// TextResult is the result of a text item.
type TextResult struct {
	N     int      `json:"n"`     // non-empty texts
	Texts []string `json:"texts"` // ordered like comments: by group, then text
}

// Comment kinds.
const (
	KindAnswer        = "answer"        // the answer to a text item
	KindComment       = "comment"       // the optional comment on an item
	KindJustification = "justification" // the justification of a rating outside the previous IQR
)

// Comment is an anonymised free text: the text and the author's group,
// never the expert id or pseudonym.
type Comment struct {
	Text  string `json:"text"`
	Group string `json:"group"`
	Kind  string `json:"kind"`
}

// Item returns the result of the item with the given id.
func (r *RoundResults) Item(id string) (*ItemResult, bool) {
	for i := range r.Items {
		if r.Items[i].ItemID == id {
			return &r.Items[i], true
		}
	}
	return nil, false
}

// Criterion returns the result of one criterion of a multi_rating item.
func (it *ItemResult) Criterion(id string) (*RatingResult, bool) {
	for i := range it.Criteria {
		if it.Criteria[i].CriterionID == id {
			return &it.Criteria[i].RatingResult, true
		}
	}
	return nil, false
}

// computer holds what every item needs.
type computer struct {
	def      *delphi.Definition
	typ      int
	groups   []string
	groupIdx map[string]int
	hasPrev  bool
	wilcoxon stats.WilcoxonOptions // the study's analysis.wilcoxon
	prevAll  []*delphi.Answer      // the previous round's counted answers to the item at hand

	// Scratch, reused across items and ratings: the previous round's
	// answer of each current answer's expert, the answers of a previous
	// round by expert, the paired ratings for stability, the ratings per
	// group.
	prevOf            []*delphi.Answer
	rated             []rated // the current answers' ratings of the rating at hand
	prevBy            map[string]*delphi.Answer
	pairPrev, pairCur []float64
	byGroup           [][]float64
	abstainsBy        []int
}

// Compute computes the results of one round. It does not filter answers by
// survey or round: pass the right ones. Answers to items not in in.Items
// are ignored; of several answers by one expert to one item the one with
// the highest Seq counts.
func Compute(in Input) *RoundResults {
	def := in.Def
	if def == nil {
		def = &delphi.Definition{}
	}
	c := &computer{def: def, typ: def.Quantile(), hasPrev: in.Previous != nil || in.PreviousCompact != nil, prevBy: map[string]*delphi.Answer{}}
	wo := def.WilcoxonSettings()
	c.wilcoxon = stats.WilcoxonOptions{Method: wo.Method, ZeroMethod: wo.ZeroMethod, Correction: wo.Correction}
	inRound := make(map[string]bool, len(in.Items))
	for _, it := range in.Items {
		inRound[it.ID] = true
	}
	// Of the previous round only the values count: its free texts are not
	// read from a compact round.
	all, prev := roundAnswers{compact: in.Compact, texts: true}, roundAnswers{compact: in.PreviousCompact}
	if in.Compact != nil {
		c.setGroups(in.Compact.groups)
	} else {
		c.setGroups(func(add func(string)) {
			for i := range in.Answers {
				if inRound[in.Answers[i].ItemID] {
					add(in.Answers[i].Group)
				}
			}
		})
		all.flat = latest(in.Answers, inRound)
	}
	if in.PreviousCompact == nil {
		prev.flat = latest(in.Previous, inRound)
	}
	c.byGroup, c.abstainsBy = make([][]float64, len(c.groups)), make([]int, len(c.groups))
	count := def.Rounds.Feedback.CountRule()
	res := &RoundResults{
		SurveyID:      def.ID,
		Version:       def.Version,
		Round:         in.Round,
		ComputedAt:    in.ComputedAt,
		Live:          in.Live,
		QuantileType:  c.typ,
		ConsensusRule: def.Consensus,
		RuleText: map[string]string{
			delphi.LangDE: RuleText(def.Consensus, def, delphi.LangDE),
			delphi.LangEN: RuleText(def.Consensus, def, delphi.LangEN),
		},
		Groups:      c.groups,
		Count:       count,
		Respondents: c.respondents(all, count != delphi.CountSubmitted),
		Items:       make([]ItemResult, 0, len(in.Items)),
		RuleSets:    RuleSetInfos(def),
	}

	section, position := placeItems(def, in.Items)
	var curBuf, prevBuf []*delphi.Answer // the counted answers of the item at hand
	for i, it := range in.Items {
		as := all.item(it.ID)
		cur, ps := as, prev.item(it.ID)
		if count == delphi.CountSubmitted {
			cur, ps = submitted(as, &curBuf), submitted(ps, &prevBuf)
		}
		r := c.item(it, cur, ps)
		r.SectionID, r.Position = section[i], position[i]
		if in.Texts != nil {
			for k := range r.Comments {
				r.Comments[k].Text = in.Texts.Put(r.Comments[k].Text)
			}
			if r.Text != nil {
				for k, t := range r.Text.Texts {
					r.Text.Texts[k] = in.Texts.Put(t)
				}
			}
		}
		for _, a := range as {
			switch {
			case a.Value.Empty():
			case a.Draft:
				r.Drafts++
			default:
				r.Submitted++
			}
		}
		res.Items = append(res.Items, r)
	}
	return res
}

// roundAnswers are the answers of one round: flat, grouped by item with
// latest, or compact.
type roundAnswers struct {
	flat    map[string][]*delphi.Answer
	compact *Compact
	texts   bool // read the free texts of a compact round
	buf     answerBuf
}

// item returns the answers to item id that count (latest); from a compact
// round they are valid until the next call.
func (r *roundAnswers) item(id string) []*delphi.Answer {
	if r.compact != nil {
		return r.compact.answers(id, &r.buf, r.texts)
	}
	return r.flat[id]
}

// setGroups orders the group ids: the definition's, then the others that
// each gives (the groups of the round's answers to its items), by id. The
// empty group is left out.
func (c *computer) setGroups(each func(add func(group string))) {
	c.groupIdx = map[string]int{}
	c.groups = []string{}
	for _, g := range c.def.Groups {
		if _, dup := c.groupIdx[g.ID]; !dup && g.ID != "" {
			c.groupIdx[g.ID] = len(c.groups)
			c.groups = append(c.groups, g.ID)
		}
	}
	var extra []string
	each(func(g string) {
		if _, known := c.groupIdx[g]; !known && g != "" && !slices.Contains(extra, g) {
			extra = append(extra, g)
		}
	})
	slices.Sort(extra)
	for _, g := range extra {
		c.groupIdx[g] = len(c.groups)
		c.groups = append(c.groups, g)
	}
}

// latest groups answers by item, keeping per expert the answer with the
// highest Seq (the later one on equal Seq). Answers without an expert id
// are all kept.
func latest(answers []delphi.Answer, inRound map[string]bool) map[string][]*delphi.Answer {
	// Items and experts by number: one map lookup per answer.
	itemNo := make(map[string]int32, len(inRound))
	ids := make([]string, 0, len(inRound))
	for id := range inRound {
		itemNo[id] = int32(len(ids))
		ids = append(ids, id)
	}
	slot := make([]int32, len(answers)) // the answer's item number, -1 when not in the round
	sizes := make([]int, len(ids))
	last, lastNo := "", int32(-1) // answers come grouped by item or by expert: often the same item again
	for i := range answers {
		id := answers[i].ItemID
		if i == 0 || id != last {
			no, ok := itemNo[id]
			if !ok {
				no = -1
			}
			last, lastNo = id, no
		}
		if lastNo >= 0 {
			sizes[lastNo]++
		}
		slot[i] = lastNo
	}
	lists := make([][]int32, len(ids)) // per item, the indexes of its answers
	for no, n := range sizes {
		if n > 0 {
			lists[no] = make([]int32, 0, n)
		}
	}
	for i := range answers {
		if no := slot[i]; no >= 0 {
			lists[no] = append(lists[no], int32(i))
		}
	}
	// Experts by number, in the order of answers (ordered by expert, they
	// need one map lookup each).
	expertNo := map[string]int32{}
	expert := make([]int32, len(answers)) // the answer's expert number, -1 without an expert id
	last = ""
	lastExpert := int32(-1)
	for i := range answers {
		id := answers[i].ExpertID
		if id == "" {
			expert[i] = -1
			continue
		}
		if id != last || lastExpert < 0 {
			e, ok := expertNo[id]
			if !ok {
				e = int32(len(expertNo))
				expertNo[id] = e
			}
			last, lastExpert = id, e
		}
		expert[i] = lastExpert
	}
	at := make([]int32, len(expertNo)) // expert number → 1 + the index of their answer in kept, for the item at hand
	out := make(map[string][]*delphi.Answer, len(ids))
	for no, list := range lists {
		if list == nil {
			continue
		}
		kept := list[:0]
		for _, i := range list {
			e := expert[i]
			if e < 0 {
				kept = append(kept, i)
				continue
			}
			if j := at[e]; j > 0 {
				if answers[i].Seq >= answers[kept[j-1]].Seq {
					kept[j-1] = i
				}
				continue
			}
			at[e] = int32(len(kept) + 1)
			kept = append(kept, i)
		}
		ptrs := make([]*delphi.Answer, len(kept))
		for k, i := range kept {
			ptrs[k] = &answers[i]
			if e := expert[i]; e >= 0 {
				at[e] = 0 // reset for the next item
			}
		}
		out[ids[no]] = ptrs
	}
	return out
}

// Counted returns the answers the study's results count (feedback.count):
// those of experts who submitted for "submitted", all of them for "all".
func Counted(def *delphi.Definition, as []delphi.Answer) []delphi.Answer {
	if def.Rounds.Feedback.CountRule() == delphi.CountAll {
		return as
	}
	out := make([]delphi.Answer, 0, len(as))
	for _, a := range as {
		if !a.Draft {
			out = append(out, a)
		}
	}
	return out
}

// submitted returns the answers of list by experts who submitted the
// round, in *buf (reused).
func submitted(list []*delphi.Answer, buf *[]*delphi.Answer) []*delphi.Answer {
	kept := (*buf)[:0]
	for _, a := range list {
		if !a.Draft {
			kept = append(kept, a)
		}
	}
	*buf = kept
	return kept
}

// respondents counts the distinct experts (by id) with a stored answer in
// all that counts (every answer with countAll, else those of experts who
// submitted); an expert's group is that of their answer with the highest
// Seq. Submitted and Drafts split the experts of all.
func (c *computer) respondents(all roundAnswers, countAll bool) Respondents {
	r := Respondents{ByGroup: make(map[string]int, len(c.groups))}
	for _, g := range c.groups {
		r.ByGroup[g] = 0
	}
	if all.compact != nil {
		all.compact.respondents(countAll, &r)
		return r
	}
	type seen struct {
		group string
		seq   int64
	}
	experts := map[string]seen{}
	for _, list := range all.flat {
		for _, a := range list {
			if a.ExpertID == "" || !countAll && a.Draft {
				continue
			}
			if s, ok := experts[a.ExpertID]; !ok || a.Seq > s.seq || (a.Seq == s.seq && a.Group > s.group) {
				experts[a.ExpertID] = seen{a.Group, a.Seq}
			}
		}
	}
	r.Total = len(experts)
	draft := map[string]bool{}
	for _, list := range all.flat {
		for _, a := range list {
			if a.ExpertID != "" {
				draft[a.ExpertID] = a.Draft
			}
		}
	}
	for _, d := range draft {
		if d {
			r.Drafts++
		} else {
			r.Submitted++
		}
	}
	for _, s := range experts {
		if s.group != "" {
			r.ByGroup[s.group]++
		}
	}
	return r
}

func (c *computer) item(it delphi.Item, cur, prev []*delphi.Answer) ItemResult {
	r := ItemResult{ItemID: it.ID, Type: it.Type}
	if c.hasPrev && (it.Type == delphi.ItemRating || it.Type == delphi.ItemMultiRating) {
		c.pairUp(cur, prev)
	}
	c.prevAll = prev
	for _, a := range cur {
		if !a.Value.Empty() {
			r.Answered++
		}
	}
	switch it.Type {
	case delphi.ItemRating:
		sc, _ := c.def.Scale(it.Scale)
		rr := c.rating(cur, identity, sc, ItemRules(c.def, it))
		r.Rating, r.N, r.DivergenceScore = &rr, rr.Overall.N, rr.Divergence.Score
	case delphi.ItemMultiRating:
		r.Criteria = make([]CriterionResult, 0, len(it.Criteria))
		rules := ItemRules(c.def, it)
		for _, cr := range it.Criteria {
			sc, _ := c.def.Scale(cr.Scale)
			rr := c.rating(cur, criterion(cr.ID), sc, criterionRules(rules, cr.ID))
			r.Criteria = append(r.Criteria, CriterionResult{CriterionID: cr.ID, RatingResult: rr})
			r.DivergenceScore = max(r.DivergenceScore, rr.Divergence.Score)
		}
		for _, a := range cur {
			for _, cr := range it.Criteria {
				if _, ok := a.Value.Criteria[cr.ID].Rating(); ok {
					r.N++
					break
				}
			}
		}
	case delphi.ItemSingleChoice, delphi.ItemMultipleChoice:
		r.Choice = c.choice(it, cur)
		r.N = r.Choice.N
	case delphi.ItemRanking:
		r.Ranking = c.ranking(it, cur)
		r.N = r.Ranking.Overall.M
	case delphi.ItemNumeric:
		r.Numeric = c.numeric(cur, prev, ItemRules(c.def, it))
		r.N = r.Numeric.Overall.N
	case delphi.ItemText:
		r.Text = c.text(cur)
		r.N = r.Text.N
	}
	r.Comments = c.comments(it, cur)
	return r
}

func identity(v delphi.Value) delphi.Value { return v }

func criterion(id string) func(delphi.Value) delphi.Value {
	return func(v delphi.Value) delphi.Value { return v.Criteria[id] }
}

// describeOptions converts a scale into stats options.
func (c *computer) describeOptions(sc delphi.Scale) stats.Options {
	opt := stats.Options{QuantileType: c.typ}
	if len(sc.Points) == 0 {
		return opt
	}
	opt.ScalePoints = make([]int, len(sc.Points))
	for i, p := range sc.Points {
		opt.ScalePoints[i] = p.Value
	}
	opt.Agreement = &stats.Band{Min: sc.Agreement.Min, Max: sc.Agreement.Max}
	if d := sc.Disagreement; d != nil {
		opt.Disagreement = &stats.Band{Min: d.Min, Max: d.Max}
	}
	return opt
}

// pairUp sets c.prevOf[i] to the answer in prev of the expert of cur[i]
// (nil when there is none, or no expert id).
func (c *computer) pairUp(cur, prev []*delphi.Answer) {
	clear(c.prevBy)
	for _, a := range prev {
		if a.ExpertID != "" {
			c.prevBy[a.ExpertID] = a
		}
	}
	c.prevOf = c.prevOf[:0]
	for _, a := range cur {
		var p *delphi.Answer
		if a.ExpertID != "" {
			p = c.prevBy[a.ExpertID]
		}
		c.prevOf = append(c.prevOf, p)
	}
}

// rated is one answer's rating (or criterion).
type rated struct {
	x       float64
	valid   bool // a scale value
	abstain bool // "cannot judge"
}

// rate extracts the rating picked from each answer into c.rated.
func (c *computer) rate(answers []*delphi.Answer, pick func(delphi.Value) delphi.Value) {
	c.rated = c.rated[:0]
	for _, a := range answers {
		v := pick(a.Value)
		x, ok := v.Rating()
		c.rated = append(c.rated, rated{x: x, valid: ok, abstain: !ok && v.Abstain})
	}
}

// collect sorts the valid ratings and abstentions (c.rated of answers)
// into the groups of c.groups (c.byGroup, c.abstainsBy) and returns them
// overall.
func (c *computer) collect(answers []*delphi.Answer) (values []float64, abstain int) {
	for g := range c.byGroup {
		c.byGroup[g], c.abstainsBy[g] = c.byGroup[g][:0], 0
	}
	values = make([]float64, 0, len(answers))
	for i, a := range answers {
		r := c.rated[i]
		if !r.valid && !r.abstain {
			continue
		}
		g, known := c.groupIdx[a.Group]
		if r.valid {
			values = append(values, r.x)
			if known {
				c.byGroup[g] = append(c.byGroup[g], r.x)
			}
		} else {
			abstain++
			if known {
				c.abstainsBy[g]++
			}
		}
	}
	return values, abstain
}

// pairs returns the paired valid ratings (previous, current) of the
// experts who gave one in both rounds (c.prevOf from pairUp, c.rated).
func (c *computer) pairs(pick func(delphi.Value) delphi.Value) (prev, now []float64) {
	c.pairPrev, c.pairCur = c.pairPrev[:0], c.pairCur[:0]
	for i, p := range c.prevOf {
		if p == nil || !c.rated[i].valid {
			continue
		}
		if x, ok := pick(p.Value).Rating(); ok {
			c.pairPrev, c.pairCur = append(c.pairPrev, x), append(c.pairCur, c.rated[i].x)
		}
	}
	return c.pairPrev, c.pairCur
}

// prevRatings returns the valid ratings picked from every counted answer
// of the previous round to the item at hand (c.prevAll), paired or not.
func (c *computer) prevRatings(pick func(delphi.Value) delphi.Value) []float64 {
	var xs []float64
	for _, a := range c.prevAll {
		if x, ok := pick(a.Value).Rating(); ok {
			xs = append(xs, x)
		}
	}
	return xs
}

// rating computes one rating or criterion; rules are its ItemRules, the
// primary first.
func (c *computer) rating(cur []*delphi.Answer, pick func(delphi.Value) delphi.Value, sc delphi.Scale, rules []ItemRule) RatingResult {
	opt := c.describeOptions(sc)
	c.rate(cur, pick)
	values, abstain := c.collect(cur)
	rule := c.def.Consensus
	if len(rules) > 0 && rules[0].Set == delphi.PrimaryRuleSet {
		rule = rules[0].Rule
	}
	r := RatingResult{Overall: stats.Describe(values, abstain, opt), ByGroup: make(map[string]GroupRating, len(c.groups))}
	r.Consensus = Evaluate(rule, r.Overall, sc)
	r.Alternatives = ruleOutcomes(rules, r.Overall)
	groupRule, groupRules := rule.ForGroups(), rulesForGroups(rules) // min_n or group_min_n per group
	for gi, g := range c.groups {
		s := stats.Describe(c.byGroup[gi], c.abstainsBy[gi], opt)
		r.ByGroup[g] = GroupRating{Summary: s, Consensus: Evaluate(groupRule, s, sc), Alternatives: ruleOutcomes(groupRules, s)}
	}
	if c.hasPrev {
		prev, now := c.pairs(pick)
		st := stats.StabilityPairsWilcoxon(prev, now, c.typ, c.wilcoxon)
		st.SetRoundsIQR(c.prevRatings(pick), values, c.typ)
		r.Stability = &st
	}
	r.Divergence = divergence(&r, sc, c.groups)
	return r
}

func (c *computer) numeric(cur, prev []*delphi.Answer, rules []ItemRule) *NumericResult {
	opt := stats.Options{QuantileType: c.typ}
	var all []float64
	by := map[string][]float64{}
	for _, a := range cur {
		if x := a.Value.Number; x != nil {
			all = append(all, *x)
			by[a.Group] = append(by[a.Group], *x)
		}
	}
	r := &NumericResult{Overall: stats.Describe(all, 0, opt), ByGroup: make(map[string]stats.Summary, len(c.groups))}
	for _, g := range c.groups {
		r.ByGroup[g] = stats.Describe(by[g], 0, opt)
	}
	if len(rules) > 0 && rules[0].Set == delphi.PrimaryRuleSet {
		con := rules[0].Evaluate(r.Overall)
		r.Consensus, r.GroupConsensus = &con, make(map[string]Consensus, len(c.groups))
		group := rulesForGroups(rules[:1])[0] // min_n or group_min_n per group, as for ratings
		for _, g := range c.groups {
			r.GroupConsensus[g] = group.Evaluate(r.ByGroup[g])
		}
	}
	r.Alternatives = ruleOutcomes(rules, r.Overall)
	if c.hasPrev {
		num := func(list []*delphi.Answer) map[string]float64 {
			m := map[string]float64{}
			for _, a := range list {
				if a.ExpertID != "" && a.Value.Number != nil {
					m[a.ExpertID] = *a.Value.Number
				}
			}
			return m
		}
		st := stats.StabilityWilcoxon(num(prev), num(cur), c.typ, c.wilcoxon)
		var before []float64
		for _, a := range prev {
			if a.Value.Number != nil {
				before = append(before, *a.Value.Number)
			}
		}
		st.SetRoundsIQR(before, all, c.typ)
		r.Stability = &st
	}
	return r
}

func (c *computer) choice(it delphi.Item, cur []*delphi.Answer) *ChoiceResult {
	idx := make(map[string]int, len(it.Options))
	for i, o := range it.Options {
		idx[o.ID] = i
	}
	tally := func(group string, all bool) ChoiceCounts {
		counts := make([]int, len(it.Options))
		cc := ChoiceCounts{}
		for _, a := range cur {
			if !all && a.Group != group {
				continue
			}
			var picked []string
			if it.Type == delphi.ItemSingleChoice {
				if a.Value.Choice != "" {
					picked = []string{a.Value.Choice}
				}
			} else {
				picked = a.Value.Choices
			}
			if len(picked) == 0 {
				continue
			}
			seen := map[int]bool{}
			ok := true
			for _, id := range picked {
				j, known := idx[id]
				if !known || seen[j] {
					ok = false
					break
				}
				seen[j] = true
			}
			if !ok {
				cc.Invalid++
				continue
			}
			cc.N++
			for j := range seen {
				counts[j]++
			}
		}
		cc.Options = make([]OptionCount, len(it.Options))
		for i, o := range it.Options {
			cc.Options[i] = OptionCount{ID: o.ID, Count: counts[i], Share: share(counts[i], cc.N)}
		}
		return cc
	}
	r := &ChoiceResult{ChoiceCounts: tally("", true), ByGroup: make(map[string]ChoiceCounts, len(c.groups))}
	for _, g := range c.groups {
		r.ByGroup[g] = tally(g, false)
	}
	return r
}

// share returns c/n as a Num, undefined when n = 0.
func share(c, n int) stats.Num {
	if n == 0 {
		return stats.UndefinedNum("n = 0")
	}
	return stats.NumOf(float64(c) / float64(n))
}

func (c *computer) ranking(it delphi.Item, cur []*delphi.Answer) *RankingResult {
	opts := make([]string, len(it.Options))
	for i, o := range it.Options {
		opts[i] = o.ID
	}
	// Keyed by position, never by expert: the keys do not reach the result.
	all := map[string]stats.Ranked{}
	by := map[string]map[string]stats.Ranked{}
	for i, a := range cur {
		if len(a.Value.Choices) == 0 {
			continue
		}
		k := strconv.Itoa(i)
		rk := stats.Ranked{IDs: a.Value.Choices, Places: a.Value.Places}
		all[k] = rk
		if by[a.Group] == nil {
			by[a.Group] = map[string]stats.Ranked{}
		}
		by[a.Group][k] = rk
	}
	r := &RankingResult{TopK: it.TopK, Ties: it.Ties, Overall: stats.RankingTies(all, opts, it.TopK), ByGroup: make(map[string]stats.RankingSummary, len(c.groups))}
	for _, g := range c.groups {
		r.ByGroup[g] = stats.RankingTies(by[g], opts, it.TopK)
	}
	return r
}

func (c *computer) text(cur []*delphi.Answer) *TextResult {
	var cs []Comment
	for _, a := range cur {
		if t := strings.TrimSpace(a.Value.Text); t != "" {
			cs = append(cs, Comment{Text: t, Group: a.Group, Kind: KindAnswer})
		}
	}
	c.sortComments(cs)
	r := &TextResult{N: len(cs), Texts: make([]string, len(cs))}
	for i, t := range cs {
		r.Texts[i] = t.Text
	}
	return r
}

// comments collects the anonymised free texts of an item: text answers,
// comments and justifications, sorted by group, text and kind.
func (c *computer) comments(it delphi.Item, cur []*delphi.Answer) []Comment {
	cs := []Comment{}
	for _, a := range cur {
		if it.Type == delphi.ItemText {
			if t := strings.TrimSpace(a.Value.Text); t != "" {
				cs = append(cs, Comment{Text: t, Group: a.Group, Kind: KindAnswer})
			}
		}
		if t := strings.TrimSpace(a.Comment); t != "" {
			cs = append(cs, Comment{Text: t, Group: a.Group, Kind: KindComment})
		}
		if t := strings.TrimSpace(a.Justification); t != "" {
			cs = append(cs, Comment{Text: t, Group: a.Group, Kind: KindJustification})
		}
	}
	c.sortComments(cs)
	return cs
}

// sortComments orders by group (the order of RoundResults.Groups, the empty
// group last), then by text (bytewise), then by kind.
func (c *computer) sortComments(cs []Comment) {
	rank := func(g string) int {
		if i, ok := c.groupIdx[g]; ok {
			return i
		}
		return len(c.groups)
	}
	slices.SortFunc(cs, func(a, b Comment) int {
		return cmp.Or(cmp.Compare(rank(a.Group), rank(b.Group)), strings.Compare(a.Group, b.Group),
			strings.Compare(a.Text, b.Text), strings.Compare(a.Kind, b.Kind))
	})
}
