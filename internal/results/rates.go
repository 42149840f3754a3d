package results

import "github.com/expertenrunde/expertenrunde/internal/delphi"

// Rates counts one expert group's participation in one round. It is a
// funnel: Submitted ≤ Started ≤ Opened ≤ Panel.
type Rates struct {
	Panel     int // the round's panel (see ResponseRates)
	Invited   int // an invitation e-mail to the round was sent
	Opened    int // opened the questionnaire: has a response to the round
	Started   int // saved an answer, or submitted
	Submitted int
}

func (r *Rates) add(o Rates) {
	r.Panel += o.Panel
	r.Invited += o.Invited
	r.Opened += o.Opened
	r.Started += o.Started
	r.Submitted += o.Submitted
}

// ResponseRates counts the participation in one round per expert group and
// in total, from the study's experts, the round's responses and the round's
// mail sends. It is the one response-rate computation: the progress page,
// the dashboard and the export's methods sheet all show its numbers.
//
// An expert counts in the group they answered in: the group stored with
// their response to this round. A Delphi report states how each group
// answered in each round, and a later change of an expert's group must not
// move a round's participation to another group (nor the closed round's
// numbers away from its frozen results, which group answers the same way).
// An expert without a response to the round counts in their current group.
//
// The round's panel is every expert who has a response to the round, was
// sent its invitation, or is neither erased nor declined: who left before
// the round was never asked, who left after being asked stays counted.
// Responses of experts missing from experts (e.g. when no panel is given)
// count in their group as well. With nil sends nobody counts as invited.
func ResponseRates(experts []*delphi.Expert, responses []*delphi.Response, sends []*delphi.MailSend) (byGroup map[string]Rates, total Rates) {
	invited := map[string]bool{}
	for _, s := range sends {
		if s.Kind == delphi.MailInvite && s.Status == delphi.SendSent {
			invited[s.ExpertID] = true
		}
	}
	byExpert := make(map[string]*delphi.Response, len(responses))
	for _, r := range responses {
		byExpert[r.ExpertID] = r
	}
	byGroup = map[string]Rates{}
	count := func(id, group string, r *delphi.Response) {
		x := Rates{Panel: 1}
		if invited[id] {
			x.Invited = 1
		}
		if r != nil && (r.FirstOpenedAt != nil || r.StartedAt != nil || r.SubmittedAt != nil) {
			x.Opened = 1
		}
		if r != nil && (r.StartedAt != nil || r.SubmittedAt != nil) {
			x.Started = 1
		}
		if r != nil && r.SubmittedAt != nil {
			x.Submitted = 1
		}
		g := byGroup[group]
		g.add(x)
		byGroup[group] = g
		total.add(x)
	}
	seen := make(map[string]bool, len(experts))
	for _, e := range experts {
		seen[e.ID] = true
		r := byExpert[e.ID]
		switch {
		case r != nil:
			count(e.ID, r.Group, r)
		case invited[e.ID] || e.Status() == delphi.ExpertActive:
			count(e.ID, e.Group, nil)
		}
	}
	for _, r := range responses {
		if !seen[r.ExpertID] {
			count(r.ExpertID, r.Group, r)
		}
	}
	return byGroup, total
}
