// Package panelflow reports how the panel and the item list moved through
// a study's rounds (a CONSORT-like participant and item flow) and whether
// the experts who stopped answering differed from those who went on
// (attrition bias). The computations are pure functions of what Service
// loads; the API, the UI and the Excel export show the same numbers.
// Definitions: docs/STATISTICS.md (Flow, Attrition bias).
package panelflow

import (
	"slices"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/results"
)

// RoundData is what the flow and attrition computations read of one
// round: the round (opened or closed), its responses (with their answers
// for the attrition), the mail sends of the round and its results (frozen
// or live; nil counts no consensus).
type RoundData struct {
	Round     delphi.Round
	Responses []*delphi.Response
	Sends     []*delphi.MailSend
	Results   *analysis.RoundResults
}

// Flow is the participant and item flow of a study, round by round.
type Flow struct {
	Recruited        int            `json:"recruited"` // every expert of the panel, erased ones included
	RecruitedByGroup map[string]int `json:"recruited_by_group"`
	Groups           []string       `json:"groups"` // the study's groups in its order, then others found, sorted
	Rounds           []FlowRound    `json:"rounds"` // the opened and closed rounds, ascending
	// Round0 is the flow of the study's open round 0, if it has one.
	Round0 *Round0Flow `json:"round0,omitempty"`
}

// FlowRound is one round's flow.
type FlowRound struct {
	Round  int    `json:"round"`
	Status string `json:"status"` // open or closed; an open round's counts are provisional
	// Participants counts the experts overall, ByGroup per expert group
	// (every group of Flow.Groups is present).
	Participants FlowCounts            `json:"participants"`
	ByGroup      map[string]FlowCounts `json:"by_group"`
	Items        ItemFlow              `json:"items"`
}

// FlowCounts is the participation of one group (or all) in one round.
// Panel, Invited…Submitted are results.ResponseRates' counts (the progress
// page shows the same); an expert counts in the group of their response to
// the round, else their current group.
type FlowCounts struct {
	Panel       int `json:"panel"`        // could answer the round (see results.ResponseRates)
	Invited     int `json:"invited"`      // invited_mail + invited_link
	InvitedMail int `json:"invited_mail"` // an invitation e-mail to the round was sent
	InvitedLink int `json:"invited_link"` // no e-mail, but a personal link handed out (links file, single link) or used
	Opened      int `json:"opened"`
	Started     int `json:"started"`
	Submitted   int `json:"submitted"`
	// Declined counts the experts whose decline (leaving the study) falls
	// in the round's window: after the previous round closed (any time
	// before, for round 1) and before this round closed (any time, while
	// it is open).
	Declined int `json:"declined"`
	// Continued, DroppedOut and DroppedOutDeclined compare with round n−1
	// and are null for round 1 (and DroppedOut* while round n is open):
	// continued = submitted n−1 and n; dropped out = submitted n−1 but not
	// n, once n is closed; dropped_out_declined = of those, who had
	// declined by the close. The group is the one of the response to n−1.
	Continued          *int `json:"continued"`
	DroppedOut         *int `json:"dropped_out"`
	DroppedOutDeclined *int `json:"dropped_out_declined"`
}

// ItemFlow counts a round's items by origin and its rating rows by outcome.
type ItemFlow struct {
	Total   int `json:"total"`   // items asked in the round
	Initial int `json:"initial"` // round 1's items from the definition
	Carried int `json:"carried"` // carried over unchanged
	Changed int `json:"changed"` // carried over with changed wording
	New     int `json:"new"`     // added for this round
	Dropped int `json:"dropped"` // asked in round n−1, not in round n
	// Consensus outcomes of the round's rating rows (a multi_rating item
	// counts once per criterion), as the consensus board tallies them.
	ConsensusIn   int `json:"consensus_in"`
	ConsensusOut  int `json:"consensus_out"`
	ConsensusNone int `json:"consensus_none"`
}

// ComputeFlow builds the flow from the panel and the rounds (ascending;
// drafts are skipped). A comparison with round n−1 needs round n−1 in
// rounds.
func ComputeFlow(def *delphi.Definition, experts []*delphi.Expert, rounds []RoundData) *Flow {
	f := &Flow{RecruitedByGroup: map[string]int{}, Rounds: []FlowRound{}}
	groups := newGroupSet(def)
	for _, e := range experts {
		f.Recruited++
		f.RecruitedByGroup[e.Group]++
		groups.add(e.Group)
	}
	var prev *RoundData
	for i := range rounds {
		rd := &rounds[i]
		r := &rd.Round
		if r.Status != delphi.RoundOpen && r.Status != delphi.RoundClosed {
			continue
		}
		if prev != nil && prev.Round.Number != r.Number-1 {
			prev = nil
		}
		fr := flowRound(experts, prev, rd, groups)
		f.Rounds = append(f.Rounds, fr)
		prev = rd
	}
	f.Groups = groups.list()
	for _, g := range f.Groups {
		if _, ok := f.RecruitedByGroup[g]; !ok {
			f.RecruitedByGroup[g] = 0
		}
		for i := range f.Rounds {
			if _, ok := f.Rounds[i].ByGroup[g]; !ok {
				f.Rounds[i].ByGroup[g] = emptyCounts(f.Rounds[i].Participants)
			}
		}
	}
	return f
}

