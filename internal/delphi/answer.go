package delphi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// AbstainValue is the JSON value of a "cannot judge" rating.
const AbstainValue = "abstain"

// Value is a typed answer to one item. Which fields are set depends on the
// item type:
//
//	rating           Point (a scale value) or Abstain           JSON: 4 or "abstain"
//	multi_rating     Criteria: criterion id → Value{Point|Abstain} JSON: {"importance": 5, "feasibility": "abstain"}
//	single_choice    Choice                                      JSON: "option-id"
//	multiple_choice  Choices                                     JSON: ["a", "b"]
//	ranking          Choices, best first (top K or all)          JSON: ["f3", "f1", "f2"]
//	ranking, ties    Choices and Places (competition ranking)    JSON: {"order": ["f3", "f1", "f2"], "places": [1, 1, 3]}
//	numeric          Number                                      JSON: 12.5
//	text             Text                                        JSON: "..."
type Value struct {
	Point    *int             `json:"point,omitempty"`
	Abstain  bool             `json:"abstain,omitempty"`
	Criteria map[string]Value `json:"criteria,omitempty"`
	Choice   string           `json:"choice,omitempty"`
	Choices  []string         `json:"choices,omitempty"`
	Number   *float64         `json:"number,omitempty"`
	Text     string           `json:"text,omitempty"`
	// Places is each entry's place of a ranking with ties (Item.Ties):
	// competition ranking, tied entries share the place of the first of
	// them and the next entry's place is its position ([1, 1, 3]). Nil
	// means no ties.
	Places []int `json:"places,omitempty"`
}

// Answer is one expert's stored answer to one item in one round. It carries
// the pseudonym and group only, never identity fields.
type Answer struct {
	SurveyID      string    `json:"survey_id"`
	Round         int       `json:"round"`
	ItemID        string    `json:"item_id"`
	ExpertID      string    `json:"expert_id"` // internal expert id
	Pseudonym     string    `json:"pseudonym"` // e.g. E-7K3M
	Group         string    `json:"group"`
	Value         Value     `json:"value"`
	Comment       string    `json:"comment,omitempty"`
	Justification string    `json:"justification,omitempty"`
	Seq           int64     `json:"seq"`
	FirstSavedAt  time.Time `json:"first_saved_at"`
	LastSavedAt   time.Time `json:"last_saved_at"`
	Revisions     int       `json:"revisions"`
	// Draft is set by the readers of a round's answers for the results
	// (store, results.Answers): the expert has not submitted the round.
	Draft bool `json:"-"`
}

// Empty reports whether v holds no answer.
func (v Value) Empty() bool {
	return v.Point == nil && !v.Abstain && len(v.Criteria) == 0 && v.Choice == "" && len(v.Choices) == 0 && v.Number == nil && v.Text == ""
}

// Rating returns the scale value of a rating (or criterion) value; ok is
// false for abstentions and empty values.
func (v Value) Rating() (float64, bool) {
	if v.Point == nil || v.Abstain {
		return 0, false
	}
	return float64(*v.Point), true
}

// MarshalFor renders v in the item's JSON form (see Value).
func (v Value) MarshalFor(it Item) json.RawMessage {
	var x any
	switch it.Type {
	case ItemRating:
		x = ratingJSON(v)
	case ItemMultiRating:
		m := map[string]any{}
		for id, cv := range v.Criteria {
			m[id] = ratingJSON(cv)
		}
		x = m
	case ItemSingleChoice:
		x = v.Choice
	case ItemMultipleChoice, ItemRanking:
		x = v.Choices
		if v.Choices == nil {
			x = []string{}
		}
		if it.Type == ItemRanking && it.Ties && v.Places != nil {
			x = tiedRanking{Order: v.Choices, Places: v.Places}
		}
	case ItemNumeric:
		x = v.Number
	case ItemText:
		x = v.Text
	}
	b, _ := json.Marshal(x)
	return b
}

func ratingJSON(v Value) any {
	if v.Abstain {
		return AbstainValue
	}
	return v.Point
}

