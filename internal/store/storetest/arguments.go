package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/store"
)

var argumentTests = []struct {
	name string
	fn   func(t *testing.T, s *store.Store)
}{
	{"Arguments", testArguments},
	{"ArgumentsConcurrent", testArgumentsConcurrent},
	{"ArgumentsEditRatingRace", testArgumentsEditRatingRace},
}

func init() { participationTests = append(participationTests, argumentTests...) }

func newArgument(id, expert string, round int) *delphi.Argument {
	at := time.Date(2026, 1, 26, 10, 15, 0, 0, time.UTC)
	return &delphi.Argument{ID: id, SurveyID: "s1", Round: round, ItemID: "q1", Stance: delphi.StancePro, Text: "=1+1 <b>", ExpertID: expert, Pseudonym: "E-" + expert, Group: "wiss", CreatedAt: at, UpdatedAt: at}
}

// testArguments: slots bound an expert's arguments per item and round; a
// rating is stored once; an update keeps the identity; a delete frees the
// slot and removes the ratings; lists are per study and round.
func testArguments(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a1, a2 := newArgument("a1", "x", 1), newArgument("a2", "x", 1)
	for _, a := range []*delphi.Argument{a1, a2} {
		if err := s.CreateArgument(ctx, a, 2); err != nil {
			t.Fatal(err)
		}
	}
	if a1.Slot != 1 || a2.Slot != 2 {
		t.Errorf("slots %d, %d", a1.Slot, a2.Slot)
	}
	if err := s.CreateArgument(ctx, newArgument("a3", "x", 1), 2); delphi.ErrorCode(err) != delphi.ECONFLICT {
		t.Errorf("third argument with two slots: %v", err)
	}
	if err := s.CreateArgument(ctx, newArgument("b1", "y", 1), 2); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateArgument(ctx, newArgument("c1", "x", 2), 2); err != nil { // round 2: slots of its own
		t.Fatal(err)
	}
	got, err := s.Argument(ctx, "s1", "a1")
	if err != nil || got.Text != "=1+1 <b>" || got.ExpertID != "x" || got.Pseudonym != "E-x" || !got.CreatedAt.Equal(a1.CreatedAt) {
		t.Errorf("argument: %+v %v", got, err)
	}
	if _, err := s.Argument(ctx, "other", "a1"); delphi.ErrorCode(err) != delphi.ENOTFOUND {
		t.Errorf("another study's argument: %v", err)
	}
	rating := func(arg, expert string, v int) error {
		return s.RateArgument(ctx, &delphi.ArgumentRating{ArgumentID: arg, SurveyID: "s1", Round: 1, ExpertID: expert, Value: v, At: a1.CreatedAt})
	}
	if err := rating("a1", "y", 4); err != nil {
		t.Fatal(err)
	}
	if err := rating("a1", "y", 5); delphi.ErrorCode(err) != delphi.ECONFLICT {
		t.Errorf("second rating: %v", err)
	}
	if err := rating("a2", "y", 2); err != nil {
		t.Fatal(err)
	}
	up, err := s.UpdateArgument(ctx, "s1", "a1", func(a *delphi.Argument) error {
		a.Text, a.ExpertID = "neu", "intruder"
		a.Hidden = &delphi.ArgumentHidden{At: a1.CreatedAt, By: "u1", Reason: "weil"}
		return nil
	})
	if err != nil || up.Text != "neu" || up.ExpertID != "x" {
		t.Errorf("update: %+v %v", up, err)
	}
	if got, _ := s.Argument(ctx, "s1", "a1"); got.Hidden == nil || got.Hidden.Reason != "weil" || got.ExpertID != "x" {
		t.Errorf("after the update: %+v", got)
	}
	if list, err := s.ListArguments(ctx, "s1", 1); err != nil || len(list) != 3 {
		t.Errorf("round 1: %d arguments, %v", len(list), err)
	}
	if list, _ := s.ListArguments(ctx, "s1", 0); len(list) != 4 {
		t.Errorf("every round: %d arguments", len(list))
	}
	if rs, _ := s.ListArgumentRatings(ctx, "s1", 1); len(rs) != 2 {
		t.Errorf("round 1: %d ratings", len(rs))
	}
	if err := s.DeleteArgument(ctx, a2); err != nil {
		t.Fatal(err)
	}
	if rs, _ := s.ListArgumentRatings(ctx, "s1", 1); len(rs) != 1 || rs[0].ArgumentID != "a1" || rs[0].Value != 4 {
		t.Errorf("ratings after the delete: %+v", rs)
	}
	a4 := newArgument("a4", "x", 1)
	if err := s.CreateArgument(ctx, a4, 2); err != nil || a4.Slot != 2 {
		t.Errorf("the freed slot: %d %v", a4.Slot, err)
	}
	if err := s.DeleteArgumentRatings(ctx, "s1", "a1", time.Now()); err != nil {
		t.Fatal(err)
	}
	if rs, _ := s.ListArgumentRatings(ctx, "s1", 0); len(rs) != 0 {
		t.Errorf("ratings left: %+v", rs)
	}
	if err := s.DeleteArgument(ctx, a2); delphi.ErrorCode(err) != delphi.ENOTFOUND {
		t.Errorf("deleting twice: %v", err)
	}
}

