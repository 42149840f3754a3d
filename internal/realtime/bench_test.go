package realtime

import (
	"fmt"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

func BenchmarkStatus(b *testing.B) {
	def := &delphi.Definition{
		ID: "b", Scales: []delphi.Scale{{ID: "five", Points: []delphi.ScalePoint{{Value: 1}, {Value: 2}, {Value: 3}, {Value: 4}, {Value: 5}}, Agreement: delphi.Band{Min: 4, Max: 5}}},
		Consensus: delphi.Rule{MinN: 3, All: []delphi.Rule{{Agreement: &delphi.AgreementRule{MinPercent: 75}}, {IQR: &delphi.MaxRule{Max: 1}}}},
		Rounds:    delphi.RoundPlan{Planned: 1, Feedback: delphi.Feedback{Statistics: []string{"n", "median", "iqr"}, Count: "all", JustifyOutsideIQR: true}},
	}
	it := delphi.Item{ID: "r1", Type: delphi.ItemRating, Scale: "five"}
	r := &delphi.Round{SurveyID: "b", Number: 1}
	var others []delphi.Answer
	for i := range 200 {
		p := 1 + i%5
		others = append(others, delphi.Answer{ItemID: "r1", ExpertID: fmt.Sprint(i), Group: "g", Value: delphi.Value{Point: &p}, Seq: 1})
	}
	now := time.Now()
	for b.Loop() {
		status(def, r, it, others, now)
	}
}
