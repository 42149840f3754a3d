package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
)

// checkpointEvery is how often the embedded database's checkpointer looks
// for write-ahead logs that grew.
const checkpointEvery = time.Second

// walAutocheckpoint is the log size in pages past which SQLite checkpoints
// inside a commit: a backstop, should the checkpointer fail (with it, the
// log stays far smaller).
const walAutocheckpoint = 10000

// restartFrames is the log size in frames (pages) past which the
// checkpointer, after a complete passive checkpoint, makes SQLite start the
// log from its beginning again (a RESTART checkpoint). SQLite restarts the
// log by itself only when a writer begins while every frame is copied and
// no reader uses the log; with saves every few milliseconds and reads
// beside them that moment never came, and in the 1,000-expert load test the
// log grew by 5 MB a second (189 MB in 38 s, the database 6 MB) while every
// checkpoint and every reader's lookup in its index got slower. The
// RESTART waits for the readers of the log and blocks writers meanwhile,
// at most restartWait; the passive checkpoint before it leaves it little
// to copy.
const restartFrames = 4000

// restartWait bounds the wait of a RESTART checkpoint (restartFrames).
const restartWait = 100 * time.Millisecond

// walSuffix ends the name of a database's write-ahead log file.
const walSuffix = ".sqlite-wal"

// checkpointer copies the pages the write-ahead logs (WAL) of the embedded
// database gained into the database files, beside the writers.
//
// SQLite does this by default in the commit that fills the log past 1,000
// pages ("autocheckpoint"): that writer copies every page, syncs the file,
// and meanwhile holds the one write lock, so every other save waits behind
// it. Measured with 1,000 experts at human pace (docs/PERFORMANCE.md), the
// checkpoints inside commits were 8 % of the process's CPU and the reason
// saves queued. StartEmbedded moves the autocheckpoint to 10,000 pages
// (walAutocheckpoint: a backstop should this checkpointer fail) and runs
// this instead: once a second, for each database whose log changed since
// its last complete checkpoint, a PASSIVE checkpoint. A passive checkpoint
// takes no write lock: writers go on appending to the log while it copies,
// and SQLite starts the log from its beginning again at the first write
// after a complete one, so the file stays about the size of a second of
// writes.
//
// Each checkpoint opens a connection and closes it again. A connection
// kept open would outlive a dropped database (FerretDB removes the file
// only): SQLite would keep that database's log, and a database created
// again under the name could find it. Closing right away leaves FerretDB's
// own connections the last ones, as without the checkpointer.
//
// Erasing personal data still calls Embedded.Checkpoint, which truncates
// the log at once.
type checkpointer struct {
	dir    string
	logger *slog.Logger
	seen   map[string]walSeen // by database name
	// mu is held during each checkpoint, from opening its connection to
	// closing it, shared with Embedded.Checkpoint: a checkpoint that finds
	// another one running fails at once (SQLITE_BUSY, SQLite's busy handler
	// does not wait for it), so they take turns.
	mu *sync.Mutex
}

// walSeen is a database's log as it was when its last complete checkpoint
// began.
type walSeen struct {
	file  os.FileInfo // the database file, to notice a new one under the name
	stamp walStamp
}

// walStamp identifies a state of a log file: any write changes its time.
type walStamp struct {
	size int64
	mod  time.Time
}

func newCheckpointer(dir string, logger *slog.Logger, mu *sync.Mutex) *checkpointer {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &checkpointer{dir: dir, logger: logger, seen: map[string]walSeen{}, mu: mu}
}

// run checkpoints every checkpointEvery until ctx ends.
func (c *checkpointer) run(ctx context.Context) {
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c.step(ctx)
		}
	}
}

// step checkpoints every database whose log changed since its last
// complete checkpoint, and forgets the databases that are gone.
func (c *checkpointer) step(ctx context.Context) {
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		c.logger.Warn("embedded database: checkpoint: list the database files", "err", err)
		return
	}
	present := map[string]bool{}
	for _, ent := range entries {
		name, ok := strings.CutSuffix(ent.Name(), walSuffix)
		if !ok || ent.IsDir() {
			continue
		}
		info, err := ent.Info()
		if err != nil {
			continue // removed meanwhile
		}
		present[name] = true
		if err := c.checkpoint(ctx, name, walStamp{size: info.Size(), mod: info.ModTime()}); err != nil && ctx.Err() == nil {
			c.logger.Warn("embedded database: checkpoint", "database", name, "err", err)
		}
	}
	for name := range c.seen {
		if !present[name] {
			delete(c.seen, name)
		}
	}
}

// checkpoint runs a passive checkpoint of database name unless its log
// is as it was when the last complete one began.
func (c *checkpointer) checkpoint(ctx context.Context, name string, stamp walStamp) error {
	path := filepath.Join(c.dir, name+".sqlite")
	file, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		delete(c.seen, name) // dropped
		return nil
	} else if err != nil {
		return err
	}
	if w, ok := c.seen[name]; ok && os.SameFile(w.file, file) && w.stamp == stamp {
		return nil
	}
	// The lock covers the connection's whole life: when it is free, no
	// connection of the checkpointer is open (the tests wait on it).
	c.mu.Lock()
	defer c.mu.Unlock()
	db, ok, err := openSQLiteFile(path)
	if !ok || err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer closeKeepingNewLog(conn, path, file)
	var busy, logFrames, done int
	if err := conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logFrames, &done); err != nil {
		return err
	}
	if busy == 0 && done == logFrames && logFrames >= restartFrames {
		// Start the log from its beginning again (see restartFrames). The
		// busy handler waits for readers and writers at most restartWait:
		// past it SQLite gives up (busy) and the next tick tries again.
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", restartWait.Milliseconds())); err != nil {
			return err
		}
		if err := conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(RESTART)`).Scan(&busy, &logFrames, &done); err != nil {
			return err
		}
	}
	if busy == 0 && done == logFrames {
		c.seen[name] = walSeen{file: file, stamp: stamp} // nothing to do until the log changes
	}
	return nil
}

// closeKeepingNewLog closes conn, opened on the database file opened. If
// the path now holds another file (the database was dropped and created
// again while the checkpoint ran), the connection may be the last one on
// the old file, and SQLite would then delete the log by its path: the new
// database's. It is told to keep the log (SQLITE_FCNTL_PERSIST_WAL) first.
// Only tests drop a database (Store.DropDatabase), and a window between
// the check and the close remains; the tests that create a database again
// under a dropped one's name wait until its log is gone.
func closeKeepingNewLog(conn *sql.Conn, path string, opened os.FileInfo) {
	if cur, err := os.Stat(path); err == nil && !os.SameFile(cur, opened) {
		_ = conn.Raw(func(dc any) error {
			if fc, ok := dc.(sqlite.FileControl); ok {
				_, err := fc.FileControlPersistWAL("main", 1)
				return err
			}
			return nil
		})
	}
	_ = conn.Close()
}
