package panelflow

import "github.com/expertenrunde/expertenrunde/internal/delphi"

// Round0Flow is the item flow of a study's open round 0: the suggestions
// that came in, what became of them, and the items curated from them for
// round 1 (docs/STATISTICS.md, Flow).
type Round0Flow struct {
	Experts     int `json:"experts"`     // experts who made at least one suggestion
	Suggestions int `json:"suggestions"` // suggestions in (withdrawn ones not counted)
	Accepted    int `json:"accepted"`    // each became one item of its own
	Merged      int `json:"merged"`      // merged with others into one item
	Split       int `json:"split"`       // split into several items
	Rejected    int `json:"rejected"`    // not taken, with a reason
	Open        int `json:"open"`        // not curated (yet)
	Items       int `json:"items"`       // items curated from them, asked in round 1
}

// ComputeRound0 counts the round 0 flow of a curation.
func ComputeRound0(c *delphi.Curation) *Round0Flow {
	out := &Round0Flow{Suggestions: len(c.Suggestions), Items: len(c.Items)}
	experts := map[string]bool{}
	for _, sg := range c.Suggestions {
		experts[sg.ExpertID] = true
		switch sg.Status {
		case delphi.SuggestionAccepted:
			out.Accepted++
		case delphi.SuggestionMerged:
			out.Merged++
		case delphi.SuggestionSplit:
			out.Split++
		case delphi.SuggestionRejected:
			out.Rejected++
		default:
			out.Open++
		}
	}
	out.Experts = len(experts)
	return out
}
