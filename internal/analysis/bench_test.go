package analysis

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// benchStudy builds a Kleinstadt-like study with items rating and
// multi_rating items (alternating) and 8 groups, and two rounds of answers
// by experts, deterministic.
func benchStudy(items, experts int) (*delphi.Definition, []delphi.Answer, []delphi.Answer) {
	def := testDef()
	def.Groups = nil
	for g := range 8 {
		def.Groups = append(def.Groups, delphi.Group{ID: "g" + strconv.Itoa(g)})
	}
	sec := delphi.Section{ID: "s"}
	for i := range items {
		it := delphi.Item{ID: "I" + strconv.Itoa(i), Type: delphi.ItemRating, Scale: "wichtigkeit", Comment: true}
		if i%2 == 1 {
			it = delphi.Item{ID: it.ID, Type: delphi.ItemMultiRating, Comment: true, Criteria: []delphi.Criterion{
				{ID: "wichtigkeit", Scale: "wichtigkeit"}, {ID: "neun", Scale: "neun"}}}
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
	round := func(r int) []delphi.Answer {
		out := make([]delphi.Answer, 0, items*experts)
		for _, it := range sec.Items {
			for e := range experts {
				a := delphi.Answer{ItemID: it.ID, Round: r, ExpertID: "x" + strconv.Itoa(e), Pseudonym: "E-" + strconv.Itoa(e),
					Group: "g" + strconv.Itoa(e%8), Seq: int64(len(out))}
				if it.Type == delphi.ItemRating {
					a.Value = point(5)
				} else {
					a.Value = delphi.Value{Criteria: map[string]delphi.Value{"wichtigkeit": point(5), "neun": point(9)}}
				}
				if rng.IntN(10) == 0 {
					a.Comment = "Kommentar " + strconv.Itoa(rng.IntN(1000))
				}
				out = append(out, a)
			}
		}
		return out
	}
	return def, round(2), round(1)
}

// BenchmarkCompute150x1000: 150 rating / multi_rating items × 1000 experts,
// with the previous round for stability. answers/s counts the answers of
// the round computed (150,000).
func BenchmarkCompute150x1000(b *testing.B) {
	def, cur, prev := benchStudy(150, 1000)
	in := Input{Def: def, Round: 2, Items: def.Items(), Answers: cur, Previous: prev, ComputedAt: time.Unix(0, 0)}
	b.ReportAllocs()
	for b.Loop() {
		Compute(in)
	}
	b.ReportMetric(float64(len(cur))*float64(b.N)/b.Elapsed().Seconds(), "answers/s")
}

// The benchmark's data gives sane results (the benchmark would otherwise
// measure nothing useful).
func TestBenchStudy(t *testing.T) {
	def, cur, prev := benchStudy(4, 80)
	r := Compute(Input{Def: def, Round: 2, Items: def.Items(), Answers: cur, Previous: prev})
	if len(r.Items) != 4 || r.Respondents.Total != 80 || r.Items[0].Rating.Stability.NPaired < 60 || len(r.Items[1].Criteria) != 2 {
		t.Errorf("bench study: %d items, %d respondents", len(r.Items), r.Respondents.Total)
	}
}

// BenchmarkSensitivity150x100: the sensitivity report (84 grid rules and a
// 2,000-resample bootstrap per rating) of 150 items (225 ratings) × 100
// experts, a large Delphi panel.
func BenchmarkSensitivity150x100(b *testing.B) {
	def, cur, prev := benchStudy(150, 100)
	res := Compute(Input{Def: def, Round: 2, Items: def.Items(), Answers: cur, Previous: prev, ComputedAt: time.Unix(0, 0)})
	b.ReportAllocs()
	for b.Loop() {
		SensitivityOf(SensitivityInput{Def: def, Items: def.Items(), Results: res})
	}
}
