package analysis

import (
	"cmp"
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// randomRound returns random answers of experts to every item type of
// testDef (and an item not in the round), grouped by expert in ascending
// order as results.Answers gives them: drafts, abstentions, empty values,
// unknown and empty groups, an expert's second answer to an item,
// comments and justifications, invalid choices, rankings with ties,
// numbers that are not integers.
func randomRound(rng *rand.Rand, def *delphi.Definition, experts int) []delphi.Answer {
	groups := []string{"zeta", "alpha", "omega", ""}
	var out []delphi.Answer
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	point := func(max int) delphi.Value {
		switch rng.IntN(12) {
		case 0:
			return delphi.Value{Abstain: true}
		case 1:
			return delphi.Value{}
		case 2:
			return delphi.Value{Point: ip(200)} // outside the compact points
		}
		return delphi.Value{Point: ip(1 + rng.IntN(max))}
	}
	items := append(def.Items(), delphi.Item{ID: "GONE", Type: delphi.ItemRating})
	for e := range experts {
		id, group, draft := "x"+strconv.Itoa(100+e), groups[rng.IntN(len(groups))], rng.IntN(4) == 0
		for _, it := range items {
			if rng.IntN(8) == 0 {
				continue
			}
			for range 1 + rng.IntN(2)*rng.IntN(2) { // sometimes two answers to one item
				a := delphi.Answer{ItemID: it.ID, ExpertID: id, Group: group, Draft: draft, Seq: int64(rng.IntN(5))}
				switch it.Type {
				case delphi.ItemRating:
					a.Value = point(5)
				case delphi.ItemMultiRating:
					a.Value = delphi.Value{Criteria: map[string]delphi.Value{"wichtigkeit": point(5), "neun": point(9)}}
				case delphi.ItemSingleChoice:
					a.Value = delphi.Value{Choice: pick("x", "y", "z", "q", "")}
				case delphi.ItemMultipleChoice:
					a.Value = delphi.Value{Choices: []string{pick("x", "y"), pick("y", "z", "q")}}
				case delphi.ItemRanking:
					a.Value = delphi.Value{Choices: []string{pick("a", "b"), pick("c", "b")}}
					if rng.IntN(3) == 0 {
						a.Value.Places = []int{1, 1}
					}
				case delphi.ItemNumeric:
					a.Value = delphi.Value{Number: fp(float64(rng.IntN(100)) / 7)}
				case delphi.ItemText:
					a.Value = delphi.Value{Text: pick(" Ja ", "nein", "", "vielleicht")}
				}
				if rng.IntN(3) == 0 {
					a.Comment = pick("gut", " gut", "", "schlecht")
				}
				if rng.IntN(5) == 0 {
					a.Justification = pick("weil", "darum ")
				}
				out = append(out, a)
			}
		}
	}
	return out
}

// compactOf adds answers to a Compact of items.
func compactOf(t *testing.T, items []delphi.Item, as []delphi.Answer) *Compact {
	t.Helper()
	c := NewCompact(items)
	for i := range as {
		if err := c.Add(&as[i]); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// Compute gives the same results for a round in the compact form as for
// the same answers flat, with and without a previous round, for both
// feedback.count rules.
func TestComputeCompactEqualsFlat(t *testing.T) {
	for seed := range uint64(40) {
		rng := rand.New(rand.NewPCG(seed, 7))
		def := testDef()
		if seed%2 == 1 {
			def.Rounds.Feedback.Count = delphi.CountAll
		}
		def.ConsensusNumeric = &delphi.Rule{MinN: 3, IQR: &delphi.MaxRule{Max: 5}}
		items := def.Items()
		experts := rng.IntN(30)
		cur := randomRound(rng, def, experts)
		var prev []delphi.Answer
		if seed%3 != 0 {
			prev = randomRound(rng, def, experts+rng.IntN(5))
		}
		at := time.Unix(1e9, 0).UTC()
		want := Compute(Input{Def: def, Round: 2, Items: items, Answers: cur, Previous: prev, ComputedAt: at})
		in := Input{Def: def, Round: 2, Items: items, Compact: compactOf(t, items, cur), ComputedAt: at}
		if prev != nil {
			in.PreviousCompact = compactOf(t, items, prev)
		}
		if got := Compute(in); mustJSON(t, got) != mustJSON(t, want) {
			t.Fatalf("seed %d: compact\n%s\nflat\n%s", seed, mustJSON(t, got), mustJSON(t, want))
		}
		if prev != nil { // this round compact, the previous one flat
			in.PreviousCompact, in.Previous = nil, prev
			if got := Compute(in); mustJSON(t, got) != mustJSON(t, want) {
				t.Fatalf("seed %d: compact with a flat previous round differs", seed)
			}
		}
	}
}

// The benchmark's study computes alike from both forms.
func TestComputeCompactBenchStudy(t *testing.T) {
	def, cur, prev := benchStudy(6, 200)
	cur, prev = sortedByExpert(cur), sortedByExpert(prev)
	want := Compute(Input{Def: def, Round: 2, Items: def.Items(), Answers: cur, Previous: prev})
	got := Compute(Input{Def: def, Round: 2, Items: def.Items(), Compact: compactOf(t, def.Items(), cur),
		PreviousCompact: compactOf(t, def.Items(), prev)})
	if mustJSON(t, got) != mustJSON(t, want) {
		t.Fatal("the bench study computes differently from the compact form")
	}
}

// Add refuses what the compact form cannot hold: answers without expert,
// experts out of order, an expert in two groups.
func TestCompactAddErrors(t *testing.T) {
	items := testDef().Items()
	for name, as := range map[string][]delphi.Answer{
		"no expert":  {{ItemID: "R1"}},
		"order":      {{ItemID: "R1", ExpertID: "b"}, {ItemID: "R1", ExpertID: "a"}},
		"two groups": {{ItemID: "R1", ExpertID: "a", Group: "g"}, {ItemID: "X1", ExpertID: "a", Group: "h"}},
		"draft":      {{ItemID: "R1", ExpertID: "a"}, {ItemID: "X1", ExpertID: "a", Draft: true}},
	} {
		c := NewCompact(items)
		var err error
		for i := range as {
			if err = c.Add(&as[i]); err != nil {
				break
			}
		}
		if delphi.ErrorCode(err) != delphi.EINVALID {
			t.Errorf("%s: got %v, want EINVALID", name, err)
		}
	}
}

// memTexts is a TextStore in memory that hands out numbered references.
type memTexts []string

func (m *memTexts) Put(s string) string {
	*m = append(*m, s)
	return "#" + strconv.Itoa(len(*m)-1)
}

func (m *memTexts) Get(ref string) string {
	n, err := strconv.Atoi(strings.TrimPrefix(ref, "#"))
	if err != nil || !strings.HasPrefix(ref, "#") || n >= len(*m) {
		panic("not a reference: " + ref)
	}
	return (*m)[n]
}

// With a TextStore the compact form keeps its free texts there and the
// results hold references to theirs; resolved, they are the results from
// the flat answers.
func TestComputeCompactTexts(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 9))
		def := testDef()
		items := def.Items()
		experts := 5 + rng.IntN(20)
		if seed%2 == 0 { // more than chunkEntries: columns written out in chunks
			experts = chunkEntries + rng.IntN(3*chunkEntries)
		}
		cur, prev := randomRound(rng, def, experts), randomRound(rng, def, experts-rng.IntN(5))
		want := Compute(Input{Def: def, Round: 2, Items: items, Answers: cur, Previous: prev})
		ts := &memTexts{}
		c, pc := NewCompact(items).WithTexts(ts), NewCompact(items).WithTexts(ts)
		for _, x := range []struct {
			c  *Compact
			as []delphi.Answer
		}{{c, cur}, {pc, prev}} {
			for i := range x.as {
				if err := x.c.Add(&x.as[i]); err != nil {
					t.Fatal(err)
				}
			}
		}
		if chunks := len(c.cols[0].chunks) + len(pc.cols[0].chunks); (seed%2 == 0) != (chunks > 0) {
			t.Fatalf("seed %d: %d experts, %d chunks", seed, experts, chunks)
		}
		got := Compute(Input{Def: def, Round: 2, Items: items, Compact: c, PreviousCompact: pc, Texts: ts})
		if c.Err() != nil || pc.Err() != nil {
			t.Fatal(c.Err(), pc.Err())
		}
		refs := 0
		for i := range got.Items {
			it := &got.Items[i]
			if len(it.Comments) != 0 || it.Text != nil && len(it.Text.Texts) != 0 {
				t.Fatalf("seed %d: item %s holds its texts", seed, it.ItemID)
			}
			var cs []Comment
			if err := it.EachComment(ts, func(c Comment) error { cs = append(cs, c); return nil }); err != nil || len(cs) != it.NComments {
				t.Fatalf("seed %d: item %s: %d comments read back of %d, %v", seed, it.ItemID, len(cs), it.NComments, err)
			}
			it.Comments, it.CommentsIn, it.NComments = nonNil(cs), "", 0
			if cs != nil {
				refs++
			}
			if it.Text != nil { // left empty: the text answers are among the comments
				it.Text.Texts = want.Items[i].Text.Texts
			}
		}
		if mustJSON(t, got) != mustJSON(t, want) {
			t.Fatalf("seed %d: the results with a TextStore differ:\n%s\n%s", seed, mustJSON(t, got), mustJSON(t, want))
		}
		if refs == 0 {
			t.Fatalf("seed %d: no comments", seed)
		}
	}
}

