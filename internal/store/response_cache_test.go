package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/store"
	"github.com/expertenrunde/expertenrunde/internal/store/storetest"
)

// openMonitored is openStore with the driver's commands reported to mon.
func openMonitored(t *testing.T, mon *event.CommandMonitor) *store.Store {
	t.Helper()
	s, err := store.OpenMonitored(t.Context(), storetest.Patient(shared.URI()), uniqueDBName(), nil, mon)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = s.DropDatabase(context.Background())
		_ = s.Close(context.Background())
	})
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return s
}

func rating(item string, v int, seq int64) delphi.Answer {
	return delphi.Answer{SurveyID: "s", Round: 1, ExpertID: "x", Pseudonym: "E-AAAA", Group: "g", ItemID: item, Value: delphi.Value{Point: &v}, Seq: seq}
}

// TestSaveSkipsTheReadOfItsOwnWrite: a save of a response this store wrote
// last is one write, on the embedded database as detected and with the
// MongoDB compare-and-set filters; so is one after TouchResponse.
func TestSaveSkipsTheReadOfItsOwnWrite(t *testing.T) {
	t.Parallel()
	for _, ferret := range []bool{true, false} {
		c := &storetest.Commands{}
		s := openMonitored(t, c.Monitor())
		if !s.Ferret() { // the store must detect the embedded FerretDB: its single-process rules depend on it
			t.Fatal("the store did not detect the embedded database as FerretDB")
		}
		s.SetFerret(ferret)
		ctx := t.Context()
		at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
		save := func(a delphi.Answer) []string {
			return c.During(func() {
				if _, _, err := s.SaveAnswers(ctx, []delphi.Answer{a}, at, nil); err != nil {
					t.Fatal(err)
				}
			})
		}
		if got := save(rating("q1", 3, 1)); !slices.Equal(got, []string{"find", "insert"}) {
			t.Errorf("ferret %v: the first save sent %q, want a find and the insert", ferret, got)
		}
		if got := save(rating("q1", 4, 2)); !slices.Equal(got, []string{"update"}) {
			t.Errorf("ferret %v: the next save sent %q, want the update alone", ferret, got)
		}
		tmpl := &delphi.Response{SurveyID: "s", Round: 1, ExpertID: "x", Pseudonym: "E-AAAA", Group: "g"}
		if _, err := s.TouchResponse(ctx, tmpl, at); err != nil {
			t.Fatal(err)
		}
		if got := save(rating("q2", 5, 1)); !slices.Equal(got, []string{"update"}) {
			t.Errorf("ferret %v: a save after a load sent %q, want the update alone", ferret, got)
		}
		var r *delphi.Response
		var err error
		got := c.During(func() { r, err = s.Response(ctx, "s", 1, "x") })
		if err != nil {
			t.Fatal(err)
		}
		if r.Answers["q1"].Seq != 2 || r.Answers["q2"].Seq != 1 || r.FirstOpenedAt == nil || r.StartedAt == nil {
			t.Errorf("ferret %v: stored %+v", ferret, r)
		}
		if want := map[bool]int{true: 0, false: 1}[ferret]; len(got) != want {
			t.Errorf("ferret %v: reading the response sent %q, want %d commands (FerretDB: the copy)", ferret, got, want)
		}
		if ferret { // the first load of another expert's round: the insert, no update
			other := *tmpl
			other.ExpertID = "y"
			got := c.During(func() { _, err = s.TouchResponse(ctx, &other, at) })
			if err != nil || !slices.Equal(got, []string{"find", "insert"}) {
				t.Errorf("opening a new response: %q, %v; want a find and the insert", got, err)
			}
			if r, err := s.Response(ctx, "s", 1, "y"); err != nil || r.FirstOpenedAt == nil || !r.FirstOpenedAt.Equal(at) || len(r.Answers) != 0 {
				t.Errorf("the opened response: %+v, %v", r, err)
			}
		}
	}
}

// TestSaveAfterAnotherInstanceWrote: with the MongoDB compare-and-set
// filters, a save from a store whose kept copy of the response is stale
// (another instance saved or submitted since) loses nothing: its write
// matches nothing, it reads the response again and applies its answers to
// what is stored, and a submission the copy does not know refuses a save
// where the study allows no revision. Run on the embedded database, one
// step at a time, with the second store in between.
func TestSaveAfterAnotherInstanceWrote(t *testing.T) {
	t.Parallel()
	c := &storetest.Commands{}
	a := openMonitored(t, c.Monitor())
	b := secondInstance(t, storetest.Patient(shared.URI()), a)
	a.SetFerret(false)
	b.SetFerret(false)
	ctx := t.Context()
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	save := func(s *store.Store, a delphi.Answer, check func(*delphi.Response) error) (*delphi.Response, error) {
		r, _, err := s.SaveAnswers(ctx, []delphi.Answer{a}, at, check)
		return r, err
	}
	if _, err := save(a, rating("q1", 3, 1), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := save(a, rating("q1", 4, 2), nil); err != nil { // a keeps the copy it wrote
		t.Fatal(err)
	}
	if _, err := save(b, rating("q2", 5, 1), nil); err != nil {
		t.Fatal(err)
	}
	var r *delphi.Response
	var err error
	got := c.During(func() { r, err = save(a, rating("q3", 2, 1), nil) })
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"update", "find", "update"}; !slices.Equal(got, want) {
		t.Errorf("the save over a stale copy sent %q, want %q (the write misses, read again, write)", got, want)
	}
	stored, err := b.Response(ctx, "s", 1, "x")
	if err != nil {
		t.Fatal(err)
	}
	for _, resp := range []*delphi.Response{r, stored} {
		if resp.Answers["q1"].Seq != 2 || resp.Answers["q2"].Seq != 1 || resp.Answers["q3"].Seq != 1 {
			t.Fatalf("after saves from two instances: %+v, want q1 seq 2, q2 and q3 seq 1", resp.Answers)
		}
	}

	// A submission on b does not change the saves counter; a's copy does
	// not know it, and the check of a study without revisions must see it.
	if _, _, err := b.SubmitResponse(ctx, "s", 1, "x", at); err != nil {
		t.Fatal(err)
	}
	noRevision := func(r *delphi.Response) error {
		if r != nil && r.SubmittedAt != nil {
			return delphi.Errorf(delphi.ECONFLICT, "submitted")
		}
		return nil
	}
	if _, err := save(a, rating("q1", 1, 3), noRevision); delphi.ErrorCode(err) != delphi.ECONFLICT {
		t.Fatalf("a save over a copy from before another instance's submission: %v, want conflict", err)
	}
	if stored, err = b.Response(ctx, "s", 1, "x"); err != nil || stored.Answers["q1"].Seq != 2 {
		t.Fatalf("after the refused save: %v, %+v", err, stored.Answers["q1"])
	}
}
