package store

import (
	"cmp"
	"context"
	"slices"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// The reads of an export (internal/export): the participation counts need
// every response without its answers, and the raw data every response
// once, in pseudonym order, one at a time. On FerretDB each read of a round
// costs about as much as decoding all its documents, whatever is projected
// (docs/PERFORMANCE.md, "Export"), so ReadResponses serves both from one
// read.

// ReadResponses reads the responses of a round once, ordered like
// ListResponses (by pseudonym), and returns them without answers (Answers
// nil) for counting; answers, which calls fn with each of the round's
// answers in the order of ListAnswersRounds (by expert, then item; for
// its live results) and returns fn's first error; and each, which calls fn
// with every response, answers included, and returns fn's first error.
// The answers stay in their stored encoding (format 3 takes a fraction of
// the memory of the decoded answers) until answers or each decode them,
// one response at a time: answers hands fn one answer at a time in the
// same delphi.Answer (fn must not keep it), and each releases every
// response after fn returns, so it can be called once, after answers.
func (s *Store) ReadResponses(ctx context.Context, surveyID string, round int) (status []*delphi.Response,
	answers func(fn func(*delphi.Answer) error) error, each func(fn func(*delphi.Response) error) error, err error) {
	var docs []*responseDoc
	err = s.scanRounds(ctx, surveyID, []int{round}, func(d *responseDoc) error {
		docs = append(docs, d)
		return nil
	})
	if err != nil {
		return nil, nil, nil, err
	}
	slices.SortFunc(docs, func(a, b *responseDoc) int { return compareResponses(a.Pseudonym, a.ExpertID, b.Pseudonym, b.ExpertID) })
	status = make([]*delphi.Response, len(docs))
	for i, d := range docs {
		status[i] = &delphi.Response{
			SurveyID: d.SurveyID, Round: d.Round, ExpertID: d.ExpertID, Pseudonym: d.Pseudonym, Group: d.Group,
			FirstOpenedAt: d.FirstOpenedAt, LastActivityAt: d.LastActivityAt, StartedAt: d.StartedAt,
			SubmittedAt: d.SubmittedAt, Submissions: d.Submissions,
		}
	}
	read := func() error {
		return delphi.Errorf(delphi.EINTERNAL, "the responses of round %d were read already", round)
	}
	answers = func(fn func(*delphi.Answer) error) error {
		if len(docs) > 0 && docs[0] == nil {
			return read()
		}
		byExpert := slices.Clone(docs)
		slices.SortFunc(byExpert, func(a, b *responseDoc) int { return cmp.Compare(a.ExpertID, b.ExpertID) })
		var as []delphi.Answer // one response's answers, as flatAnswers gives them
		for _, d := range byExpert {
			var err error
			if as, err = d.flatAnswers(as[:0]); err != nil {
				return err
			}
			for i := range as {
				if err := fn(&as[i]); err != nil {
					return err
				}
			}
		}
		return nil
	}
	each = func(fn func(*delphi.Response) error) error {
		for i, d := range docs {
			if d == nil {
				return read()
			}
			docs[i] = nil // the encoded answers go with the response
			r := d.responseOf(nil)
			r.Answers = make(map[string]delphi.Answer, d.Answers.sizeHint())
			if err := d.eachAnswer(func(id string, a storedAnswer) { r.Answers[id] = d.answer(id, a) }); err != nil {
				return err
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	}
	return status, answers, each, nil
}

// EachResponse calls fn with every response of a round in the order of
// ListResponses and returns fn's first error: ReadResponses's each.
func (s *Store) EachResponse(ctx context.Context, surveyID string, round int, fn func(*delphi.Response) error) error {
	_, _, each, err := s.ReadResponses(ctx, surveyID, round)
	if err != nil {
		return err
	}
	return each(fn)
}
