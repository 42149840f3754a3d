package participation_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/participation"
	"github.com/expertenrunde/expertenrunde/internal/results"
	"github.com/expertenrunde/expertenrunde/internal/rounds"
	"github.com/expertenrunde/expertenrunde/internal/store"
	"github.com/expertenrunde/expertenrunde/internal/store/storetest"
	"github.com/expertenrunde/expertenrunde/internal/survey"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

const study = `version: "1"
id: %s
languages: [de]
title: {de: Kleine Studie}
groups:
  - {id: g, label: {de: Gruppe}}
scales:
  - id: imp5
    points:
      - {value: 1, label: {de: eins}}
      - {value: 2, label: {de: zwei}}
      - {value: 3, label: {de: drei}}
      - {value: 4, label: {de: vier}}
      - {value: 5, label: {de: fünf}}
    agreement: {min: 4, max: 5}
consensus:
  min_n: 3
  all:
    - agreement: {min_percent: 75}
    - iqr: {max: 1}
rounds:
  planned: 3
  feedback:
    statistics: [n, median]
    justify_outside_iqr: true
sections:
  - id: a
    title: {de: Fragen}
    items:
      - {id: q1, type: rating, scale: imp5, text: {de: Frage 1}}
      - {id: q2, type: rating, scale: imp5, text: {de: Frage 2}, comment: true}
      - {id: q3, type: rating, scale: imp5, text: {de: Frage 3}}
`

type fixture struct {
	st     *store.Store
	rounds *rounds.Service
	svc    *participation.Service
	now    time.Time
}

func newFixture(t *testing.T, c *storetest.Commands) *fixture {
	t.Helper()
	f := &fixture{now: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}
	f.st = storetest.NewMonitoredStore(t, "participation", c.Monitor())
	clock := func() time.Time { return f.now }
	f.st.Now = clock
	res := &results.Service{Surveys: f.st, Rounds: f.st, Responses: f.st, Snapshots: f.st, Now: clock}
	f.rounds = &rounds.Service{Surveys: f.st, Rounds: f.st, Results: res, Responses: f.st, Audit: f.st, Now: clock}
	f.svc = &participation.Service{Rounds: f.rounds, Responses: f.st, Experts: f.st, Now: clock}
	return f
}

// participant imports the study id with round 1 open and an expert who
// consented, and returns them as the HTTP layer would (the survey read by
// SurveyByID).
func (f *fixture) participant(t *testing.T, id string) participation.Participant {
	t.Helper()
	return f.participantOf(t, fmt.Sprintf(study, id))
}

