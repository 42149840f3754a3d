package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/store"
)

// participationTests cover rounds, snapshots, responses and expert sessions.
var participationTests = []struct {
	name string
	fn   func(t *testing.T, s *store.Store)
}{
	{"Rounds", testRounds},
	{"Responses", testResponses},
	{"ResponsesConcurrentSaves", testResponsesConcurrent},
	{"SubmitResponse", testSubmitResponse},
	{"AnsweredItemsFromResponses", testAnsweredItems},
	{"ExpertSessions", testExpertSessions},
}

func roundItems(ids ...string) []delphi.RoundItem {
	out := make([]delphi.RoundItem, len(ids))
	for i, id := range ids {
		out[i] = delphi.RoundItem{SectionID: "themen", Origin: delphi.OriginInitial,
			Item: delphi.Item{ID: id, Type: delphi.ItemRating, Scale: "imp5", Text: delphi.Text{"de": "Frage " + id, "en": "Question " + id}}}
	}
	return out
}

func testRounds(t *testing.T, s *store.Store) {
	ctx := t.Context()
	clk := newClock(s)

	wantCode(t, s.CreateRound(ctx, &delphi.Round{Number: 1}), delphi.EINVALID)
	wantCode(t, s.CreateRound(ctx, &delphi.Round{SurveyID: "s1", Number: -1}), delphi.EINVALID) // 0 is a study's open round 0
	wantCode(t, s.CreateRound(ctx, &delphi.Round{SurveyID: "s1", Number: 1, Status: "bogus"}), delphi.EINVALID)

	deadline := clk.Now().Add(14 * 24 * time.Hour)
	r1 := &delphi.Round{SurveyID: "s1", Number: 1, Items: roundItems("q1", "q.2"), Deadline: &deadline,
		Mail:    map[string]delphi.MailText{"de": {Subject: "Runde 1"}},
		History: []delphi.RoundEvent{{At: clk.Now(), Action: delphi.RoundActionCreate, ActorID: "u1"}}}
	must(t, s.CreateRound(ctx, r1))
	if r1.Status != delphi.RoundDraft || !r1.CreatedAt.Equal(clk.Now()) || len(r1.Items) != 2 {
		t.Fatalf("CreateRound filled %+v", r1)
	}
	wantCode(t, s.CreateRound(ctx, &delphi.Round{SurveyID: "s1", Number: 1}), delphi.ECONFLICT)

	got, err := s.Round(ctx, "s1", 1)
	must(t, err)
	if !reflect.DeepEqual(got, r1) {
		t.Fatalf("Round = %+v\nwant %+v", got, r1)
	}
	_, err = s.Round(ctx, "s1", 2)
	wantCode(t, err, delphi.ENOTFOUND)

	must(t, s.CreateRound(ctx, &delphi.Round{SurveyID: "s1", Number: 2, Items: roundItems("q1")}))
	must(t, s.CreateRound(ctx, &delphi.Round{SurveyID: "s10", Number: 1, Status: delphi.RoundOpen}))
	list, err := s.ListRounds(ctx, "s1")
	must(t, err)
	if len(list) != 2 || list[0].Number != 1 || list[1].Number != 2 || list[1].SurveyID != "s1" {
		t.Fatalf("ListRounds = %+v", list)
	}
	none, err := s.ListRounds(ctx, "nope")
	must(t, err)
	if len(none) != 0 {
		t.Fatalf("ListRounds(unknown) = %+v", none)
	}

	// fn's error aborts the update; the round stays as it was.
	boom := errors.New("boom")
	_, err = s.UpdateRound(ctx, "s1", 1, func(r *delphi.Round) error { r.Status = delphi.RoundOpen; return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("UpdateRound with failing fn = %v", err)
	}
	clk.Add(time.Hour)
	upd, err := s.UpdateRound(ctx, "s1", 1, func(r *delphi.Round) error {
		now := clk.Now()
		r.Status, r.OpenedAt = delphi.RoundOpen, &now
		r.History = append(r.History, delphi.RoundEvent{At: now, Action: delphi.RoundActionOpen, ActorID: "u1"})
		return nil
	})
	must(t, err)
	if upd.Status != delphi.RoundOpen || !upd.UpdatedAt.Equal(clk.Now()) || len(upd.History) != 2 {
		t.Fatalf("UpdateRound = %+v", upd)
	}
	_, err = s.UpdateRound(ctx, "s1", 1, func(r *delphi.Round) error { r.Status = "bogus"; return nil })
	wantCode(t, err, delphi.EINVALID)
	_, err = s.UpdateRound(ctx, "s1", 9, func(*delphi.Round) error { return nil })
	wantCode(t, err, delphi.ENOTFOUND)

	open, err := s.OpenRounds(ctx)
	must(t, err)
	var keys []string
	for _, r := range open {
		keys = append(keys, r.Key())
	}
	if !reflect.DeepEqual(keys, []string{"s1#1", "s10#1"}) {
		t.Fatalf("OpenRounds = %v", keys)
	}
}

func point(p int) delphi.Value { return delphi.Value{Point: &p} }

func testResponses(t *testing.T, s *store.Store) {
	ctx := t.Context()
	clk := newClock(s)
	t0 := clk.Now()

	_, err := s.Response(ctx, "s1", 1, "e1")
	wantCode(t, err, delphi.ENOTFOUND)
	_, err = s.TouchResponse(ctx, &delphi.Response{SurveyID: "s1", Round: -1, ExpertID: "e1"}, t0)
	wantCode(t, err, delphi.EINVALID)

	tmpl := &delphi.Response{SurveyID: "s1", Round: 1, ExpertID: "e1", Pseudonym: "E-AAAA", Group: "wiss"}
	r, err := s.TouchResponse(ctx, tmpl, t0)
	must(t, err)
	if r.FirstOpenedAt == nil || !r.FirstOpenedAt.Equal(t0) || !r.LastActivityAt.Equal(t0) || r.StartedAt != nil || len(r.Answers) != 0 {
		t.Fatalf("first TouchResponse = %+v", r)
	}
	r, err = s.TouchResponse(ctx, tmpl, t0.Add(time.Minute))
	must(t, err)
	if !r.FirstOpenedAt.Equal(t0) || !r.LastActivityAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("second TouchResponse moved first_opened_at: %+v", r)
	}
	// A reload within delphi.TouchEvery records nothing; one after it does.
	r, err = s.TouchResponse(ctx, tmpl, t0.Add(time.Minute+delphi.TouchEvery/2))
	must(t, err)
	if !r.LastActivityAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("a reload within TouchEvery moved last_activity_at: %v", r.LastActivityAt)
	}
	if r, err = s.Response(ctx, "s1", 1, "e1"); err != nil || !r.LastActivityAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("stored after a reload within TouchEvery: %+v, %v", r, err)
	}
	r, err = s.TouchResponse(ctx, tmpl, t0.Add(time.Minute+delphi.TouchEvery))
	must(t, err)
	if !r.LastActivityAt.Equal(t0.Add(time.Minute + delphi.TouchEvery)) {
		t.Fatalf("a load TouchEvery later did not record it: %v", r.LastActivityAt)
	}

	base := delphi.Answer{SurveyID: "s1", Round: 1, ItemID: "T.01", ExpertID: "e1", Pseudonym: "E-AAAA", Group: "wiss"}
	a := base
	a.Value, a.Seq = point(3), 0
	_, _, err = s.SaveAnswer(ctx, &a, t0)
	wantCode(t, err, delphi.EINVALID)

	t1 := t0.Add(2 * time.Minute)
	a.Seq, a.Comment = 5, "erste"
	got, applied, err := s.SaveAnswer(ctx, &a, t1)
	must(t, err)
	if !applied || got.Seq != 5 || *got.Value.Point != 3 || !got.FirstSavedAt.Equal(t1) || !got.LastSavedAt.Equal(t1) || got.Revisions != 0 || got.ItemID != "T.01" {
		t.Fatalf("first SaveAnswer = %+v, applied %v", got, applied)
	}
	// A lower or equal seq changes nothing and returns the stored answer.
	old := base
	old.Value, old.Seq = point(1), 5
	got, applied, err = s.SaveAnswer(ctx, &old, t1.Add(time.Second))
	must(t, err)
	if applied || *got.Value.Point != 3 || got.Seq != 5 {
		t.Fatalf("equal seq: %+v, applied %v", got, applied)
	}
	old.Seq = 4
	if got, applied, _ = s.SaveAnswer(ctx, &old, t1.Add(time.Second)); applied || *got.Value.Point != 3 {
		t.Fatalf("lower seq applied: %+v", got)
	}

	t2 := t1.Add(time.Minute)
	b := base
	b.Value, b.Seq, b.Comment, b.Justification = point(5), 9, "erste", "weil"
	got, applied, err = s.SaveAnswer(ctx, &b, t2)
	must(t, err)
	if !applied || *got.Value.Point != 5 || !got.FirstSavedAt.Equal(t1) || !got.LastSavedAt.Equal(t2) || got.Revisions != 1 || got.Justification != "weil" {
		t.Fatalf("revision: %+v", got)
	}
	// The same content with a higher seq is applied but is not a revision.
	b.Seq = 10
	if got, applied, _ = s.SaveAnswer(ctx, &b, t2.Add(time.Second)); !applied || got.Revisions != 1 || got.Seq != 10 {
		t.Fatalf("unchanged save: %+v applied %v", got, applied)
	}
	crit := base
	crit.ItemID, crit.Seq = "multi", 1
	crit.Value = delphi.Value{Criteria: map[string]delphi.Value{"wichtigkeit": point(4), "um.setzbarkeit": {Abstain: true}}}
	_, _, err = s.SaveAnswer(ctx, &crit, t2)
	must(t, err)

	r, err = s.Response(ctx, "s1", 1, "e1")
	must(t, err)
	if r.StartedAt == nil || !r.StartedAt.Equal(t1) || len(r.Answers) != 2 || r.Pseudonym != "E-AAAA" || r.Group != "wiss" {
		t.Fatalf("Response = %+v", r)
	}
	if want := crit.Value; !reflect.DeepEqual(r.Answers["multi"].Value, want) {
		t.Fatalf("multi_rating value round trip: %+v, want %+v", r.Answers["multi"].Value, want)
	}
	if ans := r.Answers["T.01"]; ans.Seq != 10 || ans.Comment != "erste" || ans.SurveyID != "s1" || ans.Round != 1 || ans.Pseudonym != "E-AAAA" {
		t.Fatalf("stored answer lacks its context: %+v", ans)
	}

	// SaveAnswer creates the response when the expert never opened it.
	c := base
	c.ExpertID, c.Pseudonym, c.Seq, c.Value = "e2", "E-BBBB", 1, point(2)
	_, _, err = s.SaveAnswer(ctx, &c, t2)
	must(t, err)
	_, _, err = s.SaveAnswer(ctx, &delphi.Answer{SurveyID: "s1", Round: 2, ItemID: "T.01", ExpertID: "e1", Seq: 1, Value: point(1)}, t2)
	must(t, err)
	list, err := s.ListResponses(ctx, "s1", 1)
	must(t, err)
	if len(list) != 2 || list[0].Pseudonym != "E-AAAA" || list[1].Pseudonym != "E-BBBB" || list[1].FirstOpenedAt != nil {
		t.Fatalf("ListResponses = %+v", list)
	}
}

