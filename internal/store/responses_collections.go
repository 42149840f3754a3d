package store

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// colLegacyResponses is the one responses collection of every study and
// round, before schema version 4 split it (splitResponses).
const colLegacyResponses = "responses"

// createResponses creates the responses collection of round n of a study
// unless it exists, and then calls CollectionCreated, so that the embedded
// database indexes its _id before the first response arrives (without it,
// every save of the round would scan the collection).
func (s *Store) createResponses(ctx context.Context, surveyID string, n int) error {
	var ce mongo.CommandError
	if err := s.db.CreateCollection(ctx, responsesName(surveyID, n)); err != nil && !(errors.As(err, &ce) && ce.Code == 48) { // 48: NamespaceExists
		return mapErr(err, "responses")
	}
	if s.CollectionCreated != nil {
		if err := s.CollectionCreated(ctx); err != nil {
			return delphi.Internal(fmt.Errorf("prepare the responses of round %d: %w", n, err))
		}
	}
	return nil
}

// splitResponses moves every document of the legacy responses collection
// into the collection of its study and round, then drops it. Run by
// Migrate before the server serves: nothing writes the legacy collection
// meanwhile. A crash midway is repaired by running it again (a document
// already moved is a duplicate and skipped; the drop comes last).
func (s *Store) splitResponses(ctx context.Context) error {
	legacy := s.db.Collection(colLegacyResponses)
	cur, err := legacy.Find(ctx, bson.D{})
	if err != nil {
		return mapErr(err, "responses")
	}
	defer cur.Close(ctx)
	created := map[string]bool{}
	moved := 0
	for cur.Next(ctx) {
		var key struct {
			SurveyID string `bson:"survey_id"`
			Round    int    `bson:"round"`
		}
		if err := bson.Unmarshal(cur.Current, &key); err != nil || key.SurveyID == "" || key.Round < 1 {
			return fmt.Errorf("response %v: no study or round: %v", cur.Current.Lookup("_id"), err)
		}
		name := responsesName(key.SurveyID, key.Round)
		if !created[name] {
			if err := s.createResponses(ctx, key.SurveyID, key.Round); err != nil {
				return err
			}
			created[name] = true
		}
		ictx, cancel := withTimeout(ctx)
		_, err := s.db.Collection(name).InsertOne(ictx, cur.Current)
		cancel()
		if err != nil && !mongo.IsDuplicateKeyError(err) {
			return mapErr(err, "response")
		}
		moved++
	}
	if err := cur.Err(); err != nil {
		return mapErr(err, "responses")
	}
	if err := legacy.Drop(ctx); err != nil {
		return mapErr(err, "responses")
	}
	if moved > 0 {
		s.logger.Info("responses moved to one collection per study and round", "responses", moved, "collections", len(created))
	}
	return nil
}
