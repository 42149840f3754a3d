package loadtest

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/expertenrunde/expertenrunde/internal/store"
)

// BenchmarkDriverOps measures single driver operations by _id against the
// embedded FerretDB at 200, 1,000 and 3,000 documents of 1.5 kB, to show
// which operations use an index: "ferretdb" as FerretDB v1.24 sets up a
// collection, "indexed" after store.Embedded.IndexIDs (what the server
// runs). See docs/PERFORMANCE.md, "Autosave under load".
func BenchmarkDriverOps(b *testing.B) {
	emb := testEmbedded(b)
	client, err := mongo.Connect(options.Client().ApplyURI(emb.URI()))
	if err != nil {
		b.Fatal(err)
	}
	defer client.Disconnect(context.Background())
	answers := `{"` + strings.Repeat("x", 1500) + `":1}`
	var seq atomic.Int64
	for _, layout := range []string{"ferretdb", "indexed"} {
		for _, n := range []int{200, 1000, 3000} {
			benchDriverOps(b, emb, client, layout, n, answers, &seq)
		}
	}
}

func benchDriverOps(b *testing.B, emb *store.Embedded, client *mongo.Client, layout string, n int, answers string, seq *atomic.Int64) {
	dbName := fmt.Sprintf("probe_%d_%d", n, time.Now().UnixNano())
	col := client.Database(dbName).Collection("c")
	docs := make([]any, 0, n)
	for i := range n {
		docs = append(docs, bson.D{{Key: "_id", Value: fmt.Sprintf("s#1#%06d", i)}, {Key: "saves", Value: int64(0)}, {Key: "answers_json", Value: answers}})
	}
	ctx := context.Background()
	for i := 0; i < len(docs); i += 500 {
		if _, err := col.InsertMany(ctx, docs[i:min(i+500, len(docs))]); err != nil {
			b.Fatal(err)
		}
	}
	if layout == "indexed" {
		if _, err := emb.IndexIDs(ctx, dbName); err != nil {
			b.Fatal(err)
		}
	}
	id := func(i int) string { return fmt.Sprintf("s#1#%06d", i%n) }
	ops := map[string]func(i int) error{
		"find_id": func(i int) error { return col.FindOne(ctx, bson.D{{Key: "_id", Value: id(i)}}).Err() },
		"update_id": func(i int) error {
			_, err := col.UpdateOne(ctx, bson.D{{Key: "_id", Value: id(i)}}, bson.D{{Key: "$set", Value: bson.D{{Key: "answers_json", Value: answers}}}, {Key: "$inc", Value: bson.D{{Key: "saves", Value: 1}}}})
			return err
		},
		"update_id_and_field": func(i int) error {
			_, err := col.UpdateOne(ctx, bson.D{{Key: "_id", Value: id(i)}, {Key: "answers_json", Value: answers}}, bson.D{{Key: "$set", Value: bson.D{{Key: "answers_json", Value: answers}}}, {Key: "$inc", Value: bson.D{{Key: "saves", Value: 1}}}})
			return err
		},
		"replace_id": func(i int) error {
			_, err := col.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id(i)}}, bson.D{{Key: "_id", Value: id(i)}, {Key: "saves", Value: int64(i)}, {Key: "answers_json", Value: answers}})
			return err
		},
		"insert": func(i int) error {
			_, err := col.InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("log#%d", seq.Add(1))}, {Key: "answers_json", Value: answers}})
			return err
		},
		"insert_duplicate": func(i int) error {
			_, err := col.InsertOne(ctx, bson.D{{Key: "_id", Value: id(i)}})
			if mongo.IsDuplicateKeyError(err) {
				return nil
			}
			return fmt.Errorf("want a duplicate: %v", err)
		},
	}
	for _, name := range []string{"find_id", "update_id", "update_id_and_field", "replace_id", "insert", "insert_duplicate"} {
		b.Run(fmt.Sprintf("%s/%s/docs=%d", layout, name, n), func(b *testing.B) {
			i := 0
			for b.Loop() {
				if err := ops[name](i); err != nil {
					b.Fatal(err)
				}
				i += 7
			}
		})
	}
	_ = col.Database().Drop(ctx)
}

func testEmbedded(tb testing.TB) *store.Embedded {
	tb.Helper()
	dir := tb.TempDir()
	e, err := store.StartEmbedded(context.Background(), dir, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { e.Close() })
	return e
}

func testURI(tb testing.TB) string { return testEmbedded(tb).URI() }
