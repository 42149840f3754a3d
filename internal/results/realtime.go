package results

import (
	"context"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Realtime returns the analysis of a real-time study's revision history
// (analysis.Realtime): per item the panel's median and IQR over time, the
// revisions after feedback and first versus last answers. While the
// study's round is open it is live (computed now); once closed it is
// computed as of the close, and so the same on every call.
//
// ENOTFOUND for an unknown study; ECONFLICT (reason not_realtime) for a
// study that is not in real-time mode, and ECONFLICT for one whose round
// was never opened; EUNAVAILABLE without a revision store.
func (s *Service) Realtime(ctx context.Context, surveyID string) (*analysis.RealtimeResults, error) {
	res, _, err := s.RealtimeHistory(ctx, surveyID)
	return res, err
}

// RealtimeHistory is Realtime that also returns the revisions it analysed
// (for the export's sheet of them). Errors as Realtime.
func (s *Service) RealtimeHistory(ctx context.Context, surveyID string) (*analysis.RealtimeResults, []delphi.Revision, error) {
	sv, err := s.Surveys.SurveyByID(ctx, surveyID)
	if err != nil {
		return nil, nil, err
	}
	if !sv.Definition.Realtime() {
		return nil, nil, delphi.Errorf(delphi.ECONFLICT, "study %s does not run in real-time mode; it has no revision history", surveyID).
			WithReason(delphi.ReasonNotRealtime, nil)
	}
	if s.Revisions == nil {
		return nil, nil, delphi.Errorf(delphi.EUNAVAILABLE, "the revision history is not available on this server")
	}
	r, err := s.realtimeRound(ctx, surveyID)
	if err != nil {
		return nil, nil, err
	}
	revs, err := s.Revisions.ListRevisions(ctx, surveyID)
	if err != nil {
		return nil, nil, err
	}
	responses, err := s.Responses.ListResponses(ctx, surveyID, r.Number)
	if err != nil {
		return nil, nil, err
	}
	submitted := make(map[string]time.Time, len(responses))
	for _, resp := range responses {
		if resp.SubmittedAt != nil {
			submitted[resp.ExpertID] = *resp.SubmittedAt
		}
	}
	at, live := s.now(), r.Status == delphi.RoundOpen
	if !live && r.ClosedAt != nil {
		at = r.ClosedAt.UTC()
	}
	return analysis.Realtime(analysis.RealtimeInput{Def: sv.Definition, Items: RoundItems(r), Revisions: revs,
		Submitted: submitted, ComputedAt: at, Live: live}), revs, nil
}

// realtimeRound returns the one round of a real-time study, the first
// that was opened. ECONFLICT when there is none yet.
func (s *Service) realtimeRound(ctx context.Context, surveyID string) (*delphi.Round, error) {
	rounds, err := s.Rounds.ListRounds(ctx, surveyID)
	if err != nil {
		return nil, err
	}
	for _, r := range rounds {
		if r.Status == delphi.RoundOpen || r.Status == delphi.RoundClosed {
			return r, nil
		}
	}
	return nil, delphi.Errorf(delphi.ECONFLICT, "the real-time round of %s has not been opened yet; it has no history", surveyID)
}
