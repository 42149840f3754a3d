package results_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/results"
	"github.com/expertenrunde/expertenrunde/internal/store"
	"github.com/expertenrunde/expertenrunde/internal/store/storetest"
)

// The tests and benchmarks run against the real embedded database: one
// FerretDB instance for the package, one database per test.
func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

func newStore(tb testing.TB) *store.Store { return storetest.NewStore(tb, "results") }

// study is a generated study: items rating and multi_rating (alternating,
// two criteria), experts in 8 groups, and the responses of every round.
type study struct {
	def       *delphi.Definition
	responses map[int][]*delphi.Response // round → responses
}

func genStudy(items, experts, rounds int) *study {
	five := delphi.Scale{ID: "wichtigkeit", Agreement: delphi.Band{Min: 4, Max: 5}, Disagreement: &delphi.Band{Min: 1, Max: 2},
		Abstain: &delphi.Abstain{Label: delphi.Text{"de": "kann ich nicht beurteilen"}}}
	for v := 1; v <= 5; v++ {
		five.Points = append(five.Points, delphi.ScalePoint{Value: v, Label: delphi.Text{"de": strconv.Itoa(v)}})
	}
	nine := delphi.Scale{ID: "neun", Agreement: delphi.Band{Min: 7, Max: 9}, Disagreement: &delphi.Band{Min: 1, Max: 3}}
	for v := 1; v <= 9; v++ {
		nine.Points = append(nine.Points, delphi.ScalePoint{Value: v, Label: delphi.Text{"de": strconv.Itoa(v)}})
	}
	def := &delphi.Definition{
		ID: "bench", Version: "1", Languages: []string{"de"}, Title: delphi.Text{"de": "Bench"},
		Scales:    []delphi.Scale{five, nine},
		Consensus: delphi.Rule{MinN: 5, All: []delphi.Rule{{Agreement: &delphi.AgreementRule{MinPercent: 75}}, {IQR: &delphi.MaxRule{Max: 1}}}},
	}
	for g := range 8 {
		def.Groups = append(def.Groups, delphi.Group{ID: "g" + strconv.Itoa(g), Label: delphi.Text{"de": "G" + strconv.Itoa(g)}})
	}
	sec := delphi.Section{ID: "s", Title: delphi.Text{"de": "S"}}
	for i := range items {
		it := delphi.Item{ID: "I" + strconv.Itoa(i), Type: delphi.ItemRating, Text: delphi.Text{"de": "Item"}, Scale: "wichtigkeit", Comment: true}
		if i%2 == 1 {
			it.Type, it.Scale = delphi.ItemMultiRating, ""
			it.Criteria = []delphi.Criterion{{ID: "wichtigkeit", Scale: "wichtigkeit"}, {ID: "neun", Scale: "neun"}}
		}
		sec.Items = append(sec.Items, it)
	}
	def.Sections = []delphi.Section{sec}

	rng := rand.New(rand.NewPCG(1, 2))
	point := func(max int) delphi.Value {
		if rng.IntN(20) == 0 {
			return delphi.Value{Abstain: true}
		}
		v := 1 + rng.IntN(max)
		return delphi.Value{Point: &v}
	}
	s := &study{def: def, responses: map[int][]*delphi.Response{}}
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	for r := 1; r <= rounds; r++ {
		for e := range experts {
			resp := &delphi.Response{SurveyID: def.ID, Round: r, ExpertID: "x" + strconv.Itoa(e), Pseudonym: fmt.Sprintf("E-%04d", e),
				Group: "g" + strconv.Itoa(e%8), Answers: map[string]delphi.Answer{}}
			if e%7 != 6 { // every 7th expert left a draft
				sub := at
				resp.SubmittedAt, resp.Submissions = &sub, 1
			}
			for _, it := range sec.Items {
				a := delphi.Answer{ItemID: it.ID, Seq: 1, FirstSavedAt: at, LastSavedAt: at}
				if it.Type == delphi.ItemRating {
					a.Value = point(5)
				} else {
					a.Value = delphi.Value{Criteria: map[string]delphi.Value{"wichtigkeit": point(5), "neun": point(9)}}
				}
				if rng.IntN(10) == 0 {
					a.Comment = "Kommentar " + strconv.Itoa(rng.IntN(1000))
				}
				resp.Answers[it.ID] = a
			}
			s.responses[r] = append(s.responses[r], resp)
		}
	}
	return s
}

