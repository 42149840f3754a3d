package store

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// importBatch is the number of responses inserted per InsertMany.
const importBatch = 50

// ImportResponses inserts complete responses in batches, bypassing the
// per-answer sequence checks of SaveAnswer: for seeding demo data and for
// the benchmarks, which need thousands of responses quickly. Each answer's
// survey, round, expert, pseudonym and group are taken from its response.
// ECONFLICT if a response exists already; EINVALID for a missing key.
func (s *Store) ImportResponses(ctx context.Context, rs []*delphi.Response) error {
	docs := map[string][]any{} // collection → documents not yet inserted
	flush := func(col string) error {
		if len(docs[col]) == 0 {
			return nil
		}
		ctx, cancel := context.WithTimeout(ctx, 6*opTimeout)
		defer cancel()
		_, err := s.db.Collection(col).InsertMany(ctx, docs[col])
		docs[col] = docs[col][:0]
		if err != nil {
			return mapErr(err, "response")
		}
		return nil
	}
	for _, r := range rs {
		if err := checkResponseKey(r.SurveyID, r.Round, r.ExpertID); err != nil {
			return err
		}
		d := responseDoc{
			ID: responseID(r.SurveyID, r.Round, r.ExpertID), SurveyID: r.SurveyID, Round: r.Round, ExpertID: r.ExpertID,
			Pseudonym: r.Pseudonym, Group: r.Group, FirstOpenedAt: utcMillis(r.FirstOpenedAt), LastActivityAt: utcMillis(r.LastActivityAt),
			StartedAt: utcMillis(r.StartedAt), SubmittedAt: utcMillis(r.SubmittedAt), Submissions: r.Submissions,
		}
		m := make(map[string]storedAnswer, len(r.Answers))
		for id, a := range r.Answers {
			if a.ItemID == "" {
				a.ItemID = id
			}
			m[a.ItemID] = storedAnswer{
				Value: a.Value, Comment: a.Comment, Justification: a.Justification, Seq: a.Seq,
				FirstSavedAt: a.FirstSavedAt.UTC().Truncate(time.Millisecond), LastSavedAt: a.LastSavedAt.UTC().Truncate(time.Millisecond),
				Revisions: a.Revisions,
			}
			d.Saves++
		}
		enc, err := encodeAnswers(m)
		if err != nil {
			return err
		}
		d.Answers = enc
		if r.SubmittedAt != nil {
			d.SavesAtSubmit = d.Saves
		}
		col := responsesName(r.SurveyID, r.Round)
		docs[col] = append(docs[col], d)
		if len(docs[col]) == importBatch {
			if err := flush(col); err != nil {
				return err
			}
		}
	}
	for _, col := range slices.Sorted(maps.Keys(docs)) {
		if err := flush(col); err != nil {
			return err
		}
	}
	return nil
}

func utcMillis(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Millisecond)
	return &u
}
