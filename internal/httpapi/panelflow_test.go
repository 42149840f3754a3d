package httpapi_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/panelflow"
)

// TestFlowAndAttritionAPI runs the participation test study through two
// rounds on the embedded database: six experts, one who never answers,
// one who declines during round 2 and two more who drop out.
func TestFlowAndAttritionAPI(t *testing.T) {
	e := ptEnv(t) // 09:00, round 1 open
	a1, a2, q := e.addExpert(ptStudy, "wiss"), e.addExpert(ptStudy, "wiss"), e.addExpert(ptStudy, "wiss")
	b1, b2, d := e.addExpert(ptStudy, "praxis"), e.addExpert(ptStudy, "praxis"), e.addExpert(ptStudy, "praxis")
	_ = q // has a link, never uses it
	// advance moves the clock on; everyone signs in afresh (sessions expire).
	advance := func() {
		e.clock.add(time.Hour)
		clear(e.bearer)
		for _, x := range []*expert{a1, a2, b1, b2, d} {
			x.jwt = ""
		}
	}
	// Round 1: everyone but Q rates r1 (consensus in: 4–5 only, IQR 1) and
	// r2 (no consensus) and submits.
	for _, v := range []struct {
		x      *expert
		r1, r2 int
	}{{a1, 5, 1}, {a2, 5, 5}, {b1, 4, 2}, {b2, 5, 4}, {d, 4, 3}} {
		e.expertCall(v.x, "POST", "/api/v1/participation/consent", "", 200)
		e.expertCall(v.x, "PUT", "/api/v1/participation/answers/r1", fmt.Sprintf(`{"value":%d,"seq":1}`, v.r1), 200)
		e.expertCall(v.x, "PUT", "/api/v1/participation/answers/r2", fmt.Sprintf(`{"value":%d,"seq":1}`, v.r2), 200)
		e.expertCall(v.x, "POST", "/api/v1/participation/submit", "", 200)
	}
	advance() // 10:00
	e.staff("POST", "/api/v1/surveys/"+ptStudy+"/rounds/1/close", "admin", "", 200)
	advance() // 11:00
	e.openRound(ptStudy, `{"deadline":"`+e.ts(7*24*time.Hour)+`"}`)
	// Round 2: A1 and B1 answer and submit; A2 only looks; D declines at
	// 12:00; B2 and Q do nothing.
	for _, x := range []*expert{a1, b1} {
		e.expertCall(x, "PUT", "/api/v1/participation/answers/r2", `{"value":2,"seq":2}`, 200)
		e.expertCall(x, "POST", "/api/v1/participation/submit", "", 200)
	}
	e.expertCall(a2, "GET", "/api/v1/participation", "", 200)
	advance() // 12:00
	e.expertCall(d, "POST", "/api/v1/participation/decline", "", 200)
	advance() // 13:00
	flowURL, attrURL := "/api/v1/surveys/"+ptStudy+"/results/flow", "/api/v1/surveys/"+ptStudy+"/results/attrition"

	// While round 2 is open nobody has dropped out yet (null), and there
	// is no attrition comparison.
	open := decode[panelflow.Flow](t, e.staff("GET", flowURL, "admin", "", 200))
	if p := open.Rounds[1].Participants; open.Rounds[1].Status != "open" || p.DroppedOut != nil || p.Continued == nil || *p.Continued != 2 {
		t.Fatalf("open round 2: %+v", open.Rounds[1])
	}
	if a := decode[panelflow.Attrition](t, e.staff("GET", attrURL, "admin", "", 200)); len(a.Rounds) != 0 {
		t.Fatalf("attrition of an open round: %+v", a.Rounds)
	}

	e.staff("POST", "/api/v1/surveys/"+ptStudy+"/rounds/2/close", "admin", "", 200)
	f := decode[panelflow.Flow](t, e.staff("GET", flowURL, "admin", "", 200))
	if f.Recruited != 6 || f.RecruitedByGroup["wiss"] != 3 || f.RecruitedByGroup["praxis"] != 3 || len(f.Rounds) != 2 {
		t.Fatalf("flow %+v", f)
	}
	n := func(v int) *int { return &v }
	check := func(name string, got, want panelflow.FlowCounts) {
		t.Helper()
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if string(g) != string(w) {
			t.Errorf("%s:\n got %s\nwant %s", name, g, w)
		}
	}
	// Round 1: all six were given their link at 09:00, before round 1
	// closed (no mail store here): invited by link 6. Five opened, saved
	// and submitted; nobody declined before 10:00.
	check("round 1", f.Rounds[0].Participants, panelflow.FlowCounts{Panel: 6, Invited: 6, InvitedLink: 6, Opened: 5, Started: 5, Submitted: 5})
	check("round 1 praxis", f.Rounds[0].ByGroup["praxis"], panelflow.FlowCounts{Panel: 3, Invited: 3, InvitedLink: 3, Opened: 3, Started: 3, Submitted: 3})
	// Round 2: the panel is who has a response (A1 A2 B1), or is still
	// active (B2, Q): D declined and opened nothing, so is not in it. The
	// links are older than round 1's close, so only who opened counts as
	// invited (by link): A1 A2 B1. Submitted A1 B1; declined D (12:00 in
	// [10:00, 13:00)). Of round 1's five, A1 and B1 continued; A2, B2 and
	// D dropped out, D having declined.
	check("round 2", f.Rounds[1].Participants, panelflow.FlowCounts{Panel: 5, Invited: 3, InvitedLink: 3, Opened: 3, Started: 2, Submitted: 2,
		Declined: 1, Continued: n(2), DroppedOut: n(3), DroppedOutDeclined: n(1)})
	check("round 2 wiss", f.Rounds[1].ByGroup["wiss"], panelflow.FlowCounts{Panel: 3, Invited: 2, InvitedLink: 2, Opened: 2, Started: 1, Submitted: 1,
		Continued: n(1), DroppedOut: n(1), DroppedOutDeclined: n(0)})
	check("round 2 praxis", f.Rounds[1].ByGroup["praxis"], panelflow.FlowCounts{Panel: 2, Invited: 1, InvitedLink: 1, Opened: 1, Started: 1, Submitted: 1,
		Declined: 1, Continued: n(1), DroppedOut: n(2), DroppedOutDeclined: n(1)})
	// Items: round 1 asks the study's 9 items. r1 reached consensus (4,4,5,5,5:
	// 100 % agreement, IQR 1) and stays behind with the text item t1
	// (carry-over no_consensus); the other 7 go on unchanged. Rating rows
	// in round 1: r1 in; r2, m1/imp, m1/feas none (m1 unanswered: n 0 < 3).
	if got, want := f.Rounds[0].Items, (panelflow.ItemFlow{Total: 9, Initial: 9, ConsensusIn: 1, ConsensusNone: 3}); got != want {
		t.Errorf("round 1 items %+v, want %+v", got, want)
	}
	// Round 2: r2 rated 2, 2 by A1 and B1: n 2 < 3, none, as are m1's two criteria.
	if got, want := f.Rounds[1].Items, (panelflow.ItemFlow{Total: 7, Carried: 7, Dropped: 2, ConsensusNone: 3}); got != want {
		t.Errorf("round 2 items %+v, want %+v", got, want)
	}

	// Attrition after round 1: left A2 B2 D, stayed A1 B1. r2 in round 1:
	// left 5, 4, 3 vs stayed 1, 2: U(left) = 6 = 3·2, no ties, n 5 ≤ 50:
	// exact, P(U ≥ 6) = 1/C(5,2) = 0.1, two-sided p 0.2. Medians 4 and 1.5.
	a := decode[panelflow.Attrition](t, e.staff("GET", attrURL, "admin", "", 200))
	if len(a.Rounds) != 1 || a.Rounds[0].Left != 3 || a.Rounds[0].Stayed != 2 || a.Rounds[0].LeftByGroup["praxis"] != 2 {
		t.Fatalf("attrition %+v", a.Rounds)
	}
	var r2 *panelflow.AttritionItem
	for i, it := range a.Rounds[0].Items {
		if it.ItemID == "r2" {
			r2 = &a.Rounds[0].Items[i]
		}
	}
	if r2 == nil {
		t.Fatalf("no r2 in %+v", a.Rounds[0].Items)
	}
	o := r2.Overall
	if o.NLeft != 3 || o.NStayed != 2 || o.MedianLeft.Value != 4 || o.MedianStayed.Value != 1.5 || o.Test.U1 != 6 ||
		o.Test.Method != "exact" || o.Test.P.Value != 0.2 || o.Flag {
		t.Errorf("r2: %+v", o)
	}

	// Only the study's staff read it.
	e.run([]scenario{
		{name: "coordinator of another study", method: "GET", url: flowURL, as: "coord-b", status: 404},
		{name: "attrition, another study", method: "GET", url: attrURL, as: "coord-b", status: 404},
		{name: "no auth", method: "GET", url: flowURL, status: 401},
		{name: "unknown study", method: "GET", url: "/api/v1/surveys/nope/results/flow", as: "admin", status: 404},
		{name: "no pseudonyms", method: "GET", url: attrURL, as: "admin", status: 200, notWant: []string{a1.Pseudonym, a1.ID, d.Pseudonym}},
	})
}
