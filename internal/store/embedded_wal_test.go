package store_test

import (
	"bytes"
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
	dir := t.TempDir()
	e, err := store.StartEmbedded(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	s, err := store.Open(ctx, e.URI(), "wal", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	file := filepath.Join(dir, "wal.sqlite")

	for i, marker := range []string{"first-7c1f3a-marker", "second-51b9e2-marker"} {
		if i > 0 {
			if err := s.DB().Drop(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.DB().Collection("c").InsertOne(ctx, bson.D{{Key: "_id", Value: marker}}); err != nil {
			t.Fatal(err)
		}
		if wal, err := os.ReadFile(file + "-wal"); err != nil || !bytes.Contains(wal, []byte(marker)) {
			t.Fatalf("%s: not in the write-ahead log after the insert (%v)", marker, err)
		}
		// Wait for the event (the marker in the database file); the
		// deadline is only a safety net, the checkpointer runs every second.
		deadline := time.Now().Add(2 * time.Minute)
		for {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(b, []byte(marker)) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: not in the database file two minutes after the insert: the checkpointer did not copy the log", marker)
			}
			time.Sleep(20 * time.Millisecond)
		}
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
