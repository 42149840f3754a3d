package panelflow

import (
	"context"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Service loads what the flow and attrition reports need; usually every
// reader is the one *store.Store and Results the results.Service the
// results API uses (so the consensus counts match the board).
type Service struct {
	Surveys interface {
		SurveyByID(ctx context.Context, id string) (*delphi.Survey, error)
	}
	Rounds interface {
		ListRounds(ctx context.Context, surveyID string) ([]*delphi.Round, error)
	}
	Responses delphi.ResponseStore
	Experts   interface {
		ListExperts(ctx context.Context, surveyID string) ([]*delphi.Expert, error)
	}
	// Mail, optional, gives the invitations sent per round; without it
	// every invited expert counts as invited by link.
	Mail interface {
		ListMailSends(ctx context.Context, surveyID string, round int) ([]*delphi.MailSend, error)
	}
	Results interface {
		Round(ctx context.Context, surveyID string, n int) (*analysis.RoundResults, error)
	}
	// Curation, optional, gives the round 0 flow of a study with an open
	// round 0 (Flow.Round0).
	Curation delphi.CurationStore
}

// Flow returns the participant and item flow of a study. ENOTFOUND for an
// unknown study; the stores' errors.
func (s *Service) Flow(ctx context.Context, surveyID string) (*Flow, error) {
	sv, rounds, err := s.rounds(ctx, surveyID, true)
	if err != nil {
		return nil, err
	}
	experts, err := s.Experts.ListExperts(ctx, sv.ID)
	if err != nil {
		return nil, err
	}
	f := ComputeFlow(sv.Definition, experts, rounds)
	if sv.Definition.HasRound0() && s.Curation != nil {
		c, err := s.Curation.Curation(ctx, sv.ID)
		if err != nil {
			return nil, err
		}
		f.Round0 = ComputeRound0(c)
	}
	return f, nil
}

// Attrition returns the attrition comparison of a study. ENOTFOUND for an
// unknown study; the stores' errors.
func (s *Service) Attrition(ctx context.Context, surveyID string) (*Attrition, error) {
	sv, rounds, err := s.rounds(ctx, surveyID, false)
	if err != nil {
		return nil, err
	}
	return ComputeAttrition(sv.Definition, rounds), nil
}

// rounds reads the study and its opened and closed rounds with their
// responses, and (full) their mail sends and results.
func (s *Service) rounds(ctx context.Context, surveyID string, full bool) (*delphi.Survey, []RoundData, error) {
	sv, err := s.Surveys.SurveyByID(ctx, surveyID)
	if err != nil {
		return nil, nil, err
	}
	rs, err := s.Rounds.ListRounds(ctx, sv.ID)
	if err != nil {
		return nil, nil, err
	}
	var out []RoundData
	for _, r := range rs {
		if r.Status != delphi.RoundOpen && r.Status != delphi.RoundClosed {
			continue
		}
		rd := RoundData{Round: *r}
		if rd.Responses, err = s.Responses.ListResponses(ctx, sv.ID, r.Number); err != nil {
			return nil, nil, err
		}
		if full {
			if s.Mail != nil {
				if rd.Sends, err = s.Mail.ListMailSends(ctx, sv.ID, r.Number); err != nil {
					return nil, nil, err
				}
			}
			if rd.Results, err = s.Results.Round(ctx, sv.ID, r.Number); err != nil {
				return nil, nil, err
			}
		}
		out = append(out, rd)
	}
	return sv, out, nil
}
