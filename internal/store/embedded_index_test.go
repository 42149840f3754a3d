package store_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/store"
)

// TestIndexIDs: after IndexIDs, the query FerretDB sends to SQLite for a
// filter on _id alone uses an index (SEARCH, not SCAN) in every collection
// of the store, also in the responses collection of a round created later
// (through Store.CollectionCreated), and the store still reads and writes
// as before.
func TestIndexIDs(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	e, err := store.StartEmbedded(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	s, err := store.Open(ctx, e.URI(), "idx", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	if !s.Ferret() {
		t.Error("FerretDB was not detected")
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	n, err := e.IndexIDs(ctx, "idx")
	if err != nil {
		t.Fatal(err)
	}
	if n < 20 {
		t.Errorf("IndexIDs covered %d collections; Migrate should have created every one", n)
	}
	if again, err := e.IndexIDs(ctx, "idx"); err != nil || again != n {
		t.Errorf("IndexIDs again: %d, %v", again, err)
	}
	s.CollectionCreated = func(ctx context.Context) error {
		_, err := e.IndexIDs(ctx, "idx")
		return err
	}
	if err := s.CreateRound(ctx, &delphi.Round{SurveyID: "sv", Number: 1}); err != nil {
		t.Fatal(err)
	}

	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "idx.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT name, table_name FROM _ferretdb_collections`)
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string]string{}
	for rows.Next() {
		var name, table string
		if err := rows.Scan(&name, &table); err != nil {
			t.Fatal(err)
		}
		tables[name] = table
	}
	rows.Close()
	if _, ok := tables["responses"]; ok {
		t.Error("the responses collection from before schema version 4 is left")
	}
	for _, c := range []string{"responses.sv.1", "expert_sessions", "access_tokens", "experts", "surveys", "rounds", "mail_events"} {
		table, ok := tables[c]
		if !ok {
			t.Errorf("collection %s was not created", c)
			continue
		}
		// The statement of FerretDB v1.24's SQLite backend for {_id: "x"}
		// (internal/backends/sqlite/collection.go, Query and UpdateAll).
		for _, q := range []string{
			`SELECT _ferretdb_sjson FROM "` + table + `" WHERE _ferretdb_sjson->'$._id' = ?`,
			`UPDATE "` + table + `" SET _ferretdb_sjson = ? WHERE _ferretdb_sjson->'$._id' = ?`,
		} {
			var plan []string
			r, err := db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, `"x"`, `"x"`)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			for r.Next() {
				var id, parent, notused int
				var detail string
				if err := r.Scan(&id, &parent, &notused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			r.Close()
			if p := strings.Join(plan, "; "); !strings.Contains(p, "USING INDEX") {
				t.Errorf("%s: %s", c, p)
			}
		}
	}

	// The store works as before on the indexed collections.
	u := &delphi.User{Email: "idx@example.org", Name: "Idx", Role: delphi.RoleAdmin}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if got, err := s.UserByID(ctx, u.ID); err != nil || got.Email != u.Email {
		t.Fatalf("UserByID: %+v %v", got, err)
	}
	if err := s.DB().Collection("users").FindOne(ctx, bson.D{{Key: "_id", Value: "missing"}}).Err(); err == nil {
		t.Fatal("a missing _id was found")
	}
}
