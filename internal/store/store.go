// Package store persists Expertenrunde's data in MongoDB or in an embedded
// FerretDB (SQLite). It implements the store interfaces of package delphi.
//
// The code is written for FerretDB's limits, so it also runs on MongoDB:
// hot lookups are by _id (the only indexed filter on FerretDB/SQLite),
// read-modify-write cycles of one document are serialised in-process with a
// KeyLock, and statistics are computed in Go rather than in pipelines.
package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/memo"
)

// Driver timeouts. With the database down, an operation fails with
// EUNAVAILABLE after about serverSelectionTimeout instead of hanging: 1.5 s,
// so that a request (an expert's autosave, /readyz with its 2 s bound)
// answers 503 within 2 s and the client retries, rather than waiting for a
// server that is gone. The driver keeps probing in the background and the
// next request after the database returns succeeds.
const (
	serverSelectionTimeout = 1500 * time.Millisecond
	connectTimeout         = 5 * time.Second
)

// opTimeout bounds every store method unless ctx ends earlier.
var opTimeout = 10 * time.Second

// SetOperationTimeout changes the bound of every store method in this
// process (10 s). It is for tests, whose results must not depend on how
// fast a loaded machine is: call it once before any store is used
// (storetest.Main does).
func SetOperationTimeout(d time.Duration) { opTimeout = d }

// Collection names.
const (
	colMigrations      = "schema_migrations"
	colUsers           = "users"
	colUserEmails      = "user_emails"
	colSessions        = "sessions"
	colSurveys         = "surveys"
	colSurveyRevisions = "survey_revisions"
	colAudit           = "audit"
	colLimiter         = "limiter"
)

// Store is the MongoDB/FerretDB implementation of delphi's UserStore,
// SessionStore, SurveyStore, AuditStore and LimiterStore.
type Store struct {
	client *mongo.Client
	db     *mongo.Database
	logger *slog.Logger

	// locks serialises read-modify-writes per document _id (see KeyLock).
	locks *KeyLock
	// ferret is true on FerretDB. There, a filter on _id alone is the only
	// indexed one (see Embedded.IndexIDs) and an update is not atomic
	// anyway (it reads and writes in two transactions), so the hot writes
	// filter on _id alone and rely on the KeyLock, which covers every
	// writer: the embedded database admits one process (see StartEmbedded).
	// On MongoDB they are compare-and-sets, safe across instances.
	ferret bool
	// gate queues this store's write commands to FerretDB one at a time
	// (writegate.go); off on MongoDB.
	gate *writeGate
	// Now is the clock for the timestamps the store assigns. Set it before use.
	Now func() time.Time
	// CollectionCreated, if set, is called after the store created a
	// collection while running (the responses of a new round): the
	// embedded database's Embedded.IndexIDs, which Main also runs once
	// after Migrate for the collections that exist then.
	CollectionCreated func(ctx context.Context) error
	// Erased, if set, is called at the end of EraseExpert, after the
	// identity was deleted: the embedded database's Embedded.Checkpoint,
	// so that older page images holding it leave the database files.
	Erased func(ctx context.Context) error

	// definitions holds decoded study definitions by revision id, and
	// roundItems the decoded round item lists by their SHA-256 (the
	// round_items documents): neither changes once written.
	definitions memo.Memo[*delphi.Definition]
	roundItems  memo.Memo[roundItemsAt]
	// roundStates keeps, on FerretDB only, the state of the rounds read,
	// valid while their change mark holds (cachedRound).
	roundStates memo.Memo[roundState]
	// surveyStates is the same for the surveys documents (cachedSurvey).
	surveyStates memo.Memo[surveyState]

	// changes marks this store value's writes of the documents a session
	// check reads (ExpertCheckMark); respCache keeps the responses it
	// last wrote (responseCache).
	changes   changes
	respCache responseCache
}

var (
	_ delphi.UserStore    = (*Store)(nil)
	_ delphi.SessionStore = (*Store)(nil)
	_ delphi.SurveyStore  = (*Store)(nil)
	_ delphi.AuditStore   = (*Store)(nil)
	_ delphi.LimiterStore = (*Store)(nil)
)

// Open connects to the MongoDB-compatible server at uri, uses database
// dbName and pings it once within ctx. Options in uri (for example
// serverSelectionTimeoutMS) override the defaults of 1.5 s for server
// selection and 5 s for connecting. A nil logger discards. EUNAVAILABLE if
// the server does not answer.
func Open(ctx context.Context, uri, dbName string, logger *slog.Logger) (*Store, error) {
	return OpenMonitored(ctx, uri, dbName, logger, nil)
}

