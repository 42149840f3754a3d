package panel

import (
	"context"
	"slices"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Service is a study's expert panel as coordinators manage it: the list
// with each expert's state in a round, single experts, the import, the
// export and the personal links. Every change is audited. The API's panel
// handlers call it; Parse and MakePlan are its pure parts.
type Service struct {
	Experts delphi.ExpertStore
	// Mail, optional, gives the invitation and reminder states;
	// Responses, optional, the response states.
	Mail interface {
		ListMailSends(ctx context.Context, surveyID string, round int) ([]*delphi.MailSend, error)
	}
	Responses delphi.ResponseStore
	Audit     delphi.AuditStore
	BaseURL   string           // expert links are BaseURL/p/<token>
	Now       func() time.Time // injectable clock
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// RoundStatus is an expert's state in one round.
type RoundStatus struct {
	Invite         string     `json:"invite"` // send status of the invitation; "" if none
	InviteError    string     `json:"invite_error,omitempty"`
	InvitedAt      *time.Time `json:"invited_at,omitempty"`
	Reminders      int        `json:"reminders"` // reminders sent
	LastReminderAt *time.Time `json:"last_reminder_at,omitempty"`
	FirstOpenedAt  *time.Time `json:"first_opened_at,omitempty"`
	LastActivityAt *time.Time `json:"last_activity_at,omitempty"`
	StartedAt      *time.Time `json:"started_at,omitempty"`
	SubmittedAt    *time.Time `json:"submitted_at,omitempty"`
}

// stage is the progress stage of an expert in a round, for the status filter.
func (r *RoundStatus) stage() string {
	switch {
	case r.SubmittedAt != nil:
		return "submitted"
	case r.StartedAt != nil:
		return "started"
	case r.FirstOpenedAt != nil:
		return "opened"
	case r.Invite == delphi.SendSent:
		return "invited"
	}
	return "not_invited"
}

// ExpertView is an expert with their status and, when asked for, their
// state in one round.
type ExpertView struct {
	*delphi.Expert
	Status string       `json:"status"` // active, declined, erased
	Round  *RoundStatus `json:"round,omitempty"`
}

func view(e *delphi.Expert) *ExpertView { return &ExpertView{Expert: e, Status: e.Status()} }

// statuses are the values of the list's status filter.
var statuses = map[string]bool{
	delphi.ExpertActive: true, delphi.ExpertDeclined: true, delphi.ExpertErased: true,
	"not_invited": true, "invited": true, "opened": true, "started": true, "submitted": true, "not_submitted": true,
}

// Filter selects experts of the list.
type Filter struct {
	Group  string // "" for all
	Status string // active, declined, erased, or a round stage (needs Round); "" for all
	Round  int    // > 0: each expert carries their state in this round
}

// Listing is the filtered panel with the counts per status of the
// group's experts (before the status filter).
type Listing struct {
	Experts []ExpertView   `json:"experts"`
	Total   int            `json:"total"` // the whole panel
	Counts  map[string]int `json:"counts"`
}

// List returns the panel of sv filtered by f. EINVALID (field group,
// status or round) for an unknown group or status, or a round below 0.
func (s *Service) List(ctx context.Context, sv *delphi.Survey, f Filter) (*Listing, error) {
	if err := checkGroup(sv, f.Group); err != nil {
		return nil, err
	}
	if f.Status != "" && !statuses[f.Status] {
		return nil, delphi.FieldErrorf(delphi.EINVALID, "status", "unknown status %q", f.Status)
	}
	if f.Round < 0 {
		return nil, delphi.FieldErrorf(delphi.EINVALID, "round", "round must be a positive number")
	}
	experts, err := s.Experts.ListExperts(ctx, sv.ID)
	if err != nil {
		return nil, err
	}
	var states map[string]*RoundStatus
	if f.Round > 0 {
		if states, err = s.RoundStates(ctx, sv.ID, f.Round); err != nil {
			return nil, err
		}
	}
	out := &Listing{Experts: make([]ExpertView, 0, len(experts)), Total: len(experts), Counts: map[string]int{}}
	for _, e := range experts {
		j := view(e)
		if f.Round > 0 {
			j.Round = states[e.ID]
			if j.Round == nil {
				j.Round = &RoundStatus{}
			}
		}
		if f.Group != "" && e.Group != f.Group {
			continue
		}
		out.Counts[j.Status]++
		if !matchStatus(j, f.Status) {
			continue
		}
		out.Experts = append(out.Experts, *j)
	}
	return out, nil
}

func matchStatus(j *ExpertView, status string) bool {
	switch status {
	case "":
		return true
	case delphi.ExpertActive, delphi.ExpertDeclined, delphi.ExpertErased:
		return j.Status == status
	}
	if j.Round == nil {
		return false
	}
	if status == "not_submitted" {
		return j.Round.SubmittedAt == nil && j.Status == delphi.ExpertActive
	}
	return j.Round.stage() == status
}

// checkGroup is EINVALID (field group) for a group the study does not have.
func checkGroup(sv *delphi.Survey, group string) error {
	if group != "" {
		return sv.Definition.CheckGroup(group)
	}
	return nil
}

// RoundStates collects each expert's mail and response state in a round
// (expert id → state; experts without either are missing).
func (s *Service) RoundStates(ctx context.Context, surveyID string, round int) (map[string]*RoundStatus, error) {
	states := map[string]*RoundStatus{}
	get := func(id string) *RoundStatus {
		if states[id] == nil {
			states[id] = &RoundStatus{}
		}
		return states[id]
	}
	if s.Mail != nil {
		sends, err := s.Mail.ListMailSends(ctx, surveyID, round)
		if err != nil {
			return nil, err
		}
		for _, m := range sends {
			st := get(m.ExpertID)
			if m.Kind == delphi.MailInvite {
				st.Invite, st.InviteError, st.InvitedAt = m.Status, m.Error, m.SentAt
				continue
			}
			if m.Status == delphi.SendSent {
				st.Reminders++
				if st.LastReminderAt == nil || (m.SentAt != nil && m.SentAt.After(*st.LastReminderAt)) {
					st.LastReminderAt = m.SentAt
				}
			}
		}
	}
	if s.Responses != nil {
		rs, err := s.Responses.ListResponses(ctx, surveyID, round)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			st := get(r.ExpertID)
			st.FirstOpenedAt, st.LastActivityAt, st.StartedAt, st.SubmittedAt = r.FirstOpenedAt, r.LastActivityAt, r.StartedAt, r.SubmittedAt
		}
	}
	return states, nil
}

// ExpertInput is the body of create and update; absent fields stay.
type ExpertInput struct {
	Name         *string `json:"name"`
	Email        *string `json:"email"`
	Organisation *string `json:"organisation"`
	Group        *string `json:"group"`
	Language     *string `json:"language"`
	Notes        *string `json:"notes"`
	Declined     *bool   `json:"declined"` // update only: mark as having left the study, or back
}

// apply copies the given fields onto e, normalises it and returns the
// names of the fields that changed.
func (in *ExpertInput) apply(e *delphi.Expert, now time.Time) []string {
	before := *e
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&e.Name, in.Name)
	set(&e.Email, in.Email)
	set(&e.Organisation, in.Organisation)
	set(&e.Group, in.Group)
	set(&e.Language, in.Language)
	set(&e.Notes, in.Notes)
	if in.Declined != nil && *in.Declined != (e.DeclinedAt != nil) {
		if *in.Declined {
			t := now.UTC()
			e.DeclinedAt = &t
		} else {
			e.DeclinedAt = nil
		}
	}
	e.Normalize()
	var changed []string
	for _, f := range []struct {
		name     string
		old, new string
	}{
		{"name", before.Name, e.Name}, {"email", before.Email, e.Email}, {"organisation", before.Organisation, e.Organisation},
		{"group", before.Group, e.Group}, {"language", before.Language, e.Language}, {"notes", before.Notes, e.Notes},
	} {
		if f.old != f.new {
			changed = append(changed, f.name)
		}
	}
	if (before.DeclinedAt != nil) != (e.DeclinedAt != nil) {
		changed = append(changed, "declined")
	}
	return changed
}

