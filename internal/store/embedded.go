package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	_ "modernc.org/sqlite" // the SQLite driver FerretDB uses; IndexIDs opens its files
)

// ferretdbNewMu serialises ferretdb.New, which writes a package global of
// FerretDB; two instances starting at once race without it. It is the one
// package-level variable of the store.
var ferretdbNewMu sync.Mutex

const (
	lockFileName   = ".lock"
	socketFileName = "ferretdb.sock"
	// maxSocketPath keeps the socket path within sun_path (108 bytes on
	// Linux, 104 on macOS, both counting the final NUL).
	maxSocketPath = 100
	// embeddedReadyTimeout bounds the start-up ping when ctx has no deadline.
	embeddedReadyTimeout = 30 * time.Second
)

// Embedded is a FerretDB server with the SQLite backend running inside this
// process, storing one <database>.sqlite file per database in its directory.
type Embedded struct {
	dir    string
	uri    string
	lock   *os.File
	cancel context.CancelFunc
	done   chan struct{} // closed when the server goroutine has returned
	runErr error         // set before done is closed
	// stopCheckpoints ends the checkpointer and waits for it.
	stopCheckpoints func()
	// checkpointMu lets one checkpoint run at a time (see checkpointer).
	checkpointMu sync.Mutex

	closeOnce sync.Once
	closeErr  error
}

// StartEmbedded starts FerretDB on the SQLite files in dir, creating dir if
// needed, and returns once the server answers a ping. ctx bounds the start
// only; the server runs until Close. FerretDB's own log goes to logger,
// toned down (see ferretLogger); nil discards it.
//
// dir is locked with flock(2) on dir/.lock while the server runs, so a second
// process (or a second StartEmbedded) on the same directory gets an error.
// The server listens on the Unix socket dir/ferretdb.sock, or on
// 127.0.0.1:<random port> when the path is too long for a socket.
func StartEmbedded(ctx context.Context, dir string, logger *slog.Logger) (*Embedded, error) {
	if dir == "" {
		return nil, errors.New("embedded database: no directory given")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("embedded database: %w", err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("embedded database: create directory: %w", err)
	}

	lock, err := lockDir(abs)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			_ = lock.Close() // closing the file releases the flock
		}
	}()

	cfg := &ferretdb.Config{
		Handler: "sqlite",
		// secure_delete overwrites deleted records (and freed pages) with
		// zeros, so an erased identity is not left in the file; Checkpoint
		// then clears the write-ahead log of the older page images.
		// wal_autocheckpoint: the checkpointer copies the log into the
		// file beside the writers, not inside a commit (checkpoint.go);
		// SQLite's own is only the backstop.
		SQLiteURL: (&url.URL{Scheme: "file", Path: abs + "/", RawQuery: "_pragma=synchronous(normal)&_pragma=secure_delete(on)&_pragma=wal_autocheckpoint(" + strconv.Itoa(walAutocheckpoint) + ")"}).String(),
		Logger:    ferretLogger(logger),
	}
	sock := filepath.Join(abs, socketFileName)
	if len(sock) <= maxSocketPath {
		// We hold the flock, so a socket file left here is stale (a crash).
		if err := os.Remove(sock); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("embedded database: remove stale socket: %w", err)
		}
		cfg.Listener.Unix = sock
	} else {
		cfg.Listener.TCP = "127.0.0.1:0"
	}

	ferretdbNewMu.Lock()
	f, err := ferretdb.New(cfg)
	ferretdbNewMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("embedded database in %s: %w", abs, err)
	}

	e := &Embedded{dir: abs, lock: lock, done: make(chan struct{})}
	if cfg.Listener.Unix != "" {
		// The Go driver wants the escaped socket path as the host.
		e.uri = "mongodb://" + url.PathEscape(sock) + "/"
	} else {
		e.uri = f.MongoDBURI() // the listener is already bound by New
	}

	runCtx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	go func() {
		defer close(e.done)
		e.runErr = f.Run(runCtx)
	}()

	ckptCtx, stopCkpt := context.WithCancel(context.Background())
	ckptDone := make(chan struct{})
	e.stopCheckpoints = func() { stopCkpt(); <-ckptDone }
	go func() {
		defer close(ckptDone)
		newCheckpointer(abs, logger, &e.checkpointMu).run(ckptCtx)
	}()

	if err := WaitReady(ctx, e.uri); err != nil {
		_ = e.Close()
		return nil, fmt.Errorf("embedded database in %s did not start: %w", abs, err)
	}
	ok = true
	return e, nil
}

