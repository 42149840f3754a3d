package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

const rtStudy = "rt-study"

// rtView is the real-time feedback as an expert receives it.
type rtView struct {
	ComputedAt time.Time `json:"computed_at"`
	MinN       int       `json:"min_n"`
	Items      map[string]struct {
		N        int
		Feedback *struct {
			N      int
			Rating *struct {
				N                      int
				Median, Q1, Q3, IQR    *float64
				Mean, SD               *float64
				Distribution           []any
				ByGroup                map[string]json.RawMessage `json:"by_group"`
				AgreementPercentAbsent *float64                   `json:"agreement_percent"`
			}
		}
	}
}

func (e *env) realtimeView(x *expert) (rtView, []byte) {
	e.t.Helper()
	b := e.expertCall(x, "GET", "/api/v1/participation/realtime", "", 200)
	return decode[rtView](e.t, b), b
}

// rtEnv is an env with the real-time test study imported and its one round
// open (deadline in 7 days), and n experts who consented, groups in turn
// wiss, praxis, wiss, wiss, ...
func rtEnv(t *testing.T, n int) (*env, []*expert) {
	e := newEnv(t)
	e.importStudy("realtime-study.yaml", readFile(t, "testdata/realtime-study.yaml"))
	e.openRound(rtStudy, "")
	var panel []*expert
	for i := range n {
		g := "wiss"
		if i == 1 {
			g = "praxis"
		}
		x := e.addExpert(rtStudy, g)
		e.expertCall(x, "POST", "/api/v1/participation/consent", "", 200)
		panel = append(panel, x)
	}
	return e, panel
}

func rtSave(e *env, x *expert, item string, body string) []byte {
	e.t.Helper()
	return e.expertCall(x, "PUT", "/api/v1/participation/answers/"+item, body, 200)
}

// TestRealtimeFeedback: an expert sees the panel's statistics of an item
// only after answering it, computed from the other experts' latest answers
// (their own left out), and only from min_group_n other answers on; groups
// below the minimum size show no numbers.
func TestRealtimeFeedback(t *testing.T) {
	t.Parallel()
	e, panel := rtEnv(t, 4)
	a, b, c, d := panel[0], panel[1], panel[2], panel[3]

	v, _ := e.realtimeView(a)
	if len(v.Items) != 0 || v.MinN != 3 || !v.ComputedAt.Equal(e.clock.now()) {
		t.Fatalf("before any answer: %+v", v)
	}
	// Others answer first: still nothing for A, who has not answered.
	rtSave(e, b, "r1", `{"value":4,"seq":1}`)
	rtSave(e, c, "r1", `{"value":5,"seq":1}`)
	rtSave(e, d, "r1", `{"value":5,"seq":1}`)
	if v, raw := e.realtimeView(a); len(v.Items) != 0 {
		t.Fatalf("feedback before one's own answer (anti-anchoring): %s", raw)
	}
	// The save's answer carries no statistics either: they come from the
	// real-time feedback only.
	out := rtSave(e, a, "r1", `{"value":2,"seq":1}`)
	if bytes.Contains(out, []byte(`"feedback"`)) {
		t.Fatalf("save result with feedback: %s", out)
	}
	v, raw := e.realtimeView(a)
	f, ok := v.Items["r1"]
	if !ok || f.N != 3 || f.Feedback == nil || f.Feedback.Rating == nil {
		t.Fatalf("after answering r1: %s", raw)
	}
	// B 4, C 5, D 5 without A's 2 (with it the median would be 4.5).
	r := f.Feedback.Rating
	if r.N != 3 || *r.Median != 5 || *r.Q1 != 4.5 || *r.Q3 != 5 || *r.IQR != 0.5 || r.Mean != nil || r.Distribution != nil {
		t.Fatalf("statistics: %s", raw)
	}
	// wiss holds 2 other answers, praxis 1: both below min_group_n 3.
	if len(r.ByGroup) != 2 || string(r.ByGroup["wiss"]) != `{"suppressed":true}` || string(r.ByGroup["praxis"]) != `{"suppressed":true}` {
		t.Fatalf("small groups shown: %s", raw)
	}
	if _, ok := v.Items["r2"]; ok {
		t.Fatalf("feedback on an item A has not answered: %s", raw)
	}
	for _, x := range []*expert{b, c, d} {
		if bytes.Contains(raw, []byte(x.Pseudonym)) || bytes.Contains(raw, []byte(x.ID)) {
			t.Fatalf("the feedback names another expert (%s)", x.Pseudonym)
		}
	}
	// B sees the statistics of A, C and D: 2, 5, 5.
	vb, raw := e.realtimeView(b)
	if rb := vb.Items["r1"].Feedback; rb == nil || *rb.Rating.Median != 5 || *rb.Rating.Q1 != 3.5 {
		t.Fatalf("B's feedback: %s", raw)
	}

	// Below the minimum: A answers r2 with only one other answer.
	rtSave(e, b, "r2", `{"value":3,"seq":1}`)
	rtSave(e, a, "r2", `{"value":3,"seq":1}`)
	v, raw = e.realtimeView(a)
	if f := v.Items["r2"]; f.N != 1 || f.Feedback != nil {
		t.Fatalf("statistics from one other answer: %s", raw)
	}
	// "Cannot judge" counts as an answer for the anti-anchoring rule and
	// as an answer of the panel (n), but not toward min_group_n: two
	// ratings and one abstention show no numbers.
	rtSave(e, c, "r2", `{"value":"abstain","seq":1}`)
	rtSave(e, d, "r2", `{"value":5,"seq":1}`)
	v, raw = e.realtimeView(a)
	if f := v.Items["r2"]; f.N != 3 || f.Feedback != nil {
		t.Fatalf("r2 with an abstention: %s", raw)
	}

	// A study in rounds mode has no real-time feedback.
	e.importStudy("participation-study.yaml", readFile(t, "testdata/participation-study.yaml"))
	e.openRound(ptStudy, "")
	x := e.addExpert(ptStudy, "wiss")
	out = e.expertCall(x, "GET", "/api/v1/participation/realtime", "", 409)
	if !bytes.Contains(out, []byte(`"reason":"not_realtime"`)) {
		t.Fatalf("real-time feedback of a study in rounds: %s", out)
	}
}