// participantOf is participant with the study text yaml.
func (f *fixture) participantOf(t *testing.T, yaml string) participation.Participant {
	t.Helper()
	ctx := t.Context()
	def, err := survey.Parse("small.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err, delphi.AsError(err).Details)
	}
	sv, _, err := f.st.PutSurvey(ctx, &delphi.Survey{Definition: def})
	must(t, err)
	deadline := f.now.Add(7 * 24 * time.Hour)
	_, err = f.rounds.Prepare(ctx, "u1", sv, rounds.PrepareRequest{Deadline: &deadline})
	must(t, err)
	_, err = f.rounds.Open(ctx, "u1", sv.ID, 1)
	must(t, err)
	x := &delphi.Expert{SurveyID: sv.ID, Group: "g", Language: "de", Name: "E", Email: sv.ID + "@example.org"}
	must(t, f.st.CreateExpert(ctx, x))
	x, err = f.st.SetConsent(ctx, sv.ID, x.ID, f.now)
	must(t, err)
	sv, err = f.st.SurveyByID(ctx, sv.ID)
	must(t, err)
	return participation.Participant{Expert: x, Survey: sv}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func answer(item string, v, seq int) participation.BatchAnswer {
	return participation.BatchAnswer{ItemID: item, AnswerInput: participation.AnswerInput{Value: json.RawMessage([]byte{byte('0' + v)}), Seq: int64(seq)}}
}

// TestSaveMakesOneDatabaseCall: once the process knows the study's
// current round, its items and definition, a save (one answer or a batch)
// of a response this process wrote last makes one database call on the
// embedded database: the write (the store keeps the response it wrote and
// the round's state while its change mark holds; a save that changes
// nothing writes nothing, and so makes no call). The first save of a
// response reads it (or finds it missing) and inserts it: two. On MongoDB
// the round's state is read on every save, one call more.
// TestSaveRequestMakesOneDatabaseCall counts the session check as well.
func TestSaveMakesOneDatabaseCall(t *testing.T) {
	c := &storetest.Commands{}
	f := newFixture(t, c)
	ctx := t.Context()
	p := f.participant(t, "count")
	other := f.participant(t, "count-other") // the same study shape, another study
	if _, err := f.svc.Save(ctx, other, "q1", answer("q1", 3, 1).AnswerInput); err != nil {
		t.Fatal(err)
	}

	var err error
	first := c.During(func() { _, err = f.svc.Save(ctx, p, "q1", answer("q1", 3, 1).AnswerInput) })
	must(t, err)
	t.Logf("first save of the study in this process: %d calls %v", len(first), first)

	p2 := p
	x2 := &delphi.Expert{SurveyID: p.Survey.ID, Group: "g", Name: "F", Email: "f@example.org"}
	must(t, f.st.CreateExpert(ctx, x2))
	x2, err = f.st.SetConsent(ctx, p.Survey.ID, x2.ID, f.now)
	must(t, err)
	p2.Expert = x2

	var res *participation.SaveResult
	cases := []struct {
		name string
		want []string
		fn   func()
	}{
		{"a single save", []string{"update"}, func() { res, err = f.svc.Save(ctx, p, "q2", answer("q2", 4, 2).AnswerInput) }},
		{"a save with an older seq", nil, func() { res, err = f.svc.Save(ctx, p, "q2", answer("q2", 1, 1).AnswerInput) }},
		{"a batch of three", []string{"update"}, func() {
			var b *participation.BatchResult
			b, err = f.svc.SaveBatch(ctx, p, []participation.BatchAnswer{answer("q1", 5, 3), answer("q2", 5, 3), answer("q3", 5, 3)})
			if err == nil && b.Progress.Answered != 3 {
				t.Errorf("progress after the batch: %+v", b.Progress)
			}
		}},
		{"the first save of another expert (the response is inserted)", []string{"find", "insert"}, func() { _, err = f.svc.Save(ctx, p2, "q1", answer("q1", 2, 1).AnswerInput) }},
	}
	for _, tc := range cases {
		names := c.During(tc.fn)
		must(t, err)
		if !slices.Equal(names, tc.want) {
			t.Errorf("%s: database calls %q, want %q", tc.name, names, tc.want)
		}
	}
	if res.Applied || res.Answer.Seq != 2 {
		t.Errorf("the older seq: %+v, want the stored seq 2 kept", res)
	}
}

// TestSaveFollowsTheRound: the remembered round number never admits a save
// the round's fresh state refuses: after a close the save is refused, and
// once the next round is open the save goes there.
func TestSaveFollowsTheRound(t *testing.T) {
	f := newFixture(t, &storetest.Commands{})
	ctx := t.Context()
	p := f.participant(t, "follow")
	if _, err := f.svc.Save(ctx, p, "q1", answer("q1", 3, 1).AnswerInput); err != nil {
		t.Fatal(err)
	}
	_, err := f.rounds.Close(ctx, "u1", p.Survey.ID, 1)
	must(t, err)
	_, err = f.svc.Save(ctx, p, "q1", answer("q1", 4, 2).AnswerInput)
	if delphi.ErrorCode(err) != delphi.ECONFLICT {
		t.Fatalf("a save after the close: %v, want conflict", err)
	}
	deadline := f.now.Add(7 * 24 * time.Hour)
	_, err = f.rounds.Prepare(ctx, "u1", p.Survey, rounds.PrepareRequest{Deadline: &deadline, CarryOver: &delphi.CarryOver{Mode: delphi.CarryAll}})
	must(t, err)
	_, err = f.rounds.Open(ctx, "u1", p.Survey.ID, 2)
	must(t, err)
	res, err := f.svc.Save(ctx, p, "q1", answer("q1", 4, 2).AnswerInput)
	must(t, err)
	if !res.Applied {
		t.Fatalf("save in round 2: %+v", res)
	}
	r2, err := f.st.Response(ctx, p.Survey.ID, 2, p.Expert.ID)
	must(t, err)
	r1, err := f.st.Response(ctx, p.Survey.ID, 1, p.Expert.ID)
	must(t, err)
	if r2.Answers["q1"].Seq != 2 || r1.Answers["q1"].Seq != 1 {
		t.Fatalf("round 1 %+v, round 2 %+v", r1.Answers["q1"], r2.Answers["q1"])
	}
	// An overdue round is closed by the save's request (the lazy close)
	// and the save refused.
	f.now = deadline.Add(time.Minute)
	_, err = f.svc.Save(ctx, p, "q1", answer("q1", 5, 3).AnswerInput)
	if delphi.ErrorCode(err) != delphi.ECONFLICT {
		t.Fatalf("a save after the deadline: %v, want conflict", err)
	}
	r, err := f.st.Round(ctx, p.Survey.ID, 2)
	must(t, err)
	if r.Status != delphi.RoundClosed {
		t.Fatalf("round 2 after an overdue save: %s, want closed", r.Status)
	}
}

// TestBatchAfterSubmitWithoutRevision: where the study allows no revision,
// a batch after the submission is refused as a whole (checked on the
// response the write reads, under its lock) and nothing changes.
func TestBatchAfterSubmitWithoutRevision(t *testing.T) {
	f := newFixture(t, &storetest.Commands{})
	ctx := t.Context()
	text := strings.Replace(fmt.Sprintf(study, "final"), "  planned: 3\n", "  planned: 3\n  allow_revision: false\n", 1)
	p := f.participantOf(t, text)
	if p.Survey.Definition.Rounds.RevisionAllowed() {
		t.Fatal("the study allows revisions")
	}
	_, err := f.svc.SaveBatch(ctx, p, []participation.BatchAnswer{answer("q1", 3, 1), answer("q2", 4, 1)})
	must(t, err)
	_, err = f.svc.Submit(ctx, p)
	must(t, err)
	_, err = f.svc.SaveBatch(ctx, p, []participation.BatchAnswer{answer("q1", 5, 2), answer("q3", 5, 2)})
	if delphi.ErrorCode(err) != delphi.ECONFLICT {
		t.Fatalf("a batch after the submission: %v, want conflict", err)
	}
	r, err := f.st.Response(ctx, p.Survey.ID, 1, p.Expert.ID)
	must(t, err)
	if r.Answers["q1"].Seq != 1 || len(r.Answers) != 2 {
		t.Fatalf("answers after the refused batch: %+v", r.Answers)
	}
}