// pairUp pairs each current answer with the previous answer of the same
// expert on each of its paths (the same experts in the same order, both
// ascending, any order), as a plain search does.
func TestPairUpPaths(t *testing.T) {
	list := func(ids ...string) []*delphi.Answer {
		out := make([]*delphi.Answer, len(ids))
		for i, id := range ids {
			out[i] = &delphi.Answer{ExpertID: id}
		}
		return out
	}
	cases := []struct{ name, cur, prev string }{
		{"same order", "b a c", "b a c"},
		{"ascending, gaps", "a c d f", "b c f g"},
		{"ascending, none shared", "a c", "b d"},
		{"any order", "c a b", "b c"},
		{"without ids", "a - c", "c - a"},
		{"empty previous", "a b", ""},
	}
	for _, tc := range cases {
		ids := func(s string) []string {
			f := strings.Fields(s)
			for i := range f {
				if f[i] == "-" {
					f[i] = ""
				}
			}
			return f
		}
		cur, prev := list(ids(tc.cur)...), list(ids(tc.prev)...)
		c := &computer{scratch: &scratch{prevBy: map[string]int32{}}}
		c.pairUp(cur, prev)
		for i, a := range cur {
			want := int32(-1)
			for j, p := range prev {
				if a.ExpertID != "" && p.ExpertID == a.ExpertID {
					want = int32(j)
				}
			}
			if c.prevOf[i] != want {
				t.Errorf("%s: the answer of %q paired with %d, want %d", tc.name, a.ExpertID, c.prevOf[i], want)
			}
		}
	}
}

