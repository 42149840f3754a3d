package delphi

import (
	"strings"
	"testing"
)

// TestProtocolLocksRuleSetsAndMethods: a change of a criterion's or the
// numeric items' primary rule, of the alternative rule sets or of the
// Wilcoxon options is a protocol change; a study without them keeps the
// canonical JSON (and so the SHA-256) it had before these fields existed.
func TestProtocolLocksRuleSetsAndMethods(t *testing.T) {
	base := func() *Definition {
		return &Definition{Consensus: Rule{Agreement: &AgreementRule{MinPercent: 75}}, Rounds: RoundPlan{Planned: 2}}
	}
	p := &Protocol{SurveyID: "s", Fields: ProtocolOf(base())}
	c, err := p.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"consensus_criteria", "consensus_numeric", "consensus_alternatives", "analysis"} {
		if strings.Contains(string(c), k) {
			t.Errorf("canonical JSON of a study without %s names it: %s", k, c)
		}
	}
	for _, tc := range []struct {
		field  string
		change func(d *Definition)
	}{
		{"consensus_criteria", func(d *Definition) {
			d.ConsensusCriteria = map[string]Rule{"machbarkeit": {Agreement: &AgreementRule{MinPercent: 70}}}
		}},
		{"consensus_numeric", func(d *Definition) { d.ConsensusNumeric = &Rule{CV: &MaxRule{Max: 0.2}} }},
		{"consensus_alternatives", func(d *Definition) {
			d.ConsensusAlternatives = []RuleSet{{Name: "streng", Rule: &Rule{Agreement: &AgreementRule{MinPercent: 90}}}}
		}},
		{"analysis", func(d *Definition) { d.Analysis = &Analysis{Wilcoxon: &WilcoxonOptions{Method: WilcoxonNormal}} }},
	} {
		next := base()
		tc.change(next)
		got := ProtocolOf(base()).Diff(ProtocolOf(next))
		if len(got) != 1 || got[0].Field != tc.field {
			t.Errorf("changing %s: changes %+v, want exactly %s", tc.field, got, tc.field)
		}
	}
}