// emptyCounts is a group's zero counts, with null comparisons where the
// round's total has them.
func emptyCounts(total FlowCounts) FlowCounts {
	var c FlowCounts
	if total.Continued != nil {
		c.Continued = new(int)
	}
	if total.DroppedOut != nil {
		c.DroppedOut, c.DroppedOutDeclined = new(int), new(int)
	}
	return c
}

func flowRound(experts []*delphi.Expert, prev, rd *RoundData, groups *groupSet) FlowRound {
	r := &rd.Round
	var prevRound *delphi.Round
	if prev != nil {
		prevRound = &prev.Round
	}
	window := results.RoundLinkWindow(prevRound, r)
	rates, total := results.ResponseRates(experts, rd.Responses, rd.Sends, window)
	fr := FlowRound{Round: r.Number, Status: r.Status, Participants: fromRates(total), ByGroup: make(map[string]FlowCounts, len(rates))}
	for g, x := range rates {
		groups.add(g)
		fr.ByGroup[g] = fromRates(x)
	}
	bump := func(g string, fn func(c *FlowCounts)) {
		groups.add(g)
		c := fr.ByGroup[g]
		fn(&c)
		fr.ByGroup[g] = c
		fn(&fr.Participants)
	}
	byExpert := make(map[string]*delphi.Response, len(rd.Responses))
	for _, resp := range rd.Responses {
		byExpert[resp.ExpertID] = resp
	}
	for _, e := range experts {
		if !window.Holds(e.DeclinedAt) {
			continue
		}
		g := e.Group
		if resp := byExpert[e.ID]; resp != nil {
			g = resp.Group
		}
		bump(g, func(c *FlowCounts) { c.Declined++ })
	}
	if prev != nil {
		compare(experts, prev, rd, &fr, bump)
	}
	fr.Items = itemFlow(prev, rd)
	return fr
}

// fromRates takes the response rates' counts.
func fromRates(x results.Rates) FlowCounts {
	return FlowCounts{Panel: x.Panel, Invited: x.Invited, InvitedMail: x.InvitedMail, InvitedLink: x.InvitedFile,
		Opened: x.Opened, Started: x.Started, Submitted: x.Submitted}
}

// compare fills Continued and (for a closed round) DroppedOut and
// DroppedOutDeclined from the submissions of rounds n−1 and n.
func compare(experts []*delphi.Expert, prev, rd *RoundData, fr *FlowRound, bump func(string, func(*FlowCounts))) {
	closed := rd.Round.Status == delphi.RoundClosed
	init := func(c *FlowCounts) {
		if c.Continued == nil {
			c.Continued = new(int)
		}
		if closed && c.DroppedOut == nil {
			c.DroppedOut, c.DroppedOutDeclined = new(int), new(int)
		}
	}
	init(&fr.Participants)
	for g := range fr.ByGroup {
		c := fr.ByGroup[g]
		init(&c)
		fr.ByGroup[g] = c
	}
	submitted := map[string]bool{}
	for _, resp := range rd.Responses {
		if resp.SubmittedAt != nil {
			submitted[resp.ExpertID] = true
		}
	}
	declinedBy := map[string]bool{}
	for _, e := range experts {
		if e.DeclinedAt != nil && (rd.Round.ClosedAt == nil || e.DeclinedAt.Before(*rd.Round.ClosedAt)) {
			declinedBy[e.ID] = true
		}
	}
	for _, resp := range prev.Responses {
		if resp.SubmittedAt == nil {
			continue
		}
		id := resp.ExpertID
		switch {
		case submitted[id]:
			bump(resp.Group, func(c *FlowCounts) { init(c); *c.Continued++ })
		case closed:
			bump(resp.Group, func(c *FlowCounts) {
				init(c)
				*c.DroppedOut++
				if declinedBy[id] {
					*c.DroppedOutDeclined++
				}
			})
		}
	}
}

// itemFlow counts round rd's items by origin, the items of prev it no
// longer asks, and its consensus outcomes.
func itemFlow(prev, rd *RoundData) ItemFlow {
	var f ItemFlow
	asked := map[string]bool{}
	for _, ri := range rd.Round.Items {
		asked[ri.Item.ID] = true
		f.Total++
		switch ri.Origin {
		case delphi.OriginInitial:
			f.Initial++
		case delphi.OriginCarried:
			f.Carried++
		case delphi.OriginChanged:
			f.Changed++
		case delphi.OriginNew:
			f.New++
		}
	}
	if prev != nil {
		for _, ri := range prev.Round.Items {
			if !asked[ri.Item.ID] {
				f.Dropped++
			}
		}
	}
	if rd.Results != nil {
		if t := analysis.Overview([]*analysis.RoundResults{rd.Results}).Tally; len(t) == 1 {
			f.ConsensusIn, f.ConsensusOut, f.ConsensusNone = t[0].ConsensusIn, t[0].ConsensusOut, t[0].None
		}
	}
	return f
}

// groupSet collects group ids: the study's in its order, then others.
type groupSet struct {
	known map[string]bool
	order []string
	extra []string
}

func newGroupSet(def *delphi.Definition) *groupSet {
	s := &groupSet{known: map[string]bool{}}
	if def != nil {
		for _, g := range def.Groups {
			s.known[g.ID] = true
			s.order = append(s.order, g.ID)
		}
	}
	return s
}

func (s *groupSet) add(g string) {
	if !s.known[g] {
		s.known[g] = true
		s.extra = append(s.extra, g)
	}
}

func (s *groupSet) list() []string {
	extra := slices.Clone(s.extra)
	slices.Sort(extra)
	return append(slices.Clone(s.order), extra...)
}
