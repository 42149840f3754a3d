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
	{"CloseStepsMarkTheRound", testCloseSteps},
	{"AwaitAnswersWaitsForTheGuard", testAwaitAnswers},
	{"CreateNextRoundMarksThePrevious", testCreateNextRound},
	{"CreateNextRoundRacesReopen", testCreateNextRoundRacesReopen},
}

func snapshotOf(r *delphi.Round, at time.Time, label string) *delphi.Snapshot {
	return &delphi.Snapshot{SurveyID: r.SurveyID, Round: r.Number, ComputedAt: at, Results: json.RawMessage(`{"label":"` + label + `"}`)}
}

// accepting reads the round through AnswerGuard, as a save does, and
// returns whether it accepts answers at now.
func accepting(t *testing.T, s *store.Store, surveyID string, n int, now time.Time) error {
	t.Helper()
	r, release, err := s.AnswerGuard(t.Context(), surveyID, n)
	if err != nil {
		return err
	}
	defer release()
	return r.Accepting(now)
}

// closeRound runs the store's steps of a close (rounds.Service.Close) at
// the clock's time, with the snapshot labelled label.
func closeRound(t *testing.T, s *store.Store, clk *clock, surveyID string, n int, label string) *delphi.Round {
	t.Helper()
	ctx := t.Context()
	r, err := s.MarkClosing(ctx, surveyID, n, clk.Now())
	must(t, err)
	s.AwaitAnswers(surveyID, n)
	must(t, s.PutSnapshot(ctx, snapshotOf(r, clk.Now(), label), r.Closes()+1))
	r, err = s.MarkClosed(ctx, surveyID, n, *r.ClosingAt, delphi.RoundEvent{At: clk.Now(), Action: delphi.RoundActionClose})
	must(t, err)
	return r
}

// testCloseSteps: the closing mark refuses answers from a fresh read; only
// the close that set a mark may close the round or remove the mark; a mark
// left by a crashed close is taken over; a closed round takes no mark.
func testCloseSteps(t *testing.T, s *store.Store) {
	ctx := t.Context()
	clk := newClock(s)
	must(t, s.CreateRound(ctx, &delphi.Round{SurveyID: "s1", Number: 1, Status: delphi.RoundOpen, Items: roundItems("q1")}))
	must(t, accepting(t, s, "s1", 1, clk.Now()))

	marked, err := s.MarkClosing(ctx, "s1", 1, clk.Now())
	must(t, err)
	if marked.ClosingAt == nil || !marked.ClosingAt.Equal(clk.Now()) || marked.Status != delphi.RoundOpen {
		t.Fatalf("MarkClosing returned %+v", marked)
	}
	wantCode(t, accepting(t, s, "s1", 1, clk.Now()), delphi.ECONFLICT)
	other := clk.Now().Add(-time.Second)
	wantCode(t, s.UnmarkClosing(ctx, "s1", 1, other), delphi.ECONFLICT)
	_, err = s.MarkClosed(ctx, "s1", 1, other, delphi.RoundEvent{At: clk.Now(), Action: delphi.RoundActionClose})
	wantCode(t, err, delphi.ECONFLICT)
	// A failed close removes its mark.
	must(t, s.UnmarkClosing(ctx, "s1", 1, *marked.ClosingAt))
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
	r = closeRound(t, s, clk, "s1", 1, "taken over")
	if r.Status != delphi.RoundClosed || r.ClosingAt != nil || r.Closes() != 1 || !r.ClosedAt.Equal(clk.Now()) {
		t.Fatalf("close after a crashed close: %+v", r)
	}
	_, err = s.MarkClosing(ctx, "s1", 1, clk.Now())
	wantCode(t, err, delphi.ECONFLICT)
	_, err = s.MarkClosing(ctx, "s1", 7, clk.Now())
	wantCode(t, err, delphi.ENOTFOUND)
}

// testAwaitAnswers: AwaitAnswers returns only once the answer guards taken
// before it are released, so a save that checked the round before a close
// began has written before the close computes.
func testAwaitAnswers(t *testing.T, s *store.Store) {
	ctx := t.Context()
	clk := newClock(s)
	must(t, s.CreateRound(ctx, &delphi.Round{SurveyID: "s1", Number: 1, Status: delphi.RoundOpen, Items: roundItems("q1")}))
	r, release, err := s.AnswerGuard(ctx, "s1", 1)
	must(t, err)
	must(t, r.Accepting(clk.Now()))
	if len(r.Items) != 1 || r.Items[0].Item.ID != "q1" {
		t.Fatalf("AnswerGuard: items %+v, want the round's q1", r.Items)
	}
	awaited := make(chan struct{})
	go func() {
		s.AwaitAnswers("s1", 1)
		close(awaited)
	}()
	_, _, err = s.SaveAnswer(ctx, &delphi.Answer{SurveyID: "s1", Round: 1, ItemID: "q1", ExpertID: "x1", Pseudonym: "E-2222", Group: "wiss", Value: point(3), Seq: 1}, clk.Now())
	must(t, err)
	select {
	case <-awaited:
		t.Fatal("AwaitAnswers returned while a guard was held")
	default:
	}
	release()
	select {
	case <-awaited:
	case <-time.After(time.Minute):
		t.Fatal("AwaitAnswers still waits a minute after the guard was released")
	}
	_, _, err = s.AnswerGuard(ctx, "s1", 9)
	wantCode(t, err, delphi.ENOTFOUND)
}

// closedRound creates round 1 of surveyID open and closes it.
func closedRound(t *testing.T, s *store.Store, clk *clock, surveyID string) *delphi.Round {
	t.Helper()
	must(t, s.CreateRound(t.Context(), &delphi.Round{SurveyID: surveyID, Number: 1, Status: delphi.RoundOpen, Items: roundItems("q1")}))
	return closeRound(t, s, clk, surveyID, 1, "1")
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
	closeRound(t, s, clk, "s2", 1, "2")
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
