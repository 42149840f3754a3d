package store_test

import (
	"context"
	"os"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/expertenrunde/expertenrunde/internal/store"
	"github.com/expertenrunde/expertenrunde/internal/store/storetest"
)

// secondInstance opens another store on s's database, as a second app
// instance would: its own client and its own KeyLock.
func secondInstance(t *testing.T, uri string, s *store.Store) *store.Store {
	t.Helper()
	b, err := store.Open(t.Context(), uri, s.DB().Name(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close(context.Background()) })
	return b
}

// TestLimiterCompareAndSet: the MongoDB write of a limiter change is a
// compare-and-set. Another instance's write between the read and the write
// makes the write miss (the caller reads again), whether the other one
// inserted the first document or moved the version on. Run on the embedded
// database with the MongoDB filters and another writer in between, one step
// at a time.
func TestLimiterCompareAndSet(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	a := openStore(t, shared.URI())
	b := secondInstance(t, shared.URI(), a)
	a.SetFerret(false)
	b.SetFerret(false)
	now := time.Date(2026, 1, 26, 10, 0, 0, 0, time.UTC)
	hit := []int64{now.UnixNano()}

	prev, found, err := a.ReadLimiter(ctx, "k")
	if err != nil || found {
		t.Fatalf("read of a new key: %v %v", found, err)
	}
	if ok, _, err := b.Reserve(ctx, "k", now, time.Minute, 5); err != nil || !ok {
		t.Fatalf("the other instance's Reserve: %v %v", ok, err)
	}
	if ok, err := a.PutLimiter(ctx, prev, found, hit); err != nil || ok {
		t.Fatalf("an insert after the other instance's insert = %v, %v; want a miss", ok, err)
	}
	prev, found, err = a.ReadLimiter(ctx, "k")
	if err != nil || !found || prev.Version != 1 || len(prev.Hits) != 1 {
		t.Fatalf("read after the insert: %+v %v %v", prev, found, err)
	}
	if ok, _, err := b.Reserve(ctx, "k", now, time.Minute, 5); err != nil || !ok {
		t.Fatalf("the other instance's second Reserve: %v %v", ok, err)
	}
	if ok, err := a.PutLimiter(ctx, prev, found, hit); err != nil || ok {
		t.Fatalf("a write over a moved version = %v, %v; want a miss", ok, err)
	}
	prev, found, err = a.ReadLimiter(ctx, "k")
	if err != nil || prev.Version != 2 || len(prev.Hits) != 2 {
		t.Fatalf("read after the other's write: %+v %v", prev, err)
	}
	if ok, err := a.PutLimiter(ctx, prev, found, append(prev.Hits, now.UnixNano())); err != nil || !ok {
		t.Fatalf("a write over the version read = %v, %v", ok, err)
	}
	if n, err := b.Attempts(ctx, "k", now, time.Minute); err != nil || n != 3 {
		t.Fatalf("Attempts = %d, %v; want 3", n, err)
	}

	// A document written before versions existed has none: the first
	// write matches its missing field, and moves it to 1.
	if _, err := a.DB().Collection("limiter").InsertOne(ctx, bson.D{{Key: "_id", Value: "old"}, {Key: "hits", Value: bson.A{now.UnixNano()}}, {Key: "expires_at", Value: now.Add(time.Minute)}}); err != nil {
		t.Fatal(err)
	}
	if ok, _, err := a.Reserve(ctx, "old", now, time.Minute, 5); err != nil || !ok {
		t.Fatalf("Reserve on a document without a version: %v %v", ok, err)
	}
	if d, _, err := a.ReadLimiter(ctx, "old"); err != nil || d.Version != 1 || len(d.Hits) != 2 {
		t.Fatalf("after the first write: %+v %v", d, err)
	}
}

// TestLimiterReserveAcrossInstances: two instances (each with its own
// in-process lock) reserve on one key at once; exactly the limit is
// granted. Needs MongoDB: FerretDB admits one process and relies on the
// in-process lock.
func TestLimiterReserveAcrossInstances(t *testing.T) {
	uri := os.Getenv("MONGODB_TEST_URI")
	if uri == "" {
		t.Skip("MONGODB_TEST_URI not set")
	}
	a := openStore(t, uri)
	b := secondInstance(t, uri, a)
	now := time.Date(2026, 1, 26, 10, 0, 0, 0, time.UTC)
	const perInstance, limit = 20, 5
	g := storetest.ReserveAtOnce(t, []*store.Store{a, b}, perInstance, "account:x", now, limit)
	if g != limit {
		t.Fatalf("%d parallel reservations on two instances with limit %d: %d granted", 2*perInstance, limit, g)
	}
}