// Compute reuses its memory across calls (scratchPool, the stats
// package's floatPool): calls in parallel give the results of calls one
// at a time.
func TestComputeInParallel(t *testing.T) {
	def, cur, prev := benchStudy(12, 60)
	in := Input{Def: def, Round: 2, Items: def.Items(), Answers: cur, Previous: prev, ComputedAt: time.Unix(0, 0)}
	compact := Input{Def: def, Round: 2, Items: def.Items(), Compact: compactOf(t, def.Items(), sortedByExpert(cur)),
		PreviousCompact: compactOf(t, def.Items(), sortedByExpert(prev)), ComputedAt: time.Unix(0, 0)}
	want := mustJSON(t, Compute(in))
	if got := mustJSON(t, Compute(compact)); got != want {
		t.Fatal("the compact round gives other results")
	}
	errs := make(chan string, 16)
	for g := range 16 {
		go func() {
			for range 5 {
				x := in
				if g%2 == 1 {
					x = compact
				}
				if got := mustJSON(t, Compute(x)); got != want {
					errs <- "differs"
					return
				}
			}
			errs <- ""
		}()
	}
	for range 16 {
		if e := <-errs; e != "" {
			t.Fatal("a parallel Compute " + e)
		}
	}
}

// sortedByExpert returns as ordered by expert id, as Compact.Add takes
// them.
func sortedByExpert(as []delphi.Answer) []delphi.Answer {
	out := slices.Clone(as)
	slices.SortStableFunc(out, func(a, b delphi.Answer) int { return cmp.Compare(a.ExpertID, b.ExpertID) })
	return out
}

