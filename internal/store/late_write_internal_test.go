package store

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// TestLateWriteLeavesNoStaleRound: a write whose context ends while
// FerretDB still runs it (here: another connection holds SQLite's write
// lock) may be committed after the driver gave up, with no bump after it.
// The failed write makes the round unsure (changes.done): until a write of
// it succeeds, every read of its state goes to the database, so the late
// commit is seen whenever it lands. (Found in review: before, the read
// right after the failure kept the old state for good, and a round closed
// late went on admitting saves.)
func TestLateWriteLeavesNoStaleRound(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e, err := StartEmbedded(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	// The monitor tells when the round's update reaches the driver, and
	// counts the reads of rounds.
	var roundFinds atomic.Int32
	updating := make(chan struct{}, 1)
	mon := &event.CommandMonitor{Started: func(_ context.Context, ev *event.CommandStartedEvent) {
		col, _ := ev.Command.Lookup(ev.CommandName).StringValueOK()
		switch {
		case ev.CommandName == "update" && col == colRounds:
			select {
			case updating <- struct{}{}:
			default:
			}
		case ev.CommandName == "find" && col == colRounds:
			roundFinds.Add(1)
		}
	}}
	s, err := OpenMonitored(ctx, e.URI(), "late", nil, mon)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	dl := time.Now().Add(time.Hour)
	if err := s.CreateRound(ctx, &delphi.Round{SurveyID: "sv", Number: 1, Status: delphi.RoundOpen, Deadline: &dl}); err != nil {
		t.Fatal(err)
	}
	guard := func() *delphi.Round {
		t.Helper()
		r, release, err := s.AnswerGuard(ctx, "sv", 1)
		if err != nil {
			t.Fatal(err)
		}
		release()
		return r
	}
	guard()
	before := roundFinds.Load()
	if guard(); roundFinds.Load() != before {
		t.Fatal("a second read of an unchanged round went to the database: the state is not kept at all")
	}

	// Another SQLite connection holds the write lock (as a TRUNCATE
	// checkpoint, an index build or a slow writer would).
	db, _, err := openSQLiteFile(filepath.Join(dir, "late.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	// The close's update is sent, then its caller gives up: cancelled on
	// the event, not after a time.
	short, cancel := context.WithCancel(ctx)
	go func() {
		<-updating
		cancel()
	}()
	_, err = s.UpdateRound(short, "sv", 1, func(r *delphi.Round) error { r.Status = delphi.RoundClosed; return nil })
	cancel()
	if err == nil {
		t.Fatal("the close went through although another connection held the write lock")
	}

	// FerretDB may still commit the close: every read goes to the database.
	for i := range 3 {
		before := roundFinds.Load()
		if guard(); roundFinds.Load() == before {
			t.Fatalf("read %d after the failed close was served from the kept state, which the late commit may have made stale", i+1)
		}
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}

	// A write that succeeds ends it: the state is kept again.
	if _, err := s.UpdateRound(ctx, "sv", 1, func(r *delphi.Round) error { return nil }); err != nil && delphi.ErrorCode(err) != delphi.ECONFLICT {
		t.Fatal(err)
	}
	if _, err := s.UpdateRound(ctx, "sv", 1, func(r *delphi.Round) error { return nil }); err != nil {
		t.Fatal(err)
	}
	guard()
	before = roundFinds.Load()
	if guard(); roundFinds.Load() != before {
		t.Error("after a successful write the round's state is still read every time")
	}
}