// TestRealtimeRevisionsAndJustification: every change of a value is kept
// with its time and whether the expert had seen the panel's statistics;
// the justification rule applies against the IQR the expert could see when
// the value was saved, also once the panel has moved on.
func TestRealtimeRevisionsAndJustification(t *testing.T) {
	t.Parallel()
	e, panel := rtEnv(t, 4)
	a, b, c, d := panel[0], panel[1], panel[2], panel[3]
	t0 := e.clock.now()

	// A answers first: no statistics yet, so nothing is outside them.
	out := rtSave(e, a, "r1", `{"value":2,"seq":1}`)
	if !bytes.Contains(out, []byte(`"needs_justification":false`)) {
		t.Fatalf("first answer: %s", out)
	}
	e.realtimeView(a) // n 0: nothing shown
	for i, x := range []*expert{b, c, d} {
		e.clock.add(time.Minute)
		rtSave(e, x, "r1", fmt.Sprintf(`{"value":%d,"seq":1}`, []int{4, 5, 5}[i]))
	}
	e.realtimeView(a) // shown: median 5, IQR 4.5–5

	// A revises to 1, outside 4.5–5: a justification is needed, and the
	// submission is refused without it.
	e.clock.add(time.Minute)
	t1 := e.clock.now()
	out = rtSave(e, a, "r1", `{"value":1,"seq":2}`)
	if !bytes.Contains(out, []byte(`"needs_justification":true`)) {
		t.Fatalf("revision outside the panel's IQR: %s", out)
	}
	out = e.expertCall(a, "POST", "/api/v1/participation/submit", "", 422)
	if !bytes.Contains(out, []byte(`"field":"justification","item":"r1"`)) {
		t.Fatalf("submit without the justification: %s", out)
	}
	// The panel moves: B and C now say 1, so 1 lies inside the others' IQR
	// (1–3) now; the rule looks at the moment of A's answer.
	rtSave(e, b, "r1", `{"value":1,"seq":2}`)
	rtSave(e, c, "r1", `{"value":1,"seq":2}`)
	if b := e.expertCall(a, "GET", "/api/v1/participation", "", 200); !bytes.Contains(b, []byte(`"needs_justification":true`)) {
		t.Fatalf("the justification request vanished when the panel moved: %s", b)
	}
	e.expertCall(a, "POST", "/api/v1/participation/submit", "", 422)
	// The justification, with the same value: no revision.
	out = rtSave(e, a, "r1", `{"value":1,"justification":"lokale Daten","seq":3}`)
	if !bytes.Contains(out, []byte(`"needs_justification":false`)) {
		t.Fatalf("with the justification: %s", out)
	}
	e.expertCall(a, "POST", "/api/v1/participation/submit", "", 200)
	// After submitting, A revises again (allowed until the close): inside
	// the IQR A sees now (1–3), so nothing is needed.
	e.clock.add(time.Minute)
	t2 := e.clock.now()
	out = rtSave(e, a, "r1", `{"value":3,"justification":"","seq":4}`)
	if !bytes.Contains(out, []byte(`"needs_justification":false`)) {
		t.Fatalf("revision inside the IQR: %s", out)
	}

	revs, err := e.st.ListRevisions(context.Background(), rtStudy)
	if err != nil {
		t.Fatal(err)
	}
	var mine []delphi.Revision
	for _, r := range revs {
		if r.ExpertID == a.ID {
			mine = append(mine, r)
		}
	}
	type want struct {
		value             int
		at                time.Time
		saw, draft, outer bool
	}
	wants := []want{{2, t0, false, true, false}, {1, t1, true, true, true}, {3, t2, true, false, false}}
	if len(mine) != len(wants) || len(revs) != 8 {
		t.Fatalf("revisions: %d of A (want %d), %d in all (want 8): %+v", len(mine), len(wants), len(revs), revs)
	}
	for i, w := range wants {
		r := mine[i]
		if *r.Value.Point != w.value || !r.At.Equal(w.at) || r.SawFeedback != w.saw || r.Draft != w.draft || r.OutsideIQR != w.outer ||
			r.Pseudonym != a.Pseudonym || r.Group != "wiss" || r.ItemID != "r1" || r.SurveyID != rtStudy {
			t.Errorf("A's revision %d = %+v, want %+v", i, r, w)
		}
	}
	for _, r := range revs {
		if r.ExpertID == b.ID && r.SawFeedback {
			t.Errorf("B never asked for the feedback, yet a revision saw it: %+v", r)
		}
	}
}

