package analysis

import (
	"cmp"
	"encoding/json"
	"slices"
	"strings"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/stats"
)

// Names of the statistics a study may show as feedback
// (delphi.Feedback.Statistics).
const (
	StatN            = "n"
	StatMedian       = "median"
	StatIQR          = "iqr"
	StatMean         = "mean"
	StatSD           = "sd"
	StatDistribution = "distribution"
	StatAgreement    = "agreement"
	StatConsensus    = "consensus"
)

// ItemFeedback is what an expert sees of one item of the previous round.
// It never carries expert ids or pseudonyms.
type ItemFeedback struct {
	ItemID string `json:"item_id"`
	Type   string `json:"type"`
	N      int    `json:"n"` // always shown
	// Submitted and Drafts: the experts who answered the item and submitted
	// the round, and those who have not (yet); N counts the drafts only
	// where the study's feedback.count is "all" (Count).
	Submitted int                 `json:"submitted"`
	Drafts    int                 `json:"drafts"`
	Count     string              `json:"count"`
	Rating    *RatingFeedback     `json:"rating,omitempty"`
	Criteria  []CriterionFeedback `json:"criteria,omitempty"`
	Numeric   *RatingFeedback     `json:"numeric,omitempty"`
	Choice    *ChoiceFeedback     `json:"choice,omitempty"`
	Ranking   *RankingFeedback    `json:"ranking,omitempty"`
	Comments  []Comment           `json:"comments,omitempty"` // only with Feedback.Comments; kinds comment and justification
}

// SummaryFeedback is the shown subset of a summary. A statistic that is not
// shown is absent; one that is shown but undefined is null.
type SummaryFeedback struct {
	N                int           `json:"n"`
	Median           *stats.Num    `json:"median,omitempty"`
	Q1               *stats.Num    `json:"q1,omitempty"`
	Q3               *stats.Num    `json:"q3,omitempty"`
	IQR              *stats.Num    `json:"iqr,omitempty"`
	Mean             *stats.Num    `json:"mean,omitempty"`
	SD               *stats.Num    `json:"sd,omitempty"`
	Distribution     []stats.Point `json:"distribution,omitempty"`
	Abstentions      *int          `json:"abstentions,omitempty"` // shown with the distribution
	AgreementPercent *stats.Num    `json:"agreement_percent,omitempty"`
	Consensus        string        `json:"consensus,omitempty"` // outcome, with "consensus" only
}

// RatingFeedback is the feedback on a rating, a criterion or a numeric item.
type RatingFeedback struct {
	SummaryFeedback
	ByGroup map[string]GroupSummaryFeedback `json:"by_group,omitempty"` // only with Feedback.ByGroup
}

// suppressedJSON is the whole by_group entry of a group with fewer answers
// than the study's minimum group size: no numbers at all.
var suppressedJSON = []byte(`{"suppressed":true}`)

// GroupSummaryFeedback is one group's entry in a by_group map: the group's
// summary, or, when Suppressed, nothing but {"suppressed":true}.
type GroupSummaryFeedback struct {
	SummaryFeedback
	Suppressed bool `json:"suppressed,omitempty"` // fewer answers than min_group_n
}

// MarshalJSON writes a suppressed entry without its (zero) numbers.
func (g GroupSummaryFeedback) MarshalJSON() ([]byte, error) {
	if g.Suppressed {
		return suppressedJSON, nil
	}
	return json.Marshal(g.SummaryFeedback)
}

// CriterionFeedback is the feedback on one criterion of a multi_rating item.
type CriterionFeedback struct {
	CriterionID string `json:"criterion_id"`
	RatingFeedback
}

// ChoiceFeedback is the feedback on a choice item.
type ChoiceFeedback struct {
	ChoiceGroupFeedback
	ByGroup map[string]GroupChoiceFeedback `json:"by_group,omitempty"`
}

// GroupChoiceFeedback is one group's entry in a choice item's by_group map:
// the group's counts, or, when Suppressed, nothing but {"suppressed":true}.
type GroupChoiceFeedback struct {
	ChoiceGroupFeedback
	Suppressed bool `json:"suppressed,omitempty"` // fewer answers than min_group_n
}