// OpenMonitored is Open with the driver reporting every command to mon
// (nil: none): the tests count the database calls of a use case with it.
func OpenMonitored(ctx context.Context, uri, dbName string, logger *slog.Logger, mon *event.CommandMonitor) (*Store, error) {
	if dbName == "" {
		return nil, errors.New("store: empty database name")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	opts := options.Client().
		SetAppName("expertenrunde").
		SetServerSelectionTimeout(serverSelectionTimeout).
		SetConnectTimeout(connectTimeout).
		ApplyURI(uri)
	gate := newWriteGate()
	opts.SetMonitor(gate.monitor(mon))
	client, err := mongo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	s := &Store{
		client: client,
		db:     client.Database(dbName),
		logger: logger,
		locks:  &KeyLock{},
		gate:   gate,
		Now:    time.Now,
	}
	if err := s.Ping(ctx); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, err
	}
	s.ferret = isFerretDB(ctx, s.db)
	gate.on.Store(s.ferret && !compressed(opts))
	return s, nil
}

// isFerretDB reports whether the server is FerretDB: its buildInfo carries
// ferretdbVersion. Any doubt counts as MongoDB (the safe side: the
// compare-and-set filters work on both, only slower on FerretDB).
func isFerretDB(ctx context.Context, db *mongo.Database) bool {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	raw, err := db.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Raw()
	if err != nil {
		return false
	}
	_, err = raw.LookupErr("ferretdbVersion")
	return err == nil
}

// Ping checks that the database answers. EUNAVAILABLE if it does not.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	return mapErr(s.client.Ping(ctx, nil), "database")
}

// Close disconnects from the server, waiting within ctx for operations in
// flight.
func (s *Store) Close(ctx context.Context) error {
	if err := s.client.Disconnect(ctx); err != nil && !errors.Is(err, mongo.ErrClientDisconnected) {
		return fmt.Errorf("store: disconnect: %w", err)
	}
	return nil
}

// DatabaseName is the name of the store's database.
func (s *Store) DatabaseName() string { return s.db.Name() }

// DropDatabase deletes the whole database. Meant for tests.
func (s *Store) DropDatabase(ctx context.Context) error {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	defer s.changes.epoch.Add(1)
	defer s.respCache.clear()
	return mapErr(s.db.Drop(ctx), "database")
}

// withTimeout derives the context of one store operation from ctx.
func withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, opTimeout)
}

// now returns the store clock's time in UTC, cut to the millisecond that
// BSON dates keep, so what a method returns equals what a later read gives.
func (s *Store) now() time.Time {
	return s.Now().UTC().Truncate(time.Millisecond)
}

// mapErr turns a driver error into a delphi error: no document → ENOTFOUND,
// duplicate key → ECONFLICT, timeouts, cancellation and network or server
// selection failures → EUNAVAILABLE, anything else → EINTERNAL. what names
// the thing concerned ("user", "survey kleinstadt-2020"). Domain errors pass
// through; nil stays nil.
func mapErr(err error, what string) error {
	if err == nil {
		return nil
	}
	var de *delphi.Error
	switch {
	case errors.As(err, &de):
		return de
	case errors.Is(err, mongo.ErrNoDocuments):
		return &delphi.Error{Code: delphi.ENOTFOUND, Message: what + " not found", Err: err}
	case mongo.IsDuplicateKeyError(err) || isUniqueViolationOnUpdate(err):
		return &delphi.Error{Code: delphi.ECONFLICT, Message: what + " already exists", Err: err}
	case isUnavailable(err):
		return &delphi.Error{Code: delphi.EUNAVAILABLE, Message: "database unavailable", Err: err}
	default:
		return delphi.Internal(fmt.Errorf("%s: %w", what, err))
	}
}

// transientCodes are the server error codes of a server that is shutting
// down, stepping down or electing a primary, or cannot reach another
// member: the codes the driver retries once (its retryableCodes). When the
// retry fails too, or the operation is not retryable, the command failed
// for a moment, not for good.
var transientCodes = []int{
	6,     // HostUnreachable
	7,     // HostNotFound
	89,    // NetworkTimeout
	91,    // ShutdownInProgress
	134,   // ReadConcernMajorityNotAvailableYet
	189,   // PrimarySteppedDown
	262,   // ExceededTimeLimit
	9001,  // SocketException
	10107, // NotWritablePrimary
	11600, // InterruptedAtShutdown
	11602, // InterruptedDueToReplStateChange
	13435, // NotPrimaryNoSecondaryOk
	13436, // NotPrimaryOrSecondary
}

