package analysis

import (
	"strings"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/stats"
)

// rtAt is minute m of the open period.
func rtAt(m int) time.Time { return time.Date(2026, 3, 2, 9, m, 0, 0, time.UTC) }

// revs builds a revision history; experts are "id-<name>" with pseudonym
// "E-<name>", so leaks are easy to find.
type revs []delphi.Revision

func (rs *revs) add(m int, expert, item string, v delphi.Value, saw, draft bool) {
	*rs = append(*rs, delphi.Revision{SurveyID: "test-study", ItemID: item, ExpertID: "id-" + expert,
		Pseudonym: "E-" + expert, Group: "zeta", Value: v, At: rtAt(m), SawFeedback: saw, Draft: draft})
}

// rate adds a rating revision (p 0 is an abstention).
func (rs *revs) rate(m int, expert string, p int, saw bool) {
	v := delphi.Value{Abstain: true}
	if p > 0 {
		v = delphi.Value{Point: ip(p)}
	}
	rs.add(m, expert, "R1", v, saw, false)
}

// rtDef is testDef with a rule that can be met by few experts:
// ≥ 75 % agreement and IQR ≤ 1, n ≥ 3.
func rtDef(count string) *delphi.Definition {
	def := testDef()
	def.Consensus = kleinstadtRule()
	def.Consensus.MinN = 3
	def.Rounds.Feedback.Count = count
	return def
}

type wantPoint struct {
	m, changes, n, abstain int
	median, q1, q3, iqr    float64
	outcome                string
}

func checkPoints(t *testing.T, name string, got []RealtimePoint, want []wantPoint) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d points %+v, want %d", name, len(got), got, len(want))
	}
	for i, w := range want {
		g := got[i]
		if !g.At.Equal(rtAt(w.m)) || g.Changes != w.changes || g.N != w.n || g.Abstentions != w.abstain ||
			g.Median.Value != w.median || g.Q1.Value != w.q1 || g.Q3.Value != w.q3 || g.IQR.Value != w.iqr || g.Outcome != w.outcome {
			t.Errorf("%s point %d: got at %s changes %d n %d abst %d median %v q1 %v q3 %v iqr %v %q,\nwant %+v",
				name, i, g.At.Format("15:04"), g.Changes, g.N, g.Abstentions, g.Median.Value, g.Q1.Value, g.Q3.Value, g.IQR.Value, g.Outcome, w)
		}
	}
}

func rtItem(t *testing.T, r *RealtimeResults, id string) *RealtimeItem {
	t.Helper()
	for i := range r.Items {
		if r.Items[i].ItemID == id {
			return &r.Items[i]
		}
	}
	t.Fatalf("no item %s", id)
	return nil
}