// Create adds an expert to the panel (a pseudonym is drawn) and audits it;
// without a language the expert gets the study's first.
// EINVALID naming the field (delphi.Expert.Validate; declined given);
// ECONFLICT for an e-mail address already in the panel.
func (s *Service) Create(ctx context.Context, actorID string, sv *delphi.Survey, in ExpertInput) (*ExpertView, error) {
	if in.Declined != nil {
		return nil, delphi.FieldErrorf(delphi.EINVALID, "declined", "a new expert cannot have declined")
	}
	e := &delphi.Expert{SurveyID: sv.ID}
	in.apply(e, s.now())
	if e.Language == "" { // absent or empty
		e.Language = sv.Definition.DefaultLanguage()
	}
	if err := e.Validate(sv.Definition); err != nil {
		return nil, err
	}
	if err := s.Experts.CreateExpert(ctx, e); err != nil {
		return nil, err
	}
	if err := delphi.Audit(ctx, s.Audit, s.now(), actorID, "expert.create", sv.ID, e.ID, map[string]any{"pseudonym": e.Pseudonym, "group": e.Group}); err != nil {
		return nil, err
	}
	return view(e), nil
}

// Get returns one expert of the panel. ENOTFOUND.
func (s *Service) Get(ctx context.Context, sv *delphi.Survey, expertID string) (*ExpertView, error) {
	e, err := s.expert(ctx, sv, expertID)
	if err != nil {
		return nil, err
	}
	return view(e), nil
}

func (s *Service) expert(ctx context.Context, sv *delphi.Survey, expertID string) (*delphi.Expert, error) {
	e, err := s.Experts.ExpertByID(ctx, sv.ID, expertID)
	if delphi.ErrorCode(err) == delphi.ENOTFOUND {
		return nil, delphi.Errorf(delphi.ENOTFOUND, "expert not found")
	}
	return e, err
}