// MarshalJSON writes a suppressed entry without its (zero) numbers.
func (g GroupChoiceFeedback) MarshalJSON() ([]byte, error) {
	if g.Suppressed {
		return suppressedJSON, nil
	}
	return json.Marshal(g.ChoiceGroupFeedback)
}

// ChoiceGroupFeedback holds n and, with "distribution", the option counts.
type ChoiceGroupFeedback struct {
	N       int           `json:"n"`
	Options []OptionCount `json:"options,omitempty"`
}

// RankingFeedback is the feedback on a ranking item.
type RankingFeedback struct {
	RankingGroupFeedback
	ByGroup map[string]GroupRankingFeedback `json:"by_group,omitempty"`
}

// GroupRankingFeedback is one group's entry in a ranking item's by_group
// map: the group's ranking, or, when Suppressed, nothing but
// {"suppressed":true}.
type GroupRankingFeedback struct {
	RankingGroupFeedback
	Suppressed bool `json:"suppressed,omitempty"` // fewer rankings than min_group_n
}

// MarshalJSON writes a suppressed entry without its (zero) numbers.
func (g GroupRankingFeedback) MarshalJSON() ([]byte, error) {
	if g.Suppressed {
		return suppressedJSON, nil
	}
	return json.Marshal(g.RankingGroupFeedback)
}

// RankingGroupFeedback holds m and, with "distribution", the per-option
// mean rank and first / top-k shares.
type RankingGroupFeedback struct {
	M       int                `json:"m"`
	TopK    int                `json:"top_k,omitempty"`
	Options []stats.OptionRank `json:"options,omitempty"`
}

// feedbackView says which parts are shown.
type feedbackView struct {
	fb       delphi.Feedback
	has      map[string]bool
	minGroup int // fb.MinGroup()
	// validOnly: a rating group's size leaves "cannot judge" out
	// (LiveFeedback).
	validOnly bool
}

// groupEntries says how each group, by its number of answers, appears in
// a by_group map: not at all (n = 0), with its numbers, or suppressed.
// A group with 0 < n < min_group_n is suppressed, and then, while the
// suppressed groups together hold fewer than min_group_n answers, the
// smallest shown group as well (by n, then id): otherwise the overall
// numbers minus the shown groups would give the small group's answers away.
func (v feedbackView) groupEntries(counts map[string]int) (suppressed map[string]bool) {
	suppressed = map[string]bool{}
	total := 0
	for g, n := range counts {
		if n > 0 && n < v.minGroup {
			suppressed[g] = true
			total += n
		}
	}
	for total > 0 && total < v.minGroup {
		next := ""
		for g, n := range counts {
			if n > 0 && !suppressed[g] && (next == "" || n < counts[next] || n == counts[next] && g < next) {
				next = g
			}
		}
		if next == "" {
			break // every group is suppressed
		}
		suppressed[next] = true
		total += counts[next]
	}
	return suppressed
}

func (v feedbackView) summary(s stats.Summary, outcome string) SummaryFeedback {
	f := SummaryFeedback{N: s.N}
	ptr := func(n stats.Num) *stats.Num { return &n }
	if v.has[StatMedian] {
		f.Median = ptr(s.Median)
	}
	if v.has[StatIQR] || v.fb.JustifyOutsideIQR {
		f.Q1, f.Q3, f.IQR = ptr(s.Q1), ptr(s.Q3), ptr(s.IQR)
	}
	if v.has[StatMean] {
		f.Mean = ptr(s.Mean)
	}
	if v.has[StatSD] {
		f.SD = ptr(s.SD)
	}
	if v.has[StatDistribution] && s.Distribution != nil {
		f.Distribution = slices.Clone(s.Distribution)
		a := s.Abstentions
		f.Abstentions = &a
	}
	if v.has[StatAgreement] && s.Distribution != nil {
		f.AgreementPercent = ptr(nonZero(s.AgreementPercent))
	}
	if v.has[StatConsensus] {
		f.Consensus = outcome
	}
	return f
}

