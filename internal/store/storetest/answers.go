package storetest

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/store"
)

// answerTests cover how answers are stored and read back.
var answerTests = []struct {
	name string
	fn   func(t *testing.T, s *store.Store)
}{
	{"AnswerValuesRoundTrip", testAnswerValues},
	{"ListAnswersRoundsMatchesResponses", testListAnswersRounds},
}

// answerValues is one value of every kind, and text that needs escaping.
func answerValues() map[string]delphi.Value {
	n, zero := -2.5, 0
	return map[string]delphi.Value{
		"point":    point(4),
		"zero":     {Point: &zero},
		"abstain":  {Abstain: true},
		"criteria": {Criteria: map[string]delphi.Value{"a": point(1), "b": {Abstain: true}, "c's \"q\"": point(9)}},
		"choice":   {Choice: `l'option "A" \ <b>`},
		"choices":  {Choices: []string{"x", "y'", `z"`}},
		"number":   {Number: &n},
		"text":     {Text: "Zeile 1\nZeile 2 – „zitiert“ 'so' \"so\" \\ \t\x01 🙂"},
		"mixed":    {Point: point(2).Point, Abstain: true, Choices: []string{"m"}},
		"tied":     {Choices: []string{"b", "a'", "c"}, Places: []int{1, 1, 3}}, // a ranking with ties
	}
}

func testAnswerValues(t *testing.T, s *store.Store) {
	ctx := t.Context()
	at := time.Date(2026, 11, 26, 10, 0, 0, 123e6, time.UTC)
	seq := int64(0)
	for id, v := range answerValues() {
		seq++
		a := &delphi.Answer{SurveyID: "s1", Round: 1, ExpertID: "e1", Pseudonym: "E-1", Group: "g", ItemID: id, Value: v, Seq: seq,
			Comment: "Kommentar zu '" + id + "'", Justification: `weil "` + id + `"`}
		if _, ok, err := s.SaveAnswer(ctx, a, at); err != nil || !ok {
			t.Fatalf("save %s: %v %v", id, ok, err)
		}
	}
	r, err := s.Response(ctx, "s1", 1, "e1")
	must(t, err)
	for id, v := range answerValues() {
		got := r.Answers[id]
		if !reflect.DeepEqual(got.Value, v) || got.Comment != "Kommentar zu '"+id+"'" || got.Justification != `weil "`+id+`"` ||
			!got.FirstSavedAt.Equal(at) || !got.LastSavedAt.Equal(at) {
			t.Errorf("%s: read back %+v, saved %+v", id, got, v)
		}
	}
	// Saving the same value again is not a revision; another value is.
	for id, v := range answerValues() {
		seq++
		a := &delphi.Answer{SurveyID: "s1", Round: 1, ExpertID: "e1", Pseudonym: "E-1", Group: "g", ItemID: id, Value: v, Seq: seq,
			Comment: "Kommentar zu '" + id + "'", Justification: `weil "` + id + `"`}
		got, ok, err := s.SaveAnswer(ctx, a, at.Add(time.Minute))
		if err != nil || !ok || got.Revisions != 0 || !got.LastSavedAt.Equal(at.Add(time.Minute)) {
			t.Fatalf("same %s again: %+v %v %v", id, got, ok, err)
		}
		a.Seq++
		seq++
		a.Value = point(7)
		if id == "point" {
			a.Value = point(5)
		}
		if got, _, err = s.SaveAnswer(ctx, a, at.Add(time.Minute)); err != nil || got.Revisions != 1 {
			t.Fatalf("changed %s: %+v %v", id, got, err)
		}
	}
}

// ListAnswersRounds gives what flattening ListResponsesRounds gives: the
// answers ordered by expert id, then item id.
func testListAnswersRounds(t *testing.T, s *store.Store) {
	ctx := t.Context()
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	values := answerValues()
	items := slices.Sorted(func(yield func(string) bool) {
		for id := range values {
			if !yield(id) {
				return
			}
		}
	})
	for _, e := range []string{"e10", "e2", "e1", "e3"} {
		for round := 1; round <= 3; round++ {
			for i, id := range items {
				if (i+len(e)+round)%3 == 0 {
					continue // not every expert answers every item
				}
				a := &delphi.Answer{SurveyID: "s1", Round: round, ExpertID: e, Pseudonym: "P-" + e, Group: "g" + e, ItemID: id,
					Value: values[id], Seq: int64(i + 1), Comment: fmt.Sprint(round), FirstSavedAt: at}
				if _, _, err := s.SaveAnswer(ctx, a, at.Add(time.Duration(i)*time.Second)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	// An expert who opened round 2 without answering, and another study.
	_, err := s.TouchResponse(ctx, &delphi.Response{SurveyID: "s1", Round: 2, ExpertID: "e0", Pseudonym: "P-e0"}, at)
	must(t, err)
	_, _, err = s.SaveAnswer(ctx, &delphi.Answer{SurveyID: "s2", Round: 2, ExpertID: "e1", ItemID: "point", Value: point(1), Seq: 1}, at)
	must(t, err)

	responses, err := s.ListResponsesRounds(ctx, "s1", 3, 2, 9)
	must(t, err)
	flat, err := s.ListAnswersRounds(ctx, "s1", 3, 2, 9)
	must(t, err)
	if len(flat) != 3 || flat[9] == nil || len(flat[9]) != 0 {
		t.Fatalf("rounds = %v", flat)
	}
	for _, n := range []int{2, 3} {
		var want []delphi.Answer
		rs := slices.Clone(responses[n])
		slices.SortFunc(rs, func(a, b *delphi.Response) int { return cmp.Compare(a.ExpertID, b.ExpertID) })
		for _, r := range rs {
			for _, id := range slices.Sorted(func(yield func(string) bool) {
				for id := range r.Answers {
					if !yield(id) {
						return
					}
				}
			}) {
				want = append(want, r.Answers[id])
			}
		}
		if len(want) == 0 || !reflect.DeepEqual(flat[n], want) {
			t.Fatalf("round %d: ListAnswersRounds\n%+v\nwant\n%+v", n, flat[n], want)
		}
		for _, a := range flat[n] {
			if a.SurveyID != "s1" || a.Round != n || a.Pseudonym != "P-"+a.ExpertID || a.Group != "g"+a.ExpertID || a.ItemID == "" {
				t.Fatalf("answer without its context: %+v", a)
			}
		}
	}
}
