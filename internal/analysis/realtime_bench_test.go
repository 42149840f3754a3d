package analysis

import (
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// BenchmarkRealtime200x50 replays the history of a real-time study with
// 200 experts and 50 rating items (testDef's scale), each expert answering
// every item and revising it twice, the second time after feedback: 30,000
// revisions, each its own moment.
func BenchmarkRealtime200x50(b *testing.B) {
	def := rtDef(delphi.CountAll)
	var items []delphi.Item
	for i := range 50 {
		items = append(items, delphi.Item{ID: "R" + itoa(i), Type: delphi.ItemRating, Scale: "wichtigkeit"})
	}
	var revs []delphi.Revision
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for pass := range 3 {
		for e := range 200 {
			for i, it := range items {
				p := 1 + (e*7+i*3+pass*2)%5
				revs = append(revs, delphi.Revision{ItemID: it.ID, ExpertID: "x" + itoa(e), Value: delphi.Value{Point: ip(p)},
					At: t0.Add(time.Duration(len(revs)) * time.Second), SawFeedback: pass == 2})
			}
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		Realtime(RealtimeInput{Def: def, Items: items, Revisions: revs})
	}
	b.ReportMetric(float64(len(revs))*float64(b.N)/b.Elapsed().Seconds(), "revisions/s")
}
