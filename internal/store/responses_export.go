package store

import (
	"context"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// The reads of an export (internal/export): the participation counts need
// the responses without their answers, and the raw data needs every
// response once, in pseudonym order, one at a time (docs/PERFORMANCE.md,
// "Export").

// ListResponseStatus returns every response of a round like ListResponses,
// without the answers (Answers nil): what the response rates count. The
// answers are left out by a projection, so they are neither sent nor
// decoded.
func (s *Store) ListResponseStatus(ctx context.Context, surveyID string, round int) ([]*delphi.Response, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	out := []*delphi.Response{}
	noAnswers := bson.D{{Key: "answers", Value: 0}, {Key: "answers_json", Value: 0}}
	err := s.scan(ctx, s.responses(surveyID, round), noAnswers, func(d *responseDoc) error {
		if d.SurveyID == surveyID && d.Round == round {
			out = append(out, &delphi.Response{
				SurveyID: d.SurveyID, Round: d.Round, ExpertID: d.ExpertID, Pseudonym: d.Pseudonym, Group: d.Group,
				FirstOpenedAt: d.FirstOpenedAt, LastActivityAt: d.LastActivityAt, StartedAt: d.StartedAt,
				SubmittedAt: d.SubmittedAt, Submissions: d.Submissions,
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sortResponses(out)
	return out, nil
}

// EachResponse calls fn with every response of a round in the order of
// ListResponses (by pseudonym), and returns fn's first error. The round is
// read once with its answers still encoded (format 2 is about a fifth of
// the decoded answers in memory); each response's answers are decoded just
// before fn gets it, and the response is not kept after fn returns.
func (s *Store) EachResponse(ctx context.Context, surveyID string, round int, fn func(*delphi.Response) error) error {
	var docs []*responseDoc
	err := s.scanRounds(ctx, surveyID, []int{round}, func(d *responseDoc) error {
		docs = append(docs, d)
		return nil
	})
	if err != nil {
		return err
	}
	slices.SortFunc(docs, func(a, b *responseDoc) int { return compareResponses(a.Pseudonym, a.ExpertID, b.Pseudonym, b.ExpertID) })
	for i, d := range docs {
		docs[i] = nil // the encoded answers go with the response
		r, err := d.response()
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}