// Update changes the given fields of an expert and audits the change (a
// request that changes nothing is not audited). ENOTFOUND; EINVALID naming
// the field; ECONFLICT for contact data of an erased expert or an e-mail
// address already in the panel.
func (s *Service) Update(ctx context.Context, actorID string, sv *delphi.Survey, expertID string, in ExpertInput) (*ExpertView, error) {
	e, err := s.expert(ctx, sv, expertID)
	if err != nil {
		return nil, err
	}
	if e.Erased() && (in.Name != nil || in.Email != nil || in.Organisation != nil || in.Notes != nil) {
		return nil, delphi.Errorf(delphi.ECONFLICT, "this expert's identity was erased; contact data cannot be added again")
	}
	changed := in.apply(e, s.now())
	if e.Erased() {
		if err := sv.Definition.CheckGroup(e.Group); err != nil {
			return nil, err
		}
	} else if err := e.Validate(sv.Definition); err != nil {
		return nil, err
	}
	if len(changed) > 0 {
		if err := s.write(ctx, e, changed); err != nil {
			return nil, err
		}
		if err := delphi.Audit(ctx, s.Audit, s.now(), actorID, "expert.update", sv.ID, e.ID, map[string]any{"pseudonym": e.Pseudonym, "fields": changed}); err != nil {
			return nil, err
		}
	}
	return view(e), nil
}

// write stores the changed fields of e and fills e with the stored expert.
// The panel fields go through UpdateExpert, which leaves consent and decline
// alone; a toggled decline is written by itself (SetDeclined keeps an
// earlier time, ClearDeclined takes it back). So an edit made from a copy
// read before the expert consented or declined keeps what the expert did.
func (s *Service) write(ctx context.Context, e *delphi.Expert, changed []string) error {
	declinedAt := e.DeclinedAt
	toggled := slices.Contains(changed, "declined")
	if !toggled || len(changed) > 1 {
		if err := s.Experts.UpdateExpert(ctx, e); err != nil {
			return err
		}
	}
	if !toggled {
		return nil
	}
	var got *delphi.Expert
	var err error
	if declinedAt != nil {
		got, err = s.Experts.SetDeclined(ctx, e.SurveyID, e.ID, *declinedAt)
	} else {
		got, err = s.Experts.ClearDeclined(ctx, e.SurveyID, e.ID)
	}
	if err != nil {
		return err
	}
	*e = *got
	return nil
}

// Erase deletes the person's identity and revokes the link; the pseudonym,
// group and answers stay, and the mail records lose the address (all in
// ExpertStore.EraseExpert). Erasing again succeeds as well. ENOTFOUND.
func (s *Service) Erase(ctx context.Context, actorID string, sv *delphi.Survey, expertID string) error {
	e, err := s.expert(ctx, sv, expertID)
	if err != nil {
		return err
	}
	if err := s.Experts.EraseExpert(ctx, sv.ID, e.ID, s.now()); err != nil {
		return err
	}
	return delphi.Audit(ctx, s.Audit, s.now(), actorID, "expert.erase", sv.ID, e.ID, map[string]any{"pseudonym": e.Pseudonym})
}

// Link is a freshly issued personal link; the database keeps its hash only.
type Link struct {
	ExpertID  string     `json:"expert_id"`
	Pseudonym string     `json:"pseudonym"`
	Link      string     `json:"link"`
	IssuedAt  *time.Time `json:"issued_at"`
}

// IssueLink issues a new personal link for an expert; the old one stops
// working. ENOTFOUND; ECONFLICT for an erased expert.
func (s *Service) IssueLink(ctx context.Context, actorID string, sv *delphi.Survey, expertID string) (*Link, error) {
	e, err := s.expert(ctx, sv, expertID)
	if err != nil {
		return nil, err
	}
	if e.Erased() {
		return nil, delphi.Errorf(delphi.ECONFLICT, "this expert's identity was erased; no link can be issued")
	}
	link, err := s.newLink(ctx, e)
	if err != nil {
		return nil, err
	}
	if err := delphi.Audit(ctx, s.Audit, s.now(), actorID, "expert.link", sv.ID, e.ID, map[string]any{"pseudonym": e.Pseudonym}); err != nil {
		return nil, err
	}
	return &Link{ExpertID: e.ID, Pseudonym: e.Pseudonym, Link: link, IssuedAt: e.LinkIssuedAt}, nil
}

// newLink issues a token for e, stores its hash and returns the link.
func (s *Service) newLink(ctx context.Context, e *delphi.Expert) (string, error) {
	token, hash := delphi.NewAccessToken()
	now := s.now()
	if err := s.Experts.SetAccessToken(ctx, e.SurveyID, e.ID, hash, now); err != nil {
		return "", err
	}
	t := now.UTC()
	e.LinkIssuedAt = &t
	return delphi.AccessLink(s.BaseURL, token), nil
}
