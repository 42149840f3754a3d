package results

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

func pt(v int) delphi.Value { return delphi.Value{Point: &v} }

// smallDef has a 1–5 scale with abstention, a rating and a multi_rating
// item, a text item, and two groups.
func smallDef() *delphi.Definition {
	five := delphi.Scale{ID: "five", Agreement: delphi.Band{Min: 4, Max: 5}, Disagreement: &delphi.Band{Min: 1, Max: 2},
		Abstain: &delphi.Abstain{Label: delphi.Text{"de": "weiß nicht"}}}
	for v := 1; v <= 5; v++ {
		five.Points = append(five.Points, delphi.ScalePoint{Value: v})
	}
	three := delphi.Scale{ID: "three", Agreement: delphi.Band{Min: 3, Max: 3}}
	for v := 1; v <= 3; v++ {
		three.Points = append(three.Points, delphi.ScalePoint{Value: v})
	}
	return &delphi.Definition{
		ID: "t", Groups: []delphi.Group{{ID: "pol"}, {ID: "civ"}},
		Scales:    []delphi.Scale{five, three},
		Consensus: delphi.Rule{Agreement: &delphi.AgreementRule{MinPercent: 75}},
		Sections: []delphi.Section{{ID: "s", Items: []delphi.Item{
			{ID: "r", Type: delphi.ItemRating, Scale: "five"},
			{ID: "m", Type: delphi.ItemMultiRating, Criteria: []delphi.Criterion{{ID: "imp", Scale: "five"}, {ID: "feas", Scale: "three"}}},
			{ID: "x", Type: delphi.ItemText},
		}}},
	}
}

func ans(item, expert, group string, seq int64, v delphi.Value) delphi.Answer {
	return delphi.Answer{ItemID: item, ExpertID: expert, Pseudonym: "E-" + strings.ToUpper(expert), Group: group, Seq: seq, Value: v}
}

func TestTransitionMatrix(t *testing.T) {
	def := smallDef()
	prev := []delphi.Answer{
		ans("r", "a", "pol", 1, pt(2)),
		ans("r", "b", "pol", 1, pt(3)),
		ans("r", "c", "civ", 1, pt(5)),
		ans("r", "d", "civ", 1, pt(4)),
		ans("r", "e", "civ", 1, delphi.Value{Abstain: true}), // abstained before: unpaired
		ans("r", "f", "pol", 1, pt(1)),                       // did not answer now: unpaired
		ans("r", "", "pol", 1, pt(1)),                        // no expert id: never paired
		ans("m", "a", "pol", 1, delphi.Value{Criteria: map[string]delphi.Value{"imp": pt(1), "feas": pt(2)}}),
		ans("m", "b", "pol", 1, delphi.Value{Criteria: map[string]delphi.Value{"imp": pt(3), "feas": pt(3)}}),
	}
	cur := []delphi.Answer{
		ans("r", "a", "pol", 1, pt(3)), // superseded by the higher Seq below
		ans("r", "a", "pol", 5, pt(4)),
		ans("r", "b", "pol", 2, pt(3)),
		ans("r", "c", "civ", 2, pt(4)),
		ans("r", "d", "civ", 2, pt(4)),
		ans("r", "e", "civ", 2, pt(4)),
		ans("r", "g", "", 2, pt(4)), // new: unpaired
		ans("m", "a", "pol", 2, delphi.Value{Criteria: map[string]delphi.Value{"imp": pt(2), "feas": {Abstain: true}}}),
		ans("m", "b", "civ", 2, delphi.Value{Criteria: map[string]delphi.Value{"imp": pt(3), "feas": pt(1)}}), // changed group: counts in civ
		ans("x", "a", "pol", 2, delphi.Value{Text: "frei"}),
	}
	tr := ComputeTransitions(def, 2, def.Items(), prev, cur)
	if tr.Round != 2 || tr.From != 1 || len(tr.Items) != 3 {
		t.Fatalf("round %d from %d, %d items (want r, m/imp, m/feas)", tr.Round, tr.From, len(tr.Items))
	}
	r := tr.Items[0]
	if r.ItemID != "r" || r.CriterionID != "" || !reflect.DeepEqual(r.Values, []int{1, 2, 3, 4, 5}) {
		t.Fatalf("rating row: %+v", r)
	}
	// a: 2→4 (up), b: 3→3, c: 5→4 (down), d: 4→4.
	wantCounts := [][]int{
		{0, 0, 0, 0, 0},
		{0, 0, 0, 1, 0},
		{0, 0, 1, 0, 0},
		{0, 0, 0, 1, 0},
		{0, 0, 0, 1, 0},
	}
	if o := r.Overall; o.NPaired != 4 || o.Up != 1 || o.Same != 2 || o.Down != 1 || !reflect.DeepEqual(o.Counts, wantCounts) {
		t.Errorf("overall: %+v", o)
	}
	if pol, civ := r.ByGroup["pol"], r.ByGroup["civ"]; pol.NPaired != 2 || pol.Up != 1 || civ.NPaired != 2 || civ.Down != 1 || civ.Counts[4][3] != 1 {
		t.Errorf("by group: pol %+v civ %+v", pol, civ)
	}
	if len(r.ByGroup) != 2 {
		t.Errorf("groups %v, want pol and civ", r.ByGroup)
	}

	imp, feas := tr.Items[1], tr.Items[2]
	if imp.CriterionID != "imp" || imp.Overall.NPaired != 2 || imp.Overall.Up != 1 || imp.Overall.Same != 1 {
		t.Errorf("imp: %+v", imp)
	}
	if feas.CriterionID != "feas" || !reflect.DeepEqual(feas.Values, []int{1, 2, 3}) || feas.Overall.NPaired != 1 ||
		feas.Overall.Counts[2][0] != 1 || feas.ByGroup["civ"].Down != 1 || feas.ByGroup["pol"].NPaired != 0 {
		t.Errorf("feas: %+v", feas)
	}

	// Counts only: the JSON names no expert and no pseudonym.
	b, _ := json.Marshal(tr)
	for _, a := range append(prev, cur...) {
		if a.ExpertID != "" && strings.Contains(string(b), `"`+a.ExpertID+`"`) || strings.Contains(string(b), a.Pseudonym) {
			t.Fatalf("transitions leak %q/%q: %s", a.ExpertID, a.Pseudonym, b)
		}
	}
}

