package store

import (
	"context"
	"errors"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Collection limiter: _id = key (an account or an IP), holding the attempt
// times (Unix nanoseconds) inside the last window, oldest first. Every Hit
// is a read-modify-write under the key's lock.

// maxLimiterHits caps the times kept per key, so a flood cannot grow a
// document without bound; counts saturate at this value.
const maxLimiterHits = 1000

type limiterDoc struct {
	Key       string    `bson:"_id"`
	Hits      []int64   `bson:"hits"`
	ExpiresAt time.Time `bson:"expires_at"` // last hit + window; for PurgeLimiter
}

// Hit records one attempt for key at now and returns the number of attempts
// within [now-window, now], this one included. Times older than the window
// are dropped.
func (s *Store) Hit(ctx context.Context, key string, now time.Time, window time.Duration) (int, error) {
	defer s.locks.Lock(colLimiter + "/" + key)()
	ctx, cancel := withTimeout(ctx)
	defer cancel()

	hits, err := s.limiterHits(ctx, key)
	if err != nil {
		return 0, err
	}
	from := now.Add(-window).UnixNano()
	hits = slices.DeleteFunc(hits, func(t int64) bool { return t < from })
	hits = append(hits, now.UnixNano())
	slices.Sort(hits) // callers' clocks may step back
	if len(hits) > maxLimiterHits {
		hits = hits[len(hits)-maxLimiterHits:]
	}
	doc := limiterDoc{Key: key, Hits: hits, ExpiresAt: time.Unix(0, hits[len(hits)-1]).Add(window).UTC()}
	if _, err := s.db.Collection(colLimiter).ReplaceOne(ctx, bson.D{{Key: "_id", Value: key}}, doc, upsert()); err != nil {
		return 0, mapErr(err, "rate limiter")
	}
	return countWithin(hits, now, window), nil
}

// Attempts returns the number of attempts within [now-window, now] without
// recording one.
func (s *Store) Attempts(ctx context.Context, key string, now time.Time, window time.Duration) (int, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	hits, err := s.limiterHits(ctx, key)
	if err != nil {
		return 0, err
	}
	return countWithin(hits, now, window), nil
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

func (s *Store) limiterHits(ctx context.Context, key string) ([]int64, error) {
	var d limiterDoc
	err := s.db.Collection(colLimiter).FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	} else if err != nil {
		return nil, mapErr(err, "rate limiter")
	}
	return d.Hits, nil
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
