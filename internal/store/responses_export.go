package store

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"os"
	"slices"
	"sync"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/tempfile"
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
// While it reads, a second goroutine decompresses each response's answers
// into a nameless temporary file (answerSpool), beside the database's work
// and outside the heap: the memory of a read does not grow with the
// panel's answers. answers and each parse them from there, one response
// at a time: answers hands fn one answer at a time in the same
// delphi.Answer (fn must not keep it); each parses the next responses
// while fn handles one, releases every response after fn returns, closes
// the file, and can be called once, after answers. release closes the
// file too (for a caller that does not call each or stops it early: an
// export that fails); after it answers and each fail. It can be called
// any number of times.
func (s *Store) ReadResponses(ctx context.Context, surveyID string, round int) (status []*delphi.Response,
	answers func(fn func(*delphi.Answer) error) error, each func(fn func(*delphi.Response) error) error, release func(), err error) {
	sp, err := newAnswerSpool()
	if err != nil {
		return nil, nil, nil, nil, err
	}
	var docs []*responseDoc
	work := make(chan spoolJob, 64)
	spooled := make(chan struct{})
	go func() {
		defer close(spooled)
		for j := range work {
			sp.add(j)
		}
	}()
	err = s.scanRounds(ctx, surveyID, []int{round}, func(d *responseDoc) error {
		if d.Answers != "" {
			work <- spoolJob{no: len(docs), enc: d.Answers}
			d.Answers, d.spooled = "", int32(len(docs)+1)
		}
		docs = append(docs, d)
		return nil
	})
	close(work)
	<-spooled
	if err == nil {
		err = sp.flush()
	}
	if err != nil {
		sp.close()
		return nil, nil, nil, nil, err
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
	var mu sync.Mutex // each's start against answers
	used := false
	answers = func(fn func(*delphi.Answer) error) error {
		mu.Lock()
		defer mu.Unlock()
		if used {
			return read()
		}
		byExpert := slices.Clone(docs)
		slices.SortFunc(byExpert, func(a, b *responseDoc) int { return cmp.Compare(a.ExpertID, b.ExpertID) })
		var as []delphi.Answer // one response's answers, as flatAnswers gives them
		for _, d := range byExpert {
			u, err := sp.unspool(d)
			if err == nil {
				as, err = u.flatAnswers(as[:0])
			}
			if err != nil {
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
		mu.Lock()
		if used {
			mu.Unlock()
			return read()
		}
		used = true
		mu.Unlock()
		defer sp.close()
		// The next responses are parsed while fn writes one.
		type parsed struct {
			r   *delphi.Response
			err error
		}
		next, stop := make(chan parsed, 8), make(chan struct{})
		defer close(stop)
		go func() {
			defer close(next)
			for i, d := range docs {
				docs[i] = nil // the answers go with the response
				var p parsed
				u, err := sp.unspool(d)
				if err == nil {
					p.r, err = u.response()
				}
				p.err = err
				select {
				case next <- p:
				case <-stop:
					return
				}
				if err != nil {
					return
				}
			}
		}()
		for p := range next {
			if p.err != nil {
				return p.err
			}
			if err := fn(p.r); err != nil {
				return err
			}
		}
		return nil
	}
	release = func() {
		mu.Lock()
		used = true
		mu.Unlock()
		sp.close()
	}
	return status, answers, each, release, nil
}

// answerSpool holds the answers of a round's responses as format 2 text
// (decompressed) in a nameless temporary file while an export reads them
// (ReadResponses): the heap then holds only the responses' other fields,
// whatever the size of the panel.
type answerSpool struct {
	f     *os.File
	w     *bufio.Writer
	off   int64
	spans []answerSpan // by the number of the job
	err   error        // of the file

	closeOnce sync.Once
}

// answerSpan is where one response's answers are, or why they could not
// be decompressed (reported when they are read, as without the spool).
type answerSpan struct {
	off, n int64
	err    error
}

// spoolJob is one response's stored answers to spool, by its number in
// the order of the read.
type spoolJob struct {
	no  int
	enc encAnswers
}

func newAnswerSpool() (*answerSpool, error) {
	f, err := tempfile.New("expertenrunde-answers-")
	if err != nil {
		return nil, delphi.Internal(fmt.Errorf("answers spool: %w", err))
	}
	return &answerSpool{f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

// add decompresses j's answers and appends them to the file.
func (sp *answerSpool) add(j spoolJob) {
	for len(sp.spans) <= j.no {
		sp.spans = append(sp.spans, answerSpan{})
	}
	text, err := j.enc.text()
	if err != nil {
		sp.spans[j.no].err = err
		return
	}
	if sp.err == nil {
		_, sp.err = sp.w.WriteString(text)
	}
	sp.spans[j.no] = answerSpan{off: sp.off, n: int64(len(text))}
	sp.off += int64(len(text))
}

// flush ends the writing; the spool is read after it.
func (sp *answerSpool) flush() error {
	if sp.err == nil {
		sp.err = sp.w.Flush()
	}
	if sp.err != nil {
		return delphi.Internal(fmt.Errorf("answers spool: %w", sp.err))
	}
	return nil
}

// unspool returns a copy of d with its answers read back from the spool
// (d itself is shared by answers and each, which may run one after the
// other); a response without spooled answers is returned as it is.
func (sp *answerSpool) unspool(d *responseDoc) (*responseDoc, error) {
	if d.spooled == 0 {
		return d, nil
	}
	span := sp.spans[d.spooled-1]
	if span.err != nil {
		return nil, delphi.Internal(fmt.Errorf("response %s: decode answers: %w", d.ID, span.err))
	}
	b := make([]byte, span.n)
	if _, err := sp.f.ReadAt(b, span.off); err != nil {
		return nil, delphi.Internal(fmt.Errorf("answers spool: %w", err))
	}
	u := *d
	u.Answers, u.spooled = encAnswers(b), 0
	return &u, nil
}

// close closes the file (it has no name; its space is freed); again, it
// does nothing.
func (sp *answerSpool) close() { sp.closeOnce.Do(func() { sp.f.Close() }) }

// EachResponse calls fn with every response of a round in the order of
// ListResponses and returns fn's first error: ReadResponses's each.
func (s *Store) EachResponse(ctx context.Context, surveyID string, round int, fn func(*delphi.Response) error) error {
	_, _, each, _, err := s.ReadResponses(ctx, surveyID, round)
	if err != nil {
		return err
	}
	return each(fn)
}
