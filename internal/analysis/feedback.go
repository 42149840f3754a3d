package analysis

import (
	"cmp"
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
	ItemID   string              `json:"item_id"`
	Type     string              `json:"type"`
	N        int                 `json:"n"` // always shown
	Rating   *RatingFeedback     `json:"rating,omitempty"`
	Criteria []CriterionFeedback `json:"criteria,omitempty"`
	Numeric  *RatingFeedback     `json:"numeric,omitempty"`
	Choice   *ChoiceFeedback     `json:"choice,omitempty"`
	Ranking  *RankingFeedback    `json:"ranking,omitempty"`
	Comments []Comment           `json:"comments,omitempty"` // only with Feedback.Comments; kinds comment and justification
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
	ByGroup map[string]SummaryFeedback `json:"by_group,omitempty"` // only with Feedback.ByGroup
}

// CriterionFeedback is the feedback on one criterion of a multi_rating item.
type CriterionFeedback struct {
	CriterionID string `json:"criterion_id"`
	RatingFeedback
}

// ChoiceFeedback is the feedback on a choice item.
type ChoiceFeedback struct {
	ChoiceGroupFeedback
	ByGroup map[string]ChoiceGroupFeedback `json:"by_group,omitempty"`
}

// ChoiceGroupFeedback holds n and, with "distribution", the option counts.
type ChoiceGroupFeedback struct {
	N       int           `json:"n"`
	Options []OptionCount `json:"options,omitempty"`
}

// RankingFeedback is the feedback on a ranking item.
type RankingFeedback struct {
	RankingGroupFeedback
	ByGroup map[string]RankingGroupFeedback `json:"by_group,omitempty"`
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
	fb  delphi.Feedback
	has map[string]bool
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
		f.ByGroup = map[string]SummaryFeedback{}
		for g, gr := range r.ByGroup {
			if gr.Summary.N+gr.Summary.Abstentions > 0 {
				f.ByGroup[g] = v.summary(gr.Summary, gr.Consensus.Outcome)
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
		f.ByGroup = map[string]SummaryFeedback{}
		for g, s := range r.ByGroup {
			if s.N > 0 {
				f.ByGroup[g] = nv.summary(s, "")
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
		f.ByGroup = map[string]ChoiceGroupFeedback{}
		for g, c := range r.ByGroup {
			if c.N > 0 {
				f.ByGroup[g] = one(c)
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
		f.ByGroup = map[string]RankingGroupFeedback{}
		for g, s := range r.ByGroup {
			if s.M > 0 {
				f.ByGroup[g] = one(s)
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
//   - by_group (groups with answers only) with fb.ByGroup;
//   - comments and justifications with fb.Comments, with their group only
//     when fb.ByGroup (else the group is blank and they are ordered by text
//     alone); the answers to text items are not fed back (coordinators
//     turn them into items).
func Feedback(r *RoundResults, fb delphi.Feedback) map[string]ItemFeedback {
	out := map[string]ItemFeedback{}
	if r == nil {
		return out
	}
	v := feedbackView{fb: fb, has: map[string]bool{}}
	for _, s := range fb.Statistics {
		v.has[s] = true
	}
	for i := range r.Items {
		it := &r.Items[i]
		f := ItemFeedback{ItemID: it.ItemID, Type: it.Type, N: it.N}
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
			if !fb.ByGroup {
				// Without group feedback the group is not shown, and the
				// order must not reveal it either: by text, then kind.
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
// "value" for a rating, "value.<criterion>" per criterion of a multi_rating
// item (the field names of delphi.ParseValue), in criterion order.
// Abstentions are never outside. Other item types give nil.
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
	}
	return out
}
