package store_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/store"
)

// TestHotDocumentsStaySmall: the survey and round documents that every
// save reads hold neither the definition nor the item list; both still
// read back whole, and a changed item list gets a document of its own.
func TestHotDocumentsStaySmall(t *testing.T) {
	t.Parallel()
	s := openStore(t, shared.URI())
	ctx := t.Context()
	def := &delphi.Definition{ID: "slim", Title: delphi.Text{"de": "Schlank"}}
	if _, _, err := s.PutSurvey(ctx, &delphi.Survey{Definition: def}); err != nil {
		t.Fatal(err)
	}
	r := &delphi.Round{SurveyID: "slim", Number: 1, Items: []delphi.RoundItem{{Item: delphi.Item{ID: "I1"}, Origin: delphi.OriginNew}}}
	if err := s.CreateRound(ctx, r); err != nil {
		t.Fatal(err)
	}
	raw := func(col, id string) bson.M {
		t.Helper()
		var m bson.M
		if err := s.DB().Collection(col).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&m); err != nil {
			t.Fatalf("%s %s: %v", col, id, err)
		}
		return m
	}
	if m := raw("surveys", "slim"); m["definition_json"] != nil {
		t.Errorf("the surveys document holds the definition: %v", m)
	}
	if m := raw("rounds", "slim#1"); m["items_json"] != nil || m["items_ref"] == nil {
		t.Errorf("the rounds document: %v, want items_ref and no items_json", m)
	}
	sv, err := s.SurveyByID(ctx, "slim")
	if err != nil || sv.Definition.Title["de"] != "Schlank" {
		t.Fatalf("SurveyByID = %+v, %v", sv, err)
	}
	got, err := s.Round(ctx, "slim", 1)
	if err != nil || len(got.Items) != 1 || got.Items[0].Item.ID != "I1" {
		t.Fatalf("Round = %+v, %v", got, err)
	}
	first := raw("rounds", "slim#1")["items_ref"]
	up, err := s.UpdateRound(ctx, "slim", 1, func(r *delphi.Round) error {
		r.Items = append(r.Items, delphi.RoundItem{Item: delphi.Item{ID: "I2"}, Origin: delphi.OriginNew})
		return nil
	})
	if err != nil || len(up.Items) != 2 {
		t.Fatalf("UpdateRound = %+v, %v", up, err)
	}
	if ref := raw("rounds", "slim#1")["items_ref"]; ref == first {
		t.Errorf("a changed item list kept the reference %v", ref)
	}
	if got, err := s.Round(ctx, "slim", 1); err != nil || len(got.Items) != 2 {
		t.Fatalf("Round after the change = %+v, %v", got, err)
	}
	if got, err := s.Round(ctx, "slim", 1); err != nil || len(got.Items) != 2 || got.Items[1].Item.ID != "I2" {
		t.Fatalf("Round after the change = %+v, %v", got, err)
	}
}

// TestSlimHotDocumentsMigration: documents written before migration 5
// (the definition in the surveys document, even without its revision
// document; the items inline in the round) read before and after it, and
// the migration, repeated, leaves them slim.
func TestSlimHotDocumentsMigration(t *testing.T) {
	t.Parallel()
	s := openStore(t, shared.URI())
	ctx := t.Context()
	def, _ := json.Marshal(&delphi.Definition{ID: "old", Title: delphi.Text{"de": "Alt"}})
	items, _ := json.Marshal([]delphi.RoundItem{{Item: delphi.Item{ID: "Q1"}, Origin: delphi.OriginNew}})
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	if _, err := s.DB().Collection("surveys").InsertOne(ctx, bson.D{
		{Key: "_id", Value: "old"}, {Key: "survey_id", Value: "old"}, {Key: "revision", Value: 2},
		{Key: "definition_json", Value: string(def)}, {Key: "status", Value: delphi.SurveyActive},
		{Key: "created_at", Value: now}, {Key: "updated_at", Value: now},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Collection("rounds").InsertOne(ctx, bson.D{
		{Key: "_id", Value: "old#1"}, {Key: "survey_id", Value: "old"}, {Key: "number", Value: 1},
		{Key: "status", Value: delphi.RoundOpen}, {Key: "items_json", Value: string(items)},
		{Key: "history", Value: bson.A{}}, {Key: "created_at", Value: now}, {Key: "updated_at", Value: now}, {Key: "rev", Value: int64(3)},
	}); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		sv, err := s.SurveyByID(ctx, "old")
		if err != nil || sv.Revision != 2 || sv.Definition.Title["de"] != "Alt" {
			t.Fatalf("%s: SurveyByID = %+v, %v", when, sv, err)
		}
		r, err := s.Round(ctx, "old", 1)
		if err != nil || len(r.Items) != 1 || r.Items[0].Item.ID != "Q1" || r.Status != delphi.RoundOpen {
			t.Fatalf("%s: Round = %+v, %v", when, r, err)
		}
	}
	check("before the migration")
	if _, err := s.DB().Collection("schema_migrations").DeleteOne(ctx, bson.D{{Key: "_id", Value: 5}}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var sd, rd, rev bson.M
	if err := s.DB().Collection("surveys").FindOne(ctx, bson.D{{Key: "_id", Value: "old"}}).Decode(&sd); err != nil || sd["definition_json"] != nil {
		t.Errorf("surveys document after the migration: %v, %v", sd, err)
	}
	if err := s.DB().Collection("survey_revisions").FindOne(ctx, bson.D{{Key: "_id", Value: "old#2"}}).Decode(&rev); err != nil || rev["definition_json"] != string(def) {
		t.Errorf("the revision document: %v, %v", rev, err)
	}
	if err := s.DB().Collection("rounds").FindOne(ctx, bson.D{{Key: "_id", Value: "old#1"}}).Decode(&rd); err != nil || rd["items_json"] != nil || rd["items_ref"] == nil || rd["rev"] != int64(3) {
		t.Errorf("rounds document after the migration: %v, %v", rd, err)
	}
	check("after the migration")
	// Another process reads them with nothing remembered.
	s2, err := store.Open(ctx, shared.URI(), s.DB().Name(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close(context.Background())
	sv, err := s2.SurveyByID(ctx, "old")
	if err != nil || sv.Definition.Title["de"] != "Alt" {
		t.Fatalf("a fresh process: SurveyByID = %+v, %v", sv, err)
	}
	if r, err := s2.Round(ctx, "old", 1); err != nil || len(r.Items) != 1 {
		t.Fatalf("a fresh process: Round = %+v, %v", r, err)
	}
}
