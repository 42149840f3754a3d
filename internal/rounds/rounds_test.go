package rounds

import (
	"testing"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// TestNeedsAnotherRound: the no_consensus carry-over policy per item type.
func TestNeedsAnotherRound(t *testing.T) {
	outcome := func(o string) analysis.RatingResult {
		return analysis.RatingResult{Consensus: analysis.Consensus{Outcome: o}}
	}
	rating := func(o string) *analysis.RatingResult { r := outcome(o); return &r }
	crit := func(id, o string) analysis.CriterionResult {
		return analysis.CriterionResult{CriterionID: id, RatingResult: outcome(o)}
	}
	res := &analysis.RoundResults{Items: []analysis.ItemResult{
		{ItemID: "in", Rating: rating(analysis.ConsensusIn)},
		{ItemID: "out", Rating: rating(analysis.ConsensusOut)},
		{ItemID: "none", Rating: rating("none")},
		{ItemID: "multi-both", Criteria: []analysis.CriterionResult{crit("a", analysis.ConsensusIn), crit("b", analysis.ConsensusOut)}},
		{ItemID: "multi-one", Criteria: []analysis.CriterionResult{crit("a", analysis.ConsensusIn), crit("b", "none")}},
		{ItemID: "choice", Choice: &analysis.ChoiceResult{}},
		{ItemID: "open"},
		{ItemID: "estimate-in", Numeric: &analysis.NumericResult{Consensus: &analysis.Consensus{Outcome: analysis.ConsensusIn}}},
		{ItemID: "estimate-none", Numeric: &analysis.NumericResult{Consensus: &analysis.Consensus{Outcome: "none"}}},
		{ItemID: "estimate-no-rule", Numeric: &analysis.NumericResult{}},
	}}
	for _, tt := range []struct {
		id, typ string
		want    bool
	}{
		{"in", delphi.ItemRating, false},
		{"out", delphi.ItemRating, false},
		{"none", delphi.ItemRating, true},
		{"multi-both", delphi.ItemMultiRating, false},
		{"multi-one", delphi.ItemMultiRating, true},
		{"choice", delphi.ItemSingleChoice, true},
		{"open", delphi.ItemText, false},
		{"estimate-in", delphi.ItemNumeric, false}, // consensus_numeric holds
		{"estimate-none", delphi.ItemNumeric, true},
		{"estimate-no-rule", delphi.ItemNumeric, true}, // no numeric rule: asked again
		{"missing", delphi.ItemRating, true},           // not in the results: asked again
	} {
		if got := NeedsAnotherRound(delphi.Item{ID: tt.id, Type: tt.typ}, res); got != tt.want {
			t.Errorf("%s (%s): %v, want %v", tt.id, tt.typ, got, tt.want)
		}
	}
}
