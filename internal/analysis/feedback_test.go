package analysis

import (
	"slices"
	"strings"
	"testing"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// feedbackRound: R1 is the worked example (zeta), with comments, one
// justification and one text answer; alpha has two ratings.
func feedbackRound(t *testing.T) (*delphi.Definition, *RoundResults) {
	t.Helper()
	def := testDef()
	var as answers
	as.ratings("R1", "zeta", 1, 5, 5, 4, 4, 4, 4, 3, 2)
	as.ratings("R1", "alpha", 1, 4, 5)
	as[0].Comment = "Sehr wichtig."
	as[7].Justification = "Kaum umsetzbar."
	as[8].Comment = "Alpha meint: ja." // alpha after zeta by group, first by text
	as.add("X1", "zeta", 1, delphi.Value{Text: "Eine Idee"})
	as.add("C1", "zeta", 1, delphi.Value{Choice: "y"})
	as.add("K1", "zeta", 1, delphi.Value{Choices: []string{"b", "a"}})
	as.add("N1", "zeta", 1, delphi.Value{Number: fp(3)})
	for i := 1; i <= 5; i++ {
		as.add("M1", "zeta", i, delphi.Value{Criteria: map[string]delphi.Value{"wichtigkeit": {Point: ip(4)}, "neun": {Point: ip(i)}}})
	}
	return def, compute(def, as, nil)
}

func TestFeedbackOptions(t *testing.T) {
	def, r := feedbackRound(t)

	// The study's options: n, median, iqr, distribution, agreement, consensus;
	// comments and by group.
	f := Feedback(r, def.Rounds.Feedback)
	if len(f) != len(r.Items) {
		t.Fatalf("%d items, want %d", len(f), len(r.Items))
	}
	r1 := f["R1"].Rating
	if r1 == nil || r1.N != 10 || r1.Median.Value != 4 || r1.Q1 == nil || r1.IQR == nil || r1.Distribution == nil ||
		r1.AgreementPercent.Value != 80 || r1.Consensus != ConsensusIn || r1.Mean != nil || r1.SD != nil {
		t.Fatalf("R1 %+v", r1)
	}
	if len(r1.ByGroup) != 2 || r1.ByGroup["alpha"].N != 2 || r1.ByGroup["alpha"].Consensus != ConsensusNone {
		t.Errorf("R1 by group %+v", r1.ByGroup)
	}
	want := []Comment{{"Kaum umsetzbar.", "zeta", KindJustification}, {"Sehr wichtig.", "zeta", KindComment}, {"Alpha meint: ja.", "alpha", KindComment}}
	if !slices.Equal(f["R1"].Comments, want) {
		t.Errorf("R1 comments %+v", f["R1"].Comments)
	}
	if x := f["X1"]; x.N != 1 || len(x.Comments) != 0 {
		t.Errorf("X1 %+v: text answers are not fed back", x)
	}
	if c := f["C1"].Choice; c == nil || c.N != 1 || len(c.Options) != 3 {
		t.Errorf("C1 %+v", c)
	}
	if k := f["K1"].Ranking; k == nil || k.M != 1 || len(k.Options) != 3 || k.TopK != 2 {
		t.Errorf("K1 %+v", k)
	}
	if n := f["N1"].Numeric; n == nil || n.Median.Value != 3 || n.Distribution != nil || n.AgreementPercent != nil || n.Consensus != "" {
		t.Errorf("N1 %+v", n)
	}
	if m := f["M1"]; len(m.Criteria) != 2 || m.Criteria[1].CriterionID != "neun" || m.Criteria[1].Median.Value != 3 {
		t.Errorf("M1 %+v", m)
	}

	// Only n and median; no comments, no groups, no justification rule.
	f = Feedback(r, delphi.Feedback{Statistics: []string{"n", "median"}})
	r1 = f["R1"].Rating
	if r1.N != 10 || r1.Median == nil || r1.Q1 != nil || r1.IQR != nil || r1.Distribution != nil || r1.Abstentions != nil ||
		r1.AgreementPercent != nil || r1.Consensus != "" || r1.ByGroup != nil || f["R1"].Comments != nil {
		t.Errorf("minimal R1 %+v", r1)
	}
	// Comments without group feedback: no group, ordered by text alone.
	f2 := Feedback(r, delphi.Feedback{Comments: true})
	want = []Comment{{"Alpha meint: ja.", "", KindComment}, {"Kaum umsetzbar.", "", KindJustification}, {"Sehr wichtig.", "", KindComment}}
	if !slices.Equal(f2["R1"].Comments, want) {
		t.Errorf("comments without groups %+v", f2["R1"].Comments)
	}
	if c := f["C1"].Choice; c.N != 1 || c.Options != nil {
		t.Errorf("minimal C1 %+v", c)
	}
	js := mustJSON(t, f["R1"])
	for _, key := range []string{`"q1"`, `"distribution"`, `"consensus"`, `"by_group"`, `"comments"`, `"agreement_percent"`} {
		if strings.Contains(js, key) {
			t.Errorf("%s shown without being asked for: %s", key, js)
		}
	}

	// The justification rule needs the IQR band even when "iqr" is not listed.
	f = Feedback(r, delphi.Feedback{Statistics: []string{"median", "mean", "sd"}, JustifyOutsideIQR: true})
	if r1 := f["R1"].Rating; r1.Q1 == nil || r1.Q3 == nil || r1.Mean == nil || r1.SD == nil {
		t.Errorf("justify R1 %+v", r1)
	}
	if len(Feedback(nil, def.Rounds.Feedback)) != 0 {
		t.Error("nil results")
	}
}

// OutsideIQR: [5,5,4,4,4,4,3,2] has Q1 3.75 and Q3 4.25; only 4 lies inside.
func TestOutsideIQR(t *testing.T) {
	def := testDef()
	var as answers
	as.ratings("R1", "zeta", 1, 5, 5, 4, 4, 4, 4, 3, 2)
	for i, v := range []int{5, 5, 4, 4, 4, 4, 3, 2} {
		// wichtigkeit as R1; neun: all 7 → Q1 = Q3 = 7.
		as.add("M1", "zeta", i+1, delphi.Value{Criteria: map[string]delphi.Value{"wichtigkeit": {Point: ip(v)}, "neun": {Point: ip(7)}}})
	}
	r := compute(def, as, nil)
	r1 := item(t, r, "R1")
	for v, want := range map[int]bool{1: true, 2: true, 3: true, 4: false, 5: true} {
		if got := r1.Rating.OutsideIQR(float64(v)); got != want {
			t.Errorf("rating %d: %v, want %v", v, got, want)
		}
	}
	if !OutsideIQR(r1.Rating.Overall.Q1, r1.Rating.Overall.Q3, 3.7499) || OutsideIQR(r1.Rating.Overall.Q1, r1.Rating.Overall.Q3, 3.75) ||
		OutsideIQR(r1.Rating.Overall.Q1, r1.Rating.Overall.Q3, 4.25) {
		t.Error("the bounds are inside: strictly below Q1 or above Q3")
	}
	if got := r1.OutsideIQR(delphi.Value{Point: ip(3)}); !slices.Equal(got, []string{"value"}) {
		t.Errorf("item rating 3: %v", got)
	}
	if got := r1.OutsideIQR(delphi.Value{Abstain: true}); got != nil {
		t.Errorf("abstain: %v", got)
	}
	m1 := item(t, r, "M1")
	cases := []struct {
		w, n int
		want []string
	}{
		{4, 7, nil},
		{5, 7, []string{"value.wichtigkeit"}},
		{4, 8, []string{"value.neun"}},
		{2, 1, []string{"value.wichtigkeit", "value.neun"}},
	}
	f := Feedback(r, def.Rounds.Feedback)
	for _, tc := range cases {
		v := delphi.Value{Criteria: map[string]delphi.Value{"wichtigkeit": {Point: ip(tc.w)}, "neun": {Point: ip(tc.n)}}}
		if got := m1.OutsideIQR(v); !slices.Equal(got, tc.want) {
			t.Errorf("results %d/%d: %v, want %v", tc.w, tc.n, got, tc.want)
		}
		fm := f["M1"]
		if got := fm.OutsideIQR(v); !slices.Equal(got, tc.want) {
			t.Errorf("feedback %d/%d: %v, want %v", tc.w, tc.n, got, tc.want)
		}
	}
	fr := f["R1"]
	if got := fr.OutsideIQR(delphi.Value{Point: ip(5)}); !slices.Equal(got, []string{"value"}) {
		t.Errorf("feedback rating 5: %v", got)
	}
	// Without the IQR in the feedback, nothing is outside.
	fr = Feedback(r, delphi.Feedback{Statistics: []string{"median"}})["R1"]
	if got := fr.OutsideIQR(delphi.Value{Point: ip(5)}); got != nil {
		t.Errorf("no IQR shown: %v", got)
	}
	// No previous answers: Q1/Q3 undefined, nothing is outside.
	empty := compute(def, answers{}, nil)
	if got := item(t, empty, "R1").OutsideIQR(delphi.Value{Point: ip(1)}); got != nil {
		t.Errorf("n = 0: %v", got)
	}
}