// TestRealtimeRating replays a rating by hand, with count "all": ties in
// time, an expert revising back and forth, an abstention turned into a
// value and a revision that repeats the value.
func TestRealtimeRating(t *testing.T) {
	var rs revs
	rs.rate(1, "A", 4, false)
	rs.rate(2, "B", 2, false)
	rs.rate(3, "C", 5, false) // C and D at the same moment
	rs.rate(3, "D", 0, false) // D abstains
	rs.rate(4, "A", 2, true)  // A after feedback: 4 → 2 …
	rs.rate(5, "A", 4, true)  // … and back to 4, at the same moment as B
	rs.rate(5, "B", 4, true)
	rs.rate(6, "D", 3, true) // D: abstention → 3
	rs.rate(7, "C", 5, true) // the same value again: no change
	// Shuffled input: Realtime orders by time, stably.
	in := revs{rs[4], rs[0], rs[1], rs[2], rs[3], rs[5], rs[6], rs[7], rs[8]}
	def := rtDef(delphi.CountAll)
	res := Realtime(RealtimeInput{Def: def, Items: def.Items(), Revisions: in, ComputedAt: rtAt(30), Live: true})

	if res.Count != delphi.CountAll || res.Revisions != 9 || res.Experts != 4 || res.Counted != 4 || !res.Live || res.QuantileType != 7 {
		t.Errorf("header %+v", res)
	}
	it := rtItem(t, res, "R1")
	if !it.Covered || it.Revisions != 9 || it.Rating == nil || it.SectionID != "s1" || it.Position != 0 {
		t.Fatalf("R1 %+v", it)
	}
	// Type 7 quantiles, h = (n−1)p + 1 on the sorted values:
	//  1: {4}           median 4, Q1 = Q3 = 4
	//  2: {2,4}         h(.5) = 1.5 → 3; h(.25) = 1.25 → 2.5; h(.75) = 1.75 → 3.5
	//  3: {2,4,5} + D abstaining: h = 2 → 4; h = 1.5 → 3; h = 2.5 → 4.5;
	//     agreement 2/3 < 75 % → none
	//  4: A → 2: {2,2,5}: median 2, Q1 2, Q3 = 2 + .5·3 = 3.5
	//  5: A → 4, B → 4 (two changes): {4,4,5}: median 4, Q1 4, Q3 4.5, IQR .5,
	//     agreement 3/3 and IQR ≤ 1, n 3 ≥ 3 → consensus_in
	//  6: D → 3: {3,4,4,5}: h(.5) = 2.5 → 4; h(.25) = 1.75 → 3.75;
	//     h(.75) = 3.25 → 4.25; agreement 3/4 = 75 % → consensus_in
	//  7: C repeats 5: no point.
	checkPoints(t, "R1", it.Rating.Points, []wantPoint{
		{1, 1, 1, 0, 4, 4, 4, 0, ConsensusNone},
		{2, 1, 2, 0, 3, 2.5, 3.5, 1, ConsensusNone},
		{3, 2, 3, 1, 4, 3, 4.5, 1.5, ConsensusNone},
		{4, 1, 3, 1, 2, 2, 3.5, 1.5, ConsensusNone},
		{5, 2, 3, 1, 4, 4, 4.5, 0.5, ConsensusIn},
		{6, 1, 4, 0, 4, 3.75, 4.25, 0.5, ConsensusIn},
	})
	s := it.Rating
	if s.Experts != 4 || s.Revised != 3 { // A, B, D changed an answer; C did not
		t.Errorf("experts %d revised %d, want 4 and 3", s.Experts, s.Revised)
	}
	// After feedback:
	//  A at 4: before 4; the others before that moment {B 2, C 5, D abstains}:
	//    median 3.5; last 4: |4−3.5| = |4−3.5| → same distance; 2 revisions.
	//  B at 5: before 2; others after minute 4 {A 2, C 5}: median 3.5; last 4:
	//    1.5 → .5 → toward.
	//  D at 6: before an abstention → not comparable.
	//  mean |last − before| over A and B: (0 + 2)/2 = 1.
	want := FeedbackRevisions{Experts: 3, Revisions: 4, Toward: 1, Same: 1, NotComparable: 1, MeanAbsChange: stats.NumOf(1)}
	if s.AfterFeedback != want {
		t.Errorf("after feedback %+v, want %+v", s.AfterFeedback, want)
	}
	// First versus last: A 4/4, B 2/4, C 5/5; D's first answer is an
	// abstention, so D is unpaired. share_changed 1/3; Scheibe: counts
	// first {2:1, 4:1, 5:1}, last {4:2, 5:1}: (1 + 1)/(2·3) = 1/3, not
	// stable; ΔIQR paired: IQR {4,4,5} .5 − IQR {2,4,5} 1.5 = −1;
	// ΔIQR of all: lasts {3,4,4,5} .5 − firsts {2,4,5} 1.5 = −1.
	st := s.Stability
	if st.NPaired != 3 || st.ShareChanged.Value != 1.0/3 || st.Scheibe.Value != 1.0/3 || st.Stable == nil || *st.Stable ||
		st.DeltaIQR.Value != -1 || st.DeltaIQRRounds.Value != -1 || st.Wilcoxon.N != 1 {
		t.Errorf("stability %+v", st)
	}
	if c1 := rtItem(t, res, "C1"); c1.Covered || c1.Revisions != 0 || c1.Rating != nil {
		t.Errorf("choice item %+v", c1)
	}
	leak := mustJSON(t, res)
	for _, id := range []string{"id-A", "E-A", "id-D", "E-D"} {
		if strings.Contains(leak, id) {
			t.Errorf("results name %s: %s", id, leak)
		}
	}
}

