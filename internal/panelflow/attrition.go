package panelflow

import (
	"slices"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/stats"
)

// Alpha is the level below which an attrition comparison is flagged.
const Alpha = 0.05

// Attrition compares, for each closed round n ≥ 2, the experts who
// submitted round n−1 but not round n ("left") with those who submitted
// both ("stayed"), on their ratings in round n−1: the last round both
// answered.
type Attrition struct {
	Alpha  float64          `json:"alpha"`
	Rounds []AttritionRound `json:"rounds"`
}

// AttritionRound is the comparison for the step from round From to Round.
type AttritionRound struct {
	Round         int             `json:"round"`
	From          int             `json:"from"`
	Left          int             `json:"left"`   // submitted From, not Round
	Stayed        int             `json:"stayed"` // submitted both
	LeftByGroup   map[string]int  `json:"left_by_group"`
	StayedByGroup map[string]int  `json:"stayed_by_group"`
	Flagged       int             `json:"flagged"` // rows whose overall comparison is flagged
	Items         []AttritionItem `json:"items"`   // the rating rows of round From, in its order
}

// AttritionItem is one rating, or one criterion of a multi_rating item.
type AttritionItem struct {
	ItemID      string                `json:"item_id"`
	CriterionID string                `json:"criterion_id,omitempty"`
	Overall     Comparison            `json:"overall"`
	ByGroup     map[string]Comparison `json:"by_group"` // every group with an expert who left or stayed
}

// Comparison compares the ratings of who left with those of who stayed.
type Comparison struct {
	NLeft        int       `json:"n_left"` // valid ratings (abstentions left out)
	NStayed      int       `json:"n_stayed"`
	MedianLeft   stats.Num `json:"median_left"`
	MedianStayed stats.Num `json:"median_stayed"`
	// Test is stats.MannWhitneyU(left, stayed): U1 is the U of who left.
	Test stats.MannWhitney `json:"test"`
	Flag bool              `json:"flag"` // p < Alpha
}

// ComputeAttrition compares who left with who stayed for every closed
// round n ≥ 2 whose round n−1 is in rounds (ascending). A round's
// responses must carry their answers.
func ComputeAttrition(def *delphi.Definition, rounds []RoundData) *Attrition {
	a := &Attrition{Alpha: Alpha, Rounds: []AttritionRound{}}
	for i := 1; i < len(rounds); i++ {
		prev, cur := &rounds[i-1], &rounds[i]
		if cur.Round.Status != delphi.RoundClosed || prev.Round.Number != cur.Round.Number-1 {
			continue
		}
		a.Rounds = append(a.Rounds, attritionRound(def, prev, cur))
	}
	return a
}

// rater is one expert's submitted response to round n−1 and whether they
// left after it.
type rater struct {
	resp *delphi.Response
	left bool
}

func attritionRound(def *delphi.Definition, prev, cur *RoundData) AttritionRound {
	ar := AttritionRound{Round: cur.Round.Number, From: prev.Round.Number,
		LeftByGroup: map[string]int{}, StayedByGroup: map[string]int{}, Items: []AttritionItem{}}
	submitted := map[string]bool{}
	for _, r := range cur.Responses {
		if r.SubmittedAt != nil {
			submitted[r.ExpertID] = true
		}
	}
	var raters []rater
	for _, r := range prev.Responses {
		if r.SubmittedAt == nil {
			continue
		}
		left := !submitted[r.ExpertID]
		raters = append(raters, rater{r, left})
		if left {
			ar.Left++
			ar.LeftByGroup[r.Group]++
		} else {
			ar.Stayed++
			ar.StayedByGroup[r.Group]++
		}
	}
	// A fixed order, so equal inputs give equal outputs.
	slices.SortFunc(raters, func(a, b rater) int {
		switch {
		case a.resp.ExpertID < b.resp.ExpertID:
			return -1
		case a.resp.ExpertID > b.resp.ExpertID:
			return 1
		}
		return 0
	})
	groups := newGroupSet(def)
	for _, r := range raters {
		groups.add(r.resp.Group)
	}
	for _, ri := range prev.Round.Items {
		it := ri.Item
		switch it.Type {
		case delphi.ItemRating:
			ar.Items = append(ar.Items, attritionItem(it.ID, "", raters, groups.list(), func(v delphi.Value) delphi.Value { return v }))
		case delphi.ItemMultiRating:
			for _, cr := range it.Criteria {
				id := cr.ID
				ar.Items = append(ar.Items, attritionItem(it.ID, id, raters, groups.list(), func(v delphi.Value) delphi.Value { return v.Criteria[id] }))
			}
		}
	}
	for _, it := range ar.Items {
		if it.Overall.Flag {
			ar.Flagged++
		}
	}
	return ar
}

func attritionItem(itemID, criterionID string, raters []rater, groups []string, pick func(delphi.Value) delphi.Value) AttritionItem {
	type sample struct{ left, stayed []float64 }
	var all sample
	byGroup := map[string]*sample{}
	for _, r := range raters {
		a, ok := r.resp.Answers[itemID]
		if !ok {
			continue
		}
		v, ok := pick(a.Value).Rating()
		if !ok {
			continue
		}
		g := byGroup[r.resp.Group]
		if g == nil {
			g = &sample{}
			byGroup[r.resp.Group] = g
		}
		if r.left {
			all.left, g.left = append(all.left, v), append(g.left, v)
		} else {
			all.stayed, g.stayed = append(all.stayed, v), append(g.stayed, v)
		}
	}
	out := AttritionItem{ItemID: itemID, CriterionID: criterionID, Overall: compareSamples(all.left, all.stayed), ByGroup: map[string]Comparison{}}
	for _, g := range groups {
		if s := byGroup[g]; s != nil {
			out.ByGroup[g] = compareSamples(s.left, s.stayed)
		}
	}
	return out
}

func compareSamples(left, stayed []float64) Comparison {
	c := Comparison{NLeft: len(left), NStayed: len(stayed), MedianLeft: median(left), MedianStayed: median(stayed)}
	c.Test = stats.MannWhitneyU(left, stayed)
	c.Flag = c.Test.P.Valid && c.Test.P.Value < Alpha
	return c
}

func median(xs []float64) stats.Num {
	if len(xs) == 0 {
		return stats.UndefinedNum("n = 0")
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m, ok := stats.Quantile(s, 0.5, stats.Type7)
	if !ok {
		return stats.UndefinedNum("n = 0")
	}
	return stats.NumOf(m)
}