// load stores the study: rounds 1..rounds−1 closed with their snapshots,
// the last round open, and every response.
func (s *study) load(tb testing.TB, st *store.Store, svc *results.Service, at time.Time) {
	tb.Helper()
	s.loadWith(tb, st, func(r *delphi.Round) (*delphi.Snapshot, error) {
		return svc.Snapshot(context.Background(), s.def, r, at)
	}, at)
}

// loadWith is load with the given snapshot computation.
func (s *study) loadWith(tb testing.TB, st *store.Store, snapshot func(r *delphi.Round) (*delphi.Snapshot, error), at time.Time) {
	tb.Helper()
	ctx := context.Background()
	if _, _, err := st.PutSurvey(ctx, &delphi.Survey{ID: s.def.ID, Definition: s.def, Status: delphi.SurveyActive}); err != nil {
		tb.Fatal(err)
	}
	var ri []delphi.RoundItem
	for _, it := range s.def.Items() {
		ri = append(ri, delphi.RoundItem{SectionID: "s", Item: it, Origin: delphi.OriginInitial})
	}
	for n := 1; n <= len(s.responses); n++ {
		if err := st.ImportResponses(ctx, s.responses[n]); err != nil {
			tb.Fatal(err)
		}
		r := &delphi.Round{SurveyID: s.def.ID, Number: n, Status: delphi.RoundOpen, Items: ri, OpenedAt: &at}
		if err := st.CreateRound(ctx, r); err != nil {
			tb.Fatal(err)
		}
		if n == len(s.responses) {
			break
		}
		// The store's steps of a close (rounds.Service.Close).
		r, err := st.MarkClosing(ctx, s.def.ID, n, at)
		if err != nil {
			tb.Fatal(err)
		}
		snap, err := snapshot(r)
		if err == nil {
			err = st.PutSnapshot(ctx, snap, 1)
		}
		if err == nil {
			_, err = st.MarkClosed(ctx, s.def.ID, n, *r.ClosingAt, delphi.RoundEvent{At: at, Action: delphi.RoundActionClose, ActorID: "test"})
		}
		if err != nil {
			tb.Fatalf("close round %d: %v", n, err)
		}
	}
}

// memory computes round n in memory from the generated responses: the
// engine on the same answers the service reads from the database.
func (s *study) memory(n int, at time.Time, live bool) *analysis.RoundResults {
	var prev []delphi.Answer
	if n > 1 {
		prev = results.Answers(s.responses[n-1])
	}
	return analysis.Compute(analysis.Input{Def: s.def, Round: n, Items: s.def.Items(), Answers: results.Answers(s.responses[n]),
		Previous: prev, ComputedAt: at, Live: live})
}

// matchesEngine reads round n through the service and checks it against
// the engine on the same answers, computed at at, live or frozen.
func (s *study) matchesEngine(t *testing.T, svc *results.Service, n int, at time.Time, live bool) *analysis.RoundResults {
	t.Helper()
	got, err := svc.Round(context.Background(), s.def.ID, n)
	if err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(s.memory(n, at, live))
	if !bytes.Equal(gb, wb) {
		t.Errorf("round %d: service and engine differ\nservice %.300s\nengine  %.300s", n, gb, wb)
	}
	if got.Live != live || !got.ComputedAt.Equal(at) {
		t.Errorf("round %d: live %v computed_at %v", n, got.Live, got.ComputedAt)
	}
	return got
}

func newService(st *store.Store, now func() time.Time) *results.Service {
	return &results.Service{Surveys: st, Rounds: st, Responses: st, Snapshots: st, Now: now}
}

