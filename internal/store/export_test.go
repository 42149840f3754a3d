package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// DB exposes the database handle to the tests.
func (s *Store) DB() *mongo.Database { return s.db }

// ServerSelectionTimeout exposes the driver's server selection timeout.
const ServerSelectionTimeout = serverSelectionTimeout

// MapErr exposes mapErr to the tests.
var MapErr = mapErr

// SetFerret switches the FerretDB write filters on or off (benchmarks
// compare the layouts).
func (s *Store) SetFerret(on bool) { s.ferret = on }

// Ferret reports whether the store detected FerretDB.
func (s *Store) Ferret() bool { return s.ferret }

// LimiterDoc is a limiter document as read.
type LimiterDoc = limiterDoc

// ReadLimiter and PutLimiter are the two halves of a limiter change, so that
// a test can let another writer in between.
func (s *Store) ReadLimiter(ctx context.Context, key string) (LimiterDoc, bool, error) {
	return s.limiterDoc(ctx, key)
}

// PutLimiter writes hits over prev as changeLimiter does; false when another
// writer came first.
func (s *Store) PutLimiter(ctx context.Context, prev LimiterDoc, found bool, hits []int64) (bool, error) {
	return s.putLimiterDoc(ctx, prev, found, limiterDoc{Key: prev.Key, Hits: hits, Version: prev.Version + 1})
}

// WriteGateOn reports whether the store queues its write commands.
func (s *Store) WriteGateOn() bool { return s.gate.on.Load() }

// CheckpointNow runs one step of the checkpointer at once (the background
// one runs every second), taking turns with it.
func (e *Embedded) CheckpointNow(ctx context.Context) {
	newCheckpointer(e.dir, nil, &e.checkpointMu).step(ctx)
}

// AwaitCheckpoint returns once no checkpoint runs, so that no connection
// of the checkpointer is open (it holds the lock from open to close).
func (e *Embedded) AwaitCheckpoint() {
	e.checkpointMu.Lock()
	defer e.checkpointMu.Unlock()
}