func testResponsesConcurrent(t *testing.T, s *store.Store) {
	ctx := t.Context()
	now := time.Date(2026, 1, 26, 10, 0, 0, 0, time.UTC)
	const workers, saves, items = 8, 40, 5
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range saves {
				seq := int64(i*workers + w + 1) // every seq once, interleaved
				a := &delphi.Answer{SurveyID: "s1", Round: 1, ExpertID: "e1", ItemID: fmt.Sprintf("i%d", (i+w)%items), Seq: seq, Value: point(int(seq))}
				if _, _, err := s.SaveAnswer(ctx, a, now); err != nil {
					t.Errorf("SaveAnswer: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	// The highest seq sent per item must be the one stored.
	want := map[string]int64{}
	for w := range workers {
		for i := range saves {
			id, seq := fmt.Sprintf("i%d", (i+w)%items), int64(i*workers+w+1)
			want[id] = max(want[id], seq)
		}
	}
	r, err := s.Response(ctx, "s1", 1, "e1")
	must(t, err)
	if len(r.Answers) != items {
		t.Fatalf("%d answers stored, want %d", len(r.Answers), items)
	}
	for id, seq := range want {
		if a := r.Answers[id]; a.Seq != seq || *a.Value.Point != int(seq) {
			t.Errorf("item %s: stored seq %d value %v, want %d", id, a.Seq, a.Value.Point, seq)
		}
	}
}

func testSubmitResponse(t *testing.T, s *store.Store) {
	ctx := t.Context()
	clk := newClock(s)
	t0 := clk.Now()
	_, _, err := s.SubmitResponse(ctx, "s1", 1, "e1", t0)
	wantCode(t, err, delphi.ENOTFOUND)

	_, err = s.TouchResponse(ctx, &delphi.Response{SurveyID: "s1", Round: 1, ExpertID: "e1"}, t0)
	must(t, err)
	save := func(seq int64) {
		_, _, err := s.SaveAnswer(ctx, &delphi.Answer{SurveyID: "s1", Round: 1, ExpertID: "e1", ItemID: "q1", Seq: seq, Value: point(int(seq))}, t0)
		must(t, err)
	}
	save(1)
	r, changed, err := s.SubmitResponse(ctx, "s1", 1, "e1", t0.Add(time.Minute))
	must(t, err)
	if !changed || r.Submissions != 1 || r.SubmittedAt == nil || !r.SubmittedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("first submit: %+v changed %v", r, changed)
	}
	// Submitting again without a change is harmless.
	r, changed, err = s.SubmitResponse(ctx, "s1", 1, "e1", t0.Add(2*time.Minute))
	must(t, err)
	if changed || r.Submissions != 1 || !r.SubmittedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("second submit without change: %+v changed %v", r, changed)
	}
	// A revision after submitting counts once it is submitted.
	save(2)
	r, changed, err = s.SubmitResponse(ctx, "s1", 1, "e1", t0.Add(3*time.Minute))
	must(t, err)
	if !changed || r.Submissions != 2 || !r.SubmittedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("submit after a revision: %+v changed %v", r, changed)
	}
	// A stale save (lower seq) is not a change.
	save(1)
	if r, changed, _ = s.SubmitResponse(ctx, "s1", 1, "e1", t0.Add(4*time.Minute)); changed || r.Submissions != 2 {
		t.Fatalf("submit after a stale save: %+v changed %v", r, changed)
	}
}

