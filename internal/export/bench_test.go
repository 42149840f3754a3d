package export

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/flate"
	"github.com/xuri/excelize/v2"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/benchmem"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// mix is splitmix64: a deterministic hash for synthetic answers.
func mix(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

// synthetic returns a lazy generator of the responses of one round. The
// answers come from a pool of up to 97 answer sets derived from
// mix(round, set, item, part), built on the first call; expert e gets set
// e mod 97 under its own pseudonym and group, so generating a response
// costs next to nothing and the benchmarks measure the writer.
func synthetic(def *delphi.Definition, items []delphi.RoundItem, experts, round int) func(yield func(*delphi.Response) error) error {
	var pool []map[string]delphi.Answer
	return func(yield func(*delphi.Response) error) error {
		if pool == nil {
			pool = answerPool(def, items, min(experts, 97), round)
		}
		var r delphi.Response
		for e := range experts {
			group := ""
			if len(def.Groups) > 0 {
				group = def.Groups[e%len(def.Groups)].ID
			}
			r = delphi.Response{SurveyID: def.ID, Round: round, ExpertID: "x" + strconv.Itoa(e), Pseudonym: fmt.Sprintf("E-%05d", e),
				Group: group, Answers: pool[e%len(pool)]}
			if mix(uint64(round)<<32^uint64(e))%10 != 0 {
				r.SubmittedAt = &time.Time{}
			}
			if err := yield(&r); err != nil {
				return err
			}
		}
		return nil
	}
}

// answerPool derives n answer sets for the items.
func answerPool(def *delphi.Definition, items []delphi.RoundItem, n, round int) []map[string]delphi.Answer {
	pool := make([]map[string]delphi.Answer, n)
	for e := range pool {
		answers := make(map[string]delphi.Answer, len(items))
		h := func(i, p int) uint64 { return mix(uint64(round)<<48 ^ uint64(e)<<24 ^ uint64(i)<<8 ^ uint64(p)) }
		for i, ri := range items {
			it := ri.Item
			point := func(scale string, p int) delphi.Value {
				sc, _ := def.Scale(scale)
				v := h(i, p)
				if sc.Abstain != nil && v%20 == 0 {
					return delphi.Value{Abstain: true}
				}
				if len(sc.Points) == 0 {
					return delphi.Value{}
				}
				x := sc.Points[int(v>>8)%len(sc.Points)].Value
				return delphi.Value{Point: &x}
			}
			var val delphi.Value
			switch it.Type {
			case delphi.ItemRating:
				val = point(it.Scale, 0)
			case delphi.ItemMultiRating:
				val.Criteria = make(map[string]delphi.Value, len(it.Criteria))
				for p, c := range it.Criteria {
					val.Criteria[c.ID] = point(c.Scale, p)
				}
			case delphi.ItemSingleChoice:
				val.Choice = it.Options[int(h(i, 0)>>8)%len(it.Options)].ID
			case delphi.ItemMultipleChoice:
				for p, o := range it.Options {
					if h(i, p)%2 == 0 {
						val.Choices = append(val.Choices, o.ID)
					}
				}
			case delphi.ItemRanking:
				k := len(it.Options)
				if it.TopK > 0 {
					k = it.TopK
				}
				start := int(h(i, 0) >> 8)
				for p := range k {
					val.Choices = append(val.Choices, it.Options[(start+p)%len(it.Options)].ID)
				}
			case delphi.ItemNumeric:
				x := float64(h(i, 0)%1000) / 10
				val.Number = &x
			case delphi.ItemText:
				if h(i, 0)%30 == 0 {
					val.Text = "Idee " + strconv.Itoa(int(h(i, 1)%100))
				}
			}
			a := delphi.Answer{SurveyID: def.ID, Round: round, ItemID: it.ID, Value: val, Seq: int64(i)}
			if it.Comment && h(i, 7)%20 == 0 {
				a.Comment = "Kommentar " + strconv.Itoa(int(h(i, 8)%1000))
			}
			if !val.Empty() || a.Comment != "" {
				answers[it.ID] = a
			}
		}
		pool[e] = answers
	}
	return pool
}

// answersOf flattens the generated responses into the answers Compute takes.
func answersOf(gen func(func(*delphi.Response) error) error) []delphi.Answer {
	var out []delphi.Answer
	_ = gen(func(r *delphi.Response) error {
		for _, a := range r.Answers {
			a.ExpertID, a.Pseudonym, a.Group = r.ExpertID, r.Pseudonym, r.Group
			out = append(out, a)
		}
		return nil
	})
	return out
}

// benchInput builds the benchmark study: 150 items (alternately rating and
// multi_rating with two criteria, in 10 blocks), 8 groups, `rounds` rounds
// with all items, results computed from the synthetic answers, and the
// responses generated lazily.
func benchInput(rounds, items, experts int) Input {
	def := testDef()
	def.Groups = nil
	for g := range 8 {
		def.Groups = append(def.Groups, delphi.Group{ID: "g" + strconv.Itoa(g), Label: txt("Gruppe "+strconv.Itoa(g), "group "+strconv.Itoa(g))})
	}
	def.Sections = nil
	for b := range 10 {
		sec := delphi.Section{ID: "b" + strconv.Itoa(b), Title: txt("Block "+strconv.Itoa(b), "block "+strconv.Itoa(b))}
		for i := b * items / 10; i < (b+1)*items/10; i++ {
			it := delphi.Item{ID: fmt.Sprintf("I%03d", i), Type: delphi.ItemRating, Scale: "s5", Comment: true,
				Text: txt("Aussage Nummer "+strconv.Itoa(i)+" über die Zukunft der Kleinstädte", "Statement "+strconv.Itoa(i))}
			if i%2 == 1 {
				it.Type, it.Scale = delphi.ItemMultiRating, ""
				it.Criteria = []delphi.Criterion{{ID: "wichtigkeit", Label: txt("Wichtigkeit", "importance"), Scale: "s5"},
					{ID: "umsetzbarkeit", Label: txt("Umsetzbarkeit", "feasibility"), Scale: "s5"}}
			}
			sec.Items = append(sec.Items, it)
		}
		def.Sections = append(def.Sections, sec)
	}
	in := Input{Survey: &delphi.Survey{ID: def.ID, Revision: 1, Definition: def}, Lang: "de", Version: "bench", Now: time.Unix(0, 0)}
	var prev []delphi.Answer
	gens := map[int]func(func(*delphi.Response) error) error{}
	for n := 1; n <= rounds; n++ {
		round := delphi.Round{Number: n, Status: delphi.RoundClosed}
		for _, sec := range def.Sections {
			for _, it := range sec.Items {
				round.Items = append(round.Items, delphi.RoundItem{SectionID: sec.ID, Item: it, Origin: delphi.OriginCarried})
			}
		}
		gen := synthetic(def, round.Items, experts, n)
		gens[n] = gen
		cur := answersOf(gen)
		in.Rounds = append(in.Rounds, round)
		in.Results = append(in.Results, analysis.Compute(analysis.Input{Def: def, Round: n, Items: def.Items(), Answers: cur, Previous: prev}))
		prev = cur
	}
	in.Responses = func(round int, yield func(*delphi.Response) error) error { return gens[round](yield) }
	return in
}

var (
	benchOnce sync.Once
	benchIn   Input
)

func bench3x150x2000() Input {
	benchOnce.Do(func() { benchIn = benchInput(3, 150, 2000) })
	return benchIn
}

// BenchmarkExport3x150x2000: 3 rounds × 150 items × 2,000 experts, the
// responses generated lazily in the callback.
func BenchmarkExport3x150x2000(b *testing.B) {
	in := bench3x150x2000()
	b.ReportAllocs()
	var cells int
	for b.Loop() {
		var err error
		if cells, err = writeXLSX(context.Background(), io.Discard, in, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cells), "cells")
}

// BenchmarkBareStreamWriter writes as many cells as
// BenchmarkExport3x150x2000 with a bare excelize StreamWriter: integer
// cells in rows as wide as the raw data sheet, one sheet. "std" saves with
// excelize's default (the standard library's deflate, into a buffer),
// "klauspost" the way WriteXLSX does.
func BenchmarkBareStreamWriter(b *testing.B) {
	in := bench3x150x2000()
	cells, err := writeXLSX(context.Background(), io.Discard, in, nil)
	if err != nil {
		b.Fatal(err)
	}
	width := len(keyColumns) + len(mustPrepare(b, in).vars)
	for _, deflate := range []string{"std", "klauspost"} {
		b.Run(deflate, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				f := excelize.NewFile()
				sw, err := f.NewStreamWriter("Sheet1")
				if err != nil {
					b.Fatal(err)
				}
				row := make([]any, width)
				for r, n := 1, 0; n < cells; r++ {
					for c := range row {
						row[c] = (r + c) % 5
					}
					if n+width > cells {
						row = row[:cells-n]
					}
					n += len(row)
					cell, _ := excelize.CoordinatesToCellName(1, r)
					if err := sw.SetRow(cell, row); err != nil {
						b.Fatal(err)
					}
				}
				if err := sw.Flush(); err != nil {
					b.Fatal(err)
				}
				if deflate == "std" {
					err = f.Write(io.Discard)
				} else {
					zw := zip.NewWriter(io.Discard)
					zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, 6) })
					f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zw })
					_, err = f.WriteToBuffer()
				}
				if err != nil {
					b.Fatal(err)
				}
				f.Close()
			}
			b.ReportMetric(float64(cells), "cells")
		})
	}
}

