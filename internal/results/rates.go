package results

import (
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Rates counts one expert group's participation in one round. It is a
// funnel: Submitted ≤ Started ≤ Opened ≤ Panel.
type Rates struct {
	Panel   int // the round's panel (see ResponseRates)
	Invited int // was given a link to the round: InvitedMail + InvitedFile
	// InvitedMail: an invitation e-mail to the round was sent. InvitedFile:
	// no such e-mail, but a link handed out another way (the links file or
	// a single new link) during the round's link window, or the expert
	// opened the round with a link they held.
	InvitedMail int
	InvitedFile int
	Opened      int // opened the questionnaire: has a response to the round
	Started     int // saved an answer, or submitted
	Submitted   int
}

func (r *Rates) add(o Rates) {
	r.Panel += o.Panel
	r.Invited += o.Invited
	r.InvitedMail += o.InvitedMail
	r.InvitedFile += o.InvitedFile
	r.Opened += o.Opened
	r.Started += o.Started
	r.Submitted += o.Submitted
}

// LinkWindow is when a link handed out without mail counts for a round:
// issued at or after From (the previous round's close) and before To (the
// round's own close). A zero bound is open.
type LinkWindow struct{ From, To time.Time }

// RoundLinkWindow is the link window of round r after prev (nil for round
// 1): a link issued before round 1 closes counts for round 1; a link issued
// between the close of round n−1 and that of round n counts for round n.
func RoundLinkWindow(prev, r *delphi.Round) LinkWindow {
	var w LinkWindow
	if prev != nil && prev.ClosedAt != nil {
		w.From = *prev.ClosedAt
	}
	if r != nil && r.Status == delphi.RoundClosed && r.ClosedAt != nil {
		w.To = *r.ClosedAt
	}
	return w
}

// Holds reports whether t (nil: no) falls in the window; a flow report
// counts an expert's decline in the round whose window holds it.
func (w LinkWindow) Holds(t *time.Time) bool { return w.holds(t) }

func (w LinkWindow) holds(t *time.Time) bool {
	return t != nil && !t.Before(w.From) && (w.To.IsZero() || t.Before(w.To))
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
// count in their group as well.
//
// Invited counts who was given a link to the round, by channel: by mail (a
// sent invitation to the round), else by file (a link issued in links, see
// LinkWindow, or the round opened with a link the expert already held), so
// links handed out without mail are never "invited 0" beside submissions.
func ResponseRates(experts []*delphi.Expert, responses []*delphi.Response, sends []*delphi.MailSend, links LinkWindow) (byGroup map[string]Rates, total Rates) {
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
	count := func(id, group string, r *delphi.Response, linkAt *time.Time) {
		x := Rates{Panel: 1}
		if r != nil && (r.FirstOpenedAt != nil || r.StartedAt != nil || r.SubmittedAt != nil) {
			x.Opened = 1
		}
		switch {
		case invited[id]:
			x.Invited, x.InvitedMail = 1, 1
		case x.Opened == 1 || links.holds(linkAt):
			x.Invited, x.InvitedFile = 1, 1
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
			count(e.ID, r.Group, r, e.LinkIssuedAt)
		case invited[e.ID] || e.Status() == delphi.ExpertActive:
			count(e.ID, e.Group, nil, e.LinkIssuedAt)
		}
	}
	for _, r := range responses {
		if !seen[r.ExpertID] {
			count(r.ExpertID, r.Group, r, nil)
		}
	}
	return byGroup, total
}
