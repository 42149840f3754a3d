package store

import (
	"context"
	"errors"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Collection limiter: _id = key (an account or an IP), holding the attempt
// times (Unix nanoseconds) inside the last window, oldest first, and a
// version that every write increments. A change is a read-modify-write
// under the key's KeyLock; on MongoDB the write is also a compare-and-set on
// the version read (an insert when there was no document), retried on a
// miss, so the check and the count are one step across instances too. On
// FerretDB the write filters on _id alone and the KeyLock covers every
// writer (the embedded database admits one process).

// maxLimiterHits caps the times kept per key, so a flood cannot grow a
// document without bound; counts saturate at this value.
const maxLimiterHits = 1000

// limiterTries bounds the compare-and-set retries of one change; another
// instance would have to win every one of them.
const limiterTries = 50

type limiterDoc struct {
	Key       string    `bson:"_id"`
	Hits      []int64   `bson:"hits"`
	Version   int64     `bson:"version"`    // 0 in documents written before versions existed
	ExpiresAt time.Time `bson:"expires_at"` // last hit + window; for PurgeLimiter
}

// Reserve records one attempt for key at now unless the window
// [now-window, now] already holds limit attempts; then it records nothing
// and returns how long until a retry can be granted. Attempts stamped after
// now (another instance's clock runs ahead) count.
func (s *Store) Reserve(ctx context.Context, key string, now time.Time, window time.Duration, limit int) (bool, time.Duration, error) {
	var granted bool
	var wait time.Duration
	err := s.changeLimiter(ctx, key, window, func(hits []int64) ([]int64, bool) {
		from := now.Add(-window).UnixNano()
		hits = slices.DeleteFunc(hits, func(t int64) bool { return t < from })
		if n := len(hits); n >= limit {
			granted = false
			// Below limit again once hits[n-limit] has left the window
			// (whose bounds are inclusive): one nanosecond after.
			wait = max(time.Unix(0, hits[n-limit]).Add(window+1).Sub(now), 0)
			return nil, false
		}
		granted, wait = true, 0
		hits = append(hits, now.UnixNano())
		slices.Sort(hits) // callers' clocks may step back
		if len(hits) > maxLimiterHits {
			hits = hits[len(hits)-maxLimiterHits:]
		}
		return hits, true
	})
	if err != nil {
		return false, 0, err
	}
	return granted, wait, nil
}

// TakeBack removes one attempt recorded for key at at; if there is none,
// nothing changes.
func (s *Store) TakeBack(ctx context.Context, key string, at time.Time) error {
	return s.changeLimiter(ctx, key, 0, func(hits []int64) ([]int64, bool) {
		i := slices.Index(hits, at.UnixNano())
		if i < 0 {
			return nil, false
		}
		return slices.Delete(hits, i, i+1), true
	})
}

// changeLimiter applies change to key's attempt times and writes the result
// when change asks for it: under the key's lock, and on MongoDB as a
// compare-and-set retried until no other instance wrote in between. A
// window of 0 keeps the document's expiry.
func (s *Store) changeLimiter(ctx context.Context, key string, window time.Duration, change func(hits []int64) ([]int64, bool)) error {
	defer s.locks.Lock(colLimiter + "/" + key)()
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	for range limiterTries {
		d, found, err := s.limiterDoc(ctx, key)
		if err != nil {
			return err
		}
		hits, write := change(slices.Clone(d.Hits))
		if !write {
			return nil
		}
		next := limiterDoc{Key: key, Hits: hits, Version: d.Version + 1, ExpiresAt: d.ExpiresAt}
		if len(hits) > 0 && window > 0 {
			next.ExpiresAt = time.Unix(0, hits[len(hits)-1]).Add(window).UTC()
		}
		ok, err := s.putLimiterDoc(ctx, d, found, next)
		if err != nil || ok {
			return err
		}
	}
	return &delphi.Error{Code: delphi.EUNAVAILABLE, Message: "the rate limiter is busy; try again"}
}

// putLimiterDoc writes next over prev, the document as read (found false:
// there was none). false: another instance wrote first (its insert came
// first, or the version moved on).
func (s *Store) putLimiterDoc(ctx context.Context, prev limiterDoc, found bool, next limiterDoc) (bool, error) {
	col := s.db.Collection(colLimiter)
	if !found {
		_, err := col.InsertOne(ctx, next)
		if mongo.IsDuplicateKeyError(err) {
			return false, nil
		}
		return err == nil, mapErr(err, "rate limiter")
	}
	filter := bson.D{{Key: "_id", Value: prev.Key}}
	if !s.ferret {
		var v any = prev.Version
		if prev.Version == 0 {
			v = nil // matches the missing field of an older document
		}
		filter = append(filter, bson.E{Key: "version", Value: v})
	}
	res, err := col.ReplaceOne(ctx, filter, next)
	if err != nil {
		return false, mapErr(err, "rate limiter")
	}
	return res.MatchedCount == 1, nil
}

// Attempts returns the number of attempts within [now-window, now] without
// recording one.
func (s *Store) Attempts(ctx context.Context, key string, now time.Time, window time.Duration) (int, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	d, _, err := s.limiterDoc(ctx, key)
	if err != nil {
		return 0, err
	}
	return countWithin(d.Hits, now, window), nil
}

// Reset forgets every attempt for key.
func (s *Store) Reset(ctx context.Context, key string) error {
	defer s.locks.Lock(colLimiter + "/" + key)()
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	_, err := s.db.Collection(colLimiter).DeleteOne(ctx, bson.D{{Key: "_id", Value: key}})
	return mapErr(err, "rate limiter")
}

// PurgeLimiter deletes the keys whose last attempt's window ended before
// before, and returns how many. Run it now and then (it scans the collection).
func (s *Store) PurgeLimiter(ctx context.Context, before time.Time) (int, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	res, err := s.db.Collection(colLimiter).DeleteMany(ctx, bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lt", Value: before.UTC()}}}})
	if err != nil {
		return 0, mapErr(err, "rate limiter")
	}
	return int(res.DeletedCount), nil
}

// limiterDoc reads key's document; found is false when there is none.
func (s *Store) limiterDoc(ctx context.Context, key string) (limiterDoc, bool, error) {
	var d limiterDoc
	err := s.db.Collection(colLimiter).FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return limiterDoc{Key: key}, false, nil
	} else if err != nil {
		return limiterDoc{}, false, mapErr(err, "rate limiter")
	}
	return d, true, nil
}

func countWithin(hits []int64, now time.Time, window time.Duration) int {
	from, to := now.Add(-window).UnixNano(), now.UnixNano()
	n := 0
	for _, t := range hits {
		if t >= from && t <= to {
			n++
		}
	}
	return n
}