// BenchmarkExportMemory reports the heap of the workbook writer above the
// fixture's (the peak in use, the peak live heap) and the bytes allocated,
// for 500, 2,000 and 8,000 experts (3 rounds × 150 items). The raw data and
// the comments, the sheets that grow with the panel, spool their rows to
// temporary files (spool.go), so the live heap does not grow with the
// panel. Its time per operation means little: benchmem.Peak runs the
// writer at GOGC=10.
func BenchmarkExportMemory(b *testing.B) {
	for _, experts := range []int{500, 2000, 8000} {
		b.Run(strconv.Itoa(experts), func(b *testing.B) {
			in := benchInput(3, 150, experts)
			var h benchmem.Heap
			for b.Loop() {
				h = benchmem.Peak(func() {
					if _, err := writeXLSX(context.Background(), io.Discard, in, nil); err != nil {
						b.Fatal(err)
					}
				})
			}
			b.ReportMetric(benchmem.MiB(h.InUse), "peak-inuse-MiB")
			b.ReportMetric(benchmem.MiB(h.Live), "peak-live-MiB")
			b.ReportMetric(benchmem.MiB(h.Alloc), "alloc-MiB")
		})
	}
}

func TestBenchInput(t *testing.T) {
	in := benchInput(2, 10, 40)
	if len(in.Results) != 2 || in.Results[1].Respondents.Total != 40 || len(in.Results[1].Items) != 10 ||
		in.Results[1].Items[1].Criteria[0].Stability == nil {
		t.Fatalf("bench input: %+v", in.Results[1].Respondents)
	}
	cells, err := writeXLSX(context.Background(), io.Discard, in, nil)
	if err != nil || cells < 2*40*15 {
		t.Errorf("cells = %d, err = %v", cells, err)
	}
}