// isUnavailable reports whether err means the database cannot be reached
// in time (or the caller gave up), or answered that it cannot serve for
// the moment (a restart or a replica-set election), as opposed to a failed
// command.
func isUnavailable(err error) bool {
	var (
		sse topology.ServerSelectionError
		ce  topology.ConnectionError
		ne  net.Error
		se  mongo.ServerError
	)
	return errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, context.Canceled) ||
		errors.Is(err, mongo.ErrClientDisconnected) ||
		mongo.IsTimeout(err) ||
		mongo.IsNetworkError(err) ||
		errors.As(err, &sse) ||
		errors.As(err, &ce) ||
		errors.As(err, &ne) ||
		errors.As(err, &se) && (se.HasErrorLabel("RetryableWriteError") || slices.ContainsFunc(transientCodes, se.HasErrorCode)) ||
		isBusy(err)
}

// isBusy recognises FerretDB/SQLite's report that the database file stayed
// locked by other writers past SQLite's busy timeout (SQLITE_BUSY, as an
// InternalError, code 1): the embedded database saturated for a moment,
// not a failed command, so the client is told to try again (503), as for a
// timeout.
func isBusy(err error) bool {
	var se mongo.ServerError
	if !errors.As(err, &se) || !se.HasErrorCode(1) {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "database is locked") || strings.Contains(msg, "SQLITE_BUSY")
}

// isUniqueViolationOnUpdate recognises FerretDB/SQLite's report of a unique
// index violated by an update: an InternalError (code 1) carrying SQLite's
// extended code 2067 (SQLITE_CONSTRAINT_UNIQUE) instead of E11000. The store
// avoids such updates; this is a safety net.
func isUniqueViolationOnUpdate(err error) bool {
	var se mongo.ServerError
	if !errors.As(err, &se) || !se.HasErrorCode(1) {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "(2067)")
}

// upsert is the option of a ReplaceOne that inserts when nothing matches.
// Only used under the KeyLock of the _id: concurrent upserts of one _id fail
// with E11000 on FerretDB.
func upsert() *options.ReplaceOptionsBuilder { return options.Replace().SetUpsert(true) }

// newID returns a random 128-bit id in hex.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}

// migration is one step of the schema. Steps are applied in version order
// and recorded in schema_migrations (_id = version); each must be safe to
// run again in case a crash hit between the step and its record.
type migration struct {
	version     int
	description string
	up          func(ctx context.Context, s *Store) error
}

// migrations lists every schema step. Append only; never edit a released one.
var migrations = []migration{
	{1, "initial indexes", func(ctx context.Context, s *Store) error {
		return s.createIndexes(ctx, []indexSpec{
			// A second guard behind user_emails; FerretDB enforces unique
			// indexes on insert (updates never change the e-mail).
			{colUsers, "users_email_unique", bson.D{{Key: "email", Value: 1}}, true},
			{colSessions, "sessions_user_id", bson.D{{Key: "user_id", Value: 1}}, false},
			{colSurveyRevisions, "survey_revisions_survey_revision", bson.D{{Key: "survey_id", Value: 1}, {Key: "revision", Value: 1}}, true},
			{colAudit, "audit_survey_id", bson.D{{Key: "survey_id", Value: 1}}, false},
		})
	}},
	{2, "expert panels and mail", func(ctx context.Context, s *Store) error {
		return s.createIndexes(ctx, panelIndexes())
	}},
	{3, "rounds, responses, snapshots and expert sessions", func(ctx context.Context, s *Store) error {
		return s.createIndexes(ctx, participationIndexes())
	}},
	{4, "one responses collection per study and round", func(ctx context.Context, s *Store) error {
		return s.splitResponses(ctx)
	}},
	{5, "study definitions and round item lists out of the documents every request reads", func(ctx context.Context, s *Store) error {
		return s.slimHotDocuments(ctx)
	}},
	// 6 changes no document: it marks the data a program before it cannot
	// read, so that such a program refuses the database at its start (a
	// rollback, or an old instance restarted during a rolling upgrade)
	// instead of failing on every response saved in answers format 3 and
	// running real-time studies (mode) as rounds and ignoring round 0 and
	// arguments.
	{6, "answers format 3; real-time studies, round 0 and arguments", func(context.Context, *Store) error {
		return nil
	}},
}

