package realtime

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// The service's readers in these tests: answers and revisions as given
// (the database's part is tested in internal/participation).
type someAnswers struct{ as []delphi.Answer }

func (s someAnswers) ListAnswersRounds(context.Context, string, ...int) (map[int][]delphi.Answer, error) {
	return map[int][]delphi.Answer{1: s.as}, nil
}

type noRevisions struct{}

func (noRevisions) AppendRevisions(context.Context, []delphi.Revision) error { return nil }
func (noRevisions) ListRevisions(context.Context, string) ([]delphi.Revision, error) {
	return []delphi.Revision{}, nil
}

func fivePoints() delphi.Scale {
	return delphi.Scale{ID: "five", Points: []delphi.ScalePoint{{Value: 1}, {Value: 2}, {Value: 3}, {Value: 4}, {Value: 5}}, Agreement: delphi.Band{Min: 4, Max: 5}}
}

func oneRatingRound() (delphi.Item, *delphi.Round) {
	it := delphi.Item{ID: "r1", Type: delphi.ItemRating, Scale: "five"}
	return it, &delphi.Round{SurveyID: "s", Number: 1, Items: []delphi.RoundItem{{Item: it}}}
}

// Two saves of one expert and item (two tabs, or the outbox and a live
// save) pass the round's shared guard together: the store writes seq 5,
// then seq 6, but Record runs after the response's lock, so it can see
// them in the other order. The state keeps seq 6 (Alone: it is never read
// again) and its justification decision.
func TestRecordKeepsLaterSaveRecordedFirst(t *testing.T) {
	def := &delphi.Definition{
		ID: "s", Scales: []delphi.Scale{fivePoints()},
		Rounds: delphi.RoundPlan{Planned: 1, Feedback: delphi.Feedback{Statistics: []string{"n", "median", "iqr"}, Count: "all", JustifyOutsideIQR: true}},
	}
	sv := &delphi.Survey{ID: "s", Revision: 1, Definition: def}
	_, r := oneRatingRound()
	s := &Service{Answers: someAnswers{}, Revisions: noRevisions{}, Alone: true}
	ctx := context.Background()
	at := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	ans := func(seq int64, p int) delphi.Answer {
		return delphi.Answer{SurveyID: "s", Round: 1, ItemID: "r1", ExpertID: "x", Pseudonym: "P", Group: "g", Value: delphi.Value{Point: &p}, Seq: seq, Draft: true, LastSavedAt: at.Add(time.Duration(seq) * time.Second)}
	}
	resp := func(a delphi.Answer) *delphi.Response {
		return &delphi.Response{SurveyID: "s", Round: 1, ExpertID: "x", Pseudonym: "P", Group: "g", Answers: map[string]delphi.Answer{"r1": a}}
	}
	a5, a6 := ans(5, 1), ans(6, 5)
	// seq 6 (inside the IQR) is recorded first, then seq 5 (outside)
	if err := s.Record(ctx, sv, r, resp(a5), resp(a6), []delphi.Answer{a6}, []bool{true}, []bool{false}); err != nil {
		t.Fatal(err)
	}
	if err := s.Record(ctx, sv, r, nil, resp(a5), []delphi.Answer{a5}, []bool{true}, []bool{true}); err != nil {
		t.Fatal(err)
	}
	st, err := s.state(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	st.mu.Lock()
	got, _ := st.own("r1", "x")
	st.mu.Unlock()
	if got.Seq != 6 || *got.Value.Point != 5 {
		t.Fatalf("state holds seq %d value %d; the database holds seq 6 value 5", got.Seq, *got.Value.Point)
	}
	outside, err := s.Outside(ctx, r, "x")
	if err != nil {
		t.Fatal(err)
	}
	if outside["r1"] {
		t.Fatal("the earlier save's decision (outside) replaced the latest's (inside)")
	}

	// A save recorded after the submission of the same answer leaves it
	// submitted (feedback.count: submitted counts it).
	sub := a6
	sub.Draft = false
	s.Submitted(r, resp(sub))
	if err := s.Record(ctx, sv, r, resp(a5), resp(a6), []delphi.Answer{a6}, []bool{true}, []bool{false}); err != nil {
		t.Fatal(err)
	}
	st.mu.Lock()
	got, _ = st.own("r1", "x")
	st.mu.Unlock()
	if got.Draft {
		t.Fatal("a submitted answer turned back into a draft")
	}
}

// A new revision of the study (min_group_n raised from 3 to 5, or comments
// turned off) applies at once to an item whose answers did not change:
// statistics computed under the old revision are not served.
func TestStatisticsFollowStudyRevision(t *testing.T) {
	mk := func(minGroup int) *delphi.Definition {
		return &delphi.Definition{
			ID: "s", Scales: []delphi.Scale{fivePoints()},
			Rounds: delphi.RoundPlan{Planned: 1, Feedback: delphi.Feedback{Statistics: []string{"n", "median", "iqr"}, Count: "all", MinGroupN: minGroup}},
		}
	}
	_, r := oneRatingRound()
	var as []delphi.Answer
	for i, e := range []string{"a", "b", "c", "x"} {
		p := 1 + i
		as = append(as, delphi.Answer{SurveyID: "s", Round: 1, ItemID: "r1", ExpertID: e, Group: "g", Value: delphi.Value{Point: &p}, Seq: 1, Draft: true})
	}
	s := &Service{Answers: someAnswers{as}, Revisions: noRevisions{}, Alone: true}
	ctx := context.Background()
	v1, err := s.Feedback(ctx, &delphi.Survey{ID: "s", Revision: 1, Definition: mk(3)}, r, "x")
	if err != nil || v1.Items["r1"].Feedback == nil {
		t.Fatalf("revision 1 (min_group_n 3, 3 others) shows nothing: %v %+v", err, v1)
	}
	v2, err := s.Feedback(ctx, &delphi.Survey{ID: "s", Revision: 2, Definition: mk(5)}, r, "x")
	if err != nil {
		t.Fatal(err)
	}
	if v2.Items["r1"].Feedback != nil {
		t.Fatalf("revision 2 (min_group_n 5, 3 others) still shows statistics: %+v", v2.Items["r1"].Feedback.Rating)
	}
}

// "Cannot judge" does not count toward min_group_n: with 3, two
// abstentions and one rating show no numbers (the median would be that
// rating), though N says 3 answered; and a group's numbers likewise need 3
// ratings.
func TestMinNLeavesOutAbstentions(t *testing.T) {
	def := &delphi.Definition{
		ID: "s", Scales: []delphi.Scale{fivePoints()},
		Rounds: delphi.RoundPlan{Planned: 1, Feedback: delphi.Feedback{Statistics: []string{"n", "median", "iqr", "distribution"}, Count: "all", ByGroup: true}},
	}
	it, r := oneRatingRound()
	five := 5
	rating := func(e, g string) delphi.Answer {
		return delphi.Answer{ItemID: "r1", ExpertID: e, Group: g, Value: delphi.Value{Point: &five}, Seq: 1, Draft: true}
	}
	abstain := func(e, g string) delphi.Answer {
		return delphi.Answer{ItemID: "r1", ExpertID: e, Group: g, Value: delphi.Value{Abstain: true}, Seq: 1, Draft: true}
	}
	others := []delphi.Answer{abstain("a", "g"), abstain("b", "g"), rating("c", "g")}
	st := status(def, r, it, others, time.Now())
	if st.N != 3 {
		t.Fatalf("N = %d, want 3 (everyone who answered)", st.N)
	}
	if st.Feedback != nil {
		t.Fatalf("statistics from one rating: %+v", st.Feedback.Rating)
	}

	// Group h: three answered, one rated; group g: three ratings.
	others = []delphi.Answer{rating("a", "g"), rating("b", "g"), rating("c", "g"), abstain("d", "h"), abstain("e", "h"), rating("f", "h")}
	st = status(def, r, it, others, time.Now())
	if st.Feedback == nil || st.Feedback.Rating == nil {
		t.Fatalf("four ratings, and no statistics: %+v", st)
	}
	if h := st.Feedback.Rating.ByGroup["h"]; !h.Suppressed && h.Median != nil {
		t.Fatalf("group h shows the median %v of its one rating", *h.Median)
	}
}

// sharedDB stands for the database several instances write: answers and
// revisions as another instance left them.
type sharedDB struct {
	mu      sync.Mutex
	answers []delphi.Answer
	revs    []delphi.Revision
}

func (d *sharedDB) ListAnswersRounds(context.Context, string, ...int) (map[int][]delphi.Answer, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return map[int][]delphi.Answer{1: slices.Clone(d.answers)}, nil
}

func (d *sharedDB) AppendRevisions(_ context.Context, revs []delphi.Revision) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.revs = append(d.revs, revs...)
	return nil
}