// TestRealtimeCountSubmitted: with count "submitted" an expert counts from
// their submission on, with the drafts given before it; one who never
// submits does not count.
func TestRealtimeCountSubmitted(t *testing.T) {
	var rs revs
	rs.add(1, "E1", "R1", delphi.Value{Point: ip(5)}, false, true) // draft
	rs.add(2, "E2", "R1", delphi.Value{Point: ip(3)}, false, true) // draft
	rs.add(2, "E3", "R1", delphi.Value{Point: ip(1)}, false, true) // draft, never submitted
	rs.add(3, "E1", "R1", delphi.Value{Point: ip(4)}, false, true) // draft
	rs.add(4, "E2", "R1", delphi.Value{Point: ip(2)}, false, false)
	rs.add(6, "E4", "R1", delphi.Value{Point: ip(4)}, false, false)
	submitted := map[string]time.Time{
		"id-E1": rtAt(5), // submitted without changing an answer
		"id-E4": rtAt(7), // later than its revision that is no draft: that one counts
	}
	def := rtDef(delphi.CountSubmitted)
	res := Realtime(RealtimeInput{Def: def, Items: def.Items(), Revisions: rs, Submitted: submitted})
	if res.Experts != 4 || res.Counted != 3 {
		t.Errorf("experts %d counted %d, want 4 and 3", res.Experts, res.Counted)
	}
	s := rtItem(t, res, "R1").Rating
	// Minutes 1–3: nobody counts, no point.
	//  4: E2 (no draft) counts with 2.
	//  5: E1 submits and counts with its latest draft, 4: {2,4}: 3, 2.5, 3.5.
	//  6: E4: {2,4,4}: median 4, Q1 3, Q3 4; agreement 2/3 → none.
	checkPoints(t, "R1", s.Points, []wantPoint{
		{4, 1, 1, 0, 2, 2, 2, 0, ConsensusNone},
		{5, 1, 2, 0, 3, 2.5, 3.5, 1, ConsensusNone},
		{6, 1, 3, 0, 4, 3, 4, 1, ConsensusNone},
	})
	// E1 5 → 4, E2 3 → 2, E4 4 → 4 (E3 does not count).
	if s.Experts != 3 || s.Revised != 2 || s.Stability.NPaired != 3 || s.Stability.ShareChanged.Value != 2.0/3 {
		t.Errorf("experts %d revised %d stability %+v", s.Experts, s.Revised, s.Stability)
	}
	if s.AfterFeedback.Experts != 0 || s.AfterFeedback.MeanAbsChange.Valid {
		t.Errorf("after feedback %+v, want none", s.AfterFeedback)
	}

	// The last point is the state Compute gives for the latest answers.
	var as answers
	as.add("R1", "zeta", 1, delphi.Value{Point: ip(4)})
	as.add("R1", "zeta", 2, delphi.Value{Point: ip(2)})
	as.add("R1", "zeta", 3, delphi.Value{Point: ip(1)}).Draft = true
	as.add("R1", "zeta", 4, delphi.Value{Point: ip(4)})
	live := Compute(Input{Def: def, Items: def.Items(), Answers: as}).Items[0].Rating
	last := s.Points[len(s.Points)-1]
	if last.N != live.Overall.N || last.Median != live.Overall.Median || last.IQR != live.Overall.IQR || last.Outcome != live.Consensus.Outcome {
		t.Errorf("last point %+v, live results %+v %s", last, live.Overall, live.Consensus.Outcome)
	}

	// Count "all": the drafts count from their time, E3 too.
	def = rtDef(delphi.CountAll)
	all := Realtime(RealtimeInput{Def: def, Items: def.Items(), Revisions: rs, Submitted: submitted})
	//  1: {5}; 2: {5,3,1} (two changes): median 3, Q1 2, Q3 4;
	//  3: {4,3,1}: 3, 2, 3.5; 4: {4,2,1}: 2, 1.5, 3; 6: {4,2,1,4}: h = 2.5 → 3,
	//  h(.25) = 1.75 → 1.75, h(.75) = 3.25 → 4.
	checkPoints(t, "R1 all", rtItem(t, all, "R1").Rating.Points, []wantPoint{
		{1, 1, 1, 0, 5, 5, 5, 0, ConsensusNone},
		{2, 2, 3, 0, 3, 2, 4, 2, ConsensusNone},
		{3, 1, 3, 0, 3, 2, 3.5, 1.5, ConsensusNone},
		{4, 1, 3, 0, 2, 1.5, 3, 1.5, ConsensusNone},
		{6, 1, 4, 0, 3, 1.75, 4, 2.25, ConsensusNone},
	})
}

