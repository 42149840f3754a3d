package store

import (
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
// nil) for counting; answers, which returns the round's answers as
// ListAnswersRounds does (for its live results); and each, which calls fn
// with every response, answers included, and returns fn's first error.
// The answers stay in their stored encoding (format 2 takes about a fifth
// of the memory of the decoded answers, format 3 a twentieth) until answers
// or each decode them; each decodes the responses on a goroutine of its
// own, at most decodeAhead ahead of fn (so decoding and writing share the
// two cores), and releases every response after fn gets it, so it can be
// called once, after answers.
func (s *Store) ReadResponses(ctx context.Context, surveyID string, round int) (status []*delphi.Response,
	answers func() ([]delphi.Answer, error), each func(fn func(*delphi.Response) error) error, err error) {
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
	streamed := false
	read := func() error {
		return delphi.Errorf(delphi.EINTERNAL, "the responses of round %d were read already", round)
	}
	answers = func() ([]delphi.Answer, error) {
		if streamed {
			return nil, read()
		}
		return flatAnswers(slices.Clone(docs))
	}
	each = func(fn func(*delphi.Response) error) error {
		if streamed {
			return read()
		}
		streamed = true
		ds := docs
		docs = nil // the encoded answers go with their responses
		return decodeAhead(ds, fn)
	}
	return status, answers, each, nil
}

// aheadMax is how many decoded responses decodeAhead holds at most.
const aheadMax = 8

// decodeAhead calls fn with the response of each of ds in order and returns
// the first error. A goroutine decodes them, at most aheadMax ahead of fn,
// and drops each document once decoded; it stops when fn fails.
func decodeAhead(ds []*responseDoc, fn func(*delphi.Response) error) error {
	type decoded struct {
		r   *delphi.Response
		err error
	}
	out := make(chan decoded, aheadMax)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(out)
		for i, d := range ds {
			ds[i] = nil
			r := d.responseOf(nil)
			r.Answers = make(map[string]delphi.Answer, d.Answers.sizeHint())
			err := d.eachAnswer(func(id string, a storedAnswer) { r.Answers[id] = d.answer(id, a) })
			select {
			case out <- decoded{r, err}:
			case <-stop:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	for x := range out {
		if x.err != nil {
			return x.err
		}
		if err := fn(x.r); err != nil {
			return err
		}
	}
	return nil
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