func (v feedbackView) rating(r *RatingResult) RatingFeedback {
	f := RatingFeedback{SummaryFeedback: v.summary(r.Overall, r.Consensus.Outcome)}
	if v.fb.ByGroup {
		f.ByGroup = map[string]GroupSummaryFeedback{}
		counts := map[string]int{}
		for g, gr := range r.ByGroup {
			counts[g] = gr.Summary.N // valid ratings
			if !v.validOnly {
				counts[g] += gr.Summary.Abstentions // the people who answered
			}
		}
		suppressed := v.groupEntries(counts)
		for g, gr := range r.ByGroup {
			switch {
			case suppressed[g]:
				f.ByGroup[g] = GroupSummaryFeedback{Suppressed: true}
			case counts[g] > 0:
				f.ByGroup[g] = GroupSummaryFeedback{SummaryFeedback: v.summary(gr.Summary, gr.Consensus.Outcome)}
			}
		}
	}
	return f
}

func (v feedbackView) numeric(r *NumericResult) RatingFeedback {
	nv := v
	nv.has = map[string]bool{}
	for k, on := range v.has {
		nv.has[k] = on && k != StatDistribution && k != StatAgreement && k != StatConsensus
	}
	f := RatingFeedback{SummaryFeedback: nv.summary(r.Overall, "")}
	if v.fb.ByGroup {
		f.ByGroup = map[string]GroupSummaryFeedback{}
		counts := map[string]int{}
		for g, s := range r.ByGroup {
			counts[g] = s.N
		}
		suppressed := v.groupEntries(counts)
		for g, s := range r.ByGroup {
			switch {
			case suppressed[g]:
				f.ByGroup[g] = GroupSummaryFeedback{Suppressed: true}
			case s.N > 0:
				f.ByGroup[g] = GroupSummaryFeedback{SummaryFeedback: nv.summary(s, "")}
			}
		}
	}
	return f
}

func (v feedbackView) choice(r *ChoiceResult) *ChoiceFeedback {
	one := func(c ChoiceCounts) ChoiceGroupFeedback {
		g := ChoiceGroupFeedback{N: c.N}
		if v.has[StatDistribution] {
			g.Options = slices.Clone(c.Options)
		}
		return g
	}
	f := &ChoiceFeedback{ChoiceGroupFeedback: one(r.ChoiceCounts)}
	if v.fb.ByGroup {
		f.ByGroup = map[string]GroupChoiceFeedback{}
		counts := map[string]int{}
		for g, c := range r.ByGroup {
			counts[g] = c.N
		}
		suppressed := v.groupEntries(counts)
		for g, c := range r.ByGroup {
			switch {
			case suppressed[g]:
				f.ByGroup[g] = GroupChoiceFeedback{Suppressed: true}
			case c.N > 0:
				f.ByGroup[g] = GroupChoiceFeedback{ChoiceGroupFeedback: one(c)}
			}
		}
	}
	return f
}

func (v feedbackView) ranking(r *RankingResult) *RankingFeedback {
	one := func(s stats.RankingSummary) RankingGroupFeedback {
		g := RankingGroupFeedback{M: s.M, TopK: r.TopK}
		if v.has[StatDistribution] {
			g.Options = slices.Clone(s.Options)
			for i := range g.Options {
				g.Options[i].MeanRank, g.Options[i].FirstShare = nonZero(g.Options[i].MeanRank), nonZero(g.Options[i].FirstShare)
				if r.TopK > 0 {
					// Keep an undefined top-k share null after a JSON round trip.
					g.Options[i].TopKShare = nonZero(g.Options[i].TopKShare)
				}
			}
		}
		return g
	}
	f := &RankingFeedback{RankingGroupFeedback: one(r.Overall)}
	if v.fb.ByGroup {
		f.ByGroup = map[string]GroupRankingFeedback{}
		counts := map[string]int{}
		for g, s := range r.ByGroup {
			counts[g] = s.M
		}
		suppressed := v.groupEntries(counts)
		for g, s := range r.ByGroup {
			switch {
			case suppressed[g]:
				f.ByGroup[g] = GroupRankingFeedback{Suppressed: true}
			case s.M > 0:
				f.ByGroup[g] = GroupRankingFeedback{RankingGroupFeedback: one(s)}
			}
		}
	}
	return f
}