// lockDir takes an exclusive, non-blocking flock on dir/.lock. The lock is
// released when the returned file is closed, or when the process dies.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFileName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("embedded database: open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("database directory %s is in use by another Expertenrunde process", dir)
		}
		return nil, fmt.Errorf("embedded database: lock %s: %w", dir, err)
	}
	// The PID is for humans only; the flock is what counts.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}

// WaitReady pings the MongoDB-compatible server at uri until it answers or
// ctx (at most embeddedReadyTimeout) ends.
func WaitReady(ctx context.Context, uri string) error {
	ctx, cancel := context.WithTimeout(ctx, embeddedReadyTimeout)
	defer cancel()
	client, err := mongo.Connect(options.Client().ApplyURI(uri).SetServerSelectionTimeout(embeddedReadyTimeout))
	if err != nil {
		return err
	}
	defer func() { _ = client.Disconnect(context.WithoutCancel(ctx)) }()
	return client.Ping(ctx, nil)
}

// URI returns the mongodb:// URI of the server.
func (e *Embedded) URI() string { return e.uri }

// Dir returns the absolute data directory.
func (e *Embedded) Dir() string { return e.dir }

// Close stops the server, waits until it has closed its files and releases
// the directory lock. Disconnect clients first: FerretDB gives open
// connections up to 3 s to finish. Close is safe to call more than once.
func (e *Embedded) Close() error {
	e.closeOnce.Do(func() {
		e.stopCheckpoints()
		e.cancel()
		<-e.done
		e.closeErr = e.runErr
		if err := e.lock.Close(); err != nil && e.closeErr == nil {
			e.closeErr = fmt.Errorf("embedded database: release lock: %w", err)
		}
	})
	return e.closeErr
}

// IndexIDs adds to every collection of database dbName an SQLite index on
// the expression FerretDB filters _id by, and returns the number of
// collections. It is idempotent; call it after Migrate, which creates every
// collection the store uses.
//
// FerretDB v1.24 pushes a filter on _id alone down to SQLite as
// `WHERE _ferretdb_sjson->'$._id' = ?`, but its own unique _id index is on
// `_ferretdb_sjson->"_id"`, an expression SQLite does not recognise as the
// same, so every find, update, replace and delete by _id scanned the whole
// table: about 1 µs per stored kilobyte for a find, several times that for
// an update (measured in internal/loadtest, BenchmarkDriverOps). With this
// index they are lookups. FerretDB's own metadata does not list it and
// nothing else changes: dropping a collection drops its table and the index.
func (e *Embedded) IndexIDs(ctx context.Context, dbName string) (int, error) {
	db, ok, err := e.openSQLite(dbName)
	if !ok || err != nil {
		return 0, err // no collection yet, or the error
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM _ferretdb_collections`)
	if err != nil {
		return 0, fmt.Errorf("embedded database: list the tables of %s: %w", dbName, err)
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return 0, fmt.Errorf("embedded database: list the tables of %s: %w", dbName, err)
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("embedded database: list the tables of %s: %w", dbName, err)
	}
	for _, t := range tables {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON %s (_ferretdb_sjson->'$._id')`, sqlIdent(t+"_expertenrunde_id"), sqlIdent(t))
		if _, err := db.ExecContext(ctx, q); err != nil {
			return 0, fmt.Errorf("embedded database: index _id of %s.%s: %w", dbName, t, err)
		}
	}
	return len(tables), nil
}

// openSQLite opens the SQLite file of database dbName beside FerretDB's own
// connections; ok is false if the file does not exist yet.
func (e *Embedded) openSQLite(dbName string) (db *sql.DB, ok bool, err error) {
	return openSQLiteFile(filepath.Join(e.dir, dbName+".sqlite"))
}

