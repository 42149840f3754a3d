package rounds_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/rounds"
	"github.com/expertenrunde/expertenrunde/internal/store"
	"github.com/expertenrunde/expertenrunde/internal/store/storetest"
	"github.com/expertenrunde/expertenrunde/internal/survey"
)

// The lifecycle tests run against the real embedded database: one FerretDB
// instance for the package, one database per test.
func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// fixture is a rounds.Service on a fresh database with a settable clock.
type fixture struct {
	st  *store.Store
	svc *rounds.Service
	def *delphi.Definition
	mu  sync.Mutex
	now time.Time
}

// smallStudy is a study of two rating items.
const smallStudy = `
id: small
version: "1"
languages: [de]
title: {de: Kleine Studie}
groups:
  - {id: g, label: {de: Gruppe}}
scales:
  - id: imp5
    points:
      - {value: 1, label: {de: eins}}
      - {value: 2, label: {de: zwei}}
      - {value: 3, label: {de: drei}}
      - {value: 4, label: {de: vier}}
      - {value: 5, label: {de: fünf}}
    agreement: {min: 4, max: 5}
consensus:
  min_n: 3
  all:
    - agreement: {min_percent: 75}
    - iqr: {max: 1}
rounds:
  planned: 3
  feedback:
    statistics: [n, median]
sections:
  - id: a
    title: {de: Fragen}
    items:
      - {id: q1, type: rating, scale: imp5, text: {de: Frage 1}}
      - {id: q2, type: rating, scale: imp5, text: {de: Frage 2}}
`

func newFixture(t *testing.T) *fixture {
	t.Helper()
	def, err := survey.Parse("small.yaml", []byte(smallStudy))
	if err != nil {
		t.Fatal(err, delphi.AsError(err).Details)
	}
	f := &fixture{st: storetest.NewStore(t, "rounds"), def: def, now: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)}
	f.st.Now = f.clock
	f.svc = &rounds.Service{Surveys: f.st, Rounds: f.st, Responses: f.st, Audit: f.st, Now: f.clock}
	return f
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// study stores the fixture's definition under id and returns it.
func (f *fixture) study(t *testing.T, id string) *delphi.Survey {
	t.Helper()
	def := *f.def
	def.ID = id
	sv, _, err := f.st.PutSurvey(context.Background(), &delphi.Survey{Definition: &def})
	if err != nil {
		t.Fatal(err)
	}
	return sv
}

func (f *fixture) in(d time.Duration) *time.Time {
	t := f.clock().Add(d)
	return &t
}

// closedRound1 prepares, opens and closes round 1 of a new study.
func (f *fixture) closedRound1(t *testing.T, id string) *delphi.Survey {
	t.Helper()
	ctx := context.Background()
	sv := f.study(t, id)
	if _, err := f.svc.Prepare(ctx, "u1", sv, rounds.PrepareRequest{Deadline: f.in(7 * 24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Open(ctx, "u1", sv.ID, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Close(ctx, "u1", sv.ID, 1); err != nil {
		t.Fatal(err)
	}
	return sv
}

// TestReopenRacesNextRound: reopening round 1 and preparing and opening
// round 2 exclude each other. Eight concurrent calls (four reopen round 1,
// four prepare and open round 2) on a closed round 1: exactly one succeeds,
// and the study ends with one open round and the rounds before it closed.
// Repeated on fresh studies, since a lost race needs an unlucky interleaving.
func TestReopenRacesNextRound(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const workers, runs = 8, 6
	for run := range runs {
		sv := f.closedRound1(t, fmt.Sprintf("race-%d", run))
		var ok atomic.Int32
		var reopened, opened atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range workers {
			wg.Go(func() {
				<-start
				if i%2 == 0 {
					_, err := f.svc.Reopen(ctx, "u1", sv.ID, 1, "more time", nil)
					if err == nil {
						ok.Add(1)
						reopened.Add(1)
					} else if delphi.ErrorCode(err) != delphi.ECONFLICT {
						t.Errorf("reopen: %v", err)
					}
					return
				}
				r, err := f.svc.Prepare(ctx, "u1", sv, rounds.PrepareRequest{Deadline: f.in(14 * 24 * time.Hour), CarryOver: &delphi.CarryOver{Mode: delphi.CarryAll}})
				if err != nil {
					if delphi.ErrorCode(err) != delphi.ECONFLICT {
						t.Errorf("prepare: %v", err)
					}
					return
				}
				if _, err := f.svc.Open(ctx, "u1", sv.ID, r.Number); err != nil {
					if delphi.ErrorCode(err) != delphi.ECONFLICT {
						t.Errorf("open round %d: %v", r.Number, err)
					}
					return
				}
				ok.Add(1)
				opened.Add(1)
			})
		}
		close(start)
		wg.Wait()
		if ok.Load() != 1 {
			t.Fatalf("run %d: %d calls succeeded (%d reopens of round 1, %d opens of round 2); want exactly one", run, ok.Load(), reopened.Load(), opened.Load())
		}
		rs, err := f.st.ListRounds(ctx, sv.ID)
		if err != nil {
			t.Fatal(err)
		}
		var states []string
		for _, r := range rs {
			states = append(states, r.Status)
		}
		want := []string{delphi.RoundOpen}
		if opened.Load() == 1 {
			want = []string{delphi.RoundClosed, delphi.RoundOpen}
		}
		if fmt.Sprint(states) != fmt.Sprint(want) {
			t.Fatalf("run %d: round states %v, want %v", run, states, want)
		}
	}
}