type indexSpec struct {
	collection string
	name       string
	keys       bson.D
	unique     bool
}

func (s *Store) createIndexes(ctx context.Context, specs []indexSpec) error {
	for _, ix := range specs {
		opts := options.Index().SetName(ix.name)
		if ix.unique {
			opts.SetUnique(true)
		}
		cctx, cancel := withTimeout(ctx)
		_, err := s.db.Collection(ix.collection).Indexes().CreateOne(cctx, mongo.IndexModel{Keys: ix.keys, Options: opts})
		cancel()
		if err != nil {
			return fmt.Errorf("create index %s on %s: %w", ix.name, ix.collection, mapErr(err, "index "+ix.name))
		}
	}
	return nil
}

type migrationDoc struct {
	Version     int       `bson:"_id"`
	Description string    `bson:"description"`
	AppliedAt   time.Time `bson:"applied_at"`
}

// Migrate brings the database schema (collections and indexes) up to date.
// It is idempotent: applied versions are recorded in schema_migrations and
// skipped. It refuses a database whose schema is newer than this program.
func (s *Store) Migrate(ctx context.Context) error {
	defer s.locks.Lock(colMigrations)()

	applied, err := s.appliedMigrations(ctx)
	if err != nil {
		return fmt.Errorf("store: read schema version: %w", err)
	}
	latest := migrations[len(migrations)-1].version
	for v := range applied {
		if v > latest {
			return fmt.Errorf("store: database schema version %d is newer than this program supports (%d); upgrade Expertenrunde", v, latest)
		}
	}
	for _, m := range migrations {
		if applied[m.version] {
			continue
		}
		if err := m.up(ctx, s); err != nil {
			return fmt.Errorf("store: migration %d (%s): %w", m.version, m.description, err)
		}
		ictx, cancel := withTimeout(ctx)
		_, err := s.db.Collection(colMigrations).InsertOne(ictx, migrationDoc{Version: m.version, Description: m.description, AppliedAt: s.now()})
		cancel()
		if err != nil && !mongo.IsDuplicateKeyError(err) { // duplicate: another process recorded it
			return fmt.Errorf("store: record migration %d: %w", m.version, mapErr(err, "migration"))
		}
		s.logger.Info("database migration applied", "version", m.version, "description", m.description)
	}
	return s.createCollections(ctx)
}

// collections lists every collection the store uses but the responses,
// one per study and round, created with the round (CreateRound).
var collections = []string{
	colMigrations, colUsers, colUserEmails, colSessions, colSurveys, colSurveyRevisions, colAudit, colLimiter,
	colExperts, colExpertIdentities, colExpertEmails, colPseudonyms, colAccessTokens,
	colMailSends, colMailEvents, colMailJobs, colIdempotency, colRoundMail,
	colRounds, colSnapshots, colExpertSessions, colRoundItems,
	colProtocols,
}

// createCollections creates the collections that do not exist yet, so that
// everything done to all collections at start (Embedded.IndexIDs) covers
// them before the first document arrives.
func (s *Store) createCollections(ctx context.Context) error {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	names, err := s.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("store: list collections: %w", mapErr(err, "collections"))
	}
	for _, c := range collections {
		if slices.Contains(names, c) {
			continue
		}
		var ce mongo.CommandError
		if err := s.db.CreateCollection(ctx, c); err != nil && !(errors.As(err, &ce) && ce.Code == 48) { // 48: NamespaceExists (a concurrent start)
			return fmt.Errorf("store: create collection %s: %w", c, mapErr(err, "collection "+c))
		}
	}
	return nil
}

// SchemaVersion returns the highest applied migration, 0 for a new database.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	applied, err := s.appliedMigrations(ctx)
	if err != nil {
		return 0, err
	}
	v := 0
	for a := range applied {
		v = max(v, a)
	}
	return v, nil
}

func (s *Store) appliedMigrations(ctx context.Context) (map[int]bool, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	cur, err := s.db.Collection(colMigrations).Find(ctx, bson.D{})
	if err != nil {
		return nil, mapErr(err, "schema migrations")
	}
	var docs []migrationDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "schema migrations")
	}
	applied := make(map[int]bool, len(docs))
	for _, d := range docs {
		applied[d.Version] = true
	}
	return applied, nil
}
