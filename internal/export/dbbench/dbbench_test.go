// Package dbbench measures the export end to end on the embedded database
// against the same export from memory (docs/PERFORMANCE.md, "Export").
// It is a package of its own so that the export's unit tests do not start
// a database.
package dbbench

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/benchmem"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/export"
	"github.com/expertenrunde/expertenrunde/internal/results"
	"github.com/expertenrunde/expertenrunde/internal/store"
	"github.com/expertenrunde/expertenrunde/internal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// at is the fixed clock of the fixture and the exports.
var at = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

// study is the study (#16): 150 five-point ratings and 10 free
// texts of about 1,200 characters, 8 groups, one open round answered by
// every expert.
type study struct {
	def       *delphi.Definition
	round     *delphi.Round
	responses []*delphi.Response
}

func genStudy(experts int) *study {
	five := delphi.Scale{ID: "s5", Agreement: delphi.Band{Min: 4, Max: 5}, Disagreement: &delphi.Band{Min: 1, Max: 2},
		Abstain: &delphi.Abstain{Label: delphi.Text{"de": "kann ich nicht beurteilen"}}}
	for v := 1; v <= 5; v++ {
		five.Points = append(five.Points, delphi.ScalePoint{Value: v, Label: delphi.Text{"de": strconv.Itoa(v)}})
	}
	def := &delphi.Definition{
		ID: "bench", Version: "1", Languages: []string{"de"}, Title: delphi.Text{"de": "Bench"}, Scales: []delphi.Scale{five},
		Consensus: delphi.Rule{MinN: 5, All: []delphi.Rule{{Agreement: &delphi.AgreementRule{MinPercent: 75}}, {IQR: &delphi.MaxRule{Max: 1}}}},
	}
	for g := range 8 {
		def.Groups = append(def.Groups, delphi.Group{ID: "g" + strconv.Itoa(g), Label: delphi.Text{"de": "Gruppe " + strconv.Itoa(g)}})
	}
	for b := range 10 {
		sec := delphi.Section{ID: "b" + strconv.Itoa(b), Title: delphi.Text{"de": "Block " + strconv.Itoa(b)}}
		for i := range 15 {
			sec.Items = append(sec.Items, delphi.Item{ID: fmt.Sprintf("R%03d", b*15+i), Type: delphi.ItemRating, Scale: "s5", Comment: true,
				Text: delphi.Text{"de": "Aussage " + strconv.Itoa(b*15+i) + " über die Zukunft der Kleinstädte"}})
		}
		sec.Items = append(sec.Items, delphi.Item{ID: fmt.Sprintf("T%02d", b), Type: delphi.ItemText, Text: delphi.Text{"de": "Ihre Begründung"}})
		def.Sections = append(def.Sections, sec)
	}
	s := &study{def: def, round: &delphi.Round{SurveyID: def.ID, Number: 1, Status: delphi.RoundOpen, OpenedAt: &at}}
	for _, sec := range def.Sections {
		for _, it := range sec.Items {
			s.round.Items = append(s.round.Items, delphi.RoundItem{SectionID: sec.ID, Item: it, Origin: delphi.OriginInitial})
		}
	}
	rng := rand.New(rand.NewPCG(16, 1))
	words := strings.Fields("Die Kleinstadt braucht eine verlässliche Anbindung an den Nahverkehr, bezahlbaren Wohnraum, " +
		"eine lebendige Mitte mit Handel und Gastronomie, Schulen und Ärzte in der Nähe, schnelles Internet und Menschen, die sich engagieren.")
	text := func() string {
		var b strings.Builder
		for b.Len() < 1200 {
			b.WriteString(words[rng.IntN(len(words))])
			b.WriteByte(' ')
		}
		return strings.TrimSpace(b.String())
	}
	submitted := at.Add(-time.Hour)
	for e := range experts {
		r := &delphi.Response{SurveyID: def.ID, Round: 1, ExpertID: "x" + strconv.Itoa(e), Pseudonym: fmt.Sprintf("E-%05d", e),
			Group: "g" + strconv.Itoa(e%8), FirstOpenedAt: &submitted, StartedAt: &submitted, Answers: map[string]delphi.Answer{}}
		if e%10 != 0 {
			r.SubmittedAt, r.Submissions = &submitted, 1
		}
		for seq, it := range def.Items() {
			a := delphi.Answer{ItemID: it.ID, Seq: int64(seq + 1), FirstSavedAt: submitted, LastSavedAt: submitted}
			if it.Type == delphi.ItemText {
				a.Value = delphi.Value{Text: text()}
			} else if rng.IntN(20) == 0 {
				a.Value = delphi.Value{Abstain: true}
			} else {
				v := 1 + rng.IntN(5)
				a.Value = delphi.Value{Point: &v}
			}
			if it.Comment && rng.IntN(20) == 0 {
				a.Comment = "Kommentar " + strconv.Itoa(rng.IntN(1000))
			}
			r.Answers[it.ID] = a
		}
		s.responses = append(s.responses, r)
	}
	return s
}

