package main

import (
	"time"

	"github.com/expertenrunde/expertenrunde/internal/export"
	"github.com/expertenrunde/expertenrunde/internal/results"
	"github.com/expertenrunde/expertenrunde/internal/rounds"
)

// services are the use cases of the product, built once per process on the
// open store and shared by the API, the background work and the CLI
// commands.
type services struct {
	results *results.Service
	rounds  *rounds.Service
	export  *export.Service
}

// services builds the services on m.store (once).
func (m *Main) services() *services {
	if m.svc != nil {
		return m.svc
	}
	st := m.store
	res := &results.Service{Surveys: st, Rounds: st, Responses: st, Snapshots: st, Now: m.Now, LiveTTL: 5 * time.Second}
	rs := &rounds.Service{Surveys: st, Rounds: st, Results: res, Audit: st, Now: m.Now, Logger: m.logger}
	m.svc = &services{
		results: res,
		rounds:  rs,
		export: &export.Service{
			Sources:   export.Sources{Surveys: st, Results: res, Responses: st, Experts: st, Mail: st},
			Lifecycle: rs, Audit: st, Version: Version, Now: m.Now,
		},
	}
	return m.svc
}
