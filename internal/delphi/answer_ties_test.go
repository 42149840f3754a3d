package delphi

import (
	"encoding/json"
	"slices"
	"testing"
)

func tiesDefinition() *Definition {
	opts := []Option{{ID: "a"}, {ID: "b"}, {ID: "c"}, {ID: "d"}}
	return &Definition{Sections: []Section{{ID: "s", Items: []Item{
		{ID: "tie", Type: ItemRanking, Options: opts, Ties: true},
		{ID: "tie2", Type: ItemRanking, Options: opts, Ties: true, TopK: 2},
		{ID: "strict", Type: ItemRanking, Options: opts},
	}}}}
}

// TestParseTiedRanking: a ranking with ties is {"order", "places"} with
// places in competition ranking; anything else is refused with a message
// that says what is wrong.
func TestParseTiedRanking(t *testing.T) {
	def := tiesDefinition()
	cases := []struct {
		item, raw string
		msg       string // "" = valid
		choices   []string
		places    []int
	}{
		{"tie", `{"order":["b","a","d","c"],"places":[1,1,3,4]}`, "", []string{"b", "a", "d", "c"}, []int{1, 1, 3, 4}},
		{"tie", `{"order":["b","a","d","c"],"places":[1,1,1,1]}`, "", []string{"b", "a", "d", "c"}, []int{1, 1, 1, 1}},
		{"tie", `{"order":["b","a","d","c"],"places":[1,2,3,4]}`, "", []string{"b", "a", "d", "c"}, nil}, // no tie: stored plainly
		{"tie", `["b","a","d","c"]`, "", []string{"b", "a", "d", "c"}, nil},
		{"tie2", `{"order":["c","a"],"places":[1,1]}`, "", []string{"c", "a"}, []int{1, 1}},
		{"tie", `{"order":["b","a","d","c"],"places":[1,1,2,3]}`, "place 2 of entry 3 is not possible: the first entry is at place 1, and each next one shares the place before it (a tie) or is at its position (3)", nil, nil},
		{"tie", `{"order":["b","a","d","c"],"places":[0,2,3,4]}`, "place 0 of entry 1 is not possible: the first entry is at place 1, and each next one shares the place before it (a tie) or is at its position (1)", nil, nil},
		{"tie", `{"order":["b","a","d","c"],"places":[1,3,3,4]}`, "place 3 of entry 2 is not possible: the first entry is at place 1, and each next one shares the place before it (a tie) or is at its position (2)", nil, nil},
		{"tie", `{"order":["b","a","d","c"],"places":[1,1,3]}`, "give one place per ranked option: 4 options, 3 places", nil, nil},
		{"tie", `{"order":["b","a","d"],"places":[1,1,3]}`, "rank all 4 options", nil, nil},
		{"tie", `{"order":["b","b","d","c"],"places":[1,1,3,4]}`, `"b" is listed twice`, nil, nil},
		{"tie", `{"order":["b","a","d","c"]}`, `expected {"order": [option ids, best first], "places": [their places]}`, nil, nil},
		{"tie", `{"order":["b","a","d","c"],"places":[1,1,3,4],"x":1}`, `expected {"order": [option ids, best first], "places": [their places]}`, nil, nil},
		{"tie", `"a"`, `expected a list of option ids or {"order": [...], "places": [...]}`, nil, nil},
		{"strict", `{"order":["b","a","d","c"],"places":[1,1,3,4]}`, "expected a list of option ids", nil, nil},
	}
	for _, c := range cases {
		it, _ := def.Item(c.item)
		v, err := ParseValue(def, it, json.RawMessage(c.raw))
		if c.msg != "" {
			e := AsError(err)
			if err == nil || e.Code != EINVALID || e.Field != "value" || e.Message != c.msg {
				t.Errorf("%s %s: got %v, want EINVALID on value: %s", c.item, c.raw, err, c.msg)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %s: %v", c.item, c.raw, err)
			continue
		}
		if !slices.Equal(v.Choices, c.choices) || !slices.Equal(v.Places, c.places) || (c.places == nil) != (v.Places == nil) {
			t.Errorf("%s %s: %+v", c.item, c.raw, v)
		}
		// The answer renders back in the form it was given (a tie-free
		// ranking as a plain list).
		want := c.raw
		if c.places == nil {
			b, _ := json.Marshal(c.choices)
			want = string(b)
		}
		if got := string(v.MarshalFor(it)); got != want {
			t.Errorf("%s: MarshalFor = %s, want %s", c.item, got, want)
		}
	}
}

func TestPlaceOf(t *testing.T) {
	v := Value{Choices: []string{"b", "a", "d"}, Places: []int{1, 1, 3}}
	for id, want := range map[string]int{"b": 1, "a": 1, "d": 3, "c": 0} {
		if got := v.PlaceOf(id); got != want {
			t.Errorf("PlaceOf(%s) = %d, want %d", id, got, want)
		}
	}
	if got := (Value{Choices: []string{"b", "a"}}).PlaceOf("a"); got != 2 {
		t.Errorf("without ties: %d", got)
	}
}

// TestCheckItemTies: a coordinator's new round item may allow ties only on
// a ranking.
func TestCheckItemTies(t *testing.T) {
	def := &Definition{Languages: []string{LangDE}}
	opts := []Option{{ID: "a", Label: Text{"de": "A"}}, {ID: "b", Label: Text{"de": "B"}}}
	if err := def.CheckItem("item.", Item{ID: "k", Type: ItemRanking, Text: Text{"de": "Rang"}, Options: opts, Ties: true}); err != nil {
		t.Errorf("ranking with ties: %v", err)
	}
	err := def.CheckItem("item.", Item{ID: "c", Type: ItemMultipleChoice, Text: Text{"de": "Wahl"}, Options: opts, Ties: true})
	if e := AsError(err); err == nil || e.Field != "item.ties" || e.Message != "ties applies to ranking items only" {
		t.Errorf("choice with ties: %v", err)
	}
}
