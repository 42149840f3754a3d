package rounds_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/results"
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
	// answers is the results service's view of the responses: it counts
	// the reads of a round (one per computation) and can fail them.
	answers *answers
	def     *delphi.Definition
	mu      sync.Mutex
	now     time.Time
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
	f.answers = &answers{ResponseStore: f.st}
	res := &results.Service{Surveys: f.st, Rounds: f.st, Responses: f.answers, Snapshots: f.st, Now: f.clock}
	f.svc = &rounds.Service{Surveys: f.st, Rounds: f.st, Results: res, Audit: f.st, Now: f.clock}
	return f
}

// answers is a response store that counts ListResponses calls and fails
// them while fail is set.
type answers struct {
	delphi.ResponseStore
	reads atomic.Int32
	fail  atomic.Bool
}

func (a *answers) ListResponses(ctx context.Context, surveyID string, round int) ([]*delphi.Response, error) {
	a.reads.Add(1)
	if a.fail.Load() {
		return nil, delphi.Errorf(delphi.EUNAVAILABLE, "down")
	}
	return a.ResponseStore.ListResponses(ctx, surveyID, round)
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
	sv := f.openRound1(t, id)
	if _, err := f.svc.Close(context.Background(), "u1", sv.ID, 1); err != nil {
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

// openRound1 prepares and opens round 1 of a new study.
func (f *fixture) openRound1(t *testing.T, id string) *delphi.Survey {
	t.Helper()
	ctx := context.Background()
	sv := f.study(t, id)
	if _, err := f.svc.Prepare(ctx, "u1", sv, rounds.PrepareRequest{Deadline: f.in(7 * 24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Open(ctx, "u1", sv.ID, 1); err != nil {
		t.Fatal(err)
	}
	return sv
}

// save stores one answer to q1 the way the participation service does:
// admitted by Accept, written, released.
func (f *fixture) save(ctx context.Context, surveyID, expert string, v int) error {
	_, release, err := f.svc.Accept(ctx, surveyID, 1)
	if err != nil {
		return err
	}
	defer release()
	_, _, err = f.st.SaveAnswer(ctx, &delphi.Answer{SurveyID: surveyID, Round: 1, ItemID: "q1", ExpertID: expert, Pseudonym: "E-" + expert, Group: "g",
		Value: delphi.Value{Point: &v}, Seq: 1}, f.clock())
	return err
}

// closes counts the audited closes of round 1.
func (f *fixture) closes(t *testing.T, surveyID string) int {
	t.Helper()
	entries, err := f.st.ListAudit(context.Background(), surveyID, 100)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if e.Action == "round.close" {
			n++
		}
	}
	return n
}

// TestCloseOnceAndReplaceAfterReopen: a failed computation stores nothing
// and leaves the round accepting answers; eight concurrent closes compute
// and store one snapshot and audit one close; a reopened round keeps its
// snapshot until the next close replaces it.
func TestCloseOnceAndReplaceAfterReopen(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sv := f.openRound1(t, "once")
	if err := f.save(ctx, sv.ID, "x1", 4); err != nil {
		t.Fatal(err)
	}

	f.answers.fail.Store(true)
	if _, err := f.svc.Close(ctx, "u1", sv.ID, 1); delphi.ErrorCode(err) != delphi.EUNAVAILABLE {
		t.Fatalf("close with a failing computation: %v", err)
	}
	f.answers.fail.Store(false)
	if _, err := f.st.Snapshot(ctx, sv.ID, 1); delphi.ErrorCode(err) != delphi.ENOTFOUND {
		t.Fatalf("snapshot after a failed close: %v", err)
	}
	if r, err := f.st.Round(ctx, sv.ID, 1); err != nil || r.Status != delphi.RoundOpen || r.ClosingAt != nil {
		t.Fatalf("round after a failed close: %+v %v", r, err)
	}
	if err := f.save(ctx, sv.ID, "x2", 5); err != nil {
		t.Fatalf("a save after a failed close: %v", err)
	}

	const workers = 8
	f.answers.reads.Store(0)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			r, err := f.svc.Close(ctx, fmt.Sprint("u", i), sv.ID, 1)
			if err != nil {
				t.Errorf("close: %v", err)
			} else if r.Status != delphi.RoundClosed {
				t.Errorf("close returned status %s", r.Status)
			}
		})
	}
	wg.Wait()
	if n, c := f.answers.reads.Load(), f.closes(t, sv.ID); n != 1 || c != 1 {
		t.Fatalf("%d concurrent closes computed %d snapshots and audited %d closes; want 1 and 1", workers, n, c)
	}
	first, err := f.svc.Results.Frozen(ctx, sv.ID, 1)
	if err != nil || first.Respondents.Drafts != 2 {
		t.Fatalf("snapshot: %+v %v", first, err)
	}

	// Reopened, the old snapshot stays until the next close replaces it.
	f.mu.Lock()
	f.now = f.now.Add(time.Hour)
	f.mu.Unlock()
	if _, err := f.svc.Reopen(ctx, "u1", sv.ID, 1, "one more answer", nil); err != nil {
		t.Fatal(err)
	}
	if res, err := f.svc.Results.Frozen(ctx, sv.ID, 1); err != nil || !res.ComputedAt.Equal(first.ComputedAt) {
		t.Fatalf("snapshot after the reopen: %+v %v, want the old one", res, err)
	}
	if err := f.save(ctx, sv.ID, "x3", 3); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Close(ctx, "u1", sv.ID, 1); err != nil {
		t.Fatal(err)
	}
	second, err := f.svc.Results.Frozen(ctx, sv.ID, 1)
	if err != nil || second.Respondents.Drafts != 3 || !second.ComputedAt.Equal(f.clock()) {
		t.Fatalf("snapshot after the second close: %+v %v", second, err)
	}
	if _, err := f.svc.Close(ctx, "u1", sv.ID, 7); delphi.ErrorCode(err) != delphi.ENOTFOUND {
		t.Fatalf("close of an unknown round: %v", err)
	}
}

// TestCloseWaitsForAdmittedAnswers: an answer admitted before a close
// began, and written after it, is counted by the snapshot: the close waits
// for it. An answer after the close is refused.
func TestCloseWaitsForAdmittedAnswers(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sv := f.openRound1(t, "guard")
	_, release, err := f.svc.Accept(ctx, sv.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() {
		_, err := f.svc.Close(ctx, "u1", sv.ID, 1)
		closed <- err
	}()
	for { // until the close has marked the round; it computes only after this save
		r, err := f.st.Round(ctx, sv.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		if r.ClosingAt != nil || r.Status == delphi.RoundClosed {
			break
		}
		time.Sleep(time.Millisecond)
	}
	v := 4
	if _, _, err := f.st.SaveAnswer(ctx, &delphi.Answer{SurveyID: sv.ID, Round: 1, ItemID: "q1", ExpertID: "x1", Pseudonym: "E-x1", Group: "g", Value: delphi.Value{Point: &v}, Seq: 1}, f.clock()); err != nil {
		t.Fatal(err)
	}
	release()
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	res, err := f.svc.Results.Frozen(ctx, sv.ID, 1)
	if err != nil || res.Respondents.Drafts != 1 {
		t.Fatalf("the snapshot counted %+v (%v); want the answer saved while the close began", res, err)
	}
	if err := f.save(ctx, sv.ID, "x2", 5); delphi.ErrorCode(err) != delphi.ECONFLICT {
		t.Fatalf("a save after the close: %v, want a conflict", err)
	}
}

// TestPrepareNeedsFutureDeadline: a round without a deadline, or with one
// that has passed, is refused naming the deadline and nothing is stored; a
// draft without a deadline could never be opened.
func TestPrepareNeedsFutureDeadline(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sv := f.study(t, "deadline-rule")
	for name, d := range map[string]*time.Time{"none": nil, "past": f.in(-time.Minute), "now": f.in(0)} {
		_, err := f.svc.Prepare(ctx, "u1", sv, rounds.PrepareRequest{Deadline: d})
		var de *delphi.Error
		if !errors.As(err, &de) || de.Code != delphi.EINVALID || de.Field != "deadline" {
			t.Fatalf("%s: err %v, want invalid naming deadline", name, err)
		}
	}
	if rs, err := f.st.ListRounds(ctx, sv.ID); err != nil || len(rs) != 0 {
		t.Fatalf("rounds after refusals: %d, %v; want none", len(rs), err)
	}
	if _, err := f.svc.Prepare(ctx, "u1", sv, rounds.PrepareRequest{Deadline: f.in(time.Hour)}); err != nil {
		t.Fatalf("future deadline: %v", err)
	}
}