// The service reads the same numbers from the database as the engine
// computes in memory: live for the open round, frozen for closed ones.
func TestServiceMatchesEngine(t *testing.T) {
	st := newStore(t)
	now := time.Date(2026, 11, 26, 10, 30, 0, 0, time.UTC)
	closedAt := now.Add(-24 * time.Hour)
	svc := newService(st, func() time.Time { return now })
	s := genStudy(6, 40, 3)
	s.load(t, st, svc, closedAt)
	ctx := context.Background()

	for n, at := range map[int]time.Time{1: closedAt, 2: closedAt, 3: now} {
		s.matchesEngine(t, svc, n, at, n == 3)
	}

	all, infos, err := svc.All(ctx, "bench")
	if err != nil || len(all) != 3 || len(infos) != 3 || infos[2].Status != delphi.RoundOpen || !infos[2].Live || infos[0].Live {
		t.Fatalf("all: %d results, infos %+v, %v", len(all), infos, err)
	}
	b, err := svc.Overview(ctx, "bench")
	if err != nil {
		t.Fatal(err)
	}
	// 3 rating rows + 3 multi_rating items × 2 criteria.
	if len(b.Rows) != 9 || len(b.Rounds) != 3 || len(b.Groups) != 8 {
		t.Fatalf("board: %d rows, %d rounds, %d groups", len(b.Rows), len(b.Rounds), len(b.Groups))
	}
	cell := b.Rows[0].Cells[2]
	want := s.memory(3, now, true).Items[0].Rating
	if cell.Outcome != want.Consensus.Outcome || cell.ByGroup["g3"].Outcome != want.ByGroup["g3"].Consensus.Outcome ||
		cell.ByGroup["g3"].N != want.ByGroup["g3"].Summary.N || cell.ByGroup["g3"].N == 0 {
		t.Errorf("board cell %+v, engine %+v", cell, want.ByGroup["g3"])
	}

	tr, err := svc.Transitions(ctx, "bench", 3)
	if err != nil {
		t.Fatal(err)
	}
	if np := tr.Items[0].Overall.NPaired; np == 0 || np != want.Stability.NPaired {
		t.Errorf("transitions n_paired %d, stability %d", np, want.Stability.NPaired)
	}
	if _, err := svc.Transitions(ctx, "bench", 1); delphi.ErrorCode(err) != delphi.ENOTFOUND {
		t.Errorf("round 1 transitions: %v", err)
	}
	if _, err := svc.Round(ctx, "bench", 4); delphi.ErrorCode(err) != delphi.ENOTFOUND {
		t.Errorf("round 4: %v", err)
	}
}

// BenchmarkRound: 150 items × 1,000 experts × 3 rounds (and × 100 experts)
// on the embedded database. "memory" is the engine alone on the same
// answers (the baseline); "cold" loads rounds 3 and 2 from the database and
// computes round 3 live; "warm" reads the closed round 2 from its snapshot.
// See docs/PERFORMANCE.md.
func BenchmarkRound(b *testing.B) {
	for _, experts := range []int{100, 1000} {
		b.Run(fmt.Sprintf("150x%d", experts), func(b *testing.B) { benchRound(b, 150, experts) })
	}
}

