package main

import (
	"time"

	"github.com/expertenrunde/expertenrunde/internal/accounts"
	"github.com/expertenrunde/expertenrunde/internal/arguments"
	"github.com/expertenrunde/expertenrunde/internal/auth"
	"github.com/expertenrunde/expertenrunde/internal/curation"
	"github.com/expertenrunde/expertenrunde/internal/export"
	"github.com/expertenrunde/expertenrunde/internal/mailing"
	"github.com/expertenrunde/expertenrunde/internal/panel"
	"github.com/expertenrunde/expertenrunde/internal/panelflow"
	"github.com/expertenrunde/expertenrunde/internal/participation"
	"github.com/expertenrunde/expertenrunde/internal/realtime"
	"github.com/expertenrunde/expertenrunde/internal/reporting"
	"github.com/expertenrunde/expertenrunde/internal/results"
	"github.com/expertenrunde/expertenrunde/internal/rounds"
	"github.com/expertenrunde/expertenrunde/internal/session"
	"github.com/expertenrunde/expertenrunde/internal/survey"
)

// services are the use cases of the product, built once per process on the
// open store and shared by the API, the background work (the deadline
// sweep) and the CLI commands.
type services struct {
	accounts      *accounts.Service
	importer      *survey.Importer
	results       *results.Service
	rounds        *rounds.Service
	participation *participation.Service
	panel         *panel.Service
	mailing       *mailing.Service
	export        *export.Service
	flow          *panelflow.Service
	reporting     *reporting.Service
	arguments     *arguments.Service
	curation      *curation.Service
}

// services builds the services on m.store (once). The mail dispatcher, when
// m.mailer is set, is woken when mail is queued.
func (m *Main) services() *services {
	if m.svc != nil {
		return m.svc
	}
	st, now, cfg := m.store, m.Now, m.Config
	res := &results.Service{Surveys: st, Rounds: st, Responses: st, Snapshots: st, Now: now, LiveTTL: 5 * time.Second}
	res.Revisions = st // the revision history of real-time studies
	flow := &panelflow.Service{Surveys: st, Rounds: st, Responses: st, Experts: st, Mail: st, Results: res}
	life := &rounds.Service{Surveys: st, Rounds: st, Results: res, Responses: st, Audit: st, Now: now, Logger: m.logger}
	rep := &reporting.Service{Surveys: st, Rounds: st, Protocols: st, Audit: st, Version: Version, Now: now,
		Sources: reporting.Sources{Rounds: life, Results: res, Responses: st, Experts: st, Mail: st}}
	life.Protocol = rep
	cur := &curation.Service{Store: st, Rounds: life, Limiter: st, Audit: st, Now: now}
	life.Curated = cur
	flow.Curation = st
	m.svc = &services{
		accounts:      &accounts.Service{Users: st, Sessions: st, Audit: st, Now: now, Logger: m.logger},
		importer:      &survey.Importer{Surveys: st, Audit: st, Answered: st.AnsweredItems, Users: st, Now: now, Protocol: rep},
		results:       res,
		rounds:        life,
		participation: &participation.Service{Rounds: life, Responses: st, Experts: st, Now: now, Logger: m.logger},
		panel:         &panel.Service{Experts: st, Mail: st, Responses: st, Audit: st, BaseURL: cfg.BaseURL, Now: now},
		mailing: &mailing.Service{Mail: st, Experts: st, Rounds: st, Responses: st, Audit: st,
			BaseURL: cfg.BaseURL, SMTPEnabled: cfg.SMTP.Host != "", Now: now},
		flow: flow,
		export: &export.Service{
			Sources:   export.Sources{Surveys: st, Results: res, Responses: st, Experts: st, Mail: st, Flow: flow},
			Lifecycle: life, Audit: st, Version: Version, Now: now, Reporting: rep,
		},
		reporting: rep,
		curation:  cur,
	}
	m.svc.export.Realtime = res // the real-time sheets
	m.svc.arguments = &arguments.Service{Rounds: life, Arguments: st, Responses: st, Limiter: st, Audit: st, Now: now}
	m.svc.export.Arguments = m.svc.arguments
	if m.mailer != nil {
		m.svc.mailing.Notifier = m.mailer
	}
	m.svc.participation.Realtime = &realtime.Service{Answers: st, Revisions: st, TTL: res.LiveTTL, Alone: m.embedded != nil, Now: now, Logger: m.logger}
	m.svc.export.Sources.Provenance = cur
	return m.svc
}

// signIn builds the sign-in of staff and experts on m.store with the
// server's token keys; serve builds it once. Its password slots bound the
// argon2id work of the whole process (GOMAXPROCS at a time).
func (m *Main) signIn(tokens *auth.Tokens) *session.Service {
	st := m.store
	return &session.Service{
		Users: st, Sessions: st, Experts: st, ExpertSessions: st, Surveys: st, Limiter: st,
		Tokens: tokens, Slots: session.NewSlots(0, session.SlotWait), TokenTTL: m.Config.SessionTTL,
		Now: m.Now, Logger: m.logger,
		Marks: st, ExpertCheckTTL: m.expertCheckTTL(),
	}
}

// expertCheckTTL is how long a verified expert session stands: longer on
// the embedded database, where this process is the only writer and its
// change marks see every change.
func (m *Main) expertCheckTTL() time.Duration {
	if m.embedded != nil {
		return session.AloneExpertCheckTTL
	}
	return session.DefaultExpertCheckTTL
}
