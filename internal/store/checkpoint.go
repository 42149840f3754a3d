package store

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// checkpointEvery is how often the embedded database's checkpointer looks
// for write-ahead logs that grew.
const checkpointEvery = time.Second

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
// saves queued. StartEmbedded turns autocheckpoint off
// (wal_autocheckpoint(0)) and runs this instead: once a second, for each
// database whose log changed since its last complete checkpoint, a PASSIVE
// checkpoint on a connection of its own. A passive checkpoint takes no
// write lock: writers go on appending to the log while it copies, and
// SQLite starts the log from its beginning again at the first write after
// a complete one, so the file stays about the size of a second of writes.
//
// Erasing personal data still calls Embedded.Checkpoint, which truncates
// the log at once.
type checkpointer struct {
	dir    string
	logger *slog.Logger
	dbs    map[string]*walDB // by database name
	// mu is held during each checkpoint, shared with Embedded.Checkpoint:
	// a checkpoint that finds another one running fails at once (SQLITE_BUSY,
	// SQLite's busy handler does not wait for it), so they take turns.
	mu *sync.Mutex
}

// walDB is the checkpointer's connection to one database file.
type walDB struct {
	db   *sql.DB
	file os.FileInfo // the database file it opened, to notice a new one
	seen walStamp    // the log when its last complete checkpoint began
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
	return &checkpointer{dir: dir, logger: logger, dbs: map[string]*walDB{}, mu: mu}
}

// run checkpoints every checkpointEvery until ctx ends, then closes its
// connections.
func (c *checkpointer) run(ctx context.Context) {
	defer c.close()
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
		present[name] = true
		info, err := ent.Info()
		if err != nil {
			continue // removed meanwhile
		}
		stamp := walStamp{size: info.Size(), mod: info.ModTime()}
		if err := c.checkpoint(ctx, name, stamp); err != nil && ctx.Err() == nil {
			c.logger.Warn("embedded database: checkpoint", "database", name, "err", err)
		}
	}
	for name, w := range c.dbs {
		if !present[name] {
			_ = w.db.Close()
			delete(c.dbs, name)
		}
	}
}

// checkpoint runs a passive checkpoint of database name unless its log
// is as it was when the last complete one began.
func (c *checkpointer) checkpoint(ctx context.Context, name string, stamp walStamp) error {
	file, err := os.Stat(filepath.Join(c.dir, name+".sqlite"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil // being dropped
	} else if err != nil {
		return err
	}
	w := c.dbs[name]
	if w != nil && !os.SameFile(w.file, file) { // dropped and created again
		_ = w.db.Close()
		delete(c.dbs, name)
		w = nil
	}
	if w != nil && w.seen == stamp {
		return nil
	}
	if w == nil {
		db, ok, err := openSQLiteFile(filepath.Join(c.dir, name+".sqlite"))
		if !ok || err != nil {
			return err
		}
		db.SetMaxOpenConns(1)
		w = &walDB{db: db, file: file}
		c.dbs[name] = w
	}
	var busy, logFrames, done int
	c.mu.Lock()
	err = w.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logFrames, &done)
	c.mu.Unlock()
	if err != nil {
		_ = w.db.Close()
		delete(c.dbs, name)
		return err
	}
	if busy == 0 && done == logFrames {
		w.seen = stamp // complete: nothing to do until the log changes
	}
	return nil
}

func (c *checkpointer) close() {
	for name, w := range c.dbs {
		_ = w.db.Close()
		delete(c.dbs, name)
	}
}