// TestRealtimeCloseFreezes: the dashboard shows the live results of the
// latest answers while the study is open; at the closing date the round
// closes, its snapshot freezes the results and saves are refused; a second
// round cannot be prepared.
func TestRealtimeCloseFreezes(t *testing.T) {
	t.Parallel()
	e, panel := rtEnv(t, 4)
	for i, x := range panel {
		rtSave(e, x, "r1", fmt.Sprintf(`{"value":%d,"seq":1}`, []int{3, 4, 5, 5}[i]))
	}
	rtSave(e, panel[0], "r1", `{"value":5,"seq":2}`) // latest answers 5, 4, 5, 5
	res := e.staff("GET", "/api/v1/surveys/"+rtStudy+"/rounds/1/results", "admin", "", 200)
	if !bytes.Contains(res, []byte(`"live":true`)) || !bytes.Contains(res, []byte(`"median":5`)) {
		t.Fatalf("live results: %s", res)
	}
	out := e.staff("POST", "/api/v1/surveys/"+rtStudy+"/rounds", "admin", `{"deadline":"`+e.ts(48*time.Hour)+`"}`, 409)
	if !bytes.Contains(out, []byte(`"reason":"realtime_one_round"`)) {
		t.Fatalf("a second round while open: %s", out)
	}

	// The closing date passes; the sweep (or the next request) closes.
	e.clock.add(7*24*time.Hour + time.Second)
	if n, err := deps(e.st, e.clock.now, e.tokens, wiring{}).Rounds.CloseOverdue(context.Background()); n != 1 || err != nil {
		t.Fatalf("sweep: closed %d, %v", n, err)
	}
	e.bearer = map[string]string{}
	x := panel[1]
	e.session(x)
	out = e.expertCall(x, "PUT", "/api/v1/participation/answers/r1", `{"value":1,"seq":2}`, 409)
	if !bytes.Contains(out, []byte("closed")) {
		t.Fatalf("save after the close: %s", out)
	}
	frozen := e.staff("GET", "/api/v1/surveys/"+rtStudy+"/rounds/1/results", "admin", "", 200)
	if !bytes.Contains(frozen, []byte(`"live":false`)) || !bytes.Contains(frozen, []byte(`"median":5`)) {
		t.Fatalf("frozen results: %s", frozen)
	}
	out = e.staff("POST", "/api/v1/surveys/"+rtStudy+"/rounds", "admin", `{"deadline":"`+e.ts(48*time.Hour)+`"}`, 409)
	if !bytes.Contains(out, []byte(`"reason":"realtime_one_round"`)) {
		t.Fatalf("a second round: %s", out)
	}
	// The expert still sees the final statistics of their items.
	if v, raw := e.realtimeView(x); v.Items["r1"].Feedback == nil || *v.Items["r1"].Feedback.Rating.Median != 5 {
		t.Fatalf("feedback after the close: %s", raw)
	}
}
