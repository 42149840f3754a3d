package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/store"
)

// BenchmarkSaveAnswer: one autosave (SaveAnswer) into a responses
// collection of 200, 1,000 and 3,000 documents of 40 answers each, on the
// embedded database, in the layouts before and after the change described
// in docs/PERFORMANCE.md ("Autosave under load"):
//
//   - before: compare-and-set filters ({_id, saves}), FerretDB's own _id
//     index only;
//   - cas+index: the same filters, with Embedded.IndexIDs;
//   - id: filters on _id alone (the FerretDB path), without the index;
//   - after: filters on _id alone and the index (what the server runs).
func BenchmarkSaveAnswer(b *testing.B) {
	for _, docs := range []int{200, 1000, 3000} {
		for _, layout := range []struct {
			name          string
			ferret, index bool
		}{{"before", false, false}, {"cas+index", false, true}, {"id", true, false}, {"after", true, true}} {
			b.Run(fmt.Sprintf("%s/docs=%d", layout.name, docs), func(b *testing.B) {
				s, dbName := openBenchStore(b)
				s.SetFerret(layout.ferret)
				at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
				prefill(b, s, docs, at) // creates the round's responses collection
				if layout.index {
					if _, err := shared.IndexIDs(b.Context(), dbName); err != nil {
						b.Fatal(err)
					}
				}
				ctx := context.Background()
				i := 0
				for b.Loop() {
					p := 1 + i%5
					a := &delphi.Answer{SurveyID: "bench", Round: 1, ExpertID: fmt.Sprintf("x%05d", (i*7919)%docs), ItemID: fmt.Sprintf("I%02d", i%40),
						Pseudonym: "E-BENCH", Group: "g1", Value: delphi.Value{Point: &p}, Seq: int64(1000 + i)}
					if _, applied, err := s.SaveAnswer(ctx, a, at); err != nil || !applied {
						b.Fatalf("save %d: applied %v, %v", i, applied, err)
					}
					i++
				}
			})
		}
	}
}

func openBenchStore(b *testing.B) (*store.Store, string) {
	b.Helper()
	name := uniqueDBName()
	s, err := store.Open(b.Context(), shared.URI(), name, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = s.DropDatabase(ctx)
		_ = s.Close(ctx)
	})
	if err := s.Migrate(b.Context()); err != nil {
		b.Fatal(err)
	}
	return s, name
}

// prefill stores n responses of round 1 with 40 answers each.
func prefill(b *testing.B, s *store.Store, n int, at time.Time) {
	b.Helper()
	rs := make([]*delphi.Response, 0, n)
	for e := range n {
		r := &delphi.Response{SurveyID: "bench", Round: 1, ExpertID: fmt.Sprintf("x%05d", e), Pseudonym: fmt.Sprintf("E-%05d", e), Group: "g1",
			FirstOpenedAt: &at, Answers: map[string]delphi.Answer{}}
		for i := range 40 {
			p := 1 + (e+i)%5
			r.Answers[fmt.Sprintf("I%02d", i)] = delphi.Answer{Value: delphi.Value{Point: &p}, Comment: "Ein kurzer Kommentar zur Einschätzung.", Seq: 1, FirstSavedAt: at, LastSavedAt: at}
		}
		rs = append(rs, r)
	}
	if err := s.ImportResponses(b.Context(), rs); err != nil {
		b.Fatal(err)
	}
}