func testAnsweredItems(t *testing.T, s *store.Store) {
	ctx := t.Context()
	now := time.Date(2026, 1, 26, 10, 0, 0, 0, time.UTC)
	for _, a := range []delphi.Answer{
		{SurveyID: "s1", Round: 1, ExpertID: "e1", ItemID: "T.01", Seq: 1, Value: point(1)},
		{SurveyID: "s1", Round: 2, ExpertID: "e2", ItemID: "T02", Seq: 1, Value: point(1)},
		{SurveyID: "s2", Round: 1, ExpertID: "e3", ItemID: "X", Seq: 1, Value: point(1)},
	} {
		_, _, err := s.SaveAnswer(ctx, &a, now)
		must(t, err)
	}
	_, err := s.TouchResponse(ctx, &delphi.Response{SurveyID: "s1", Round: 2, ExpertID: "e9"}, now)
	must(t, err)
	got, err := s.AnsweredItems(ctx, "s1")
	must(t, err)
	if !reflect.DeepEqual(got, map[string]bool{"T.01": true, "T02": true}) {
		t.Fatalf("AnsweredItems = %v", got)
	}
}

func testExpertSessions(t *testing.T, s *store.Store) {
	ctx := t.Context()
	now := time.Date(2026, 1, 26, 10, 0, 0, 0, time.UTC)
	sess := &delphi.ExpertSession{ID: "x1", ExpertID: "e1", SurveyID: "s1", TokenHash: "abc", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	must(t, s.CreateExpertSession(ctx, sess))
	wantCode(t, s.CreateExpertSession(ctx, sess), delphi.ECONFLICT)
	wantCode(t, s.CreateExpertSession(ctx, &delphi.ExpertSession{ExpertID: "e1", SurveyID: "s1"}), delphi.EINVALID)
	got, err := s.ExpertSessionByID(ctx, "x1")
	must(t, err)
	if !reflect.DeepEqual(got, sess) || !got.Active(now) || got.Active(now.Add(time.Hour)) {
		t.Fatalf("ExpertSessionByID = %+v", got)
	}
	must(t, s.RevokeExpertSession(ctx, "x1", now.Add(time.Minute)))
	got, err = s.ExpertSessionByID(ctx, "x1")
	must(t, err)
	if got.Active(now.Add(2 * time.Minute)) {
		t.Fatal("revoked session still active")
	}
	wantCode(t, s.RevokeExpertSession(ctx, "nope", now), delphi.ENOTFOUND)
	_, err = s.ExpertSessionByID(ctx, "nope")
	wantCode(t, err, delphi.ENOTFOUND)
}