// openSQLiteFile opens the SQLite database file beside FerretDB's own
// connections; ok is false if the file does not exist.
func openSQLiteFile(file string) (db *sql.DB, ok bool, err error) {
	if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	dsn := (&url.URL{Scheme: "file", Path: file, RawQuery: "_pragma=busy_timeout(10000)"}).String()
	if db, err = sql.Open("sqlite", dsn); err != nil {
		return nil, false, fmt.Errorf("embedded database: open %s: %w", file, err)
	}
	return db, true, nil
}

// Checkpoint copies every page of database dbName's write-ahead log into
// its file and truncates the log to zero bytes. Call it after deleting
// personal data: with secure_delete, the deleted records are zeros in the
// pages written since, but the log still holds the older images of those
// pages until it is reset, and the file holds them until the checkpoint.
// It waits (up to the busy timeout) for FerretDB's writes in progress; an
// incomplete checkpoint is an error, and calling it again is safe.
func (e *Embedded) Checkpoint(ctx context.Context, dbName string) error {
	db, ok, err := e.openSQLite(dbName)
	if !ok || err != nil {
		return err // nothing stored yet, or the error
	}
	defer db.Close()
	var busy, logFrames, done int
	e.checkpointMu.Lock()
	err = db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &done)
	e.checkpointMu.Unlock()
	if err != nil {
		return fmt.Errorf("embedded database: checkpoint %s: %w", dbName, err)
	}
	if busy != 0 {
		return fmt.Errorf("embedded database: checkpoint %s: busy, %d of %d log frames copied", dbName, done, logFrames)
	}
	return nil
}

// sqlIdent quotes an SQLite identifier.
func sqlIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// ferretLogger returns the logger FerretDB writes to (nil: discard).
// FerretDB logs every connection at Info and every failed command, even a
// routine duplicate key or the driver's unsupported endSessions, as a Warn
// with a full message dump; so its Info is dropped, its Warn becomes Debug
// and only its Error and above keep their level.
func ferretLogger(logger *slog.Logger) *slog.Logger {
	if logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(demoteHandler{inner: logger.Handler()}).With("component", "ferretdb")
}

// demoteHandler re-levels FerretDB's records as described at ferretLogger.
//
// It hands attributes and groups to the inner handler only when a record
// is logged: FerretDB derives a logger with attributes for every SQL
// statement (fsql), and a text or JSON handler formats them on WithAttrs,
// which cost 2 % of the CPU of a save (inside the write lock) for records
// that are almost never logged.
type demoteHandler struct {
	inner slog.Handler
	with  []withStep // applied in order on the first record
}

// withStep is one WithAttrs (attrs) or WithGroup (group) call.
type withStep struct {
	attrs []slog.Attr
	group string
}

// demote maps a FerretDB level to the level logged; ok is false to drop.
func demote(l slog.Level) (level slog.Level, ok bool) {
	switch {
	case l >= slog.LevelError:
		return l, true
	case l >= slog.LevelWarn:
		return slog.LevelDebug, true
	default:
		return 0, false
	}
}

func (h demoteHandler) Enabled(ctx context.Context, l slog.Level) bool {
	l, ok := demote(l)
	return ok && h.inner.Enabled(ctx, l)
}

func (h demoteHandler) Handle(ctx context.Context, r slog.Record) error {
	l, ok := demote(r.Level)
	if !ok {
		return nil
	}
	r.Level = l
	inner := h.inner
	for _, w := range h.with {
		if w.attrs != nil {
			inner = inner.WithAttrs(w.attrs)
		} else {
			inner = inner.WithGroup(w.group)
		}
	}
	return inner.Handle(ctx, r)
}

func (h demoteHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	return demoteHandler{inner: h.inner, with: append(slices.Clip(h.with), withStep{attrs: slices.Clone(attrs)})}
}

func (h demoteHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return demoteHandler{inner: h.inner, with: append(slices.Clip(h.with), withStep{group: name})}
}
