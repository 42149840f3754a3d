package store_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/expertenrunde/expertenrunde/internal/store"
)

// TestCheckpointerCopiesTheLog: the embedded database's SQLite does not
// checkpoint inside commits (wal_autocheckpoint(0)); its checkpointer
// copies what the write-ahead log gained into the database file beside the
// writers. A document written lands in the log, and the checkpointer puts
// it into the file; also after the database was dropped and created again
// (a new file under the old name).
func TestCheckpointerCopiesTheLog(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, dir := ownEmbedded(t, "wal")
	file := filepath.Join(dir, "wal.sqlite")

	for i, marker := range []string{"first-7c1f3a-marker", "second-51b9e2-marker"} {
		if i > 0 {
			if err := s.DB().Drop(ctx); err != nil {
				t.Fatal(err)
			}
			// Only tests drop a database; one created again under the
			// name must not meet the old log (closeKeepingNewLog).
			waitFor(t, "the dropped database's log gone", func() bool {
				_, err := os.Stat(file + "-wal")
				return errors.Is(err, fs.ErrNotExist)
			})
		}
		if _, err := s.DB().Collection("c").InsertOne(ctx, bson.D{{Key: "_id", Value: marker}}); err != nil {
			t.Fatal(err)
		}
		if wal, err := os.ReadFile(file + "-wal"); err != nil || !bytes.Contains(wal, []byte(marker)) {
			t.Fatalf("%s: not in the write-ahead log after the insert (%v)", marker, err)
		}
		// Wait for the event (the marker in the database file); the
		// deadline is only a safety net, the checkpointer runs every second.
		waitFor(t, marker+" in the database file", func() bool {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			return bytes.Contains(b, []byte(marker))
		})
	}
}

// TestWriteGateOnFerretDB: the store on the embedded database queues its
// write commands (writegate.go).
func TestWriteGateOnFerretDB(t *testing.T) {
	t.Parallel()
	s := openStore(t, shared.URI())
	if !s.Ferret() || !s.WriteGateOn() {
		t.Fatal("the write gate is off on FerretDB")
	}
}

// TestDroppedDatabaseLeavesNoLog: the checkpointer holds no connection
// between its checkpoints, so once a database is dropped its write-ahead
// log and shared-memory files go too, as without the checkpointer. (Found
// in review: a connection kept per database outlived the drop and kept
// the log, its file descriptors and its disk space until the process
// ended, and a database created again under the name could find it.)
func TestDroppedDatabaseLeavesNoLog(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, dir := ownEmbedded(t, "dropped")
	file := filepath.Join(dir, "dropped.sqlite")
	const marker = "dropped-4e0c9b-marker"
	if _, err := s.DB().Collection("c").InsertOne(ctx, bson.D{{Key: "_id", Value: marker}}); err != nil {
		t.Fatal(err)
	}
	// The checkpointer has visited the database once the marker is in the
	// file (the deadlines are only safety nets).
	waitFor(t, "the marker in the database file", func() bool {
		b, err := os.ReadFile(file)
		return err == nil && bytes.Contains(b, []byte(marker))
	})
	if err := s.DB().Drop(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the dropped database's log and shared-memory files gone", func() bool {
		_, werr := os.Stat(file + "-wal")
		_, serr := os.Stat(file + "-shm")
		return errors.Is(werr, fs.ErrNotExist) && errors.Is(serr, fs.ErrNotExist)
	})
}

// waitFor polls cond until it holds; two minutes is only a safety net.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited two minutes for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ownEmbedded starts an embedded database of the test's own (its files in
// the returned directory) and opens a store on database name; both end
// with the test.
func ownEmbedded(t *testing.T, name string) (*store.Store, string) {
	t.Helper()
	dir := t.TempDir()
	e, err := store.StartEmbedded(t.Context(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	s, err := store.Open(t.Context(), e.URI(), name, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s, dir
}
