package store_test

import (
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// TestSnapshotGenerations: a close that is retried (its round update failed,
// so the round stayed open) replaces the snapshot of the same generation,
// which missed the answers saved since; an older generation never replaces
// a newer one.
func TestSnapshotGenerations(t *testing.T) {
	s := openStore(t, shared.URI())
	ctx := t.Context()
	put := func(gen int, body string) {
		t.Helper()
		snap := &delphi.Snapshot{SurveyID: "s", Round: 1, ComputedAt: time.Now(), Results: []byte(body)}
		if err := s.PutSnapshot(ctx, snap, gen); err != nil {
			t.Fatal(err)
		}
	}
	got := func() string {
		t.Helper()
		snap, err := s.Snapshot(ctx, "s", 1)
		if err != nil {
			t.Fatal(err)
		}
		return string(snap.Results)
	}
	put(1, `{"n":1}`)
	put(1, `{"n":2}`) // the retried first close
	if g := got(); g != `{"n":2}` {
		t.Fatalf("retried close kept %s", g)
	}
	put(2, `{"n":3}`) // the close after a reopen
	put(1, `{"n":4}`) // a stale first close must not win
	if g := got(); g != `{"n":3}` {
		t.Fatalf("after a stale write: %s", g)
	}
}
