package results

import (
	"context"
	"slices"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Transitions says how the paired experts moved between two rounds: per
// rating and per criterion, a matrix of counts from each value in round
// From to each value in round Round, overall and per expert group. It holds
// counts only: no expert id, pseudonym or order that could name anyone.
//
// Pairing is the engine's stability pairing (analysis, docs/ANALYSIS.md):
// an expert counts when they gave a valid, non-abstaining rating to the
// item (criterion) in both rounds, so Overall.NPaired equals the stability
// n_paired of the same round. The group is the expert's group in Round.
type Transitions struct {
	Round int              `json:"round"`
	From  int              `json:"from"`
	Items []ItemTransition `json:"items"` // in the round's item order, criteria in order
}

// ItemTransition is the movement on one rating, or one criterion.
type ItemTransition struct {
	ItemID      string `json:"item_id"`
	CriterionID string `json:"criterion_id,omitempty"`
	// Values are the matrix's row and column labels: the scale's points,
	// plus any other value given, ascending.
	Values  []int             `json:"values"`
	Overall Matrix            `json:"overall"`
	ByGroup map[string]Matrix `json:"by_group"` // every group of the study, plus groups found in the answers
}

// Matrix counts paired experts by their previous and current value.
type Matrix struct {
	NPaired int `json:"n_paired"`
	Up      int `json:"up"`   // rated higher than before
	Same    int `json:"same"` // unchanged
	Down    int `json:"down"` // rated lower than before
	// Counts[i][j] is the number of experts who gave Values[i] in round
	// From and Values[j] in round Round.
	Counts [][]int `json:"counts"`
}

// Transitions computes the movement into round n from round n−1, from the
// stored responses of both rounds (also for a closed round, whose results
// are otherwise read from the snapshot). Round 1 has none: ENOTFOUND.
func (s *Service) Transitions(ctx context.Context, surveyID string, n int) (*Transitions, error) {
	if n < 2 {
		return nil, delphi.Errorf(delphi.ENOTFOUND, "round %d has no previous round", n)
	}
	sv, err := s.Surveys.SurveyByID(ctx, surveyID)
	if err != nil {
		return nil, err
	}
	r, err := s.Rounds.Round(ctx, surveyID, n)
	if err != nil {
		return nil, err
	}
	items := RoundItems(r)
	cur, prev, err := s.twoRounds(ctx, surveyID, n, items, nil) // without AnswersFunc: flat
	if err != nil {
		return nil, err
	}
	return ComputeTransitions(sv.Definition, n, items, prev.Flat, cur.Flat), nil
}

// ComputeTransitions builds the transition matrices of the rating items and
// criteria in items, from the answers of round n−1 (prev) and n (cur). Of
// several answers by one expert to one item the one with the highest Seq
// counts, as in the engine; answers without an expert id are never paired,
// and drafts only where the study counts them (analysis.Counted).
func ComputeTransitions(def *delphi.Definition, n int, items []delphi.Item, prev, cur []delphi.Answer) *Transitions {
	t := &Transitions{Round: n, From: n - 1, Items: []ItemTransition{}}
	if def == nil {
		def = &delphi.Definition{}
	}
	prev, cur = analysis.Counted(def, prev), analysis.Counted(def, cur)
	p, c := latestByItem(prev), latestByItem(cur)
	groups := groupOrder(def, cur)
	for _, it := range items {
		switch it.Type {
		case delphi.ItemRating:
			sc, _ := def.Scale(it.Scale)
			t.Items = append(t.Items, transition(it.ID, "", sc, groups, p[it.ID], c[it.ID], func(v delphi.Value) delphi.Value { return v }))
		case delphi.ItemMultiRating:
			for _, cr := range it.Criteria {
				sc, _ := def.Scale(cr.Scale)
				id := cr.ID
				t.Items = append(t.Items, transition(it.ID, id, sc, groups, p[it.ID], c[it.ID], func(v delphi.Value) delphi.Value { return v.Criteria[id] }))
			}
		}
	}
	return t
}

// latestByItem maps item id → expert id → the answer with the highest Seq
// (on equal Seq, the later one), skipping answers without an expert.
func latestByItem(answers []delphi.Answer) map[string]map[string]*delphi.Answer {
	out := map[string]map[string]*delphi.Answer{}
	for i := range answers {
		a := &answers[i]
		if a.ExpertID == "" {
			continue
		}
		m := out[a.ItemID]
		if m == nil {
			m = map[string]*delphi.Answer{}
			out[a.ItemID] = m
		}
		if old, ok := m[a.ExpertID]; !ok || a.Seq >= old.Seq {
			m[a.ExpertID] = a
		}
	}
	return out
}

// groupOrder lists the definition's groups, then unknown groups found in
// the answers, sorted by id.
func groupOrder(def *delphi.Definition, answers []delphi.Answer) []string {
	var out []string
	known := map[string]bool{}
	for _, g := range def.Groups {
		out = append(out, g.ID)
		known[g.ID] = true
	}
	var extra []string
	for _, a := range answers {
		if a.Group != "" && !known[a.Group] {
			known[a.Group] = true
			extra = append(extra, a.Group)
		}
	}
	slices.Sort(extra)
	return append(out, extra...)
}

type pair struct {
	group    string
	from, to int
}

func transition(itemID, criterionID string, sc delphi.Scale, groups []string, prev, cur map[string]*delphi.Answer, pick func(delphi.Value) delphi.Value) ItemTransition {
	var pairs []pair
	valueSet := map[int]bool{}
	for _, p := range sc.Points {
		valueSet[p.Value] = true
	}
	for expert, ca := range cur {
		pa, ok := prev[expert]
		if !ok {
			continue
		}
		to, ok1 := pick(ca.Value).Rating()
		from, ok2 := pick(pa.Value).Rating()
		if !ok1 || !ok2 {
			continue
		}
		pr := pair{group: ca.Group, from: int(from), to: int(to)}
		valueSet[pr.from], valueSet[pr.to] = true, true
		pairs = append(pairs, pr)
	}
	values := make([]int, 0, len(valueSet))
	for v := range valueSet {
		values = append(values, v)
	}
	slices.Sort(values)
	idx := make(map[int]int, len(values))
	for i, v := range values {
		idx[v] = i
	}
	newMatrix := func() Matrix {
		m := Matrix{Counts: make([][]int, len(values))}
		for i := range m.Counts {
			m.Counts[i] = make([]int, len(values))
		}
		return m
	}
	out := ItemTransition{ItemID: itemID, CriterionID: criterionID, Values: values, Overall: newMatrix(), ByGroup: make(map[string]Matrix, len(groups))}
	for _, g := range groups {
		out.ByGroup[g] = newMatrix()
	}
	add := func(m *Matrix, p pair) {
		m.NPaired++
		m.Counts[idx[p.from]][idx[p.to]]++
		switch {
		case p.to > p.from:
			m.Up++
		case p.to < p.from:
			m.Down++
		default:
			m.Same++
		}
	}
	for _, p := range pairs {
		add(&out.Overall, p)
		if p.group == "" {
			continue
		}
		m, ok := out.ByGroup[p.group]
		if !ok {
			m = newMatrix()
		}
		add(&m, p)
		out.ByGroup[p.group] = m
	}
	return out
}
