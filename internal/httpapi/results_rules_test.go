package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestResultsAlternativeRules: the study is re-imported through the API
// with a per-criterion rule and two alternatives while round 2 is open.
// Round 2's live results carry the rule sets (primary first, with their
// texts) and each criterion's outcomes under the alternatives; the board
// names them; round 1, frozen before, keeps its snapshot without them.
// Round 2: ten experts rate T01 4 and 4: wichtigkeit 100 % in 4–5, in
// under the primary rule (≥ 75 %, IQR ≤ 1, n ≥ 5), streng (≥ 90 %) and lax
// (≥ 60 %); umsetzbarkeit under its own rule (≥ 70 %) in as well.
func TestResultsAlternativeRules(t *testing.T) {
	e := newResultsEnv(t)
	src := readFile(t, "../../surveys/kleinstadtakademie-2020.yaml") + `
consensus_criteria:
  umsetzbarkeit: {min_n: 5, agreement: {min_percent: 70}}
consensus_alternatives:
  - name: streng
    label: {de: Streng, en: Strict}
    rule: {agreement: {min_percent: 90}}
  - name: lax
    rule: {agreement: {min_percent: 60}}
`
	req := httptest.NewRequest(http.MethodPost, "/api/v1/surveys?filename=ksa.yaml", strings.NewReader(src))
	req.Header.Set("Content-Type", "application/yaml")
	req.Header.Set("Authorization", "Bearer "+e.login("admin"))
	if status, _, body := e.do(req); status != 200 && status != 201 {
		t.Fatalf("re-import: %d %s", status, body)
	}

	status, body := e.get("researcher", round2URL)
	if status != 200 {
		t.Fatalf("round 2: %d %s", status, body)
	}
	var r2 struct {
		RuleSets []struct {
			Name         string                       `json:"name"`
			Primary      bool                         `json:"primary"`
			Text         map[string]string            `json:"text"`
			CriteriaText map[string]map[string]string `json:"criteria_text"`
		} `json:"rule_sets"`
		Items []struct {
			ItemID   string `json:"item_id"`
			Criteria []struct {
				CriterionID string `json:"criterion_id"`
				Consensus   struct {
					Outcome, Reason string
				} `json:"consensus"`
				Alternatives []struct {
					Rule, Outcome string
				} `json:"alternatives"`
			} `json:"criteria"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &r2); err != nil {
		t.Fatal(err)
	}
	if len(r2.RuleSets) != 3 || r2.RuleSets[0].Name != "primary" || !r2.RuleSets[0].Primary || r2.RuleSets[1].Name != "streng" || r2.RuleSets[2].Name != "lax" {
		t.Fatalf("rule sets %+v", r2.RuleSets)
	}
	if got := r2.RuleSets[0].CriteriaText["umsetzbarkeit"]["en"]; !strings.HasPrefix(got, "Consensus when at least 70% agreement") {
		t.Errorf("umsetzbarkeit rule text %q", got)
	}
	if got := r2.RuleSets[1].Text["de"]; !strings.HasPrefix(got, "Konsens, wenn mindestens 90 % Zustimmung") {
		t.Errorf("streng rule text %q", got)
	}
	found := 0
	for _, it := range r2.Items {
		if it.ItemID != "T01" {
			continue
		}
		for _, c := range it.Criteria {
			found++
			if c.Consensus.Outcome != "consensus_in" || len(c.Alternatives) != 2 ||
				c.Alternatives[0].Rule != "streng" || c.Alternatives[0].Outcome != "consensus_in" ||
				c.Alternatives[1].Rule != "lax" || c.Alternatives[1].Outcome != "consensus_in" {
				t.Errorf("T01 %s: %+v", c.CriterionID, c)
			}
			if c.CriterionID == "umsetzbarkeit" && c.Consensus.Reason != "agreement=in" {
				t.Errorf("umsetzbarkeit judged by %q, want its own rule", c.Consensus.Reason)
			}
		}
	}
	if found != 2 {
		t.Fatalf("T01 criteria: %d", found)
	}

	e.run([]scenario{
		{name: "the board names the alternatives", method: "GET", url: overviewURL, as: "researcher", status: 200,
			want: []string{`"alternatives":[{"name":"streng","label":{"de":"Streng","en":"Strict"}},{"name":"lax"}]`,
				`"alternatives":[{"rule":"streng","outcome":"consensus_in"},{"rule":"lax","outcome":"consensus_in"}]`}},
		{name: "the frozen round 1 keeps its snapshot", method: "GET", url: round1URL, as: "researcher", status: 200,
			want: []string{`"round":1`}, notWant: []string{`"rule":"streng"`, `"name":"streng"`}},
	})
}