func (d *sharedDB) ListRevisions(context.Context, string) ([]delphi.Revision, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.revs), nil
}

// With several instances (not Alone), a save through another instance
// that lay outside the IQR is seen here within the TTL: the flags are read
// again with the answers, also when that instance's revision arrives after
// its answer.
func TestOutsideFollowsAnotherInstance(t *testing.T) {
	_, r := oneRatingRound()
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	now := t0
	ans := func(seq int64, p int) delphi.Answer {
		return delphi.Answer{SurveyID: "s", Round: 1, ItemID: "r1", ExpertID: "x", Pseudonym: "P", Group: "g", Value: delphi.Value{Point: &p}, Seq: seq, Draft: true, LastSavedAt: t0.Add(time.Duration(seq) * time.Second)}
	}
	rev := func(a delphi.Answer, outside bool) delphi.Revision {
		return delphi.Revision{SurveyID: "s", ItemID: "r1", ExpertID: "x", Pseudonym: "P", Group: "g", Value: a.Value, At: a.LastSavedAt, Draft: true, OutsideIQR: outside}
	}
	a1 := ans(1, 3)
	db := &sharedDB{answers: []delphi.Answer{a1}, revs: []delphi.Revision{rev(a1, true)}}
	s := &Service{Answers: db, Revisions: db, TTL: 5 * time.Second, Now: func() time.Time { return now }}
	ctx := context.Background()
	outside := func(want bool, when string) {
		t.Helper()
		got, err := s.Outside(ctx, r, "x")
		if err != nil {
			t.Fatal(err)
		}
		if got["r1"] != want {
			t.Fatalf("%s: outside = %t, want %t", when, got["r1"], want)
		}
	}
	outside(true, "first read")

	// Instance B stores seq 2 (inside): the answer first, its revision later.
	a2 := ans(2, 4)
	db.mu.Lock()
	db.answers = []delphi.Answer{a2}
	db.mu.Unlock()
	now = now.Add(6 * time.Second)
	outside(true, "B's answer without its revision yet")
	db.mu.Lock()
	db.revs = append(db.revs, rev(a2, false))
	db.mu.Unlock()
	now = now.Add(6 * time.Second)
	outside(false, "after B's revision and the TTL")

	// B stores seq 3 (outside), answer and revision together.
	a3 := ans(3, 1)
	db.mu.Lock()
	db.answers, db.revs = []delphi.Answer{a3}, append(db.revs, rev(a3, true))
	db.mu.Unlock()
	outside(false, "within the TTL")
	now = now.Add(6 * time.Second)
	outside(true, "after the TTL")
}
