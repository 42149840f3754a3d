package panelflow

import (
	"fmt"
	"testing"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// benchRounds is two closed rounds of a panel of n experts in two groups
// rating k items on 1–9; every fifth expert leaves after round 1.
func benchRounds(n, k int) ([]*delphi.Expert, []RoundData) {
	var items []delphi.RoundItem
	for i := range k {
		items = append(items, delphi.RoundItem{Item: delphi.Item{ID: fmt.Sprintf("q%02d", i), Type: delphi.ItemRating}, Origin: delphi.OriginInitial})
	}
	r1 := RoundData{Round: delphi.Round{Number: 1, Status: delphi.RoundClosed, ClosedAt: at(10), Items: items}}
	r2 := RoundData{Round: delphi.Round{Number: 2, Status: delphi.RoundClosed, ClosedAt: at(20), Items: items}}
	var experts []*delphi.Expert
	for e := range n {
		id, g := fmt.Sprintf("E%05d", e), []string{"a", "b"}[e%2]
		experts = append(experts, expert(id, g))
		r := resp(1, id, g, true, true, true)
		for i := range k {
			r.Answers[items[i].Item.ID] = delphi.Answer{Value: delphi.Value{Point: ip(1 + (e*7+i*3)%9)}}
		}
		r1.Responses = append(r1.Responses, r)
		if e%5 != 0 {
			r2.Responses = append(r2.Responses, resp(2, id, g, true, true, true))
		}
	}
	return experts, []RoundData{r1, r2}
}

func BenchmarkFlowAndAttrition1000x50(b *testing.B) {
	experts, rounds := benchRounds(1000, 50)
	def := &delphi.Definition{Groups: []delphi.Group{{ID: "a"}, {ID: "b"}}}
	b.ReportAllocs()
	for b.Loop() {
		ComputeFlow(def, experts, rounds)
		ComputeAttrition(def, rounds)
	}
}