// A value written into a chunk reads back exactly (nil and empty told
// apart), and a damaged chunk is reported.
func TestChunkRoundTrip(t *testing.T) {
	one, big, x := 1, 300, -0.5
	values := []delphi.Value{
		{}, {Point: &one}, {Point: &big, Text: "t"}, {Abstain: true, Text: "weiß nicht"}, {Choice: "a"}, {Choices: []string{}},
		{Choices: []string{"b", "a"}, Places: []int{1, 1}}, {Places: []int{}}, {Number: &x}, {Criteria: map[string]delphi.Value{}},
		{Criteria: map[string]delphi.Value{"w": {Point: &one}, "n": {Abstain: true}, "z": {Choices: []string{"q"}}}},
	}
	var entries []compactEntry
	var extras []compactExtra
	for i := range values {
		entries = append(entries, compactEntry{expert: int32(i * 1000), kind: kindValue, extra: true})
		extras = append(extras, compactExtra{text: "ref" + strconv.Itoa(i), comment: "Größe", value: &values[i]})
	}
	entries = append(entries, compactEntry{expert: -1, kind: kindPoint, point: -7}, compactEntry{expert: 5, kind: kindAbstain, extra: true})
	extras = append(extras, compactExtra{justification: "weil"})
	chunk := encodeChunk(entries, extras)
	gotE, gotX, ok := decodeChunk(chunk, nil, nil)
	if !ok || !reflect.DeepEqual(gotE, entries) || !reflect.DeepEqual(gotX, extras) {
		t.Fatalf("read back (ok %v):\n%+v\n%+v\nwant\n%+v\n%+v", ok, gotE, gotX, entries, extras)
	}
	for _, bad := range []string{"", chunk[:len(chunk)-1], chunk + "x", "\x05"} {
		if _, _, ok := decodeChunk(bad, nil, nil); ok {
			t.Errorf("decodeChunk(%q) ok", bad)
		}
	}
}

// A column whose chunk does not read back is left out and reported by
// Err.
func TestCompactChunkLost(t *testing.T) {
	def, cur, _ := benchStudy(2, chunkEntries+10)
	cur = sortedByExpert(cur)
	ts := &memTexts{}
	c := NewCompact(def.Items()).WithTexts(ts)
	for i := range cur {
		if err := c.Add(&cur[i]); err != nil {
			t.Fatal(err)
		}
	}
	for i := range *ts {
		(*ts)[i] = "damaged"
	}
	r := Compute(Input{Def: def, Round: 2, Items: def.Items(), Compact: c, Texts: ts})
	if c.Err() == nil || r.Items[0].N != 0 {
		t.Fatalf("a lost chunk: Err %v, N %d", c.Err(), r.Items[0].N)
	}
}

func nonNil(cs []Comment) []Comment {
	if cs == nil {
		return []Comment{}
	}
	return cs
}

// An item's comments in a TextStore read back in order; EachComment stops
// at fn's error, and comments that do not read back are an internal error.
func TestEachComment(t *testing.T) {
	ts := &memTexts{}
	cs := []Comment{{Text: "Größe", Group: "g1", Kind: KindComment}, {Text: "", Group: "", Kind: KindAnswer}, {Text: "weil", Group: "g2", Kind: KindJustification}}
	it := ItemResult{ItemID: "I1", CommentsIn: ts.Put(encodeComments(cs)), NComments: len(cs)}
	var got []Comment
	if err := it.EachComment(ts, func(c Comment) error { got = append(got, c); return nil }); err != nil || !reflect.DeepEqual(got, cs) {
		t.Fatalf("read back %+v, %v", got, err)
	}
	stop, n := errors.New("stop"), 0
	if err := it.EachComment(ts, func(Comment) error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("after fn's error: %v, %d calls", err, n)
	}
	for _, bad := range []ItemResult{
		{ItemID: "I1", CommentsIn: ts.Put("\x05"), NComments: 5},
		{ItemID: "I1", CommentsIn: it.CommentsIn, NComments: 2},
	} {
		if err := bad.EachComment(ts, func(Comment) error { return nil }); delphi.ErrorCode(err) != delphi.EINTERNAL {
			t.Errorf("damaged comments: %v", err)
		}
	}
}
