package storetest

import (
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/store"
)

// roundTests cover how closing, reopening and the next round exclude the
// writes that would contradict them.
var roundTests = []struct {
	name string
	fn   func(t *testing.T, s *store.Store)
}{
	{"CloseRoundMarksTheRoundClosing", testCloseRoundMarksClosing},
	{"CloseRoundWaitsForGuardedAnswers", testCloseRoundWaitsForGuard},
	{"CreateNextRoundMarksThePrevious", testCreateNextRound},
	{"CreateNextRoundRacesReopen", testCreateNextRoundRacesReopen},
}

func snapshotOf(r *delphi.Round, at time.Time, label string) *delphi.Snapshot {
	return &delphi.Snapshot{SurveyID: r.SurveyID, Round: r.Number, ComputedAt: at, Results: json.RawMessage(`{"label":"` + label + `"}`)}
}

// accepting reads the round through GuardRound, as a save does, and
// returns whether it accepts answers at now.
func accepting(t *testing.T, s *store.Store, surveyID string, n int, now time.Time) error {
	t.Helper()
	return s.GuardRound(t.Context(), surveyID, n, func(r *delphi.Round) error { return r.Accepting(now) })
}

// testCloseRoundMarksClosing: while a close computes the snapshot, a fresh
// read of the round refuses answers; a failed close removes its mark; a
// mark left by a crashed close is taken over by the next close.
func testCloseRoundMarksClosing(t *testing.T, s *store.Store) {
	ctx := t.Context()
	clk := newClock(s)
	must(t, s.CreateRound(ctx, &delphi.Round{SurveyID: "s1", Number: 1, Status: delphi.RoundOpen, Items: roundItems("q1")}))
	must(t, accepting(t, s, "s1", 1, clk.Now()))

	ev := delphi.RoundEvent{At: clk.Now(), Action: delphi.RoundActionClose}
	_, _, err := s.CloseRound(ctx, "s1", 1, ev, func(r *delphi.Round) (*delphi.Snapshot, error) {
		if r.ClosingAt == nil || !r.ClosingAt.Equal(ev.At) {
			t.Errorf("compute got ClosingAt %v, want %v", r.ClosingAt, ev.At)
		}
		if err := accepting(t, s, "s1", 1, clk.Now()); delphi.ErrorCode(err) != delphi.ECONFLICT {
			t.Errorf("a save during the computation: %v, want a conflict", err)
		}
		return nil, delphi.Errorf(delphi.EUNAVAILABLE, "down")
	})
	wantCode(t, err, delphi.EUNAVAILABLE)
	r, err := s.Round(ctx, "s1", 1)
	must(t, err)
	if r.Status != delphi.RoundOpen || r.ClosingAt != nil {
		t.Fatalf("after a failed close: status %s, closing since %v", r.Status, r.ClosingAt)
	}
	must(t, accepting(t, s, "s1", 1, clk.Now()))

	// A crashed close left its mark behind.
	clk.Add(time.Hour)
	crashed := clk.Now().Add(-delphi.CloseStall)
	_, err = s.UpdateRound(ctx, "s1", 1, func(r *delphi.Round) error { r.ClosingAt = &crashed; return nil })
	must(t, err)
	if err := accepting(t, s, "s1", 1, clk.Now()); delphi.ErrorCode(err) != delphi.ECONFLICT {
		t.Fatalf("a save while a crashed close's mark stands: %v, want a conflict", err)
	}
	r, closed, err := s.CloseRound(ctx, "s1", 1, delphi.RoundEvent{At: clk.Now(), Action: delphi.RoundActionClose}, func(r *delphi.Round) (*delphi.Snapshot, error) {
		return snapshotOf(r, clk.Now(), "taken over"), nil
	})
	must(t, err)
	if !closed || r.Status != delphi.RoundClosed || r.ClosingAt != nil || r.Closes() != 1 {
		t.Fatalf("close after a crashed close: closed %v, %+v", closed, r)
	}
}