// testArgumentsConcurrent: of parallel creations only max succeed, and of
// parallel ratings by one expert one.
func testArgumentsConcurrent(t *testing.T, s *store.Store) {
	ctx := t.Context()
	const n, maxSlots = 12, 3
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { errs[i] = s.CreateArgument(ctx, newArgument("p"+string(rune('a'+i)), "x", 1), maxSlots) })
	}
	wg.Wait()
	if ok := stored(t, errs); ok != maxSlots {
		t.Errorf("%d parallel creations succeeded, want %d", ok, maxSlots)
	}
	for i := range n {
		wg.Go(func() {
			errs[i] = s.RateArgument(ctx, &delphi.ArgumentRating{ArgumentID: "target", SurveyID: "s1", Round: 1, ExpertID: "y", Value: 1 + i%5, At: time.Now()})
		})
	}
	wg.Wait()
	if ok := stored(t, errs); ok != 1 {
		t.Errorf("%d parallel ratings stored, want 1", ok)
	}
}

// stored counts the writes that succeeded; every other must be ECONFLICT.
func stored(t *testing.T, errs []error) int {
	t.Helper()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if delphi.ErrorCode(err) != delphi.ECONFLICT {
			t.Error(err)
		}
	}
	return ok
}

// testArgumentsEditRatingRace runs the store steps of an edit and of
// ratings in the racy order: the edit's replace, then a rating of the new
// text, then the edit's delete of the old ratings. The accepted rating of
// the new text stays; the rating of the old text goes; a rating of the old
// text that arrives after the delete does not stop its rater from rating
// the new text, and a second rating of the same version is refused.
func testArgumentsEditRatingRace(t *testing.T, s *store.Store) {
	ctx := t.Context()
	a := newArgument("race", "x", 1)
	if err := s.CreateArgument(ctx, a, 2); err != nil {
		t.Fatal(err)
	}
	v1 := a.UpdatedAt
	rate := func(expert string, of time.Time, v int) error {
		return s.RateArgument(ctx, &delphi.ArgumentRating{ArgumentID: "race", SurveyID: "s1", Round: 1, ExpertID: expert, Value: v, At: of.Add(time.Second), Of: of})
	}
	if err := rate("old", v1, 1); err != nil { // a rating of the first text
		t.Fatal(err)
	}
	v2 := v1.Add(time.Minute + 123456789) // sub-millisecond digits, as time.Now has
	edited, err := s.UpdateArgument(ctx, "s1", "race", func(a *delphi.Argument) error {
		a.Text, a.UpdatedAt = "neu", v2
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := s.Argument(ctx, "s1", "race")
	if err := rate("new", stored.UpdatedAt, 5); err != nil { // between the replace and the delete
		t.Fatal(err)
	}
	if err := s.DeleteArgumentRatings(ctx, "s1", "race", edited.UpdatedAt); err != nil {
		t.Fatal(err)
	}
	if err := rate("late", v1, 2); err != nil { // read the first text, arrives after the delete
		t.Fatal(err)
	}
	byExpert := func() map[string]*delphi.ArgumentRating {
		rs, err := s.ListArgumentRatings(ctx, "s1", 1)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]*delphi.ArgumentRating{}
		for _, r := range rs {
			out[r.ExpertID] = r
		}
		return out
	}
	rs := byExpert()
	if r := rs["new"]; r == nil || r.Value != 5 || !r.Current(stored) {
		t.Errorf("the accepted rating of the new text: %+v (all %v)", r, rs)
	}
	if r := rs["old"]; r != nil {
		t.Errorf("the rating of the first text survived the edit: %+v", r)
	}
	if r := rs["late"]; r == nil || r.Current(stored) {
		t.Errorf("the late rating of the first text: %+v, want stored and not current", r)
	}
	if err := rate("late", stored.UpdatedAt, 4); err != nil {
		t.Errorf("rating the new text after a stale rating: %v", err)
	}
	if err := rate("late", stored.UpdatedAt, 3); delphi.ErrorCode(err) != delphi.ECONFLICT {
		t.Errorf("a second rating of the new text: %v", err)
	}
	if r := byExpert()["late"]; r == nil || r.Value != 4 || !r.Current(stored) {
		t.Errorf("the late rater's rating of the new text: %+v", r)
	}
}