// load stores the study in a fresh database.
func (s *study) load(tb testing.TB) *store.Store {
	tb.Helper()
	st := storetest.NewStore(tb, "dbbench")
	ctx := context.Background()
	if _, _, err := st.PutSurvey(ctx, &delphi.Survey{ID: s.def.ID, Definition: s.def, Status: delphi.SurveyActive}); err != nil {
		tb.Fatal(err)
	}
	if err := st.CreateRound(ctx, s.round); err != nil {
		tb.Fatal(err)
	}
	if err := st.ImportResponses(ctx, s.responses); err != nil {
		tb.Fatal(err)
	}
	return st
}

// fromDB is the export as the API and the CLI make it: export.Service on
// the store, the open round's results computed live by results.Service
// (with the given LiveTTL: 0 computes them for the export alone, which
// then keeps their free texts in a file).
func fromDB(st *store.Store, w io.Writer, ttl time.Duration) error {
	res := &results.Service{Surveys: st, Rounds: st, Responses: st, Snapshots: st, Now: func() time.Time { return at }, LiveTTL: ttl}
	svc := &export.Service{Sources: export.Sources{Surveys: st, Rounds: st, Results: res, Responses: st},
		Audit: st, Version: "bench", Now: func() time.Time { return at }}
	_, err := svc.Write(context.Background(), w, export.Job{SurveyID: "bench", Format: "xlsx", ActorID: "bench"})
	return err
}

// fromMemory is the same export from the generated responses: the results
// computed by the engine on them and the raw data streamed from them.
func (s *study) fromMemory(w io.Writer) error {
	res := analysis.Compute(analysis.Input{Def: s.def, Round: 1, Items: results.RoundItems(s.round),
		Answers: results.Answers(s.responses), ComputedAt: at, Live: true})
	byGroup, _ := results.ResponseRates(nil, s.responses, nil, results.RoundLinkWindow(nil, s.round))
	counts := map[string]export.Participation{}
	for g, x := range byGroup {
		counts[g] = export.Participation{Invited: x.Invited, Started: x.Started, Completed: x.Submitted}
	}
	in := export.Input{
		Survey: &delphi.Survey{ID: s.def.ID, Revision: 1, Definition: s.def, Status: delphi.SurveyActive}, Rounds: []delphi.Round{*s.round},
		Results: []*analysis.RoundResults{res}, Version: "bench", Now: at,
		Panel: export.PanelComposition{Rounds: map[int]map[string]export.Participation{1: counts}, InvitedUnknown: true},
		Responses: func(_ int, yield func(*delphi.Response) error) error {
			for _, r := range s.responses {
				if err := yield(r); err != nil {
					return err
				}
			}
			return nil
		},
	}
	return export.WriteXLSX(context.Background(), w, in, nil)
}

