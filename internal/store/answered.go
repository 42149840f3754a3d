package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// colAnswers holds one document per expert × round × item answer.
const colAnswers = "answers"

// AnsweredItems returns the ids of the items of a study that have at least
// one stored answer. Used to refuse dropping or retyping answered items.
func (s *Store) AnsweredItems(ctx context.Context, surveyID string) (map[string]bool, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	cur, err := s.db.Collection(colAnswers).Find(ctx, bson.D{{Key: "survey_id", Value: surveyID}},
		options.Find().SetProjection(bson.D{{Key: "item_id", Value: 1}}))
	if err != nil {
		return nil, mapErr(err, "answers")
	}
	defer cur.Close(ctx)
	out := map[string]bool{}
	for cur.Next(ctx) {
		var doc struct {
			ItemID string `bson:"item_id"`
		}
		if err := cur.Decode(&doc); err != nil {
			return nil, mapErr(err, "answers")
		}
		out[doc.ItemID] = true
	}
	return out, mapErr(cur.Err(), "answers")
}
