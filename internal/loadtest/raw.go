package loadtest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Raw is the baseline of the app's saves: the mongo driver upserting
// documents shaped like responses (_id survey#round#expert, the answers as
// one JSON string, an activity time and a save counter) by _id, with
// nothing else around it.
type Raw struct {
	Collection *mongo.Collection
	Docs       int // documents written round-robin
	Size       int // bytes of the answers string
}

// NewRaw connects to uri and uses collection col of database db.
func NewRaw(ctx context.Context, uri, db, col string, docs, size int) (*Raw, func(), error) {
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		return nil, nil, err
	}
	if err := client.Ping(ctx, nil); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, nil, err
	}
	r := &Raw{Collection: client.Database(db).Collection(col), Docs: docs, Size: size}
	return r, func() { _ = client.Disconnect(context.Background()) }, nil
}

func (r *Raw) id(i int) string { return fmt.Sprintf("loadtest#1#x%06d", i%r.Docs) }

func (r *Raw) answers(v int) string {
	one := fmt.Sprintf(`"T%02d":{"v":{"wichtigkeit":%d,"umsetzbarkeit":%d},"s":%d,"f":"2026-11-26T10:00:00Z","l":"2026-11-26T10:00:00Z"},`, v%50, 1+v%5, 1+(v+1)%5, v)
	n := max(1, r.Size/len(one))
	return "{" + strings.TrimSuffix(strings.Repeat(one, n), ",") + "}"
}

// Prefill creates the documents (so that the loop measures updates, as
// the app's saves are).
func (r *Raw) Prefill(ctx context.Context) error {
	_ = r.Collection.Drop(ctx)
	docs := make([]any, 0, 500)
	for i := range r.Docs {
		docs = append(docs, bson.D{{Key: "_id", Value: r.id(i)}, {Key: "saves", Value: int64(0)}, {Key: "answers_json", Value: r.answers(i)}})
		if len(docs) == cap(docs) || i == r.Docs-1 {
			if _, err := r.Collection.InsertMany(ctx, docs); err != nil {
				return err
			}
			docs = docs[:0]
		}
	}
	return nil
}

// Run upserts with workers goroutines back to back for d.
func (r *Raw) Run(ctx context.Context, workers int, d time.Duration) (Stats, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	var mu sync.Mutex
	var lat []time.Duration
	var firstErr error
	errs := 0
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			var mine []time.Duration
			myErrs := 0
			var myErr error
			for n := 0; ; n++ {
				i := w + n*workers
				t0 := time.Now()
				_, err := r.Collection.UpdateOne(ctx, bson.D{{Key: "_id", Value: r.id(i)}},
					bson.D{{Key: "$set", Value: bson.D{{Key: "answers_json", Value: r.answers(n)}, {Key: "last_activity_at", Value: time.Now().UTC()}}},
						{Key: "$inc", Value: bson.D{{Key: "saves", Value: 1}}}},
					options.UpdateOne().SetUpsert(true))
				if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
					break // the end of the run (the driver refuses an operation that cannot finish in time)
				}
				if err != nil {
					myErrs++
					if myErr == nil {
						myErr = err
					}
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			errs += myErrs
			if firstErr == nil {
				firstErr = myErr
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	return summarise(lat, errs, time.Since(start)), firstErr
}
