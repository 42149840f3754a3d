package export

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// varKind says how a raw-data variable codes its item's answer.
type varKind uint8

const (
	varRating varKind = iota // the scale point; AbstainCode for "cannot judge"
	varChoice                // single_choice: the option's code (1-based)
	varFlag                  // multiple_choice: 1 chosen, 0 not chosen
	varRank                  // ranking: the rank (1 = best), 0 not ranked (top k)
	varNumber                // numeric: the number
)

// variable is one column of the raw data (wide) and one variable of the
// long formats.
type variable struct {
	name    string
	itemID  string
	part    string // criterion id (multi_rating) or option id (multiple_choice, ranking)
	kind    varKind
	item    delphi.Item // the latest version asked
	rounds  []int       // the exported rounds that asked the item
	options []string    // varChoice: option ids in code order
}

// keyColumns are the raw data's first columns.
var keyColumns = []string{"pseudonym", "group", "round", "submitted"}

// setVariables builds the raw-data variables from the items of the
// exported rounds (or of the definition when no round is exported), in the
// definition's order, then the others in order of appearance. Criteria and
// options are the union over the rounds. Text items get no variable: free
// text is never linked to a pseudonym.
func (s *study) setVariables() {
	type entry struct {
		item   delphi.Item
		rounds []int
		parts  []string
		order  int
	}
	pos := map[string]int{}
	for _, it := range s.def.Items() {
		if _, ok := pos[it.ID]; !ok {
			pos[it.ID] = len(pos)
		}
	}
	entries := map[string]*entry{}
	var ids []string
	add := func(it delphi.Item, round int) {
		e := entries[it.ID]
		if e == nil {
			order, ok := pos[it.ID]
			if !ok {
				order = len(pos) + len(ids)
			}
			e = &entry{order: order}
			entries[it.ID] = e
			ids = append(ids, it.ID)
		}
		e.item = it // the latest version wins
		if round > 0 {
			e.rounds = append(e.rounds, round)
		}
		switch it.Type {
		case delphi.ItemMultiRating:
			for _, c := range it.Criteria {
				if !slices.Contains(e.parts, c.ID) {
					e.parts = append(e.parts, c.ID)
				}
			}
		case delphi.ItemSingleChoice, delphi.ItemMultipleChoice, delphi.ItemRanking:
			for _, o := range it.Options {
				if !slices.Contains(e.parts, o.ID) {
					e.parts = append(e.parts, o.ID)
				}
			}
		}
	}
	if len(s.rounds) == 0 {
		for _, it := range s.def.Items() {
			add(it, 0)
		}
	}
	for _, r := range s.rounds {
		for _, ri := range r.Items {
			add(ri.Item, r.Number)
		}
	}
	slices.SortStableFunc(ids, func(a, b string) int { return entries[a].order - entries[b].order })

	taken := map[string]bool{}
	for _, k := range keyColumns {
		taken[k] = true
	}
	s.byItem = map[string][]int{}
	for _, id := range ids {
		e := entries[id]
		v := variable{itemID: id, item: e.item, rounds: e.rounds}
		var parts []string
		switch e.item.Type {
		case delphi.ItemRating:
			v.kind, parts = varRating, []string{""}
		case delphi.ItemMultiRating:
			v.kind, parts = varRating, e.parts
		case delphi.ItemSingleChoice:
			v.kind, parts, v.options = varChoice, []string{""}, e.parts
		case delphi.ItemMultipleChoice:
			v.kind, parts = varFlag, e.parts
		case delphi.ItemRanking:
			v.kind, parts = varRank, e.parts
		case delphi.ItemNumeric:
			v.kind, parts = varNumber, []string{""}
		default: // text: see the comments sheet
			s.texts = append(s.texts, v)
			continue
		}
		for _, p := range parts {
			v.part = p
			v.name = uniqueName(varName(id, p), taken)
			s.byItem[id] = append(s.byItem[id], len(s.vars))
			s.vars = append(s.vars, v)
		}
	}
	// Per round, the variables of each item, aligned with its Items.
	for i := range s.rounds {
		r := &s.rounds[i]
		r.vars = make([][]int, len(r.Items))
		for j, it := range r.Items {
			r.vars[j] = s.byItem[it.Item.ID]
		}
	}
}

var nonNameChars = regexp.MustCompile(`[^A-Za-z0-9_]`)

// varName builds a name R, SPSS, Stata and pandas accept: the item id and
// the part joined by "_", other characters than letters, digits and "_"
// replaced by "_", prefixed with "v" unless it starts with a letter, at most
// 64 characters.
func varName(item, part string) string {
	n := item
	if part != "" {
		n += "_" + part
	}
	n = nonNameChars.ReplaceAllString(n, "_")
	if c := n[0]; !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
		n = "v" + n
	}
	if len(n) > 64 {
		n = n[:64]
	}
	return n
}

// uniqueName appends _2, _3, … until n is not taken (case-insensitively).
func uniqueName(n string, taken map[string]bool) string {
	name := n
	for i := 2; taken[strings.ToLower(name)]; i++ {
		suffix := "_" + strconv.Itoa(i)
		name = n[:min(len(n), 64-len(suffix))] + suffix
	}
	taken[strings.ToLower(name)] = true
	return name
}

// value is one coded answer: missing (not asked or not answered), a number,
// or an abstention.
type value struct {
	state uint8 // valMissing, valNumber, valAbstain
	x     float64
}

const (
	valMissing uint8 = iota
	valNumber
	valAbstain
)