func TestTransitionOffScaleValuesAreLabelled(t *testing.T) {
	def := smallDef()
	prev := []delphi.Answer{ans("r", "a", "pol", 1, pt(7))}
	cur := []delphi.Answer{ans("r", "a", "pol", 2, pt(0))}
	tr := ComputeTransitions(def, 3, def.Items()[:1], prev, cur)
	it := tr.Items[0]
	if tr.From != 2 || !reflect.DeepEqual(it.Values, []int{0, 1, 2, 3, 4, 5, 7}) || it.Overall.Counts[6][0] != 1 || it.Overall.Down != 1 {
		t.Errorf("off-scale: %+v", it)
	}
}

func TestTransitionsAgreeWithEngineStability(t *testing.T) {
	def := smallDef()
	rng := rand.New(rand.NewPCG(7, 9))
	val := func(max int) delphi.Value {
		if rng.IntN(8) == 0 {
			return delphi.Value{Abstain: true}
		}
		return pt(1 + rng.IntN(max))
	}
	round := func(n int) []delphi.Answer {
		var out []delphi.Answer
		for e := range 60 {
			if rng.IntN(6) == 0 {
				continue // skipped the round
			}
			g := []string{"pol", "civ"}[e%2]
			id := "x" + strconv.Itoa(e)
			out = append(out, ans("r", id, g, int64(n), val(5)),
				ans("m", id, g, int64(n), delphi.Value{Criteria: map[string]delphi.Value{"imp": val(5), "feas": val(3)}}))
		}
		return out
	}
	prev, cur := round(1), round(2)
	res := analysis.Compute(analysis.Input{Def: def, Round: 2, Items: def.Items(), Answers: cur, Previous: prev})
	tr := ComputeTransitions(def, 2, def.Items(), prev, cur)
	stab := []*analysis.RatingResult{res.Items[0].Rating, &res.Items[1].Criteria[0].RatingResult, &res.Items[1].Criteria[1].RatingResult}
	for i, rr := range stab {
		m := tr.Items[i].Overall
		st := rr.Stability
		if m.NPaired != st.NPaired || m.NPaired == 0 {
			t.Errorf("%d: n_paired %d, engine %d", i, m.NPaired, st.NPaired)
		}
		if changed := float64(m.Up+m.Down) / float64(m.NPaired); changed != st.ShareChanged.Value {
			t.Errorf("%d: share changed %v, engine %v", i, changed, st.ShareChanged.Value)
		}
		sum := 0
		for g, gm := range tr.Items[i].ByGroup {
			sum += gm.NPaired
			if gm.Up+gm.Same+gm.Down != gm.NPaired {
				t.Errorf("%d/%s: up+same+down %d ≠ %d", i, g, gm.Up+gm.Same+gm.Down, gm.NPaired)
			}
		}
		if sum != m.NPaired {
			t.Errorf("%d: groups sum to %d, overall %d", i, sum, m.NPaired)
		}
	}
}

func TestAnswersFillsFromResponse(t *testing.T) {
	resp := []*delphi.Response{
		{SurveyID: "s", Round: 2, ExpertID: "b", Group: "civ", Answers: map[string]delphi.Answer{"r": {Value: pt(3)}, "m": {ItemID: "m", Group: "pol"}}},
		{SurveyID: "s", Round: 2, ExpertID: "a", Group: "pol", Answers: map[string]delphi.Answer{"r": {Value: pt(4)}}},
		{SurveyID: "s", Round: 2, ExpertID: "c", Group: "pol"}, // opened, nothing saved
	}
	got := Answers(resp)
	if len(got) != 3 {
		t.Fatalf("%d answers", len(got))
	}
	// Sorted by expert, then item.
	if got[0].ExpertID != "a" || got[1].ItemID != "m" || got[2].ItemID != "r" || got[2].ExpertID != "b" {
		t.Errorf("order: %+v", got)
	}
	if got[2].Group != "civ" || got[1].Group != "pol" || got[0].SurveyID != "s" || got[0].Round != 2 || got[0].ItemID != "r" {
		t.Errorf("filled: %+v", got)
	}
	if Answers(resp[2:]) != nil {
		t.Error("no answers should give nil")
	}
}
