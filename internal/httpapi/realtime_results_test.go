package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

const realtimeURL = "/api/v1/surveys/" + ksaID + "/results/realtime"

// realtimeEnv is an env with the Kleinstadtakademie study switched to
// real-time mode (stored as a new revision of its definition).
func realtimeEnv(t *testing.T) *env {
	e := newEnv(t)
	e.importStudies()
	ctx := context.Background()
	sv, err := e.st.SurveyByID(ctx, ksaID)
	if err != nil {
		t.Fatal(err)
	}
	def := *sv.Definition
	def.Mode = delphi.ModeRealtime
	if _, _, err := e.st.PutSurvey(ctx, &delphi.Survey{ID: ksaID, Definition: &def}); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestRealtimeResultsAPI: the analysed revision history of a real-time
// study, read from the store, for the study's staff only; live while the
// round is open, as of the close afterwards; 409 for a study in rounds.
func TestRealtimeResultsAPI(t *testing.T) {
	t.Parallel()
	e := realtimeEnv(t)
	ctx := context.Background()
	private := []string{"E-PS", "expert-0"} // no pseudonym or expert id ever leaves

	e.run([]scenario{
		{name: "before the round opens: 409", method: "GET", url: realtimeURL, as: "researcher", status: 409, want: []string{`"code":"conflict"`}},
		{name: "a study in rounds: 409 not_realtime", method: "GET", url: "/api/v1/surveys/cos-chronic-low-back-pain-example/results/realtime", as: "admin", status: 409,
			want: []string{`"code":"conflict"`, `"reason":"not_realtime"`}},
		{name: "unknown study", method: "GET", url: "/api/v1/surveys/nope/results/realtime", as: "admin", status: 404},
	})

	def := e.def(ksaID)
	var items []delphi.RoundItem
	for _, s := range def.Sections {
		for _, it := range s.Items {
			items = append(items, delphi.RoundItem{SectionID: s.ID, Item: it, Origin: delphi.OriginInitial})
		}
	}
	if err := e.st.CreateRound(ctx, &delphi.Round{SurveyID: ksaID, Number: 1, Status: delphi.RoundOpen, Items: items}); err != nil {
		t.Fatal(err)
	}
	t0 := e.clock.now()
	rev := func(m, x, imp int, saw bool) delphi.Revision {
		return delphi.Revision{SurveyID: ksaID, ItemID: "T01", ExpertID: fmt.Sprintf("expert-%02d", x), Pseudonym: fmt.Sprintf("E-PS%02d", x),
			Group: "planungspraxis", At: t0.Add(time.Duration(m) * time.Minute), SawFeedback: saw, Draft: true,
			Value: delphi.Value{Criteria: map[string]delphi.Value{"wichtigkeit": {Point: &imp}, "umsetzbarkeit": {Point: new(3)}}}}
	}
	// Three saves: expert 0 rates 4, expert 1 rates 5, expert 0 revises to
	// 5 after the feedback; expert 2 never submits.
	for _, batch := range [][]delphi.Revision{{rev(0, 0, 4, false)}, {rev(1, 1, 5, false), rev(1, 2, 1, false)}, {rev(2, 0, 5, true)}} {
		if err := e.st.AppendRevisions(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	// Experts 0 and 1 submit at minute 3 (their answers as stored).
	e.clock.set(t0.Add(3 * time.Minute))
	for x, imp := range []int{5, 5} {
		a := &delphi.Answer{SurveyID: ksaID, Round: 1, ItemID: "T01", ExpertID: fmt.Sprintf("expert-%02d", x), Pseudonym: fmt.Sprintf("E-PS%02d", x),
			Group: "planungspraxis", Seq: 1, Value: rev(0, x, imp, false).Value}
		if _, _, err := e.st.SaveAnswer(ctx, a, e.clock.now()); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.st.SubmitResponse(ctx, ksaID, 1, a.ExpertID, e.clock.now()); err != nil {
			t.Fatal(err)
		}
	}
	e.clock.set(t0.Add(10 * time.Minute))

	e.run([]scenario{
		{name: "researcher reads it live", method: "GET", url: realtimeURL, as: "researcher", status: 200,
			want: []string{`"live":true`, `"item_id":"T01"`, `"criterion_id":"wichtigkeit"`}, notWant: private},
		{name: "coordinator of the study reads", method: "GET", url: realtimeURL, as: "coord-a", status: 200, notWant: private},
		{name: "coordinator of another study gets 404", method: "GET", url: realtimeURL, as: "coord-b", status: 404},
		{name: "without a login", method: "GET", url: realtimeURL, status: 401},
	})

	got := e.realtime("researcher")
	if got.Experts != 3 || got.Counted != 2 || got.Revisions != 4 || !got.ComputedAt.Equal(t0.Add(10*time.Minute)) {
		t.Errorf("header: experts %d counted %d revisions %d computed_at %s", got.Experts, got.Counted, got.Revisions, got.ComputedAt)
	}
	w := got.Items[0].Criteria[0]
	// Nobody counts before minute 3; then experts 0 and 1 with 5 each.
	if len(w.Points) != 1 || !w.Points[0].At.Equal(t0.Add(3*time.Minute)) || w.Points[0].N != 2 || w.Points[0].Median.Value != 5 || w.Points[0].Changes != 2 {
		t.Errorf("wichtigkeit points %+v", w.Points)
	}
	// Expert 0 revised after feedback; nobody counted then, so no median to compare with.
	if w.AfterFeedback.Experts != 1 || w.AfterFeedback.Revisions != 1 || w.AfterFeedback.NotComparable != 1 || w.Revised != 1 || w.Stability.NPaired != 2 {
		t.Errorf("wichtigkeit %+v", w.RealtimeSeries)
	}

	// While open, the export has the history's sheets, from the same store.
	f, err := excelize.OpenReader(bytes.NewReader(e.staff("GET", "/api/v1/surveys/"+ksaID+"/export.xlsx", "researcher", "", 200)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	revRows, err := f.GetRows("Revisionen")
	if err != nil || len(revRows) != 1+2*4 { // a header, two criteria per revision
		t.Errorf("Revisionen: %v %q", err, revRows)
	}
	if series, err := f.GetRows("Verlauf"); err != nil || len(series) != 1+2 || series[1][0] != "T01" {
		t.Errorf("Verlauf: %v %q", err, series)
	}

	// The close freezes it: computed as of the close, whenever read.
	closed := t0.Add(20 * time.Minute)
	if _, err := e.st.UpdateRound(ctx, ksaID, 1, func(r *delphi.Round) error {
		r.Status, r.ClosedAt = delphi.RoundClosed, &closed
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	e.clock.set(t0.Add(25 * time.Minute))
	frozen := e.realtime("coord-a")
	if frozen.Live || !frozen.ComputedAt.Equal(closed) || len(frozen.Items[0].Criteria[0].Points) != 1 {
		t.Errorf("after the close: live %v computed_at %s", frozen.Live, frozen.ComputedAt)
	}

}

func (e *env) def(id string) *delphi.Definition {
	e.t.Helper()
	sv, err := e.st.SurveyByID(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return sv.Definition
}

func (e *env) realtime(as string) *analysis.RealtimeResults {
	e.t.Helper()
	var r analysis.RealtimeResults
	if err := json.Unmarshal(e.staff("GET", realtimeURL, as, "", 200), &r); err != nil {
		e.t.Fatal(err)
	}
	return &r
}

// TestRealtimeHistoryThroughSaves: the experts' saves append the revisions
// the history is computed from; a revision after the expert looked at the
// panel's statistics counts as one after feedback.
func TestRealtimeHistoryThroughSaves(t *testing.T) {
	t.Parallel()
	e, panel := rtEnv(t, 4)
	a, b, c, d := panel[0], panel[1], panel[2], panel[3]
	t0 := e.clock.now()
	for i, s := range []struct {
		x    *expert
		body string
	}{{b, `{"value":4,"seq":1}`}, {c, `{"value":5,"seq":1}`}, {d, `{"value":5,"seq":1}`}, {a, `{"value":2,"seq":1}`}} {
		e.clock.set(t0.Add(time.Duration(i+1) * time.Minute))
		rtSave(e, s.x, "r1", s.body)
	}
	e.realtimeView(a) // A sees the others' median, 5, …
	e.clock.set(t0.Add(5 * time.Minute))
	rtSave(e, a, "r1", `{"value":4,"seq":2}`) // … and moves toward it

	var got analysis.RealtimeResults
	if err := json.Unmarshal(e.staff("GET", "/api/v1/surveys/"+rtStudy+"/results/realtime", "admin", "", 200), &got); err != nil {
		t.Fatal(err)
	}
	if got.Revisions != 5 || got.Experts != 4 || got.Count != delphi.CountAll || !got.Live {
		t.Fatalf("header %+v", got)
	}
	r1 := got.Items[0].Rating
	// {4}; {4,5}; {4,5,5}; {2,4,5,5}: 4.5, Q1 3.5; {4,4,5,5}: 4.5, Q1 4, Q3 5.
	medians, q1s := []float64{}, []float64{}
	for _, p := range r1.Points {
		medians, q1s = append(medians, p.Median.Value), append(q1s, p.Q1.Value)
	}
	if !slices.Equal(medians, []float64{4, 4.5, 5, 4.5, 4.5}) || !slices.Equal(q1s, []float64{4, 4.25, 4.5, 3.5, 4}) ||
		!r1.Points[4].At.Equal(t0.Add(5*time.Minute)) {
		t.Errorf("points %+v", r1.Points)
	}
	// A: 2 → 4 after seeing the others' median 5: toward, by 2.
	fb := r1.AfterFeedback
	if fb.Experts != 1 || fb.Revisions != 1 || fb.Toward != 1 || fb.MeanAbsChange.Value != 2 || r1.Revised != 1 {
		t.Errorf("after feedback %+v", fb)
	}
	if st := r1.Stability; st.NPaired != 4 || st.ShareChanged.Value != 0.25 {
		t.Errorf("first vs last %+v", st)
	}
}
