package survey

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// TestConsensusRuleSets reads the valid fixture with a per-criterion and a
// numeric primary rule and two alternatives, and checks which rule each
// set gives each item.
func TestConsensusRuleSets(t *testing.T) {
	data, err := os.ReadFile("../../surveys/testdata/valid/consensus-rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d := mustParse(t, "consensus-rules.yaml", data)
	sets := d.RuleSets()
	var names []string
	for _, s := range sets {
		names = append(names, s.Name)
	}
	if !slices.Equal(names, []string{"primary", "streng", "lax"}) {
		t.Fatalf("rule sets %v", names)
	}
	if got := sets[1].Label.Get("en"); got != "Strict (80%)" {
		t.Errorf("label %q", got)
	}
	t01, _ := d.Item("T01")
	t02, _ := d.Item("T02")
	n01, _ := d.Item("N01")
	pct := func(r delphi.Rule, ok bool) float64 {
		t.Helper()
		if !ok {
			return -1
		}
		switch {
		case r.Agreement != nil:
			return r.Agreement.MinPercent
		case len(r.All) > 0 && r.All[0].Agreement != nil:
			return r.All[0].Agreement.MinPercent
		}
		return 0
	}
	cases := []struct {
		set       int
		item      delphi.Item
		criterion string
		want      float64 // the agreement threshold; 0: a rule without one; -1: no rule
	}{
		{0, t01, "", 75}, {0, t02, "wichtigkeit", 75}, {0, t02, "machbarkeit", 70}, {0, n01, "", 0},
		{1, t01, "", 80}, {1, t02, "machbarkeit", 80}, {1, n01, "", 0},
		{2, t01, "", 60}, {2, t02, "wichtigkeit", 60}, {2, t02, "machbarkeit", 55}, {2, n01, "", -1},
	}
	for _, c := range cases {
		if got := pct(sets[c.set].For(c.item, c.criterion)); got != c.want {
			t.Errorf("%s %s/%s: %v, want %v", sets[c.set].Name, c.item.ID, c.criterion, got, c.want)
		}
	}
	if r, _ := sets[0].For(n01, ""); r.IQRRelative == nil || r.IQRRelative.Max != 0.1 || r.MinN != 5 {
		t.Errorf("primary numeric rule %+v", r)
	}
	if r, _ := sets[1].For(n01, ""); r.CV == nil || r.CV.Max != 0.2 {
		t.Errorf("streng numeric rule %+v", r)
	}
}

// TestDocRuleSets keeps the example of "Several rules" in
// docs/STUDY-FORMAT.md valid: with a multi_rating item that has the
// criterion machbarkeit and a numeric item with a range.
func TestDocRuleSets(t *testing.T) {
	doc, err := os.ReadFile("../../docs/STUDY-FORMAT.md")
	if err != nil {
		t.Fatal(err)
	}
	var block string
	for _, part := range strings.Split(string(doc), "```yaml\n")[1:] {
		if b, _, _ := strings.Cut(part, "```"); strings.Contains(b, "consensus_alternatives:") {
			block = b
		}
	}
	if block == "" {
		t.Fatal("no example with consensus_alternatives")
	}
	src := strings.Replace(minimal, "consensus:\n  agreement: {min_percent: 75}\n", block, 1) + `      - id: T02
        type: multi_rating
        text: {de: Mobilität, en: Mobility}
        criteria:
          - {id: machbarkeit, label: {de: Machbarkeit, en: Feasibility}, scale: wichtig5}
      - id: N01
        type: numeric
        text: {de: Anteil, en: Share}
        numeric: {min: 0, max: 100}
`
	d := mustParse(t, "doc", []byte(src))
	if len(d.RuleSets()) != 3 || d.ConsensusNumeric == nil || d.ConsensusCriteria["machbarkeit"].Agreement.MinPercent != 70 {
		t.Errorf("rule sets %+v", d.RuleSets())
	}
}