// fill codes resp's answers into vals (one per variable; reset first) and
// reports whether resp answered any item of round ri.
func (s *study) fill(vals []value, resp *delphi.Response, ri int) bool {
	clear(vals)
	answered := false
	r := &s.rounds[ri]
	for i, it := range r.Items {
		a, ok := resp.Answers[it.Item.ID]
		if !ok || a.Value.Empty() {
			continue
		}
		answered = true
		for _, vi := range r.vars[i] {
			vals[vi] = s.vars[vi].code(a.Value)
		}
	}
	return answered
}

// code codes one answer for variable v.
func (v *variable) code(val delphi.Value) value {
	num := func(x float64) value { return value{state: valNumber, x: x} }
	switch v.kind {
	case varRating:
		if v.part != "" {
			val = val.Criteria[v.part]
		}
		if val.Abstain {
			return value{state: valAbstain, x: AbstainCode}
		}
		if val.Point != nil {
			return num(float64(*val.Point))
		}
	case varChoice:
		if i := slices.Index(v.options, val.Choice); i >= 0 && val.Choice != "" {
			return num(float64(i + 1))
		}
	case varFlag:
		if len(val.Choices) > 0 {
			if slices.Contains(val.Choices, v.part) {
				return num(1)
			}
			return num(0)
		}
	case varRank:
		if len(val.Choices) > 0 {
			return num(float64(val.PlaceOf(v.part))) // 0: not ranked; tied options share a place
		}
	case varNumber:
		if val.Number != nil && !math.IsNaN(*val.Number) && !math.IsInf(*val.Number, 0) {
			return num(*val.Number)
		}
	}
	return value{}
}

// codeLabel is one value of a variable with its label in both languages.
type codeLabel struct {
	Value float64     `json:"value"`
	Label delphi.Text `json:"label"`
}

// codes lists the values of v and their labels.
func (s *study) codes(v *variable) []codeLabel {
	both := func(de, en string) delphi.Text { return delphi.Text{delphi.LangDE: de, delphi.LangEN: en} }
	switch v.kind {
	case varRating:
		sc, ok := s.scaleOf(v.item, v.part)
		if !ok {
			return nil
		}
		out := make([]codeLabel, 0, len(sc.Points)+1)
		for _, p := range sc.Points {
			label := p.Label
			if len(label) == 0 { // a point without a label is its number
				n := strconv.Itoa(p.Value)
				label = both(n, n)
			}
			out = append(out, codeLabel{float64(p.Value), label})
		}
		if sc.Abstain != nil {
			out = append(out, codeLabel{AbstainCode, sc.Abstain.Label})
		}
		return out
	case varChoice:
		out := make([]codeLabel, 0, len(v.options))
		for i, id := range v.options {
			out = append(out, codeLabel{float64(i + 1), optionText(v.item, id)})
		}
		return out
	case varFlag:
		return []codeLabel{{1, both("gewählt", "chosen")}, {0, both("nicht gewählt", "not chosen")}}
	case varRank:
		n := len(v.item.Options)
		if v.item.TopK > 0 {
			n = v.item.TopK
		}
		out := make([]codeLabel, 0, n+1)
		for r := 1; r <= n; r++ {
			out = append(out, codeLabel{float64(r), both("Rang "+strconv.Itoa(r), "rank "+strconv.Itoa(r))})
		}
		if v.item.TopK > 0 {
			out = append(out, codeLabel{0, both("nicht unter den ersten "+strconv.Itoa(v.item.TopK), "not in the top "+strconv.Itoa(v.item.TopK))})
		}
		return out
	}
	return nil
}

func optionText(it delphi.Item, id string) delphi.Text {
	for _, o := range it.Options {
		if o.ID == id {
			return o.Label
		}
	}
	return delphi.Text{delphi.LangDE: id, delphi.LangEN: id}
}

// partLabel returns the criterion's or option's label in both languages.
func (v *variable) partLabel() delphi.Text {
	if v.part == "" {
		return nil
	}
	for _, c := range v.item.Criteria {
		if c.ID == v.part {
			return c.Label
		}
	}
	return optionText(v.item, v.part)
}

// codesText renders codes as "1 = …; 2 = …" in lang; numeric variables
// describe their unit and bounds.
func (s *study) codesText(v *variable, lang string) string {
	if v.kind == varNumber {
		var parts []string
		if n := v.item.Numeric; n != nil {
			if u := n.Unit.Get(lang); u != "" {
				parts = append(parts, pick(lang, "Einheit: ", "unit: ")+u)
			}
			if n.Min != nil {
				parts = append(parts, "min "+strconv.FormatFloat(*n.Min, 'g', -1, 64))
			}
			if n.Max != nil {
				parts = append(parts, "max "+strconv.FormatFloat(*n.Max, 'g', -1, 64))
			}
			if n.Integer {
				parts = append(parts, pick(lang, "ganzzahlig", "whole numbers"))
			}
		}
		return pick(lang, "Zahl", "number") + optionalList(parts)
	}
	cl := s.codes(v)
	parts := make([]string, len(cl))
	for i, c := range cl {
		parts[i] = strconv.FormatFloat(c.Value, 'g', -1, 64)
		if l := c.Label.Get(lang); l != parts[i] { // an unlabelled point: just its number
			parts[i] += " = " + l
		}
	}
	return strings.Join(parts, "; ")
}

func optionalList(parts []string) string {
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func pick(lang, de, en string) string {
	if lang == delphi.LangDE {
		return de
	}
	return en
}

// roundsText lists round numbers: "1, 2, 3".
func roundsText(rounds []int) string {
	parts := make([]string, len(rounds))
	for i, r := range rounds {
		parts[i] = strconv.Itoa(r)
	}
	return strings.Join(parts, ", ")
}
