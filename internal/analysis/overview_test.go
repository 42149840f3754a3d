package analysis

import (
	"slices"
	"testing"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

func TestOverview(t *testing.T) {
	def := testDef()
	var a1, a2 answers
	// Round 1: R1 reaches consensus in; M1's criteria do not (n 4 < 5).
	a1.ratings("R1", "zeta", 1, 5, 5, 4, 4, 4, 4, 3, 2)
	for i := 1; i <= 4; i++ {
		a1.add("M1", "zeta", i, delphi.Value{Criteria: map[string]delphi.Value{"wichtigkeit": {Point: ip(5)}, "neun": {Point: ip(1)}}})
	}
	a1.add("C1", "zeta", 1, delphi.Value{Choice: "x"})
	r1 := Compute(Input{Def: def, Round: 1, Items: def.Items(), Answers: a1, ComputedAt: at})
	// Round 2 asks only M1 (carry-over of items without consensus), in reverse
	// order with C1 to check that rows follow the definition.
	it2 := []delphi.Item{def.Sections[1].Items[0], def.Sections[0].Items[1]}
	for i := 1; i <= 5; i++ {
		a2.add("M1", "alpha", i, delphi.Value{Criteria: map[string]delphi.Value{"wichtigkeit": {Point: ip(5)}, "neun": {Point: ip(1)}}})
	}
	r2 := Compute(Input{Def: def, Round: 2, Items: it2, Answers: a2, Previous: a1, ComputedAt: at})

	b := Overview([]*RoundResults{r2, nil, r1})
	if !slices.Equal(b.Rounds, []int{1, 2}) {
		t.Fatalf("rounds %v", b.Rounds)
	}
	var keys []string
	for _, row := range b.Rows {
		keys = append(keys, row.ItemID+"/"+row.CriterionID)
	}
	want := []string{"R1/", "M1/wichtigkeit", "M1/neun", "C1/", "C2/", "K1/", "N1/", "X1/"}
	if !slices.Equal(keys, want) {
		t.Fatalf("rows %v, want %v", keys, want)
	}
	r1row := b.Rows[0]
	if r1row.SectionID != "s1" || r1row.Type != delphi.ItemRating || len(r1row.Cells) != 2 {
		t.Errorf("R1 row %+v", r1row)
	}
	c := r1row.Cells[0]
	if !c.Present || c.Round != 1 || c.Outcome != ConsensusIn || c.N != 8 || c.Median.Value != 4 || c.IQR.Value != 0.5 || c.AgreementPercent.Value != 75 {
		t.Errorf("R1 round 1 %+v", c)
	}
	if c := r1row.Cells[1]; c.Present || c.Round != 2 || c.Outcome != "" {
		t.Errorf("R1 round 2 %+v", c)
	}
	w1, w2 := b.Rows[1].Cells[0], b.Rows[1].Cells[1]
	if w1.Outcome != ConsensusNone || w1.N != 4 || w2.Outcome != ConsensusIn || w2.N != 5 {
		t.Errorf("M1 wichtigkeit %+v / %+v", w1, w2)
	}
	if n2 := b.Rows[2].Cells[1]; n2.Outcome != ConsensusOut {
		t.Errorf("M1 neun round 2 %+v", n2)
	}
	if c1 := b.Rows[3].Cells; !c1[0].Present || c1[0].N != 1 || c1[0].Outcome != "" || !c1[1].Present || c1[1].N != 0 {
		t.Errorf("C1 cells %+v", c1)
	}
	// Round 1: R1 in, two criteria none; round 2: one in, one out.
	if !slices.Equal(b.Tally, []RoundTally{{1, 1, 0, 2}, {2, 1, 1, 0}}) {
		t.Errorf("tally %+v", b.Tally)
	}
	if e := Overview(nil); len(e.Rows) != 0 || len(e.Rounds) != 0 {
		t.Errorf("empty board %+v", e)
	}
	mustJSON(t, b)
}
