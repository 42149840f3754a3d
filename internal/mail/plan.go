package mail

import (
	"fmt"
	"strings"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Reasons an expert is left out of a job.
const (
	SkipErased         = "erased"
	SkipDeclined       = "declined"
	SkipOtherGroup     = "other_group"
	SkipAlreadyInvited = "already_invited"
	SkipNotInvited     = "not_invited"
	SkipSubmitted      = "submitted"
	SkipRecentlyMailed = "recently_mailed"
	SkipStudyClosed    = "study_closed"
	DefaultMinInterval = 24 * time.Hour
	reminderKindPrefix = delphi.MailReminder + "-"
)

// PlanInput is what deciding on a job's sends needs.
type PlanInput struct {
	SurveyID    string
	Round       int
	Kind        string // delphi.MailInvite or delphi.MailReminder
	Group       string // only this group; empty for all
	KeepLinks   bool   // experts who have a link get a mail without a new one
	MinInterval time.Duration
	Now         time.Time
	Experts     []*delphi.Expert
	Sends       []*delphi.MailSend // every send of the study (all rounds)
	Responses   []*delphi.Response // the round's responses
}

// PlanSends decides who gets a mail and which kind id each send has.
//
// Invitations go to every expert who is neither erased nor declined and has
// no invitation to this round yet. Reminders go to experts invited to this
// round (invitation sent) who have not submitted it, are neither erased nor
// declined, and got no mail from this study within MinInterval (default
// 24 h); the n-th reminder of an expert in a round has kind "reminder-n".
//
// Links: by default each mail carries a freshly issued link, which replaces
// the expert's previous one (only hashes are stored, so an old link cannot
// be put in a mail). With KeepLinks, experts who already have a link get
// the mail without one, asking them to use the link they have.
func PlanSends(in PlanInput) ([]*delphi.MailSend, map[string]int) {
	if in.MinInterval <= 0 {
		in.MinInterval = DefaultMinInterval
	}
	type history struct {
		invited, inviteQueued bool
		reminders             int
		lastContact           time.Time
	}
	hist := map[string]*history{}
	for _, m := range in.Sends {
		h := hist[m.ExpertID]
		if h == nil {
			h = &history{}
			hist[m.ExpertID] = h
		}
		switch {
		case m.Status == delphi.SendSent && m.SentAt != nil && m.SentAt.After(h.lastContact):
			h.lastContact = *m.SentAt
		case (m.Status == delphi.SendPending || m.Status == delphi.SendSending) && m.CreatedAt.After(h.lastContact):
			h.lastContact = m.CreatedAt
		}
		if m.Round != in.Round {
			continue
		}
		if m.Kind == delphi.MailInvite {
			h.inviteQueued = true
			h.invited = h.invited || m.Status == delphi.SendSent
		}
		if strings.HasPrefix(m.Kind, reminderKindPrefix) {
			h.reminders++
		}
	}
	submitted := map[string]bool{}
	for _, r := range in.Responses {
		if r.SubmittedAt != nil {
			submitted[r.ExpertID] = true
		}
	}
	skipped := map[string]int{}
	var sends []*delphi.MailSend
	for _, e := range in.Experts {
		h := hist[e.ID]
		if h == nil {
			h = &history{}
		}
		reason := ""
		switch {
		case in.Group != "" && e.Group != in.Group:
			reason = SkipOtherGroup
		case e.Erased():
			reason = SkipErased
		case e.DeclinedAt != nil:
			reason = SkipDeclined
		case in.Kind == delphi.MailInvite && h.inviteQueued:
			reason = SkipAlreadyInvited
		case in.Kind == delphi.MailReminder && submitted[e.ID]:
			reason = SkipSubmitted
		case in.Kind == delphi.MailReminder && !h.invited:
			reason = SkipNotInvited
		case in.Kind == delphi.MailReminder && in.Now.Sub(h.lastContact) < in.MinInterval:
			reason = SkipRecentlyMailed
		}
		if reason != "" {
			if reason != SkipOtherGroup {
				skipped[reason]++
			}
			continue
		}
		kind := delphi.MailInvite
		if in.Kind == delphi.MailReminder {
			kind = fmt.Sprintf("%s%d", reminderKindPrefix, h.reminders+1)
		}
		sends = append(sends, &delphi.MailSend{
			SurveyID: in.SurveyID, Round: in.Round, ExpertID: e.ID, Kind: kind,
			IssueLink: !(in.KeepLinks && e.LinkIssuedAt != nil),
		})
	}
	return sends, skipped
}

// JobKind returns the job kind (invite or reminder) of a send kind.
func JobKind(sendKind string) string {
	if strings.HasPrefix(sendKind, reminderKindPrefix) {
		return delphi.MailReminder
	}
	return delphi.MailInvite
}