// testCloseRoundWaitsForGuardedAnswers: a save that checked the round
// before a close began, and writes after it, is read by the snapshot's
// computation: the close waits for the guard.
func testCloseRoundWaitsForGuard(t *testing.T, s *store.Store) {
	ctx := t.Context()
	clk := newClock(s)
	must(t, s.CreateRound(ctx, &delphi.Round{SurveyID: "s1", Number: 1, Status: delphi.RoundOpen, Items: roundItems("q1")}))

	done := make(chan struct{})
	var closeErr error
	var seen atomic.Int32
	err := s.GuardRound(ctx, "s1", 1, func(r *delphi.Round) error {
		if err := r.Accepting(clk.Now()); err != nil {
			return err
		}
		// The close begins between the save's check and its write.
		go func() {
			defer close(done)
			_, _, closeErr = s.CloseRound(ctx, "s1", 1, delphi.RoundEvent{At: clk.Now(), Action: delphi.RoundActionClose}, func(r *delphi.Round) (*delphi.Snapshot, error) {
				rs, err := s.ListResponses(ctx, "s1", 1)
				if err != nil {
					return nil, err
				}
				for _, resp := range rs {
					seen.Add(int32(len(resp.Answers)))
				}
				return snapshotOf(r, clk.Now(), "x"), nil
			})
		}()
		for { // until the close has marked the round; it computes only after this save
			r, err := s.Round(ctx, "s1", 1)
			if err != nil {
				return err
			}
			if r.ClosingAt != nil || r.Status == delphi.RoundClosed {
				break
			}
			time.Sleep(time.Millisecond)
		}
		_, _, err := s.SaveAnswer(ctx, &delphi.Answer{SurveyID: "s1", Round: 1, ItemID: "q1", ExpertID: "x1", Pseudonym: "E-2222", Group: "wiss", Value: point(3), Seq: 1}, clk.Now())
		return err
	})
	must(t, err)
	<-done
	must(t, closeErr)
	if seen.Load() != 1 {
		t.Fatalf("the snapshot's computation read %d answers; want the one saved while the close began", seen.Load())
	}
	if err := accepting(t, s, "s1", 1, clk.Now()); delphi.ErrorCode(err) != delphi.ECONFLICT {
		t.Fatalf("a save after the close: %v, want a conflict", err)
	}
}

// closedRound creates round 1 of surveyID open and closes it.
func closedRound(t *testing.T, s *store.Store, clk *clock, surveyID string) *delphi.Round {
	t.Helper()
	ctx := t.Context()
	must(t, s.CreateRound(ctx, &delphi.Round{SurveyID: surveyID, Number: 1, Status: delphi.RoundOpen, Items: roundItems("q1")}))
	r, closed, err := s.CloseRound(ctx, surveyID, 1, delphi.RoundEvent{At: clk.Now(), Action: delphi.RoundActionClose}, func(r *delphi.Round) (*delphi.Snapshot, error) {
		return snapshotOf(r, clk.Now(), "1"), nil
	})
	must(t, err)
	if !closed {
		t.Fatalf("round 1 of %s was not closed", surveyID)
	}
	return r
}

// reopen is the reopen of rounds.Service reduced to the store's part: it
// needs round n closed and not followed.
func reopen(t *testing.T, s *store.Store, surveyID string) (*delphi.Round, error) {
	return s.UpdateRound(t.Context(), surveyID, 1, func(r *delphi.Round) error {
		if r.Status != delphi.RoundClosed || r.NextCreatedAt != nil {
			return delphi.Errorf(delphi.ECONFLICT, "round 1 is %s or followed", r.Status)
		}
		r.Status, r.ClosedAt = delphi.RoundOpen, nil
		return nil
	})
}

