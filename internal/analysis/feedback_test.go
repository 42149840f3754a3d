package analysis

import (
	"encoding/json"
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
	// comments and by group, here with every group shown (min_group_n 1:
	// the default 3 would suppress alpha's two answers, see
	// TestFeedbackMinGroupN).
	opts := def.Rounds.Feedback
	opts.MinGroupN = 1
	f := Feedback(r, opts)
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
	for i, v := range []float64{50, 50, 40, 40, 40, 40, 30, 20} { // numeric: Q1 37.5, Q3 42.5
		as.add("N1", "zeta", i+1, delphi.Value{Number: fp(v)})
	}
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
	fn, n1 := f["N1"], item(t, r, "N1")
	for v, want := range map[float64][]string{37.4: {"value"}, 37.5: nil, 42.5: nil, 42.6: {"value"}} {
		if got := n1.OutsideIQR(delphi.Value{Number: fp(v)}); !slices.Equal(got, want) {
			t.Errorf("results numeric %v: %v, want %v", v, got, want)
		}
		if got := fn.OutsideIQR(delphi.Value{Number: fp(v)}); !slices.Equal(got, want) {
			t.Errorf("feedback numeric %v: %v, want %v", v, got, want)
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
	if got := item(t, empty, "N1").OutsideIQR(delphi.Value{Number: fp(1)}); got != nil {
		t.Errorf("numeric, n = 0: %v", got)
	}
	if got := item(t, empty, "R1").OutsideIQR(delphi.Value{Point: ip(1)}); got != nil {
		t.Errorf("n = 0: %v", got)
	}
}

// minGroupRound: groups of 1, 2, 3 and 5 experts. On R1 "two" is one
// rating and one abstention and "three" two ratings and one abstention, so
// n counts the people who answered. On M1 only "three" and "big" answer,
// and both comment. On C1 "one" only comments, without a choice.
func minGroupRound(t *testing.T) (*delphi.Definition, *RoundResults) {
	t.Helper()
	def := testDef()
	def.Groups = []delphi.Group{{ID: "big"}, {ID: "one"}, {ID: "two"}, {ID: "three"}}
	var as answers
	as.ratings("R1", "big", 1, 4, 4, 5, 5, 3)
	as.ratings("R1", "one", 1, 1)
	as.ratings("R1", "two", 1, 2)
	as.add("R1", "two", 2, delphi.Value{Abstain: true})
	as.ratings("R1", "three", 1, 4, 5)
	as.add("R1", "three", 3, delphi.Value{Abstain: true})
	as[0].Comment = "Zuletzt: Wohnraum."        // big
	as[1].Comment = "Anfangs unterschätzt."     // big
	as[5].Comment = "Mitten im Ort fehlt es."   // one: sorted between big's comments by text
	as[6].Justification = "Beide Seiten sehen." // two
	for g, k := range map[string]int{"big": 5, "one": 1, "two": 2, "three": 3} {
		for i := 1; i <= k; i++ {
			as.add("N1", g, i, delphi.Value{Number: fp(float64(10 * i))})
			as.add("C1", g, i, delphi.Value{Choice: "x"})
			as.add("K1", g, i, delphi.Value{Choices: []string{"a", "b"}})
		}
	}
	for g, k := range map[string]int{"big": 5, "three": 3} {
		for i := 1; i <= k; i++ {
			a := as.add("M1", g, i, delphi.Value{Criteria: map[string]delphi.Value{"wichtigkeit": {Point: ip(4)}, "neun": {Point: ip(7)}}})
			if i == 1 {
				a.Comment = "M1 aus " + g
			}
		}
	}
	as.add("C2", "big", 1, delphi.Value{Choices: []string{"x"}})
	as.add("C2", "big", 2, delphi.Value{Choices: []string{"y"}})
	as.add("C2", "big", 3, delphi.Value{Choices: []string{"x", "z"}})
	as.add("C2", "one", 1, delphi.Value{}).Comment = "Nur ein Kommentar."
	as.add("C2", "big", 4, delphi.Value{}).Comment = "Keine Wahl."
	return def, compute(def, as, nil)
}

// TestFeedbackMinGroupN: by default a group with fewer than 3 answers is
// in by_group only as {"suppressed":true}, and no comment of its item
// carries a group; min_group_n 1 shows every group.
func TestFeedbackMinGroupN(t *testing.T) {
	def, r := minGroupRound(t)
	opts := def.Rounds.Feedback // by_group and comments on; min_group_n absent: 3
	if opts.MinGroupN != 0 || opts.MinGroup() != delphi.DefaultMinGroupN || delphi.DefaultMinGroupN != 3 {
		t.Fatalf("default min group size %d", opts.MinGroup())
	}
	f := Feedback(r, opts)

	const suppressed = `{"suppressed":true}`
	checkGroups := func(what string, by any, shown map[string]int, hidden ...string) {
		t.Helper()
		js := mustJSON(t, by)
		var m map[string]map[string]any
		if err := json.Unmarshal([]byte(js), &m); err != nil {
			t.Fatal(err)
		}
		if len(m) != len(shown)+len(hidden) {
			t.Errorf("%s: groups %s, want %v shown and %v suppressed", what, js, shown, hidden)
		}
		for _, g := range hidden {
			if e, ok := m[g]; !ok || mustJSON(t, e) != suppressed {
				t.Errorf("%s: group %s is %v, want only %s", what, g, e, suppressed)
			}
		}
		for g, n := range shown {
			e := m[g]
			count := e["n"]
			if count == nil {
				count = e["m"]
			}
			if e == nil || e["suppressed"] != nil || count != float64(n) {
				t.Errorf("%s: group %s is %v, want n %d", what, g, e, n)
			}
		}
	}
	r1 := f["R1"].Rating
	checkGroups("R1", r1.ByGroup, map[string]int{"big": 5, "three": 2}, "one", "two")
	if three := r1.ByGroup["three"]; three.Median == nil || three.Abstentions == nil || *three.Abstentions != 1 || three.Consensus == "" {
		t.Errorf("R1 three: %+v", three)
	}
	if r1.N != 9 || r1.Median == nil || f["R1"].N != 9 {
		t.Errorf("the overall result stays complete: %+v", r1.SummaryFeedback)
	}
	checkGroups("N1", f["N1"].Numeric.ByGroup, map[string]int{"big": 5, "three": 3}, "one", "two")
	checkGroups("C1", f["C1"].Choice.ByGroup, map[string]int{"big": 5, "three": 3}, "one", "two")
	checkGroups("K1", f["K1"].Ranking.ByGroup, map[string]int{"big": 5, "three": 3}, "one", "two")
	checkGroups("M1 wichtigkeit", f["M1"].Criteria[0].ByGroup, map[string]int{"big": 5, "three": 3})
	checkGroups("C2", f["C2"].Choice.ByGroup, map[string]int{"big": 3})
	if g := r1.ByGroup["one"]; !g.Suppressed || g.N != 0 || g.Median != nil || g.Distribution != nil {
		t.Errorf("R1 one carries numbers: %+v", g)
	}

	// R1: the small groups' comments have no group, and neither have the
	// others' (a blank among named ones would name the small group), all
	// ordered by text alone as without by_group.
	want := []Comment{{"Anfangs unterschätzt.", "", KindComment}, {"Beide Seiten sehen.", "", KindJustification},
		{"Mitten im Ort fehlt es.", "", KindComment}, {"Zuletzt: Wohnraum.", "", KindComment}}
	if !slices.Equal(f["R1"].Comments, want) {
		t.Errorf("R1 comments %+v, want %+v", f["R1"].Comments, want)
	}
	// M1: every group that answered is shown, so comments keep their group.
	want = []Comment{{"M1 aus big", "big", KindComment}, {"M1 aus three", "three", KindComment}}
	if !slices.Equal(f["M1"].Comments, want) {
		t.Errorf("M1 comments %+v, want %+v", f["M1"].Comments, want)
	}
	// C2: "one" only commented (no choice, so no numbers and no suppressed
	// entry); its comment must not carry the group either.
	want = []Comment{{"Keine Wahl.", "", KindComment}, {"Nur ein Kommentar.", "", KindComment}}
	if !slices.Equal(f["C2"].Comments, want) {
		t.Errorf("C2 comments %+v, want %+v", f["C2"].Comments, want)
	}
	// The researchers' results keep every group and comment group.
	if it := item(t, r, "R1"); it.Rating.ByGroup["one"].Summary.N != 1 || !slices.ContainsFunc(it.Comments, func(c Comment) bool { return c.Group == "one" }) {
		t.Errorf("Feedback changed the results: %+v", it.Rating.ByGroup["one"])
	}
	// A suppressed entry reads back as suppressed.
	var back map[string]GroupSummaryFeedback
	if err := json.Unmarshal([]byte(mustJSON(t, r1.ByGroup)), &back); err != nil || !back["one"].Suppressed || back["big"].Suppressed || back["big"].N != 5 {
		t.Errorf("JSON round trip: %+v %v", back, err)
	}

	// At min_group_n 2 "two" (two people) is large enough, but "one"
	// alone would be the overall minus the groups shown: the smallest
	// shown group, "two", is suppressed with it.
	opts.MinGroupN = 2
	f = Feedback(r, opts)
	checkGroups("R1 at 2", f["R1"].Rating.ByGroup, map[string]int{"big": 5, "three": 2}, "one", "two")

	// min_group_n 1 shows every group with answers, and comments are
	// ordered by group (the definition's order), then text.
	opts.MinGroupN = 1
	f = Feedback(r, opts)
	checkGroups("R1 at 1", f["R1"].Rating.ByGroup, map[string]int{"big": 5, "one": 1, "two": 1, "three": 2})
	checkGroups("K1 at 1", f["K1"].Ranking.ByGroup, map[string]int{"big": 5, "one": 1, "two": 2, "three": 3})
	want = []Comment{{"Anfangs unterschätzt.", "big", KindComment}, {"Zuletzt: Wohnraum.", "big", KindComment},
		{"Mitten im Ort fehlt es.", "one", KindComment}, {"Beide Seiten sehen.", "two", KindJustification}}
	if !slices.Equal(f["R1"].Comments, want) {
		t.Errorf("R1 comments at 1 %+v, want %+v", f["R1"].Comments, want)
	}
	// A group without numbers still loses its comment's group.
	if c := f["C2"].Comments; len(c) != 2 || c[0].Group != "" || c[1].Group != "" {
		t.Errorf("C2 comments at 1 %+v", c)
	}
}

// groupEntries suppresses the groups below the minimum and then the
// smallest others until the suppressed ones hold at least the minimum
// together, so that subtracting the shown groups from the overall numbers
// never gives fewer than min_group_n answers away.
func TestGroupEntriesComplementary(t *testing.T) {
	cases := []struct {
		k      int
		counts map[string]int
		want   []string
	}{
		{3, map[string]int{"a": 10, "b": 4, "c": 3}, nil},
		{3, map[string]int{"a": 10, "b": 4, "c": 1}, []string{"b", "c"}},
		{3, map[string]int{"a": 10, "b": 4, "c": 2, "d": 1}, []string{"c", "d"}},
		{3, map[string]int{"a": 10, "b": 4, "x": 4, "c": 1}, []string{"b", "c"}}, // ties: by id
		{5, map[string]int{"a": 10, "b": 3, "c": 1}, []string{"a", "b", "c"}},    // 4 < 5: "a" too
		{3, map[string]int{"a": 2}, []string{"a"}},
		{3, map[string]int{"a": 0, "b": 1, "c": 9}, []string{"b", "c"}}, // no answers: never shown or counted
		{1, map[string]int{"a": 1, "b": 1}, nil},
	}
	for _, c := range cases {
		got := feedbackView{minGroup: c.k}.groupEntries(c.counts)
		var ids []string
		for g, on := range got {
			if on {
				ids = append(ids, g)
			}
		}
		slices.Sort(ids)
		if !slices.Equal(ids, c.want) {
			t.Errorf("k %d, %v: suppressed %v, want %v", c.k, c.counts, ids, c.want)
		}
	}
}
