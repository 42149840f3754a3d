package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// slimHotDocuments is migration 5: it moves the two large parts out of the
// documents that every request reads (see surveyDoc and roundItemsDoc).
//   - A surveys document loses definition_json; its revision document
//     (written before it, as PutSurvey does) keeps the definition.
//   - A rounds document's items_json moves into round_items, leaving
//     items_ref; rev stays, as the round has not changed.
//
// Each document is done with conditional steps that are safe to repeat,
// so a crash midway is finished by the next start.
func (s *Store) slimHotDocuments(ctx context.Context) error {
	inline := func(field string) bson.D { return bson.D{{Key: field, Value: bson.D{{Key: "$exists", Value: true}}}} }

	cur, err := s.db.Collection(colSurveys).Find(ctx, inline("definition_json"))
	if err != nil {
		return mapErr(err, "surveys")
	}
	var surveys []surveyDoc
	if err := cur.All(ctx, &surveys); err != nil {
		return mapErr(err, "surveys")
	}
	for _, d := range surveys {
		rev := d
		rev.ID = revisionID(d.SurveyID, d.Revision)
		if _, err := s.db.Collection(colSurveyRevisions).InsertOne(ctx, rev); err != nil && !mongo.IsDuplicateKeyError(err) {
			return fmt.Errorf("survey %s: keep revision %d: %w", d.SurveyID, d.Revision, mapErr(err, "survey revision"))
		}
		if _, err := s.db.Collection(colSurveys).UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}},
			bson.D{{Key: "$unset", Value: bson.D{{Key: "definition_json", Value: ""}}}}); err != nil {
			return fmt.Errorf("survey %s: %w", d.SurveyID, mapErr(err, "survey"))
		}
		s.changes.bump(surveyLockKey(d.ID))
	}

	cur, err = s.db.Collection(colRounds).Find(ctx, inline("items_json"))
	if err != nil {
		return mapErr(err, "rounds")
	}
	var rounds []roundDoc
	if err := cur.All(ctx, &rounds); err != nil {
		return mapErr(err, "rounds")
	}
	for i := range rounds {
		d := &rounds[i]
		if err := s.putItems(ctx, d); err != nil {
			return fmt.Errorf("round %s: %w", d.ID, err)
		}
		if _, err := s.db.Collection(colRounds).UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}, {Key: "rev", Value: d.Rev}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "items_ref", Value: d.ItemsRef}}}, {Key: "$unset", Value: bson.D{{Key: "items_json", Value: ""}}}}); err != nil {
			return fmt.Errorf("round %s: %w", d.ID, mapErr(err, "round"))
		}
		s.changes.bump(roundLockKey(d.ID))
	}
	if n := len(surveys) + len(rounds); n > 0 {
		s.logger.Info("definitions and round items moved out of the hot documents", "surveys", len(surveys), "rounds", len(rounds))
	}
	return nil
}