// Feedback returns, per item id, what experts see of the round r in the
// next round under the study's feedback options fb:
//   - n always (every report carries n);
//   - median, mean, sd, distribution (with the abstention count),
//     agreement_percent and the consensus outcome when named in
//     fb.Statistics ("agreement" shows agreement_percent); q1, q3 and iqr
//     with "iqr" or when fb.JustifyOutsideIQR is set (the band the
//     justification rule refers to);
//   - choice counts and ranking results with "distribution"; text items n only;
//   - by_group with fb.ByGroup: groups with answers only, and a group
//     with fewer answers than fb.MinGroup() (people who answered, for
//     ratings abstentions included) only as {"suppressed": true}, with as
//     many of the smallest other groups as it takes for the suppressed
//     groups to hold at least fb.MinGroup() answers together
//     (groupEntries);
//   - comments and justifications with fb.Comments, with their group only
//     when fb.ByGroup, no group of the item is suppressed and every
//     comment's group is shown with numbers (else every group is blank
//     and they are ordered by text alone); the answers to text items are
//     not fed back (coordinators turn them into items).
func Feedback(r *RoundResults, fb delphi.Feedback) map[string]ItemFeedback {
	return feedback(r, feedbackView{fb: fb})
}

// LiveFeedback is Feedback for the real-time mode's statistics of the
// others' answers (internal/realtime): as there, the size of a rating
// group against fb.MinGroup() is its valid ratings, "cannot judge" not
// counted, so no group's numbers rest on fewer values than the minimum.
func LiveFeedback(r *RoundResults, fb delphi.Feedback) map[string]ItemFeedback {
	return feedback(r, feedbackView{fb: fb, validOnly: true})
}

func feedback(r *RoundResults, v feedbackView) map[string]ItemFeedback {
	out := map[string]ItemFeedback{}
	if r == nil {
		return out
	}
	fb := v.fb
	v.has, v.minGroup = map[string]bool{}, fb.MinGroup()
	for _, s := range fb.Statistics {
		v.has[s] = true
	}
	for i := range r.Items {
		it := &r.Items[i]
		f := ItemFeedback{ItemID: it.ItemID, Type: it.Type, N: it.N, Submitted: it.Submitted, Drafts: it.Drafts, Count: r.Count}
		switch {
		case it.Rating != nil:
			rf := v.rating(it.Rating)
			f.Rating = &rf
		case it.Criteria != nil:
			f.Criteria = make([]CriterionFeedback, len(it.Criteria))
			for j := range it.Criteria {
				f.Criteria[j] = CriterionFeedback{CriterionID: it.Criteria[j].CriterionID, RatingFeedback: v.rating(&it.Criteria[j].RatingResult)}
			}
		case it.Numeric != nil:
			nf := v.numeric(it.Numeric)
			f.Numeric = &nf
		case it.Choice != nil:
			f.Choice = v.choice(it.Choice)
		case it.Ranking != nil:
			f.Ranking = v.ranking(it.Ranking)
		}
		if fb.Comments {
			for _, c := range it.Comments {
				if c.Kind != KindAnswer {
					f.Comments = append(f.Comments, c)
				}
			}
			if !fb.ByGroup || !f.commentGroupsShown() {
				// Without group feedback, or when a group of the item is
				// suppressed or not shown with numbers, no group is shown,
				// and the order must not reveal it either: by text, then kind.
				for j := range f.Comments {
					f.Comments[j].Group = ""
				}
				slices.SortFunc(f.Comments, func(a, b Comment) int {
					return cmp.Or(strings.Compare(a.Text, b.Text), strings.Compare(a.Kind, b.Kind))
				})
			}
		}
		out[it.ItemID] = f
	}
	return out
}

// byGroupEntry is an entry of a by_group map of the feedback.
type byGroupEntry interface{ suppressed() bool }

func (g GroupSummaryFeedback) suppressed() bool { return g.Suppressed }
func (g GroupChoiceFeedback) suppressed() bool  { return g.Suppressed }
func (g GroupRankingFeedback) suppressed() bool { return g.Suppressed }

