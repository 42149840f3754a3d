package storetest

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/store"
)

// revisionTests cover the revision history of real-time studies
// (delphi.RevisionStore).
var revisionTests = []struct {
	name string
	fn   func(t *testing.T, s *store.Store)
}{
	{"RevisionsRoundTripAndOrder", testRevisions},
	{"RevisionsConcurrentAppend", testRevisionsConcurrent},
	{"RevisionsKeptPseudonymousAfterErasure", testRevisionsErasure},
}

func testRevisions(t *testing.T, s *store.Store) {
	ctx := t.Context()
	got, err := s.ListRevisions(ctx, "rt")
	must(t, err)
	if got == nil || len(got) != 0 {
		t.Fatalf("ListRevisions of a study without any = %#v, want an empty slice", got)
	}
	must(t, s.AppendRevisions(ctx, nil))

	t0 := time.Date(2026, 11, 26, 10, 0, 0, 123e6, time.UTC)
	rev := func(item, expert string, v delphi.Value, at time.Time, saw, draft bool) delphi.Revision {
		return delphi.Revision{SurveyID: "rt", ItemID: item, ExpertID: expert, Pseudonym: "P-" + expert, Group: "g-" + expert,
			Value: v, At: at, SawFeedback: saw, Draft: draft}
	}
	var want []delphi.Revision
	// Every kind of value, in one append (one save of several items).
	var batch []delphi.Revision
	for id, v := range answerValues() {
		batch = append(batch, rev(id, "e1", v, t0, false, true))
	}
	must(t, s.AppendRevisions(ctx, batch))
	want = append(want, batch...)
	// Later saves, one of them stored after a revision with a later time
	// (two requests finishing out of order): the list is by time.
	late := rev("point", "e2", point(5), t0.Add(2*time.Minute), true, false)
	late.OutsideIQR = true
	early := rev("point", "e1", point(3), t0.Add(time.Minute), true, false)
	tie := rev("zero", "e2", point(1), t0.Add(2*time.Minute), false, false)
	must(t, s.AppendRevisions(ctx, []delphi.Revision{late}))
	must(t, s.AppendRevisions(ctx, []delphi.Revision{early}))
	must(t, s.AppendRevisions(ctx, []delphi.Revision{tie})) // same time as late: after it, the storing order
	want = append(want, early, late, tie)
	// Another study's revisions stay apart.
	other := rev("point", "e9", point(1), t0, false, false)
	other.SurveyID = "rt2"
	must(t, s.AppendRevisions(ctx, []delphi.Revision{other}))

	got, err = s.ListRevisions(ctx, "rt")
	must(t, err)
	if len(got) != len(want) {
		t.Fatalf("ListRevisions: %d revisions, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if !got[i].At.Equal(want[i].At) || got[i].At.Location() != time.UTC {
			t.Errorf("revision %d at %v, want %v (UTC)", i, got[i].At, want[i].At)
		}
		got[i].At = want[i].At
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("revision %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	got, err = s.ListRevisions(ctx, "rt2")
	must(t, err)
	if len(got) != 1 || got[0].ExpertID != "e9" || got[0].SurveyID != "rt2" {
		t.Fatalf("the other study's revisions: %+v", got)
	}

	// One append holds one study.
	mixed := []delphi.Revision{rev("a", "e1", point(1), t0, false, false), other}
	wantCode(t, s.AppendRevisions(ctx, mixed), delphi.EINVALID)
	noStudy := rev("a", "e1", point(1), t0, false, false)
	noStudy.SurveyID = ""
	wantCode(t, s.AppendRevisions(ctx, []delphi.Revision{noStudy}), delphi.EINVALID)
	if got, err = s.ListRevisions(ctx, "rt"); err != nil || len(got) != len(want) {
		t.Fatalf("a refused append stored something: %d revisions, %v", len(got), err)
	}
}

func testRevisionsConcurrent(t *testing.T, s *store.Store) {
	ctx := t.Context()
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	const writers, each = 8, 5
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				r := delphi.Revision{SurveyID: "rt", ItemID: fmt.Sprintf("i%d", i), ExpertID: fmt.Sprintf("e%d", w), Value: point(i), At: at}
				errs <- s.AppendRevisions(ctx, []delphi.Revision{r})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	got, err := s.ListRevisions(ctx, "rt")
	must(t, err)
	seen := map[string]bool{}
	for _, r := range got {
		seen[r.ExpertID+"/"+r.ItemID] = true
	}
	if len(got) != writers*each || len(seen) != writers*each {
		t.Fatalf("concurrent appends: %d revisions (%d distinct), want %d", len(got), len(seen), writers*each)
	}
	// Each writer's revisions keep its storing order (equal times).
	next := map[string]int{}
	for _, r := range got {
		if want := fmt.Sprintf("i%d", next[r.ExpertID]); r.ItemID != want {
			t.Fatalf("writer %s: revision %s before %s", r.ExpertID, r.ItemID, want)
		}
		next[r.ExpertID]++
	}
}

// Erasing an expert leaves their revisions as it leaves their answers:
// pseudonymous (a revision never holds an identity field).
func testRevisionsErasure(t *testing.T, s *store.Store) {
	ctx := t.Context()
	clk := newClock(s)
	a := newExpert("rt", "anna@example.org")
	must(t, s.CreateExpert(ctx, a))
	r := delphi.Revision{SurveyID: "rt", ItemID: "i1", ExpertID: a.ID, Pseudonym: a.Pseudonym, Group: a.Group, Value: point(4), At: clk.Now()}
	must(t, s.AppendRevisions(ctx, []delphi.Revision{r}))
	must(t, s.EraseExpert(ctx, "rt", a.ID, clk.Now()))
	got, err := s.ListRevisions(ctx, "rt")
	must(t, err)
	if len(got) != 1 || got[0].Pseudonym != a.Pseudonym || got[0].Group != a.Group || *got[0].Value.Point != 4 {
		t.Fatalf("revisions after erasure: %+v", got)
	}
}