// ParseValue decodes and validates raw, the JSON answer to item it of def.
// Errors are EINVALID with Field "value" or "value.<criterion>".
func ParseValue(def *Definition, it Item, raw json.RawMessage) (Value, error) {
	dec := func(dst any) error {
		d := json.NewDecoder(bytes.NewReader(raw))
		d.DisallowUnknownFields()
		return d.Decode(dst)
	}
	bad := func(field, format string, args ...any) (Value, error) {
		return Value{}, FieldErrorf(EINVALID, field, format, args...)
	}
	switch it.Type {
	case ItemRating:
		sc, _ := def.Scale(it.Scale)
		return parseRating(sc, raw, "value")
	case ItemMultiRating:
		var m map[string]json.RawMessage
		if err := dec(&m); err != nil || m == nil {
			return bad("value", "expected an object with one rating per criterion")
		}
		v := Value{Criteria: map[string]Value{}}
		for _, c := range it.Criteria {
			r, ok := m[c.ID]
			if !ok {
				return bad("value."+c.ID, "the rating for %q is missing", c.ID)
			}
			sc, _ := def.Scale(c.Scale)
			cv, err := parseRating(sc, r, "value."+c.ID)
			if err != nil {
				return Value{}, err
			}
			v.Criteria[c.ID] = cv
		}
		for id := range m {
			if !slices.ContainsFunc(it.Criteria, func(c Criterion) bool { return c.ID == id }) {
				return bad("value."+id, "%q is not a criterion of this item", id)
			}
		}
		return v, nil
	case ItemSingleChoice:
		var s string
		if err := dec(&s); err != nil {
			return bad("value", "expected the id of one option")
		}
		if !hasOption(it, s) {
			return bad("value", "%q is not an option of this item", s)
		}
		return Value{Choice: s}, nil
	case ItemMultipleChoice, ItemRanking:
		var list []string
		var places []int
		if it.Type == ItemRanking && it.Ties && len(bytes.TrimSpace(raw)) > 0 && bytes.TrimSpace(raw)[0] == '{' {
			var tr tiedRanking
			if err := dec(&tr); err != nil || tr.Order == nil || tr.Places == nil {
				return bad("value", `expected {"order": [option ids, best first], "places": [their places]}`)
			}
			if len(tr.Places) != len(tr.Order) {
				return bad("value", "give one place per ranked option: %d options, %d places", len(tr.Order), len(tr.Places))
			}
			if i := badPlace(tr.Places); i >= 0 {
				return bad("value", "place %d of entry %d is not possible: the first entry is at place 1, and each next one shares the place before it (a tie) or is at its position (%d)", tr.Places[i], i+1, i+1)
			}
			list, places = tr.Order, tr.Places
		} else if err := dec(&list); err != nil || list == nil {
			if it.Type == ItemRanking && it.Ties {
				return bad("value", `expected a list of option ids or {"order": [...], "places": [...]}`)
			}
			return bad("value", "expected a list of option ids")
		}
		seen := map[string]bool{}
		for _, s := range list {
			if !hasOption(it, s) {
				return bad("value", "%q is not an option of this item", s)
			}
			if seen[s] {
				return bad("value", "%q is listed twice", s)
			}
			seen[s] = true
		}
		if it.Type == ItemMultipleChoice {
			if it.MaxChoices > 0 && len(list) > it.MaxChoices {
				return bad("value", "choose at most %d options", it.MaxChoices)
			}
		} else {
			want := len(it.Options)
			if it.TopK > 0 {
				want = it.TopK
			}
			if len(list) != want {
				if it.TopK > 0 {
					return bad("value", "rank exactly %d options (top %d)", want, want)
				}
				return bad("value", "rank all %d options", want)
			}
		}
		return Value{Choices: list, Places: tiesOnly(places)}, nil
	case ItemNumeric:
		var f float64
		if err := dec(&f); err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return bad("value", "expected a number")
		}
		if n := it.Numeric; n != nil {
			if n.Min != nil && f < *n.Min {
				return bad("value", "the number must be at least %v", *n.Min)
			}
			if n.Max != nil && f > *n.Max {
				return bad("value", "the number must be at most %v", *n.Max)
			}
			if n.Integer && f != math.Trunc(f) {
				return bad("value", "the number must be whole")
			}
		}
		return Value{Number: &f}, nil
	case ItemText:
		var s string
		if err := dec(&s); err != nil {
			return bad("value", "expected a text")
		}
		limit := LongText
		if it.MaxLength > 0 && it.MaxLength < limit.Max {
			limit.Max = it.MaxLength
		}
		if err := CheckText("value", s, limit); err != nil {
			return Value{}, err
		}
		return Value{Text: strings.TrimSpace(s)}, nil
	}
	return bad("value", "unknown item type %q", it.Type)
}

func parseRating(sc Scale, raw json.RawMessage, field string) (Value, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s == AbstainValue && sc.Abstain != nil {
			return Value{Abstain: true}, nil
		}
		if s == AbstainValue {
			return Value{}, FieldErrorf(EINVALID, field, "this scale has no \"cannot judge\" option")
		}
		return Value{}, FieldErrorf(EINVALID, field, "expected a scale value or \"abstain\"")
	}
	var n json.Number
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&n); err != nil {
		return Value{}, FieldErrorf(EINVALID, field, "expected a scale value or \"abstain\"")
	}
	i, err := n.Int64()
	if err != nil || !slices.ContainsFunc(sc.Points, func(p ScalePoint) bool { return int64(p.Value) == i }) {
		return Value{}, FieldErrorf(EINVALID, field, "%s is not a point of the scale %s", n.String(), scaleRange(sc))
	}
	p := int(i)
	return Value{Point: &p}, nil
}

func scaleRange(sc Scale) string {
	if len(sc.Points) == 0 {
		return sc.ID
	}
	return fmt.Sprintf("%s (%d–%d)", sc.ID, sc.Points[0].Value, sc.Points[len(sc.Points)-1].Value)
}

func hasOption(it Item, id string) bool {
	return slices.ContainsFunc(it.Options, func(o Option) bool { return o.ID == id })
}

// tiedRanking is the JSON form of a ranking with ties.
type tiedRanking struct {
	Order  []string `json:"order"`
	Places []int    `json:"places"`
}

// badPlace returns the index of the first entry of places that breaks the
// competition ranking (places[0] = 1; each next place repeats the one
// before or equals its 1-based position), or -1.
func badPlace(places []int) int {
	for i, p := range places {
		if p != i+1 && (i == 0 || p != places[i-1]) {
			return i
		}
	}
	return -1
}

// tiesOnly returns places, or nil when it holds no tie (every place is its
// position): a ranking without ties is stored as a plain list.
func tiesOnly(places []int) []int {
	for i, p := range places {
		if p != i+1 {
			return places
		}
	}
	return nil
}

// PlaceOf returns the place of option id in a ranking (its place with
// ties, else its position), 0 when it is not ranked.
func (v Value) PlaceOf(id string) int {
	i := slices.Index(v.Choices, id)
	switch {
	case i < 0:
		return 0
	case i < len(v.Places):
		return v.Places[i]
	}
	return i + 1
}