// groupVisibility collects which groups an item's feedback shows with
// numbers, and whether it suppresses any.
type groupVisibility struct {
	shown      map[string]bool
	suppressed bool
}

func addGroups[T byGroupEntry](vis *groupVisibility, m map[string]T) {
	for g, e := range m {
		if e.suppressed() {
			vis.suppressed = true
		} else {
			vis.shown[g] = true
		}
	}
}

// commentGroupsShown reports whether the comments of f may carry their
// group: no group is suppressed in any by_group map of the item, and the
// group of every comment is shown with numbers in one of them (a group
// that answered nothing but comments is not). Blanking only a small
// group's comments would name it by elimination, so otherwise no comment
// of the item carries a group.
func (f *ItemFeedback) commentGroupsShown() bool {
	vis := groupVisibility{shown: map[string]bool{}}
	if f.Rating != nil {
		addGroups(&vis, f.Rating.ByGroup)
	}
	for i := range f.Criteria {
		addGroups(&vis, f.Criteria[i].ByGroup)
	}
	if f.Numeric != nil {
		addGroups(&vis, f.Numeric.ByGroup)
	}
	if f.Choice != nil {
		addGroups(&vis, f.Choice.ByGroup)
	}
	if f.Ranking != nil {
		addGroups(&vis, f.Ranking.ByGroup)
	}
	if vis.suppressed {
		return false
	}
	for _, c := range f.Comments {
		if c.Group != "" && !vis.shown[c.Group] {
			return false
		}
	}
	return true
}

// OutsideIQR reports whether value lies strictly below q1 or strictly above
// q3; false when either is undefined (no previous answers).
func OutsideIQR(q1, q3 stats.Num, value float64) bool {
	return q1.Valid && q3.Valid && (value < q1.Value || value > q3.Value)
}

// OutsideIQR reports whether value lies outside the overall IQR of r.
func (r *RatingResult) OutsideIQR(value float64) bool {
	return OutsideIQR(r.Overall.Q1, r.Overall.Q3, value)
}

// OutsideIQR reports whether value lies outside the IQR shown in f; false
// when the IQR is not part of the feedback.
func (f *SummaryFeedback) OutsideIQR(value float64) bool {
	if f.Q1 == nil || f.Q3 == nil {
		return false
	}
	return OutsideIQR(*f.Q1, *f.Q3, value)
}

// OutsideIQR returns the fields of the new answer v that lie outside the
// overall IQR of the previous round's result it, so need a justification:
// "value" for a rating or a numeric estimate, "value.<criterion>" per
// criterion of a multi_rating item (the field names of delphi.ParseValue),
// in criterion order. Abstentions are never outside. Other item types
// (choice, ranking, text) give nil.
func (it *ItemResult) OutsideIQR(v delphi.Value) []string {
	var out []string
	switch {
	case it.Rating != nil:
		if x, ok := v.Rating(); ok && it.Rating.OutsideIQR(x) {
			out = append(out, "value")
		}
	case it.Criteria != nil:
		for _, c := range it.Criteria {
			if x, ok := v.Criteria[c.CriterionID].Rating(); ok && c.OutsideIQR(x) {
				out = append(out, "value."+c.CriterionID)
			}
		}
	case it.Numeric != nil:
		if v.Number != nil && OutsideIQR(it.Numeric.Overall.Q1, it.Numeric.Overall.Q3, *v.Number) {
			out = append(out, "value")
		}
	}
	return out
}

// OutsideIQR is ItemResult.OutsideIQR on the feedback an expert saw.
func (f *ItemFeedback) OutsideIQR(v delphi.Value) []string {
	var out []string
	switch {
	case f.Rating != nil:
		if x, ok := v.Rating(); ok && f.Rating.OutsideIQR(x) {
			out = append(out, "value")
		}
	case f.Criteria != nil:
		for _, c := range f.Criteria {
			if x, ok := v.Criteria[c.CriterionID].Rating(); ok && c.OutsideIQR(x) {
				out = append(out, "value."+c.CriterionID)
			}
		}
	case f.Numeric != nil:
		if v.Number != nil && f.Numeric.OutsideIQR(*v.Number) {
			out = append(out, "value")
		}
	}
	return out
}
