package analysis

import (
	"cmp"
	"encoding/binary"
	"slices"
	"strconv"
	"strings"
	"sync"
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
	// Texts, when set, receives the results' free texts: each item's
	// comments go there as one entry (ItemResult.CommentsIn; read them with
	// ItemResult.EachComment), and TextResult.Texts is left empty (the text
	// answers are among the comments): for a caller that writes them out
	// without holding them all (the export). The results' memory then does
	// not grow with the panel.
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
	// CommentsIn is, for results computed with Input.Texts, the reference
	// of the item's comments in that TextStore (Comments is then empty),
	// and NComments their number: read them with EachComment.
	CommentsIn string `json:"-"`
	NComments  int    `json:"-"`
}

// EachComment calls fn with each of the item's comments, in order: from
// Comments, or read back from ts (CommentsIn; each Text then shares the
// memory of all of them, so fn must not keep it). It returns fn's first
// error, or EINTERNAL if the comments do not read back.
func (it *ItemResult) EachComment(ts TextStore, fn func(Comment) error) error {
	if it.CommentsIn == "" {
		for _, c := range it.Comments {
			if err := fn(c); err != nil {
				return err
			}
		}
		return nil
	}
	d := chunkReader{s: ts.Get(it.CommentsIn)}
	n := d.uvarint()
	for i := uint64(0); i < n && d.ok(); i++ {
		c := Comment{Group: d.string(), Kind: d.string(), Text: d.view()} // a kept group or kind would keep the chunk
		if !d.ok() {
			break
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	if !d.ok() || d.i != len(d.s) || n != uint64(it.NComments) {
		return delphi.Errorf(delphi.EINTERNAL, "the comments on item %s could not be read back", it.ItemID)
	}
	return nil
}

// encodeComments encodes cs for ItemResult.CommentsIn: their number, then
// each one's group, kind and text (appendString), built in place (a text
// item's comments are a panel's texts).
func encodeComments(cs []Comment) string {
	n := binary.MaxVarintLen64
	for _, c := range cs {
		n += len(c.Group) + len(c.Kind) + len(c.Text) + 3*binary.MaxVarintLen64
	}
	var b strings.Builder
	b.Grow(n)
	var num [binary.MaxVarintLen64]byte
	b.Write(binary.AppendUvarint(num[:0], uint64(len(cs))))
	for _, c := range cs {
		for _, s := range []string{c.Group, c.Kind, c.Text} {
			b.Write(binary.AppendUvarint(num[:0], uint64(len(s))))
			b.WriteString(s)
		}
	}
	return b.String()
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
	*scratch
}

// scratch is the memory Compute reuses across items and ratings, and
// across calls (scratchPool): allocating it afresh for every round was
// most of the engine's time (docs/PERFORMANCE.md).
type scratch struct {
	cur, prev       latestBuf        // latest of the round and of the previous round
	curAns, prevAns answerBuf        // the answers of a compact round to the item at hand
	curBuf, prevBuf []*delphi.Answer // the counted answers of the item at hand

	// The index in prevAll of the previous round's answer of each current
	// answer's expert (-1: none), the answers of a previous round by
	// expert, the ratings of the rating at hand (current and previous
	// round), the valid ones, the paired ones for stability, and the
	// ratings per group.
	prevOf            []int32
	rated             []rated // the current answers' ratings of the rating at hand
	prevRated         []rated // prevAll's ratings of the rating at hand
	prevBy            map[string]int32
	values, prevXs    []float64
	pairPrev, pairCur []float64
	byGroup           [][]float64
	abstainsBy        []int
}

var scratchPool = sync.Pool{New: func() any { return &scratch{prevBy: map[string]int32{}} }}

// release forgets what sc points to (the caller's answers) and returns it
// to scratchPool.
func (sc *scratch) release() {
	for _, ps := range [][]*delphi.Answer{sc.cur.ptrs, sc.prev.ptrs, sc.curAns.ptrs, sc.prevAns.ptrs, sc.curBuf, sc.prevBuf} {
		clear(ps[:cap(ps)])
	}
	for _, buf := range []*answerBuf{&sc.curAns, &sc.prevAns} {
		clear(buf.as[:cap(buf.as)])
		clear(buf.extras[:cap(buf.extras)]) // free texts and values read back from chunks
	}
	clear(sc.prevBy)
	scratchPool.Put(sc)
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
	sc := scratchPool.Get().(*scratch)
	defer sc.release()
	c := &computer{def: def, typ: def.Quantile(), hasPrev: in.Previous != nil || in.PreviousCompact != nil, scratch: sc}
	wo := def.WilcoxonSettings()
	c.wilcoxon = stats.WilcoxonOptions{Method: wo.Method, ZeroMethod: wo.ZeroMethod, Correction: wo.Correction}
	// Of the previous round only the values count: its free texts are not
	// read from a compact round.
	all := roundAnswers{compact: in.Compact, texts: true, buf: &sc.curAns}
	prev := roundAnswers{compact: in.PreviousCompact, buf: &sc.prevAns}
	if in.Compact != nil {
		c.setGroups(in.Compact.groups)
	} else {
		all.flat = latest(in.Answers, in.Items, true, &sc.cur)
		c.setGroups(all.flat.groups)
	}
	if in.PreviousCompact == nil {
		prev.flat = latest(in.Previous, in.Items, false, &sc.prev)
	}
	c.byGroup, c.abstainsBy = sized(c.byGroup, len(c.groups)), sized(c.abstainsBy, len(c.groups)) // collect resets them
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
	for i, it := range in.Items {
		as := all.item(it.ID)
		cur, ps := as, prev.item(it.ID)
		if count == delphi.CountSubmitted {
			cur, ps = submitted(as, &sc.curBuf), submitted(ps, &sc.prevBuf)
		}
		r := c.item(it, cur, ps)
		r.SectionID, r.Position = section[i], position[i]
		if in.Texts != nil {
			r.NComments = len(r.Comments)
			if len(r.Comments) > 0 {
				r.CommentsIn = in.Texts.Put(encodeComments(r.Comments))
			}
			r.Comments = []Comment{}
			if r.Text != nil {
				r.Text.Texts = []string{}
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
	flat    flatRound
	compact *Compact
	texts   bool // read the free texts of a compact round
	buf     *answerBuf
}

// item returns the answers to item id that count (latest); from a compact
// round they are valid until the next call.
func (r *roundAnswers) item(id string) []*delphi.Answer {
	if r.compact != nil {
		return r.compact.answers(id, r.buf, r.texts)
	}
	return r.flat.items[id]
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
	last, looked := "", false
	each(func(g string) {
		if looked && g == last {
			return
		}
		last, looked = g, true
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

// flatRound is a round's answers that count, from latest.
type flatRound struct {
	items map[string][]*delphi.Answer // by item, parts of kept
	// With numbered, kept is every answer that counts and expert its
	// expert's number (-1 without an expert id) out of experts.
	kept    []*delphi.Answer
	expert  []int32
	experts int
	answers []delphi.Answer // all of them
	slot    []int32         // answers[i]'s item number, -1 when not in the round
}

// groups calls add with the group of each answer to an item of the round
// (computer.setGroups).
func (f flatRound) groups(add func(group string)) {
	for i := range f.answers {
		if f.slot[i] >= 0 {
			add(f.answers[i].Group)
		}
	}
}

// latestBuf is the memory of latest (scratch).
type latestBuf struct {
	slot, expert, index, at, kept []int32
	sizes, starts, fill           []int
	ptrs                          []*delphi.Answer
}

// sized returns s with length n, reusing its array when it is large
// enough (not cleared).
func sized[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// latest groups answers by item, keeping per expert the answer with the
// highest Seq (the later one on equal Seq). Answers without an expert id
// are all kept. With numbered it keeps the experts' numbers too (for
// respondents). What it returns lives in buf.
func latest(answers []delphi.Answer, items []delphi.Item, numbered bool, buf *latestBuf) flatRound {
	itemNo := make(map[string]int32, len(items))
	ids := make([]string, 0, len(items))
	for _, it := range items {
		if _, dup := itemNo[it.ID]; !dup {
			itemNo[it.ID] = int32(len(ids))
			ids = append(ids, it.ID)
		}
	}
	// Items and experts by number, in one pass over answers. Answers come
	// grouped by item (often the same item again, and the experts in the
	// same order for every item: the next number) or by expert (the same
	// expert again), so a map lookup is rarely needed.
	buf.slot, buf.expert = sized(buf.slot, len(answers)), sized(buf.expert, len(answers))
	slot, expert := buf.slot, buf.expert
	buf.sizes = sized(buf.sizes, len(ids))
	sizes := buf.sizes
	clear(sizes)
	last, lastNo := "", int32(-1)
	expertNo := map[string]int32{}
	var expertIDs []string
	lastExpert := int32(-1)
	for i := range answers {
		a := &answers[i]
		if id := a.ItemID; i == 0 || id != last {
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
		switch id := a.ExpertID; {
		case id == "":
			expert[i] = -1
			continue
		case lastExpert >= 0 && id == expertIDs[lastExpert]:
		case int(lastExpert+1) < len(expertIDs) && id == expertIDs[lastExpert+1]:
			lastExpert++
		case len(expertIDs) > 0 && id == expertIDs[0]:
			lastExpert = 0
		default:
			e, ok := expertNo[id]
			if !ok {
				e = int32(len(expertIDs))
				expertNo[id] = e
				expertIDs = append(expertIDs, id)
			}
			lastExpert = e
		}
		expert[i] = lastExpert
	}
	// Per item, the indexes of its answers, in one array.
	buf.starts = sized(buf.starts, len(ids)+1)
	starts := buf.starts
	starts[0] = 0
	for no, n := range sizes {
		starts[no+1] = starts[no] + n
	}
	buf.index, buf.fill = sized(buf.index, starts[len(ids)]), sized(buf.fill, len(ids))
	index, fill := buf.index, buf.fill
	copy(fill, starts)
	for i := range answers {
		if no := slot[i]; no >= 0 {
			index[fill[no]] = int32(i)
			fill[no]++
		}
	}
	buf.at = sized(buf.at, len(expertIDs))
	at := buf.at // expert number → 1 + the index of their answer in kept, for the item at hand
	clear(at)
	out := flatRound{items: make(map[string][]*delphi.Answer, len(ids)), experts: len(expertIDs), answers: answers, slot: slot}
	ptrs := sized(buf.ptrs, len(index))[:0]
	if numbered {
		out.expert = sized(buf.kept, len(index))[:0]
	}
	for no := range ids {
		list := index[starts[no]:starts[no+1]]
		if len(list) == 0 {
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
		from := len(ptrs)
		for _, i := range kept {
			ptrs = append(ptrs, &answers[i])
			if e := expert[i]; e >= 0 {
				at[e] = 0 // reset for the next item
			}
			if numbered {
				out.expert = append(out.expert, expert[i])
			}
		}
		out.items[ids[no]] = ptrs[from:len(ptrs):len(ptrs)]
	}
	out.kept, buf.ptrs = ptrs, ptrs
	if numbered {
		buf.kept = out.expert
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
	// Per expert number (latest): the group and Seq of the counted answer
	// with the highest Seq, and the Draft of their last answer.
	type seen struct {
		group            string
		seq              int64
		counted, present bool
		draft            bool
	}
	experts := make([]seen, all.flat.experts)
	for i, a := range all.flat.kept {
		e := all.flat.expert[i]
		if e < 0 {
			continue
		}
		s := &experts[e]
		s.present, s.draft = true, a.Draft
		if !countAll && a.Draft {
			continue
		}
		if !s.counted || a.Seq > s.seq || (a.Seq == s.seq && a.Group > s.group) {
			s.counted, s.group, s.seq = true, a.Group, a.Seq
		}
	}
	for _, s := range experts {
		if s.present {
			if s.draft {
				r.Drafts++
			} else {
				r.Submitted++
			}
		}
		if s.counted {
			r.Total++
			if s.group != "" {
				r.ByGroup[s.group]++
			}
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
		rr := c.rating(cur, "", sc, ItemRules(c.def, it))
		r.Rating, r.N, r.DivergenceScore = &rr, rr.Overall.N, rr.Divergence.Score
	case delphi.ItemMultiRating:
		r.Criteria = make([]CriterionResult, 0, len(it.Criteria))
		rules := ItemRules(c.def, it)
		for _, cr := range it.Criteria {
			sc, _ := c.def.Scale(cr.Scale)
			rr := c.rating(cur, cr.ID, sc, criterionRules(rules, cr.ID))
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

// pairUp sets c.prevOf[i] to the index in prev of the answer of the
// expert of cur[i] (-1 when there is none, or no expert id). Both lists
// hold an expert at most once; they mostly list the same experts in the
// same order, or in ascending order of their ids (a compact round), which
// pairs them without a map.
func (c *computer) pairUp(cur, prev []*delphi.Answer) {
	c.prevOf = c.prevOf[:0]
	if sameExperts(cur, prev) {
		for i := range cur {
			c.prevOf = append(c.prevOf, int32(i))
		}
		return
	}
	if ascending(cur) && ascending(prev) {
		j := 0
		for _, a := range cur {
			for j < len(prev) && prev[j].ExpertID < a.ExpertID {
				j++
			}
			p := int32(-1)
			if j < len(prev) && prev[j].ExpertID == a.ExpertID {
				p = int32(j)
			}
			c.prevOf = append(c.prevOf, p)
		}
		return
	}
	clear(c.prevBy)
	for i, a := range prev {
		if a.ExpertID != "" {
			c.prevBy[a.ExpertID] = int32(i)
		}
	}
	for _, a := range cur {
		p, ok := int32(-1), false
		if a.ExpertID != "" {
			if p, ok = c.prevBy[a.ExpertID]; !ok {
				p = -1
			}
		}
		c.prevOf = append(c.prevOf, p)
	}
}

// sameExperts reports whether a and b list the same experts (all with an
// id) in the same order.
func sameExperts(a, b []*delphi.Answer) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ExpertID != b[i].ExpertID || a[i].ExpertID == "" {
			return false
		}
	}
	return true
}

// ascending reports whether the experts of list all have an id, in
// strictly ascending order.
func ascending(list []*delphi.Answer) bool {
	for i, a := range list {
		if a.ExpertID == "" || i > 0 && list[i-1].ExpertID >= a.ExpertID {
			return false
		}
	}
	return true
}

// rated is one answer's rating (or criterion).
type rated struct {
	x       float64
	valid   bool // a scale value
	abstain bool // "cannot judge"
}

// rateInto sets *out to the ratings of the criterion (the item's own
// rating for "") of each answer.
func rateInto(out *[]rated, answers []*delphi.Answer, criterion string) {
	rs := (*out)[:0]
	for _, a := range answers {
		v := &a.Value
		if criterion != "" {
			cv := a.Value.Criteria[criterion]
			v = &cv
		}
		r := rated{valid: v.Point != nil && !v.Abstain}
		if r.valid {
			r.x = float64(*v.Point)
		} else {
			r.abstain = v.Abstain
		}
		rs = append(rs, r)
	}
	*out = rs
}

// collect sorts the valid ratings and abstentions (c.rated of answers)
// into the groups of c.groups (c.byGroup, c.abstainsBy) and returns them
// overall (in c.values, until the next call).
func (c *computer) collect(answers []*delphi.Answer) (values []float64, abstain int) {
	for g := range c.byGroup {
		c.byGroup[g], c.abstainsBy[g] = c.byGroup[g][:0], 0
	}
	values = c.values[:0]
	lastGroup, looked, g, known := "", false, 0, false
	for i, a := range answers {
		r := c.rated[i]
		if !r.valid && !r.abstain {
			continue
		}
		if !looked || a.Group != lastGroup {
			lastGroup, looked = a.Group, true
			g, known = c.group(a.Group)
		}
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
	c.values = values
	return values, abstain
}

// pairs returns the paired valid ratings (previous, current) of the
// experts who gave one in both rounds (c.prevOf from pairUp, c.rated,
// c.prevRated).
func (c *computer) pairs() (prev, now []float64) {
	c.pairPrev, c.pairCur = c.pairPrev[:0], c.pairCur[:0]
	for i, p := range c.prevOf {
		if p < 0 || !c.rated[i].valid {
			continue
		}
		if pr := c.prevRated[p]; pr.valid {
			c.pairPrev, c.pairCur = append(c.pairPrev, pr.x), append(c.pairCur, c.rated[i].x)
		}
	}
	return c.pairPrev, c.pairCur
}

// prevRatings returns the valid ratings of every counted answer of the
// previous round to the item at hand (c.prevRated), paired or not.
func (c *computer) prevRatings() []float64 {
	xs := c.prevXs[:0]
	for _, r := range c.prevRated {
		if r.valid {
			xs = append(xs, r.x)
		}
	}
	c.prevXs = xs
	return xs
}

// rating computes one rating or criterion; rules are its ItemRules, the
// primary first.
func (c *computer) rating(cur []*delphi.Answer, criterion string, sc delphi.Scale, rules []ItemRule) RatingResult {
	opt := c.describeOptions(sc)
	rateInto(&c.rated, cur, criterion)
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
		rateInto(&c.prevRated, c.prevAll, criterion)
		prev, now := c.pairs()
		st := stats.StabilityPairsWilcoxon(prev, now, c.typ, c.wilcoxon)
		st.SetRoundsIQR(c.prevRatings(), values, c.typ)
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
	type ranked struct {
		rank int
		Comment
	}
	rs := make([]ranked, len(cs))
	for i, cm := range cs {
		r, ok := c.group(cm.Group)
		if !ok {
			r = len(c.groups)
		}
		rs[i] = ranked{r, cm}
	}
	slices.SortFunc(rs, func(a, b ranked) int {
		return cmp.Or(cmp.Compare(a.rank, b.rank), strings.Compare(a.Group, b.Group),
			strings.Compare(a.Text, b.Text), strings.Compare(a.Kind, b.Kind))
	})
	for i := range rs {
		cs[i] = rs[i].Comment
	}
}

// group returns the index of group g in c.groups: a few groups are found
// faster by comparing than by hashing.
func (c *computer) group(g string) (int, bool) {
	if len(c.groups) > 16 {
		i, ok := c.groupIdx[g]
		return i, ok
	}
	for i, id := range c.groups {
		if id == g {
			return i, true
		}
	}
	return 0, false
}
