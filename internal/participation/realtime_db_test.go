package participation_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/participation"
	"github.com/expertenrunde/expertenrunde/internal/realtime"
	"github.com/expertenrunde/expertenrunde/internal/store/storetest"
)

// realtimeStudy is the small study in real-time mode, statistics from 2
// other answers on.
func realtimeStudy(id string) string {
	s := fmt.Sprintf(study, id)
	s = strings.Replace(s, "planned: 3", "planned: 1", 1)
	s = strings.Replace(s, "    justify_outside_iqr: true\n", "    justify_outside_iqr: true\n    min_group_n: 2\n    count: all\n", 1)
	return "mode: realtime\n" + s
}

// withRealtime gives svc a real-time service of its own on f's store (one
// server instance) and returns it.
func (f *fixture) withRealtime(svc *participation.Service) *realtime.Service {
	rt := &realtime.Service{Answers: f.st, Revisions: f.st, TTL: 5 * time.Second, Now: func() time.Time { return f.now }}
	svc.Realtime = rt
	return rt
}

// other adds another consented expert to p's study.
func (f *fixture) other(t *testing.T, p participation.Participant, n int) participation.Participant {
	t.Helper()
	x := &delphi.Expert{SurveyID: p.Survey.ID, Group: "g", Language: "de", Name: "E", Email: fmt.Sprintf("%s-%d@example.org", p.Survey.ID, n)}
	must(t, f.st.CreateExpert(t.Context(), x))
	x, err := f.st.SetConsent(t.Context(), p.Survey.ID, x.ID, f.now)
	must(t, err)
	return participation.Participant{Expert: x, Survey: p.Survey}
}

func save(t *testing.T, svc *participation.Service, p participation.Participant, item string, value int, seq int64) *participation.SaveResult {
	t.Helper()
	r, err := svc.Save(t.Context(), p, item, participation.AnswerInput{Value: json.RawMessage(fmt.Sprint(value)), Seq: seq})
	must(t, err)
	return r
}

// TestRealtimeSaveAddsOneInsert: a save in a real-time study that changes a
// value costs the calls of a save that keeps it (the save's own, see
// TestSaveMakesOneDatabaseCall) and one insert (the revisions), however
// many answers the server knows. Nothing recomputes the round.
func TestRealtimeSaveAddsOneInsert(t *testing.T) {
	c := &storetest.Commands{}
	f := newFixture(t, c)
	p := f.participantOf(t, realtimeStudy("rt-calls"))
	f.withRealtime(f.svc)
	save(t, f.svc, p, "q1", 3, 1) // the first save of the process reads the round's answers and history once
	for i, v := range []int{4, 5, 2} {
		o := f.other(t, p, i)
		save(t, f.svc, o, "q1", v, 1)
	}

	changed := c.During(func() { save(t, f.svc, p, "q1", 4, 2) })
	kept := c.During(func() { save(t, f.svc, p, "q1", 4, 3) })
	if len(kept) == 0 || slices.Contains(kept, "insert") {
		t.Errorf("a save that kept the value: %v, want the save's calls and no insert", kept)
	}
	if len(changed) != len(kept)+1 || changed[len(changed)-1] != "insert" || slices.Contains(changed[:len(changed)-1], "insert") {
		t.Errorf("a save that changed the value: %v, want the save's calls %v and one insert", changed, kept)
	}
	revs, err := f.st.ListRevisions(t.Context(), p.Survey.ID)
	must(t, err)
	if len(revs) != 5 {
		t.Errorf("%d revisions, want 5 (3, 4 and 5, 2, 4)", len(revs))
	}
}

// TestRealtimeTwoInstances: a save through another instance reaches this
// instance's statistics once the TTL has passed (the state is read again);
// this instance's own saves show at once, also when they happened while
// that read was under way.
func TestRealtimeTwoInstances(t *testing.T) {
	f := newFixture(t, &storetest.Commands{})
	p := f.participantOf(t, realtimeStudy("rt-two"))
	f.withRealtime(f.svc)
	other := &participation.Service{Rounds: f.rounds, Responses: f.st, Experts: f.st, Now: func() time.Time { return f.now }}
	f.withRealtime(other)

	a, b, c := p, f.other(t, p, 1), f.other(t, p, 2)
	save(t, f.svc, a, "q1", 1, 1)
	save(t, f.svc, b, "q1", 3, 1)
	n := func() int {
		v, err := f.svc.RealtimeFeedback(t.Context(), a)
		must(t, err)
		return v.Items["q1"].N
	}
	if got := n(); got != 1 {
		t.Fatalf("A's statistics rest on %d answers, want 1 (B)", got)
	}
	save(t, other, c, "q1", 5, 1) // through the other instance
	if got := n(); got != 1 {
		t.Fatalf("within the TTL: %d answers, want 1", got)
	}
	f.now = f.now.Add(6 * time.Second)
	v, err := f.svc.RealtimeFeedback(t.Context(), a)
	must(t, err)
	fb := v.Items["q1"].Feedback
	if v.Items["q1"].N != 2 || fb == nil || fb.Rating == nil || fb.Rating.Median == nil || fb.Rating.Median.Value != 4 {
		t.Fatalf("after the TTL: %+v, want B's 3 and C's 5, median 4", v.Items["q1"])
	}
}
