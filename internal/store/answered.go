package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// AnsweredItems returns the ids of the items of a study that have at least
// one stored answer in any round (a scan of the responses, reading only
// their answers). Used to refuse dropping or retyping answered items.
func (s *Store) AnsweredItems(ctx context.Context, surveyID string) (map[string]bool, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	cur, err := s.db.Collection(colResponses).Find(ctx, bson.D{{Key: "survey_id", Value: surveyID}},
		options.Find().SetProjection(bson.D{{Key: "answers", Value: 1}, {Key: "answers_json", Value: 1}}))
	if err != nil {
		return nil, mapErr(err, "responses")
	}
	defer cur.Close(ctx)
	out := map[string]bool{}
	for cur.Next(ctx) {
		var doc responseDoc
		if err := cur.Decode(&doc); err != nil {
			return nil, mapErr(err, "responses")
		}
		if err := doc.eachAnswer(func(id string, _ storedAnswer) { out[id] = true }); err != nil {
			return nil, err
		}
	}
	return out, mapErr(cur.Err(), "responses")
}
