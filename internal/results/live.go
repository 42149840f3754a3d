package results

import (
	"context"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

type liveKey struct {
	survey string
	round  int
}

// liveEntry is one live computation, in flight until done is closed.
type liveEntry struct {
	done chan struct{}
	res  *analysis.RoundResults
	err  error
}

// liveRound computes an open round's results, sharing them between callers:
// concurrent requests wait for one computation, and a result younger than
// LiveTTL (by ComputedAt) is returned again. Results are shared: callers
// must not change them. A caller that reads the answers itself (answers
// set: the export) takes fresh or pending shared results, and otherwise
// computes results of its own, which are not shared: they keep their free
// texts in the answers' TextStore, so that an export's memory does not
// grow with the panel (docs/PERFORMANCE.md).
func (s *Service) liveRound(ctx context.Context, sv *delphi.Survey, r *delphi.Round, answers AnswersFunc) (*analysis.RoundResults, error) {
	if s.LiveTTL <= 0 {
		return s.compute(ctx, sv.Definition, r, s.now(), true, true, answers)
	}
	k := liveKey{r.SurveyID, r.Number}
	s.mu.Lock()
	if e := s.live[k]; e != nil {
		select {
		case <-e.done:
			if e.err == nil && s.now().Sub(e.res.ComputedAt) < s.LiveTTL {
				s.mu.Unlock()
				return e.res, nil
			}
		default:
			s.mu.Unlock()
			select {
			case <-e.done:
				return e.res, e.err
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
	}
	if answers != nil {
		s.mu.Unlock()
		return s.compute(ctx, sv.Definition, r, s.now(), true, true, answers)
	}
	e := &liveEntry{done: make(chan struct{})}
	if s.live == nil {
		s.live = map[liveKey]*liveEntry{}
	}
	s.live[k] = e
	s.mu.Unlock()

	e.res, e.err = s.compute(ctx, sv.Definition, r, s.now(), true, false, answers)
	close(e.done)
	if e.err != nil {
		s.mu.Lock()
		if s.live[k] == e {
			delete(s.live, k)
		}
		s.mu.Unlock()
	}
	return e.res, e.err
}

// forget drops the shared live result of a round, e.g. once it is closed.
func (s *Service) forget(surveyID string, n int) {
	s.mu.Lock()
	delete(s.live, liveKey{surveyID, n})
	s.mu.Unlock()
}
