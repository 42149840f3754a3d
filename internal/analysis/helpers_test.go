package analysis

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/stats"
)

func ip(v int) *int { return &v }

func fp(v float64) *float64 { return &v }

// scale5 is the Kleinstadtakademie importance scale: 1–5, agreement 4–5,
// disagreement 1–2, with "cannot judge".
func scale5() delphi.Scale {
	sc := delphi.Scale{ID: "wichtigkeit", Agreement: delphi.Band{Min: 4, Max: 5},
		Disagreement: &delphi.Band{Min: 1, Max: 2}, Abstain: &delphi.Abstain{Label: delphi.Text{"de": "kann ich nicht beurteilen"}}}
	for v := 1; v <= 5; v++ {
		sc.Points = append(sc.Points, delphi.ScalePoint{Value: v})
	}
	return sc
}

// scale9 is a GRADE-style 1–9 scale: agreement 7–9, disagreement 1–3.
func scale9() delphi.Scale {
	sc := delphi.Scale{ID: "neun", Agreement: delphi.Band{Min: 7, Max: 9}, Disagreement: &delphi.Band{Min: 1, Max: 3}}
	for v := 1; v <= 9; v++ {
		sc.Points = append(sc.Points, delphi.ScalePoint{Value: v})
	}
	return sc
}

// kleinstadtRule is the shipped study's rule: ≥ 75 % agreement and IQR ≤ 1, n ≥ 5.
func kleinstadtRule() delphi.Rule {
	return delphi.Rule{MinN: 5, All: []delphi.Rule{
		{Agreement: &delphi.AgreementRule{MinPercent: 75}},
		{IQR: &delphi.MaxRule{Max: 1}},
	}}
}

func cometRule() delphi.Rule {
	return delphi.Rule{COMET: &delphi.COMETRule{InBand: delphi.Band{Min: 7, Max: 9}, OutBand: delphi.Band{Min: 1, Max: 3},
		MinPercent: 70, MaxOppositePercent: 15}}
}

// describe summarises integer ratings on sc as Compute does.
func describe(sc delphi.Scale, abstain int, values ...int) stats.Summary {
	c := &computer{typ: 7}
	xs := make([]float64, len(values))
	for i, v := range values {
		xs[i] = float64(v)
	}
	return stats.Describe(xs, abstain, c.describeOptions(sc))
}

// repeat returns k copies of v.
func repeat(v, k int) []int {
	out := make([]int, k)
	for i := range out {
		out[i] = v
	}
	return out
}

func concat(parts ...[]int) []int {
	var out []int
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// testDef is a small study with every item type and two groups whose
// definition order (zeta before alpha) differs from the alphabetical one.
func testDef() *delphi.Definition {
	s5 := scale5()
	s9 := scale9()
	return &delphi.Definition{
		ID: "test-study", Version: "1", Languages: []string{"de", "en"},
		Groups:       []delphi.Group{{ID: "zeta"}, {ID: "alpha"}},
		Scales:       []delphi.Scale{s5, s9},
		QuantileType: 7,
		Consensus:    kleinstadtRule(),
		Rounds: delphi.RoundPlan{Planned: 3, Feedback: delphi.Feedback{
			Statistics: []string{"n", "median", "iqr", "distribution", "agreement", "consensus"},
			Comments:   true, ByGroup: true, JustifyOutsideIQR: true}},
		Sections: []delphi.Section{
			{ID: "s1", Items: []delphi.Item{
				{ID: "R1", Type: delphi.ItemRating, Scale: "wichtigkeit", Comment: true},
				{ID: "M1", Type: delphi.ItemMultiRating, Comment: true, Criteria: []delphi.Criterion{
					{ID: "wichtigkeit", Scale: "wichtigkeit"}, {ID: "neun", Scale: "neun"}}},
			}},
			{ID: "s2", Items: []delphi.Item{
				{ID: "C1", Type: delphi.ItemSingleChoice, Options: []delphi.Option{{ID: "x"}, {ID: "y"}, {ID: "z"}}},
				{ID: "C2", Type: delphi.ItemMultipleChoice, Options: []delphi.Option{{ID: "x"}, {ID: "y"}, {ID: "z"}}},
				{ID: "K1", Type: delphi.ItemRanking, TopK: 2, Options: []delphi.Option{{ID: "a"}, {ID: "b"}, {ID: "c"}}},
				{ID: "N1", Type: delphi.ItemNumeric, Numeric: &delphi.Numeric{}},
				{ID: "X1", Type: delphi.ItemText},
			}},
		},
	}
}

// answers builds answers; experts are "id-<group>-<i>" with pseudonym
// "E-<group>-<i>", so leaks are easy to find.
type answers []delphi.Answer

func expertID(group string, i int) string  { return "id-" + group + "-" + itoa(i) }
func pseudonym(group string, i int) string { return "E-" + strings.ToUpper(group) + "-" + itoa(i) }

func itoa(i int) string { return strconv.Itoa(i) }

func (as *answers) add(item, group string, i int, v delphi.Value) *delphi.Answer {
	*as = append(*as, delphi.Answer{SurveyID: "test-study", ItemID: item, ExpertID: expertID(group, i),
		Pseudonym: pseudonym(group, i), Group: group, Value: v, Seq: int64(len(*as) + 1)})
	return &(*as)[len(*as)-1]
}

// ratings adds one rating answer per value, experts numbered from first.
func (as *answers) ratings(item, group string, first int, values ...int) {
	for i, v := range values {
		as.add(item, group, first+i, delphi.Value{Point: ip(v)})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	return string(b)
}

func approx(a, b float64) bool {
	d := a - b
	return d < 1e-12 && d > -1e-12
}
