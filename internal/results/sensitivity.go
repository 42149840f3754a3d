package results

import (
	"context"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Sensitivity returns the threshold sensitivity report of round n
// (analysis.SensitivityOf) on the round's results as Round gives them, with
// the study's named alternative rules (analysis.ExtraRules). Errors as Round.
func (s *Service) Sensitivity(ctx context.Context, surveyID string, n int) (*analysis.Sensitivity, error) {
	r, err := s.Rounds.Round(ctx, surveyID, n)
	if err != nil {
		return nil, err
	}
	sv, err := s.Surveys.SurveyByID(ctx, surveyID)
	if err != nil {
		return nil, err
	}
	res, err := s.round(ctx, sv, r, nil)
	if err != nil {
		return nil, err
	}
	return SensitivityOf(sv.Definition, r, res), nil
}

// SensitivityOf is the report of round r from its results res: the one
// place the API and the export build it.
func SensitivityOf(def *delphi.Definition, r *delphi.Round, res *analysis.RoundResults) *analysis.Sensitivity {
	return analysis.SensitivityOf(analysis.SensitivityInput{Def: def, Items: RoundItems(r), Results: res, Extra: analysis.ExtraRules(def)})
}
