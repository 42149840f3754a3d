package store

import (
	"context"
	"encoding/json"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Collection curations: _id = survey id; a study's round 0 (delphi.Curation:
// the suggestions and the items curated from them) as its JSON in
// curation_json, a JSON string like a definition (see surveys.go): nothing
// queries inside it, and one string reads fast on FerretDB. rev counts the
// writes, the compare-and-set of UpdateCuration on MongoDB.
const colCurations = "curations"

type curationDoc struct {
	ID   string `bson:"_id"`
	Rev  int64  `bson:"rev"`
	JSON string `bson:"curation_json"`
}

var _ delphi.CurationStore = (*Store)(nil)

// curationTries bounds the compare-and-set retries of one update; another
// instance would have to win every one of them.
const curationTries = 20

func (s *Store) curationDoc(ctx context.Context, surveyID string) (*delphi.Curation, int64, error) {
	var d curationDoc
	err := s.db.Collection(colCurations).FindOne(ctx, bson.D{{Key: "_id", Value: surveyID}}).Decode(&d)
	if err == mongo.ErrNoDocuments {
		return &delphi.Curation{SurveyID: surveyID, Suggestions: []delphi.Suggestion{}, Items: []delphi.CuratedItem{}}, 0, nil
	} else if err != nil {
		return nil, 0, mapErr(err, "curation")
	}
	var c delphi.Curation
	if err := json.Unmarshal([]byte(d.JSON), &c); err != nil {
		return nil, 0, delphi.Internal(fmt.Errorf("curation %s: %w", surveyID, err))
	}
	if c.Suggestions == nil {
		c.Suggestions = []delphi.Suggestion{}
	}
	if c.Items == nil {
		c.Items = []delphi.CuratedItem{}
	}
	return &c, d.Rev, nil
}

// Curation returns the study's curation, an empty one when none is stored.
func (s *Store) Curation(ctx context.Context, surveyID string) (*delphi.Curation, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	c, _, err := s.curationDoc(ctx, surveyID)
	return c, err
}

// UpdateCuration reads the study's curation, applies fn and writes it back:
// under the store's lock of the document in this process, and on MongoDB as
// a compare-and-set on rev (an insert for the first write), retried when
// another instance wrote in between.
func (s *Store) UpdateCuration(ctx context.Context, surveyID string, fn func(*delphi.Curation) error) (*delphi.Curation, error) {
	if surveyID == "" {
		return nil, delphi.FieldErrorf(delphi.EINVALID, "survey_id", "survey id is required")
	}
	defer s.locks.Lock(colCurations + "/" + surveyID)()
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	for range curationTries {
		c, rev, err := s.curationDoc(ctx, surveyID)
		if err != nil {
			return nil, err
		}
		if err := fn(c); err != nil {
			return nil, err
		}
		c.SurveyID, c.UpdatedAt = surveyID, s.now()
		raw, err := json.Marshal(c)
		if err != nil {
			return nil, delphi.Internal(err)
		}
		d := curationDoc{ID: surveyID, Rev: rev + 1, JSON: string(raw)}
		coll := s.db.Collection(colCurations)
		if rev == 0 {
			_, err = coll.InsertOne(ctx, d)
			if mongo.IsDuplicateKeyError(err) {
				continue
			}
			if err != nil {
				return nil, mapErr(err, "curation")
			}
			return c, nil
		}
		res, err := coll.ReplaceOne(ctx, s.writeFilter(surveyID, bson.E{Key: "rev", Value: rev}), d)
		if err != nil {
			return nil, mapErr(err, "curation")
		}
		if res.MatchedCount == 1 {
			return c, nil
		}
	}
	return nil, delphi.Errorf(delphi.ECONFLICT, "the curation was changed by someone else meanwhile; try again")
}