func benchRound(b *testing.B, items, experts int) {
	st := newStore(b)
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	svc := newService(st, func() time.Time { return at })
	s := genStudy(items, experts, 3)
	// The snapshots are computed in memory: TestServiceMatchesEngine shows
	// that they equal what the service computes from the database.
	s.loadWith(b, st, func(r *delphi.Round) (*delphi.Snapshot, error) {
		res, err := json.Marshal(s.memory(r.Number, at, false))
		return &delphi.Snapshot{SurveyID: r.SurveyID, Round: r.Number, ComputedAt: at, Results: res}, err
	}, at)
	ctx := context.Background()

	b.Run("memory", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s.memory(3, at, true) // flattening the responses included
		}
	})
	b.Run("cold", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := svc.Round(ctx, "bench", 3); delphi.ErrorCode(err) == delphi.EUNAVAILABLE {
				b.Skipf("the database did not answer within the store's operation timeout: %v", err)
			} else if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("warm", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := svc.Round(ctx, "bench", 2); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// Live results are shared for LiveTTL (by the injected clock), and
// concurrent requests share one computation.
func TestLiveResultsAreShared(t *testing.T) {
	st := newStore(t)
	var now atomic.Pointer[time.Time]
	t0 := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	now.Store(&t0)
	clock := func() time.Time { return *now.Load() }
	svc := newService(st, clock)
	svc.LiveTTL = 5 * time.Second
	s := genStudy(4, 20, 2)
	s.load(t, st, svc, t0)
	ctx := context.Background()

	got := make([]*analysis.RoundResults, 6)
	errs := make(chan error, len(got))
	for i := range got {
		go func() {
			var err error
			got[i], err = svc.Round(ctx, "bench", 2)
			errs <- err
		}()
	}
	for range got {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range got[1:] {
		if r != got[0] {
			t.Fatal("concurrent requests computed separately")
		}
	}

	// A new answer is not seen within the TTL, and is after it.
	extra := &delphi.Response{SurveyID: "bench", Round: 2, ExpertID: "late", Pseudonym: "E-LATE", Group: "g1",
		Answers: map[string]delphi.Answer{"I0": {Seq: 1, Value: delphi.Value{Abstain: true}}}}
	if err := st.ImportResponses(ctx, []*delphi.Response{extra}); err != nil {
		t.Fatal(err)
	}
	t1 := t0.Add(4 * time.Second)
	now.Store(&t1)
	if r, _ := svc.Round(ctx, "bench", 2); r != got[0] || r.Respondents.Submitted+r.Respondents.Drafts != 20 {
		t.Errorf("within the TTL: a new computation (%+v respondents)", r.Respondents)
	}
	t2 := t0.Add(5 * time.Second)
	now.Store(&t2)
	r, err := svc.Round(ctx, "bench", 2)
	if err != nil || r == got[0] || r.Respondents.Submitted+r.Respondents.Drafts != 21 || r.Respondents.Drafts != 3 || !r.ComputedAt.Equal(t2) {
		t.Errorf("after the TTL: %+v respondents at %v, %v", r.Respondents, r.ComputedAt, err)
	}
}

// RoundWith computes an open round's live results from the answers it is
// given (rounds n and n−1, read once by the caller), the same numbers as
// Round on the same answers; fresh shared results are returned without
// reading them.
func TestRoundWithGivenAnswers(t *testing.T) {
	st := newStore(t)
	t0 := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	svc := newService(st, func() time.Time { return t0 })
	s := genStudy(4, 20, 2)
	s.load(t, st, svc, t0)
	ctx := context.Background()
	want, err := svc.Round(ctx, "bench", 2)
	if err != nil {
		t.Fatal(err)
	}
	var asked []int
	compact := false    // the answers in the engine's compact form
	var texts *memTexts // where the compact form and unshared results keep their texts
	read := func(ctx context.Context, items []delphi.Item, rounds ...int) (map[int]results.RoundAnswers, error) {
		asked = append(asked, rounds...)
		m, err := st.ListAnswersRounds(ctx, "bench", rounds...)
		out := map[int]results.RoundAnswers{}
		for n, as := range m {
			if !compact {
				out[n] = results.RoundAnswers{Flat: as}
				continue
			}
			c := analysis.NewCompact(items)
			if texts != nil {
				c.WithTexts(texts)
			}
			for i := range as {
				if err := c.Add(&as[i]); err != nil {
					return nil, err
				}
			}
			out[n] = results.RoundAnswers{Compact: c}
			if texts != nil {
				out[n] = results.RoundAnswers{Compact: c, Texts: texts}
			}
		}
		return out, err
	}
	got, err := svc.RoundWith(ctx, "bench", 2, read)
	if err != nil || !reflect.DeepEqual(got, want) || !slices.Equal(asked, []int{2, 1}) {
		t.Fatalf("RoundWith: rounds read %v, equal %v, %v", asked, reflect.DeepEqual(got, want), err)
	}
	compact, asked = true, nil
	got, err = svc.RoundWith(ctx, "bench", 2, read)
	if err != nil || !reflect.DeepEqual(got, want) || !slices.Equal(asked, []int{2, 1}) {
		t.Fatalf("RoundWith, compact answers: rounds read %v, equal %v, %v", asked, reflect.DeepEqual(got, want), err)
	}
	// With a TextStore, results that are not shared keep each item's
	// comments there (and no text answers beside them); read back, they
	// are the same.
	texts = &memTexts{}
	got, err = svc.RoundWith(ctx, "bench", 2, read)
	if err != nil || len(*texts) == 0 {
		t.Fatalf("RoundWith with a TextStore: %d texts stored, %v", len(*texts), err)
	}
	resolved := 0
	for i := range got.Items {
		it := &got.Items[i]
		if len(it.Comments) != 0 {
			t.Fatalf("item %s holds its comments", it.ItemID)
		}
		if it.CommentsIn != "" {
			texts.get(t, it.CommentsIn) // a reference of the store
		}
		it.Comments = []analysis.Comment{}
		if err := it.EachComment(texts, func(c analysis.Comment) error {
			it.Comments, resolved = append(it.Comments, c), resolved+1
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		it.CommentsIn, it.NComments = "", 0
		if it.Text != nil {
			it.Text.Texts = want.Items[i].Text.Texts
		}
	}
	if !reflect.DeepEqual(got, want) || resolved == 0 {
		t.Fatalf("RoundWith with a TextStore: the results differ (%d comments)", resolved)
	}
	compact, texts = false, nil
	none := func(context.Context, []delphi.Item, ...int) (map[int]results.RoundAnswers, error) {
		return map[int]results.RoundAnswers{}, nil
	}
	if got, err := svc.RoundWith(ctx, "bench", 2, none); err != nil || got.Respondents.Total != 0 {
		t.Errorf("RoundWith without answers: %d respondents, %v", got.Respondents.Total, err)
	}
	// Sharing on (LiveTTL), but nothing shared yet: the answers given make
	// results of the caller's own, which are not shared.
	svc.LiveTTL = time.Minute
	compact, texts = true, &memTexts{}
	own, err := svc.RoundWith(ctx, "bench", 2, read)
	kept := 0
	for i := range own.Items {
		kept += len(own.Items[i].Comments) - own.Items[i].NComments // + in the results, - in the TextStore
	}
	if err != nil || kept >= 0 {
		t.Fatalf("RoundWith with nothing shared: %v, comments kept in the results (%d)", err, kept)
	}
	compact, texts = false, nil
	shared, _ := svc.Round(ctx, "bench", 2)
	if shared == own || !reflect.DeepEqual(shared, want) {
		t.Fatal("the results an export computed for itself were shared")
	}
	asked = nil
	if got, err := svc.RoundWith(ctx, "bench", 2, read); err != nil || got != shared || asked != nil {
		t.Errorf("fresh shared results: computed again (read %v), %v", asked, err)
	}
}

// A round whose compact answers do not read back from their TextStore is
// an error, not results without those answers.
func TestRoundWithLostAnswers(t *testing.T) {
	st := newStore(t)
	t0 := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	svc := newService(st, func() time.Time { return t0 })
	s := genStudy(4, 300, 2) // more experts than a Compact keeps in memory per item
	s.load(t, st, svc, t0)
	lossy := &memTexts{}
	read := func(ctx context.Context, items []delphi.Item, rounds ...int) (map[int]results.RoundAnswers, error) {
		m, err := st.ListAnswersRounds(ctx, "bench", rounds...)
		out := map[int]results.RoundAnswers{}
		for n, as := range m {
			c := analysis.NewCompact(items).WithTexts(lossy)
			for i := range as {
				if err := c.Add(&as[i]); err != nil {
					return nil, err
				}
			}
			out[n] = results.RoundAnswers{Compact: c, Texts: lossy}
		}
		clear(*lossy) // the file lost its contents
		return out, err
	}
	if res, err := svc.RoundWith(t.Context(), "bench", 2, read); delphi.ErrorCode(err) != delphi.EINTERNAL || res != nil {
		t.Fatalf("RoundWith with lost answers: %v, %v", res != nil, err)
	}
}

// memTexts is an analysis.TextStore in memory.
type memTexts []string

func (m *memTexts) Put(s string) string {
	*m = append(*m, s)
	return "#" + strconv.Itoa(len(*m)-1)
}

func (m *memTexts) Get(ref string) string {
	n, _ := strconv.Atoi(strings.TrimPrefix(ref, "#"))
	return (*m)[n]
}

// get resolves a reference of m, failing t for anything else.
func (m *memTexts) get(t *testing.T, ref string) string {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimPrefix(ref, "#"))
	if err != nil || !strings.HasPrefix(ref, "#") || n >= len(*m) {
		t.Fatalf("%q is not a reference", ref)
	}
	return (*m)[n]
}