func testCreateNextRound(t *testing.T, s *store.Store) {
	ctx := t.Context()
	clk := newClock(s)
	must(t, s.CreateRound(ctx, &delphi.Round{SurveyID: "s1", Number: 1, Status: delphi.RoundOpen, Items: roundItems("q1")}))
	open, err := s.Round(ctx, "s1", 1)
	must(t, err)
	wantCode(t, s.CreateNextRound(ctx, &delphi.Round{SurveyID: "s1", Number: 2}, open), delphi.ECONFLICT)
	s1 := closedRound(t, s, clk, "s1b")
	wantCode(t, s.CreateNextRound(ctx, &delphi.Round{SurveyID: "s1b", Number: 3}, s1), delphi.EINVALID)
	wantCode(t, s.CreateNextRound(ctx, &delphi.Round{SurveyID: "other", Number: 2}, s1), delphi.EINVALID)

	clk.Add(time.Minute)
	r2 := &delphi.Round{SurveyID: "s1b", Number: 2, Items: roundItems("q1")}
	must(t, s.CreateNextRound(ctx, r2, s1))
	if r2.Status != delphi.RoundDraft || !r2.CreatedAt.Equal(clk.Now()) {
		t.Fatalf("CreateNextRound filled %+v", r2)
	}
	got, err := s.Round(ctx, "s1b", 1)
	must(t, err)
	if got.NextCreatedAt == nil || !got.NextCreatedAt.Equal(clk.Now()) || got.Status != delphi.RoundClosed {
		t.Fatalf("round 1 after creating round 2: %+v", got)
	}
	wantCode(t, s.CreateNextRound(ctx, &delphi.Round{SurveyID: "s1b", Number: 2}, s1), delphi.ECONFLICT)
	if _, err := reopen(t, s, "s1b"); delphi.ErrorCode(err) != delphi.ECONFLICT {
		t.Fatalf("reopen of a followed round: %v", err)
	}

	// Round 1 read, then reopened and closed again: its snapshot changed,
	// so a round 2 prepared from the first close is refused.
	stale := closedRound(t, s, clk, "s2")
	_, err = reopen(t, s, "s2")
	must(t, err)
	clk.Add(time.Minute)
	_, closed, err := s.CloseRound(ctx, "s2", 1, delphi.RoundEvent{At: clk.Now(), Action: delphi.RoundActionClose}, func(r *delphi.Round) (*delphi.Snapshot, error) {
		return snapshotOf(r, clk.Now(), "2"), nil
	})
	must(t, err)
	if !closed {
		t.Fatal("the second close did not close round 1")
	}
	wantCode(t, s.CreateNextRound(ctx, &delphi.Round{SurveyID: "s2", Number: 2}, stale), delphi.ECONFLICT)
	if _, err := s.Round(ctx, "s2", 2); delphi.ErrorCode(err) != delphi.ENOTFOUND {
		t.Fatalf("round 2 after a refused creation: %v", err)
	}
}

// testCreateNextRoundRacesReopen: eight concurrent calls on a closed round
// 1, four creating round 2 and four reopening round 1: exactly one
// succeeds, and either round 1 is open without a round 2, or round 1 is
// closed and followed by round 2.
func testCreateNextRoundRacesReopen(t *testing.T, s *store.Store) {
	clk := newClock(s)
	const workers = 8
	for run := range 4 {
		surveyID := fmt.Sprintf("race%d", run)
		prev := closedRound(t, s, clk, surveyID)
		var created, reopened atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range workers {
			wg.Go(func() {
				<-start
				var err error
				if i%2 == 0 {
					if _, err = reopen(t, s, surveyID); err == nil {
						reopened.Add(1)
					}
				} else if err = s.CreateNextRound(t.Context(), &delphi.Round{SurveyID: surveyID, Number: 2, Items: roundItems("q1")}, prev); err == nil {
					created.Add(1)
				}
				if err != nil && delphi.ErrorCode(err) != delphi.ECONFLICT {
					t.Errorf("worker %d: %v", i, err)
				}
			})
		}
		close(start)
		wg.Wait()
		if created.Load()+reopened.Load() != 1 {
			t.Fatalf("run %d: %d creations of round 2 and %d reopens of round 1 succeeded; want one in all", run, created.Load(), reopened.Load())
		}
		r1, err := s.Round(t.Context(), surveyID, 1)
		must(t, err)
		_, err = s.Round(t.Context(), surveyID, 2)
		if created.Load() == 1 {
			must(t, err)
			if r1.Status != delphi.RoundClosed || r1.NextCreatedAt == nil {
				t.Fatalf("run %d: round 2 exists, round 1 is %s (next %v)", run, r1.Status, r1.NextCreatedAt)
			}
		} else {
			wantCode(t, err, delphi.ENOTFOUND)
			if r1.Status != delphi.RoundOpen {
				t.Fatalf("run %d: round 1 reopened, but it is %s", run, r1.Status)
			}
		}
	}
}
