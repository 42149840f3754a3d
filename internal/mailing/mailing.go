// Package mailing is what coordinators do with a round's mail: queue
// invitations and reminders (the mail dispatcher sends them in the
// background), follow their progress, retry failures, set the invitation
// texts and preview them; and the round's response rates (Progress). The
// API's mail handlers call it.
package mailing

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/mail"
	"github.com/expertenrunde/expertenrunde/internal/results"
	"github.com/expertenrunde/expertenrunde/internal/stats"
)

// Notifier is woken when mail was queued (the mail dispatcher).
type Notifier interface{ Notify() }

// Service runs a round's mail. Build one per process (Main).
type Service struct {
	Mail    delphi.MailStore
	Experts delphi.ExpertStore
	// Rounds, optional, checks that a round exists and reads its state;
	// Responses, optional, gives the reminders' and the rates' responses.
	Rounds interface {
		Round(ctx context.Context, surveyID string, number int) (*delphi.Round, error)
	}
	Responses   delphi.ResponseStore
	Notifier    Notifier // optional
	Audit       delphi.AuditStore
	BaseURL     string // expert links are BaseURL/p/<token>
	SMTPEnabled bool   // an SMTP host is configured (shown with the status)
	Now         func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// Round returns round n of sv, or nil when the service has no round store.
// ENOTFOUND for an unknown round.
func (s *Service) Round(ctx context.Context, sv *delphi.Survey, n int) (*delphi.Round, error) {
	if n < 0 {
		return nil, delphi.Errorf(delphi.ENOTFOUND, "round %d not found", n)
	}
	if s.Rounds == nil {
		return nil, nil
	}
	return s.Rounds.Round(ctx, sv.ID, n)
}

// SendRequest is the optional body of invitations and reminders.
type SendRequest struct {
	Group            string `json:"group"`              // only this expert group
	KeepLinks        bool   `json:"keep_links"`         // experts with a link get no new one
	MinIntervalHours *int   `json:"min_interval_hours"` // reminders: at most one mail per expert in this time; 24
}

// Send is a checked request to queue mail for one round.
type Send struct {
	survey   *delphi.Survey
	round    int
	kind     string
	req      SendRequest
	interval time.Duration
}

// NewSend checks a request to queue mail of kind (delphi.MailInvite or
// delphi.MailReminder) for round n of sv; r is the round (nil if unknown).
// EINVALID (field group, min_interval_hours); ECONFLICT for a closed study
// or round, and for reminders to a round that is not open.
func (s *Service) NewSend(sv *delphi.Survey, n int, r *delphi.Round, kind string, req SendRequest) (*Send, error) {
	if req.Group != "" {
		if err := sv.Definition.CheckGroup(req.Group); err != nil {
			return nil, err
		}
	}
	interval := mail.DefaultMinInterval
	if req.MinIntervalHours != nil {
		if *req.MinIntervalHours < 0 || *req.MinIntervalHours > 24*30 {
			return nil, delphi.FieldErrorf(delphi.EINVALID, "min_interval_hours", "min_interval_hours must lie between 0 and 720")
		}
		interval = time.Duration(*req.MinIntervalHours) * time.Hour
		if interval == 0 {
			interval = time.Nanosecond // 0 means no limit; PlanSends reads ≤ 0 as the default
		}
	}
	if sv.Status == delphi.SurveyClosed {
		return nil, delphi.Errorf(delphi.ECONFLICT, "the study is closed; no mail can be sent")
	}
	if r != nil && r.Status == delphi.RoundClosed {
		return nil, delphi.Errorf(delphi.ECONFLICT, "round %d is closed; no mail can be sent for it", n)
	}
	if kind == delphi.MailReminder && r != nil && r.Status != delphi.RoundOpen {
		return nil, delphi.Errorf(delphi.ECONFLICT, "round %d is not open; reminders are sent for open rounds", n)
	}
	return &Send{survey: sv, round: n, kind: kind, req: req, interval: interval}, nil
}

// Queue plans who gets the mail of send (mail.PlanSends), stores the job
// with its sends, wakes the dispatcher and audits it (mail.invite or
// mail.remind). The stores' errors.
func (s *Service) Queue(ctx context.Context, actorID string, send *Send) (*delphi.MailJob, error) {
	sv, n, req := send.survey, send.round, send.req
	experts, err := s.Experts.ListExperts(ctx, sv.ID)
	if err != nil {
		return nil, err
	}
	sends, err := s.Mail.ListMailSends(ctx, sv.ID, 0)
	if err != nil {
		return nil, err
	}
	var responses []*delphi.Response
	if send.kind == delphi.MailReminder && s.Responses != nil {
		if responses, err = s.Responses.ListResponses(ctx, sv.ID, n); err != nil {
			return nil, err
		}
	}
	planned, skipped := mail.PlanSends(mail.PlanInput{
		SurveyID: sv.ID, Round: n, Kind: send.kind, Group: req.Group, KeepLinks: req.KeepLinks, MinInterval: send.interval,
		Now: s.now(), Experts: experts, Sends: sends, Responses: responses,
	})
	job := &delphi.MailJob{SurveyID: sv.ID, Round: n, Kind: send.kind, KeepLinks: req.KeepLinks, Group: req.Group, Skipped: skipped, CreatedBy: actorID}
	if _, err := s.Mail.CreateMailJob(ctx, job, planned); err != nil {
		return nil, err
	}
	if s.Notifier != nil && job.Queued > 0 {
		s.Notifier.Notify()
	}
	action := "mail.invite"
	if send.kind == delphi.MailReminder {
		action = "mail.remind"
	}
	if err := delphi.Audit(ctx, s.Audit, s.now(), actorID, action, sv.ID, job.ID, map[string]any{
		"round": n, "queued": job.Queued, "skipped": skipped, "group": req.Group, "keep_links": req.KeepLinks,
	}); err != nil {
		return nil, err
	}
	return job, nil
}

// SendCounts counts sends by state.
type SendCounts struct {
	Total   int `json:"total"`
	Sent    int `json:"sent"`
	Pending int `json:"pending"` // waiting or being sent
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
}

func (sc *SendCounts) add(status string) {
	sc.Total++
	switch status {
	case delphi.SendSent:
		sc.Sent++
	case delphi.SendFailed:
		sc.Failed++
	case delphi.SendSkipped:
		sc.Skipped++
	default:
		sc.Pending++
	}
}

// SendFailure is a failed send, or one waiting for a retry.
type SendFailure struct {
	SendID    string    `json:"send_id"`
	ExpertID  string    `json:"expert_id"`
	Pseudonym string    `json:"pseudonym"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	Kind      string    `json:"kind"`
	Status    string    `json:"status"` // failed, or pending with an error (a retry is due)
	Attempts  int       `json:"attempts"`
	Error     string    `json:"error"`
	At        time.Time `json:"at"`
}

// Status is a round's send progress.
type Status struct {
	Round       int               `json:"round"`
	Invitations SendCounts        `json:"invitations"`
	Reminders   SendCounts        `json:"reminders"`
	Failures    []SendFailure     `json:"failures"`
	Jobs        []*delphi.MailJob `json:"jobs"` // newest first
	Running     bool              `json:"running"`
	SMTPEnabled bool              `json:"smtp_enabled"`
}

// Status returns round n's send progress ("120 of 310 sent, 2 failed"),
// the failures with their SMTP error, and the jobs. The stores' errors.
func (s *Service) Status(ctx context.Context, sv *delphi.Survey, n int) (*Status, error) {
	sends, err := s.Mail.ListMailSends(ctx, sv.ID, n)
	if err != nil {
		return nil, err
	}
	jobs, err := s.Mail.ListMailJobs(ctx, sv.ID, n)
	if err != nil {
		return nil, err
	}
	experts, err := s.Experts.ListExperts(ctx, sv.ID)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*delphi.Expert, len(experts))
	for _, e := range experts {
		byID[e.ID] = e
	}
	out := &Status{Round: n, Failures: []SendFailure{}, SMTPEnabled: s.SMTPEnabled}
	for _, m := range sends {
		if mail.JobKind(m.Kind) == delphi.MailInvite {
			out.Invitations.add(m.Status)
		} else {
			out.Reminders.add(m.Status)
		}
		if m.Status == delphi.SendFailed || (m.Status == delphi.SendPending && m.Error != "") {
			f := SendFailure{SendID: m.ID, ExpertID: m.ExpertID, Kind: m.Kind, Status: m.Status, Attempts: m.Attempts, Error: m.Error, At: m.UpdatedAt}
			if e := byID[m.ExpertID]; e != nil {
				f.Pseudonym, f.Name, f.Email = e.Pseudonym, e.Name, e.Email
			}
			out.Failures = append(out.Failures, f)
		}
	}
	out.Running = slices.ContainsFunc(jobs, func(j *delphi.MailJob) bool { return j.Status == delphi.JobRunning })
	slices.Reverse(jobs)
	out.Jobs = jobs
	return out, nil
}

// Retry queues the failed sends of round n again, wakes the dispatcher
// and audits it; it returns how many. ECONFLICT for a closed study.
func (s *Service) Retry(ctx context.Context, actorID string, sv *delphi.Survey, n int) (int, error) {
	if sv.Status == delphi.SurveyClosed {
		return 0, delphi.Errorf(delphi.ECONFLICT, "the study is closed; no mail can be sent")
	}
	count, err := s.Mail.RetryFailedMailSends(ctx, sv.ID, n, s.now())
	if err != nil {
		return 0, err
	}
	if count > 0 && s.Notifier != nil {
		s.Notifier.Notify()
	}
	return count, delphi.Audit(ctx, s.Audit, s.now(), actorID, "mail.retry", sv.ID, "", map[string]any{"round": n, "count": count})
}

// Texts are the coordinator's texts and the built-in defaults per language.
type Texts struct {
	Round     int                        `json:"round"`
	Mail      map[string]delphi.MailText `json:"mail"`
	Defaults  map[string]delphi.MailText `json:"defaults"`
	Languages []string                   `json:"languages"`
	UpdatedAt *time.Time                 `json:"updated_at,omitempty"`
}

// Texts returns round n's invitation texts. The store's errors.
func (s *Service) Texts(ctx context.Context, sv *delphi.Survey, n int) (*Texts, error) {
	out := &Texts{Round: n, Mail: map[string]delphi.MailText{}, Defaults: map[string]delphi.MailText{}, Languages: sv.Definition.Languages}
	rm, err := s.Mail.RoundMail(ctx, sv.ID, n)
	switch {
	case err == nil:
		out.Mail, out.UpdatedAt = rm.Mail, &rm.UpdatedAt
	case delphi.ErrorCode(err) != delphi.ENOTFOUND:
		return nil, err
	}
	for _, l := range []string{delphi.LangDE, delphi.LangEN} {
		out.Defaults[l] = mail.DefaultText(delphi.MailInvite, l, sv.Definition.Title.Get(l), n)
	}
	return out, nil
}

// PutTexts sets the invitation subject and intro per language (an empty
// text falls back to the default), audits it and returns the texts.
// EINVALID naming the field (a language other than de or en; a subject
// that breaks delphi.LineText or an intro that breaks delphi.LongText:
// too long, a control character, not UTF-8).
func (s *Service) PutTexts(ctx context.Context, actorID string, sv *delphi.Survey, n int, in map[string]delphi.MailText) (*Texts, error) {
	clean := map[string]delphi.MailText{}
	for lang, t := range in {
		if lang != delphi.LangDE && lang != delphi.LangEN {
			return nil, delphi.FieldErrorf(delphi.EINVALID, lang, "language must be de or en")
		}
		t.Subject, t.Intro = strings.Join(strings.Fields(t.Subject), " "), strings.TrimSpace(t.Intro)
		if err := delphi.CheckText(lang+".subject", t.Subject, delphi.LineText); err != nil {
			return nil, err
		}
		if err := delphi.CheckText(lang+".intro", t.Intro, delphi.LongText); err != nil {
			return nil, err
		}
		if t.Subject != "" || t.Intro != "" {
			clean[lang] = t
		}
	}
	if err := s.Mail.PutRoundMail(ctx, &delphi.RoundMail{SurveyID: sv.ID, Round: n, Mail: clean, UpdatedBy: actorID}); err != nil {
		return nil, err
	}
	if err := delphi.Audit(ctx, s.Audit, s.now(), actorID, "mail.text", sv.ID, "", map[string]any{"round": n}); err != nil {
		return nil, err
	}
	return s.Texts(ctx, sv, n)
}

// Preview is a rendered mail.
type Preview struct {
	Lang    string `json:"lang"`
	Kind    string `json:"kind"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html"`
}

// Preview renders the mail of kind (invite or reminder) in lang (de or en)
// for round n (r, nil if unknown) with a sample name and link. EINVALID
// (field lang, kind).
func (s *Service) Preview(ctx context.Context, sv *delphi.Survey, n int, r *delphi.Round, lang, kind string) (*Preview, error) {
	if lang != delphi.LangDE && lang != delphi.LangEN {
		return nil, delphi.FieldErrorf(delphi.EINVALID, "lang", "lang must be de or en")
	}
	if kind != delphi.MailInvite && kind != delphi.MailReminder {
		return nil, delphi.FieldErrorf(delphi.EINVALID, "kind", "kind must be invite or reminder")
	}
	texts, err := s.Texts(ctx, sv, n)
	if err != nil {
		return nil, err
	}
	content := mail.Content{
		Kind: kind, Lang: lang, Name: map[string]string{delphi.LangDE: "Dr. Erika Mustermann", delphi.LangEN: "Dr Jane Doe"}[lang],
		Study: sv.Definition, Round: n, Custom: texts.Mail[lang],
		Link: delphi.AccessLink(s.BaseURL, "BEISPIEL-example-token"),
	}
	if r != nil {
		content.Deadline = r.Deadline
	}
	m, err := mail.Render(content)
	if err != nil {
		return nil, err
	}
	return &Preview{Lang: lang, Kind: kind, Subject: m.Subject, Text: m.Text, HTML: m.HTML}, nil
}

// Rate is one count with its share of the panel.
type Rate struct {
	Count   int    `json:"count"`
	Percent string `json:"percent"` // of the panel, rounded half up; "" for an empty panel
}

// GroupProgress is one group's (or the total's) response rates.
type GroupProgress struct {
	Group     string      `json:"group"` // "" for the total
	Label     delphi.Text `json:"label,omitempty"`
	Panel     int         `json:"panel"`
	Invited   Rate        `json:"invited"`    // by any channel
	InvitedBy Channels    `json:"invited_by"` // how the invited got their link
	Opened    Rate        `json:"opened"`
	Started   Rate        `json:"started"`
	Submitted Rate        `json:"submitted"`
}

// Channels splits the invited by how they got their link: an invitation
// e-mail to the round, or a link handed out without mail (the links file,
// a single new link, or a link the expert already held and used).
type Channels struct {
	Mail int `json:"mail"`
	File int `json:"file"`
}

// Counts are the flat counts the results dashboard reads.
type Counts struct {
	Invited   int      `json:"invited"`
	InvitedBy Channels `json:"invited_by"`
	Opened    int      `json:"opened"`
	Started   int      `json:"started"`
	Submitted int      `json:"submitted"`
}

// Progress is a round's response rates per expert group and overall.
type Progress struct {
	Round  int             `json:"round"`
	Groups []GroupProgress `json:"groups"` // the study's groups, in its order
	Total  GroupProgress   `json:"total"`
	Panel  int             `json:"panel"`
	Counts
	ByGroup map[string]Counts `json:"by_group"`
}

func channels(x results.Rates) Channels { return Channels{Mail: x.InvitedMail, File: x.InvitedFile} }

// linkWindow is round n's results.RoundLinkWindow; open when the service
// has no round store or the round does not exist yet.
func (s *Service) linkWindow(ctx context.Context, sv *delphi.Survey, n int) (results.LinkWindow, error) {
	if s.Rounds == nil {
		return results.LinkWindow{}, nil
	}
	r, err := s.Rounds.Round(ctx, sv.ID, n)
	if delphi.ErrorCode(err) == delphi.ENOTFOUND {
		return results.LinkWindow{}, nil
	} else if err != nil {
		return results.LinkWindow{}, err
	}
	var prev *delphi.Round
	if n > 1 {
		if prev, err = s.Rounds.Round(ctx, sv.ID, n-1); err != nil && delphi.ErrorCode(err) != delphi.ENOTFOUND {
			return results.LinkWindow{}, err
		}
	}
	return results.RoundLinkWindow(prev, r), nil
}

// Progress returns the response rates of round n (results.ResponseRates:
// by the group each expert answered in; the panel is who has a response,
// was invited, or is neither erased nor declined); every percentage is of
// the group's panel. The stores' errors.
func (s *Service) Progress(ctx context.Context, sv *delphi.Survey, n int) (*Progress, error) {
	experts, err := s.Experts.ListExperts(ctx, sv.ID)
	if err != nil {
		return nil, err
	}
	var responses []*delphi.Response
	if s.Responses != nil {
		if responses, err = s.Responses.ListResponses(ctx, sv.ID, n); err != nil {
			return nil, err
		}
	}
	var sends []*delphi.MailSend
	if s.Mail != nil {
		if sends, err = s.Mail.ListMailSends(ctx, sv.ID, n); err != nil {
			return nil, err
		}
	}
	window, err := s.linkWindow(ctx, sv, n)
	if err != nil {
		return nil, err
	}
	byGroup, total := results.ResponseRates(experts, responses, sends, window)
	row := func(id string, label delphi.Text, x results.Rates) GroupProgress {
		r := func(k int) Rate { return Rate{Count: k, Percent: stats.PercentDisplay(k, x.Panel, 0)} }
		return GroupProgress{Group: id, Label: label, Panel: x.Panel, Invited: r(x.Invited), InvitedBy: channels(x), Opened: r(x.Opened), Started: r(x.Started), Submitted: r(x.Submitted)}
	}
	counts := func(x results.Rates) Counts {
		return Counts{Invited: x.Invited, InvitedBy: channels(x), Opened: x.Opened, Started: x.Started, Submitted: x.Submitted}
	}
	out := &Progress{Round: n, Groups: make([]GroupProgress, 0, len(sv.Definition.Groups)), Total: row("", nil, total), Panel: total.Panel,
		Counts: counts(total), ByGroup: map[string]Counts{}}
	for _, g := range sv.Definition.Groups {
		x := byGroup[g.ID]
		out.Groups = append(out.Groups, row(g.ID, g.Label, x))
		out.ByGroup[g.ID] = counts(x)
	}
	return out, nil
}