// The benchmark's two exports write the same workbook, so the ratio
// compares equal work; so does the export with sharing on (LiveTTL > 0),
// which computes results of its own when none are shared.
func TestDBExportEqualsMemoryExport(t *testing.T) {
	s := genStudy(40)
	st := s.load(t)
	var mem bytes.Buffer
	if err := s.fromMemory(&mem); err != nil {
		t.Fatal(err)
	}
	b := parts(t, mem.Bytes())
	for _, ttl := range []time.Duration{0, time.Minute} {
		var db bytes.Buffer
		if err := fromDB(st, &db, ttl); err != nil {
			t.Fatal(err)
		}
		a := parts(t, db.Bytes())
		if len(a) < 10 || len(a) != len(b) {
			t.Fatalf("LiveTTL %v: the export from the database has %d parts, the one from memory %d", ttl, len(a), len(b))
		}
		for name, x := range a {
			if x != b[name] {
				t.Errorf("LiveTTL %v: part %s differs between the export from the database and the one from memory", ttl, name)
			}
		}
	}
}

// parts returns the parts of a workbook by name, each with its XML
// elements sorted: excelize writes some lists (content types) in map order.
func parts(t *testing.T, xlsx []byte) map[string]string {
	zr, err := zip.NewReader(bytes.NewReader(xlsx), int64(len(xlsx)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		elems := strings.Split(string(b), "><")
		slices.Sort(elems)
		out[f.Name] = strings.Join(elems, "><")
	}
	return out
}

// BenchmarkExportDB: the XLSX export of the study (#16) at 500 and
// 1,000 experts, end to end from the embedded database (read, compute the
// open round live, write), against the same export from memory (compute
// and write). Each iteration runs three pairs of the two, the order
// alternating, and the benchmark reports the medians of their times and of
// the ratios within a pair (db/memory, the target is ≤ 1.5): on a shared
// machine a single pair's ratio varied by a fifth. In a run of its own it
// measures the database export's bytes allocated and peak live heap, which
// should not grow with the panel (docs/PERFORMANCE.md, "flat export
// memory").
func BenchmarkExportDB(b *testing.B) {
	for _, experts := range []int{500, 1000} {
		b.Run(strconv.Itoa(experts), func(b *testing.B) {
			s := genStudy(experts)
			st := s.load(b)
			var dbTimes, memTimes, ratios []float64
			timed := func(fn func() error) float64 {
				t0 := time.Now()
				if err := fn(); err != nil {
					b.Fatal(err)
				}
				return float64(time.Since(t0)) / float64(time.Millisecond)
			}
			mem := func() error { return s.fromMemory(io.Discard) }
			db := func() error { return fromDB(st, io.Discard, 0) }
			for b.Loop() {
				for k := range 3 {
					var m, d float64
					if k%2 == 0 {
						m, d = timed(mem), timed(db)
					} else {
						d, m = timed(db), timed(mem)
					}
					memTimes, dbTimes, ratios = append(memTimes, m), append(dbTimes, d), append(ratios, d/m)
				}
			}
			// The memory, measured in a run of its own: benchmem.Peak
			// slows what it measures.
			h := benchmem.Peak(func() {
				if err := db(); err != nil {
					b.Fatal(err)
				}
			})
			b.ReportMetric(median(memTimes), "memory-ms")
			b.ReportMetric(median(dbTimes), "db-ms")
			b.ReportMetric(median(ratios), "db/memory")
			b.ReportMetric(benchmem.MiB(h.Alloc), "db-alloc-MiB")
			b.ReportMetric(benchmem.MiB(h.Live), "db-peak-live-MiB")
		})
	}
}

// median returns the median of xs (the mean of the middle two for an
// even count).
func median(xs []float64) float64 {
	ys := slices.Clone(xs)
	slices.Sort(ys)
	if n := len(ys); n%2 == 1 {
		return ys[n/2]
	} else if n > 0 {
		return (ys[n/2-1] + ys[n/2]) / 2
	}
	return 0
}