// TestRealtimeCriteriaAndNumeric: a multi_rating item has one series per
// criterion, and a revision changing one criterion is no change of the
// other; numeric items are judged by consensus_numeric; revisions of
// unknown items or without an expert are ignored.
func TestRealtimeCriteriaAndNumeric(t *testing.T) {
	def := rtDef(delphi.CountAll)
	def.ConsensusNumeric = &delphi.Rule{IQR: &delphi.MaxRule{Max: 3}}
	crit := func(w, n int) delphi.Value { // 0: not given, -1: abstention
		v := delphi.Value{Criteria: map[string]delphi.Value{}}
		for id, p := range map[string]int{"wichtigkeit": w, "neun": n} {
			switch {
			case p > 0:
				v.Criteria[id] = delphi.Value{Point: ip(p)}
			case p < 0:
				v.Criteria[id] = delphi.Value{Abstain: true}
			}
		}
		return v
	}
	var rs revs
	rs.add(1, "X", "M1", crit(4, 7), false, false)
	rs.add(1, "Y", "M1", crit(2, 0), false, false)
	rs.add(2, "X", "M1", crit(4, 8), true, false)
	rs.add(3, "Y", "M1", crit(2, -1), true, false)
	rs.add(1, "X", "N1", delphi.Value{Number: fp(10)}, false, false)
	rs.add(2, "Y", "N1", delphi.Value{Number: fp(20)}, false, false)
	rs.add(3, "X", "N1", delphi.Value{Number: fp(16)}, true, false)
	rs.add(3, "X", "C1", delphi.Value{Choice: "x"}, false, false)
	rs.add(3, "X", "GONE", delphi.Value{Point: ip(3)}, false, false)
	rs = append(rs, delphi.Revision{ItemID: "N1", Value: delphi.Value{Number: fp(99)}, At: rtAt(4)})
	res := Realtime(RealtimeInput{Def: def, Items: def.Items(), Revisions: rs})
	if res.Revisions != 8 || res.Experts != 2 {
		t.Errorf("revisions %d experts %d, want 8 and 2", res.Revisions, res.Experts)
	}

	m1 := rtItem(t, res, "M1")
	if len(m1.Criteria) != 2 || m1.Criteria[0].CriterionID != "wichtigkeit" || m1.Criteria[1].CriterionID != "neun" || m1.Revisions != 4 {
		t.Fatalf("M1 %+v", m1)
	}
	// wichtigkeit: X 4 and Y 2 at minute 1, then unchanged.
	w := m1.Criteria[0]
	checkPoints(t, "wichtigkeit", w.Points, []wantPoint{{1, 2, 2, 0, 3, 2.5, 3.5, 1, ConsensusNone}})
	if w.Revised != 0 || w.AfterFeedback.Experts != 0 || w.Stability.NPaired != 2 || w.Stability.ShareChanged.Value != 0 {
		t.Errorf("wichtigkeit %+v", w.RealtimeSeries)
	}
	// neun: X 7; X 8; Y abstains (Y had not rated it before: no revision).
	n := m1.Criteria[1]
	checkPoints(t, "neun", n.Points, []wantPoint{
		{1, 1, 1, 0, 7, 7, 7, 0, ConsensusNone},
		{2, 1, 1, 0, 8, 8, 8, 0, ConsensusNone},
		{3, 1, 1, 1, 8, 8, 8, 0, ConsensusNone},
	})
	// X revised after feedback, but nobody else had rated it: no median.
	if want := (FeedbackRevisions{Experts: 1, Revisions: 1, NotComparable: 1, MeanAbsChange: n.AfterFeedback.MeanAbsChange}); n.AfterFeedback != want || n.AfterFeedback.MeanAbsChange.Valid {
		t.Errorf("neun after feedback %+v", n.AfterFeedback)
	}
	if n.Experts != 2 || n.Revised != 1 || n.Stability.NPaired != 1 {
		t.Errorf("neun %+v", n.RealtimeSeries)
	}

	// N1: {10}; {10,20}: 15, 12.5, 17.5, IQR 5 > 3; {16,20}: 18, 17, 19, IQR 2 ≤ 3.
	// X after feedback: 10 → 16 against Y's 20: 10 → 4, toward; |16−10| = 6.
	num := rtItem(t, res, "N1").Numeric
	checkPoints(t, "N1", num.Points, []wantPoint{
		{1, 1, 1, 0, 10, 10, 10, 0, ConsensusIn}, // IQR 0: numeric consensus knows no min_n here
		{2, 1, 2, 0, 15, 12.5, 17.5, 5, ConsensusNone},
		{3, 1, 2, 0, 18, 17, 19, 2, ConsensusIn},
	})
	if want := (FeedbackRevisions{Experts: 1, Revisions: 1, Toward: 1, MeanAbsChange: stats.NumOf(6)}); num.AfterFeedback != want {
		t.Errorf("N1 after feedback %+v, want %+v", num.AfterFeedback, want)
	}
	if c1 := rtItem(t, res, "C1"); c1.Covered || c1.Revisions != 1 {
		t.Errorf("C1 %+v", c1)
	}

	// Without consensus_numeric a numeric point has no outcome.
	def.ConsensusNumeric = nil
	res = Realtime(RealtimeInput{Def: def, Items: def.Items(), Revisions: rs})
	if p := rtItem(t, res, "N1").Numeric.Points[0]; p.Outcome != "" {
		t.Errorf("outcome %q without consensus_numeric", p.Outcome)
	}
}

// TestRealtimeEmpty: no revisions give empty series, not nulls.
func TestRealtimeEmpty(t *testing.T) {
	def := rtDef("")
	res := Realtime(RealtimeInput{Def: def, Items: def.Items()})
	if res.Count != delphi.CountSubmitted || len(res.Items) != 7 {
		t.Fatalf("%+v", res)
	}
	js := mustJSON(t, res)
	if strings.Contains(js, `"points":null`) || !strings.Contains(js, `"points":[]`) {
		t.Errorf("empty series: %s", js)
	}
	if st := rtItem(t, res, "R1").Rating.Stability; st.NPaired != 0 || st.ShareChanged.Valid {
		t.Errorf("stability %+v", st)
	}
}
