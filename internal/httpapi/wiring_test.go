package httpapi_test

import (
	"io/fs"
	"log/slog"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/accounts"
	"github.com/expertenrunde/expertenrunde/internal/arguments"
	"github.com/expertenrunde/expertenrunde/internal/auth"
	"github.com/expertenrunde/expertenrunde/internal/curation"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/export"
	"github.com/expertenrunde/expertenrunde/internal/httpapi"
	"github.com/expertenrunde/expertenrunde/internal/mailing"
	"github.com/expertenrunde/expertenrunde/internal/panel"
	"github.com/expertenrunde/expertenrunde/internal/panelflow"
	"github.com/expertenrunde/expertenrunde/internal/participation"
	"github.com/expertenrunde/expertenrunde/internal/realtime"
	"github.com/expertenrunde/expertenrunde/internal/reporting"
	"github.com/expertenrunde/expertenrunde/internal/results"
	"github.com/expertenrunde/expertenrunde/internal/rounds"
	"github.com/expertenrunde/expertenrunde/internal/session"
	"github.com/expertenrunde/expertenrunde/internal/store"
	"github.com/expertenrunde/expertenrunde/internal/survey"
)

// wiring says how a test server is built on its database: a test may wrap
// a store (e.g. to interleave a concurrent request) or leave a part out.
type wiring struct {
	users     delphi.UserStore
	responses delphi.AnswerStore
	experts   delphi.ExpertStore
	mail      bool             // the mail store: panel mail states, invitations
	mailer    mailing.Notifier // woken when mail is queued
	baseURL   string
	smtp      bool
	logger    *slog.Logger
	ui        fs.FS
}

// deps builds the services on st the way Main does
// (cmd/expertenrunde/services.go), with the wrapped stores of w.
func deps(st *store.Store, now func() time.Time, tokens *auth.Tokens, w wiring) httpapi.Deps {
	users, responses, experts := w.users, w.responses, w.experts
	if users == nil {
		users = st
	}
	if responses == nil {
		responses = st
	}
	if experts == nil {
		experts = st
	}
	res := &results.Service{Surveys: st, Rounds: st, Responses: responses, Snapshots: st, Now: now, LiveTTL: 5 * time.Second}
	res.Revisions = st // the revision history of real-time studies
	life := &rounds.Service{Surveys: st, Rounds: st, Results: res, Responses: responses, Audit: st, Now: now, Logger: w.logger}
	pan := &panel.Service{Experts: experts, Responses: responses, Audit: st, BaseURL: w.baseURL, Now: now}
	mails := &mailing.Service{Experts: experts, Rounds: st, Responses: responses, Audit: st, BaseURL: w.baseURL, SMTPEnabled: w.smtp, Now: now, Notifier: w.mailer}
	flow := &panelflow.Service{Surveys: st, Rounds: st, Responses: responses, Experts: experts, Results: res}
	flow.Curation = st
	src := export.Sources{Surveys: st, Results: res, Responses: responses, Experts: experts, Flow: flow}
	src.Realtime = res
	d := httpapi.Deps{
		Surveys: st, Audit: st, DB: st, Logger: w.logger, Now: now, UI: w.ui,
		SignIn: &session.Service{Users: users, Sessions: st, Experts: experts, ExpertSessions: st, Surveys: st, Limiter: st,
			Tokens: tokens, Slots: session.NewSlots(0, 0), Now: now, Logger: w.logger},
		Importer:      &survey.Importer{Surveys: st, Audit: st, Answered: st.AnsweredItems, Users: users, Now: now},
		Accounts:      &accounts.Service{Users: users, Sessions: st, Audit: st, Now: now, Logger: w.logger},
		Results:       res,
		Rounds:        life,
		Participation: &participation.Service{Rounds: life, Responses: responses, Experts: experts, Now: now, Logger: w.logger},
		Panel:         pan,
		Mailing:       mails,
		Flow:          flow,
	}
	d.Participation.Realtime = &realtime.Service{Answers: st, Revisions: st, TTL: res.LiveTTL, Now: now, Logger: w.logger}
	if w.mail {
		d.Mail, pan.Mail, mails.Mail, src.Mail, flow.Mail = st, st, st, st, st
	}
	rep := &reporting.Service{Surveys: st, Rounds: st, Protocols: st, Audit: st, Version: "test", Now: now,
		Sources: reporting.Sources{Rounds: life, Results: res, Responses: responses, Experts: experts, Mail: src.Mail}}
	life.Protocol, d.Importer.Protocol, d.Reporting = rep, rep, rep
	d.Export = &export.Service{Sources: src, Lifecycle: life, Audit: st, Version: "test", Now: now, Reporting: rep}
	d.Arguments = &arguments.Service{Rounds: life, Arguments: st, Responses: responses, Limiter: st, Audit: st, Now: now}
	d.Export.Arguments = d.Arguments
	d.Curation = &curation.Service{Store: st, Rounds: life, Limiter: st, Audit: st, Now: now}
	life.Curated = d.Curation
	d.Export.Sources.Provenance = d.Curation
	return d
}
