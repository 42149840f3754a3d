package store

import (
	"context"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// AnsweredItems returns the ids of the items of a study that have at least
// one stored answer in any round (a scan of the responses, reading only
// their answers). Used to refuse dropping or retyping answered items.
func (s *Store) AnsweredItems(ctx context.Context, surveyID string) (map[string]bool, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	cols, err := s.responseCollections(ctx, surveyID)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, c := range cols {
		err := s.scan(ctx, s.db.Collection(c), bson.D{{Key: "answers", Value: 1}, {Key: "answers_json", Value: 1}}, func(d *responseDoc) error {
			return d.eachAnswer(func(id string, _ storedAnswer) { out[id] = true })
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// responseCollections lists the responses collections of a study, one per
// round that has or had responses.
func (s *Store) responseCollections(ctx context.Context, surveyID string) ([]string, error) {
	names, err := s.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return nil, mapErr(err, "collections")
	}
	prefix := colResponsesPrefix + surveyID + "."
	var out []string
	for _, n := range names {
		if rest, ok := strings.CutPrefix(n, prefix); ok {
			if _, err := strconv.Atoi(rest); err == nil {
				out = append(out, n)
			}
		}
	}
	return out, nil
}
