package survey

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zones must resolve even on hosts without zoneinfo

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// checker runs the semantic checks the schema cannot express. It works on a
// definition decoded leniently from the tree, so it also runs when the
// schema found problems; it skips values that are absent from the file,
// since the schema reports those.
type checker struct {
	t      *tree
	d      *delphi.Definition
	langs  []string                // declared languages that are valid
	scales map[string]delphi.Scale // first definition of each scale id
	vague  map[string]bool         // scale ids whose points cannot all be read
	items  map[string][]string     // item id -> path of its first definition
}

// path builds JSON pointer tokens from keys and indices.
func path(parts ...any) []string {
	tokens := make([]string, 0, len(parts))
	for _, p := range parts {
		switch p := p.(type) {
		case string:
			tokens = append(tokens, p)
		case int:
			tokens = append(tokens, strconv.Itoa(p))
		case []string:
			tokens = append(tokens, p...)
		}
	}
	return tokens
}

func (c *checker) present(tokens []string) bool {
	_, ok := c.t.value(tokens)
	return ok
}

// add reports a problem with the value at tokens.
func (c *checker) add(tokens []string, format string, args ...any) {
	c.t.add(c.t.at(tokens), c.t.field(tokens), fmt.Sprintf(format, args...))
}

// addKey reports a problem at the key of the value at tokens.
func (c *checker) addKey(tokens []string, field, format string, args ...any) {
	c.t.add(c.t.keyAt(tokens), field, fmt.Sprintf(format, args...))
}

func langName(l string) string {
	switch l {
	case delphi.LangDE:
		return "German"
	case delphi.LangEN:
		return "English"
	}
	return strconv.Quote(l)
}

// check runs every semantic check.
func (c *checker) check() {
	d := c.d
	for _, l := range d.Languages {
		if (l == delphi.LangDE || l == delphi.LangEN) && !slices.Contains(c.langs, l) {
			c.langs = append(c.langs, l)
		}
	}
	c.controls(nil, c.t.root)
	c.text(d.Title, "title")
	c.text(d.Description, "description")
	c.text(d.Privacy, "privacy")
	if tz := d.TimeZone; tz != "" {
		if _, err := time.LoadLocation(tz); err != nil || tz == "Local" {
			c.add(path("time_zone"), "unknown time zone %q; use an IANA name such as Europe/Berlin", tz)
		}
	}

	seen := map[string][]string{}
	for i, g := range d.Groups {
		c.unique("group", seen, g.ID, path("groups", i, "id"))
		c.text(g.Label, "groups", i, "label")
	}

	c.scales = map[string]delphi.Scale{}
	c.vague = map[string]bool{}
	seen = map[string][]string{}
	for i, s := range d.Scales {
		if c.unique("scale", seen, s.ID, path("scales", i, "id")) {
			c.scales[s.ID] = s
		}
		c.scale(i, s)
	}

	seen = map[string][]string{}
	c.items = map[string][]string{}
	var rated []string // ids of the defined scales that rated items use
	use := func(id string) {
		if _, ok := c.scales[id]; ok && !slices.Contains(rated, id) {
			rated = append(rated, id)
		}
	}
	for i, sec := range d.Sections {
		c.unique("section", seen, sec.ID, path("sections", i, "id"))
		c.text(sec.Title, "sections", i, "title")
		c.text(sec.Description, "sections", i, "description")
		for j, it := range sec.Items {
			p := path("sections", i, "items", j)
			c.item(p, it)
			switch it.Type {
			case delphi.ItemRating:
				use(it.Scale)
			case delphi.ItemMultiRating:
				for _, cr := range it.Criteria {
					use(cr.Scale)
				}
			}
		}
	}

	c.ruleHints(path("consensus"))
	c.rule(path("consensus"), d.Consensus, rated)
	c.ruleSets(rated)

	if d.Realtime() && d.Rounds.Planned > 1 {
		c.add(path("rounds", "planned"), "a real-time study (mode: realtime) has one continuous round; set rounds.planned to 1, not %d", d.Rounds.Planned)
	}

	if d.Rounds.CarryOver.Mode == delphi.CarryChosen {
		ids := make([]string, 0, len(c.items))
		for id := range c.items {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for i, id := range d.Rounds.CarryOver.Items {
			if _, ok := c.items[id]; !ok && id != "" {
				msg := fmt.Sprintf("carry-over item %q does not exist", id)
				if s := suggest(id, ids); s != "" {
					msg += fmt.Sprintf("; did you mean %q?", s)
				}
				c.add(path("rounds", "carry_over", "items", i), "%s", msg)
			}
		}
	}
	c.argumentRules()
}

// unique reports a duplicate id and says whether id is new.
func (c *checker) unique(what string, seen map[string][]string, id string, tokens []string) bool {
	if id == "" {
		return false
	}
	if first, dup := seen[id]; dup {
		c.add(tokens, "duplicate %s id %q (first used at line %d)", what, id, c.t.at(first).line)
		return false
	}
	seen[id] = tokens
	return true
}

// text checks that a text has a non-empty entry for every declared
// language and none for an undeclared one.
// controls reports every string value of the file that holds a control
// character (a JSON "\u0000" or a YAML "\0" escape), as every stored text
// is checked (delphi.CheckText); the schema reports lengths.
func (c *checker) controls(tokens []string, v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			c.controls(path(tokens, k), x)
		}
	case []any:
		for i, x := range v {
			c.controls(path(tokens, i), x)
		}
	case string:
		if err := delphi.CheckText(c.t.field(tokens), v, delphi.StudyText); err != nil && !errors.Is(err, delphi.ErrTextTooLong) {
			c.add(tokens, "%s", delphi.AsError(err).Message)
		}
	}
}

func (c *checker) text(t delphi.Text, parts ...any) {
	tokens := path(parts...)
	if t == nil || !c.present(tokens) {
		return
	}
	field := c.t.field(tokens)
	langs := make([]string, 0, len(t))
	for l := range t {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	for _, l := range langs {
		if l != delphi.LangDE && l != delphi.LangEN {
			msg := fmt.Sprintf("unknown language %q; expected de or en", l)
			if len(l) > 3 {
				// Most likely "{de: a, b, en: c}": the comma ended the text.
				msg += ` (a comma inside {...} ends the text: put the text in quotes)`
			}
			c.addKey(path(tokens, l), field+"."+l, "%s", msg)
			c.t.bad[pointer(path(tokens, l))] = true
		}
	}
	if len(c.langs) == 0 {
		return
	}
	for _, l := range c.langs {
		s, ok := t[l]
		if v, present := c.t.value(path(tokens, l)); present {
			if _, isStr := v.(string); !isStr {
				continue // the schema reports the type
			}
		}
		switch {
		case !ok:
			c.addKey(tokens, field+"."+l, "missing %s text", langName(l))
		case strings.TrimSpace(s) == "":
			c.add(path(tokens, l), "%s text is empty", langName(l))
		}
	}
	for _, l := range []string{delphi.LangDE, delphi.LangEN} {
		if _, ok := t[l]; ok && !slices.Contains(c.langs, l) {
			c.addKey(path(tokens, l), field+"."+l, "text in %s, which is not a declared language (languages: %s)", langName(l), strings.Join(c.langs, ", "))
		}
	}
}

func (c *checker) scale(i int, s delphi.Scale) {
	p := path("scales", i)
	if !c.points(i) {
		// Points that cannot be read must not be reported as, say,
		// "points 0, 0, 0" by the band checks.
		c.vague[s.ID] = true
	}
	list, isList := c.t.value(path(p, "points"))
	entries, _ := list.([]any)
	readable := func(j int) bool {
		if !isList || j >= len(entries) {
			return false
		}
		_, ok := pointValue(entries[j])
		return ok
	}
	for j, pt := range s.Points {
		c.text(pt.Label, p, "points", j, "label")
		if j > 0 && readable(j) && readable(j-1) && pt.Value <= s.Points[j-1].Value {
			tokens := path(p, "points", j)
			if c.present(path(tokens, "value")) {
				tokens = path(tokens, "value")
			}
			c.add(tokens, "scale points must be in ascending order of value; %d follows %d", pt.Value, s.Points[j-1].Value)
		}
	}
	if s.Abstain != nil {
		c.text(s.Abstain.Label, p, "abstain", "label")
	}
	agree := c.band(path(p, "agreement"), "agreement band", s.Agreement, s)
	if s.Disagreement != nil {
		disagree := c.band(path(p, "disagreement"), "disagreement band", *s.Disagreement, s)
		if agree && disagree && overlap(s.Agreement, *s.Disagreement) {
			c.add(path(p, "disagreement"), "disagreement band %s overlaps agreement band %s", bandString(*s.Disagreement), bandString(s.Agreement))
		}
	}
}

// band checks that a band is ordered and names points of scale s, and says
// whether it is complete and valid.
func (c *checker) band(tokens []string, what string, b delphi.Band, s delphi.Scale) bool {
	okMin, okMax := c.present(path(tokens, "min")), c.present(path(tokens, "max"))
	valid := okMin && okMax
	for _, e := range []struct {
		key string
		ok  bool
		v   int
	}{{"min", okMin, b.Min}, {"max", okMax, b.Max}} {
		if e.ok && len(s.Points) > 0 && !c.vague[s.ID] && !isPoint(s, e.v) {
			c.add(path(tokens, e.key), "%s %s %d is not a point of scale %q (%s)", what, e.key, e.v, s.ID, pointsString(s))
			valid = false
		}
	}
	if okMin && okMax && b.Min > b.Max {
		c.add(path(tokens, "min"), "%s min %d is greater than its max %d", what, b.Min, b.Max)
		valid = false
	}
	return valid
}

func isPoint(s delphi.Scale, v int) bool {
	for _, p := range s.Points {
		if p.Value == v {
			return true
		}
	}
	return false
}

func overlap(a, b delphi.Band) bool { return a.Min <= b.Max && b.Min <= a.Max }

func bandString(b delphi.Band) string {
	if b.Min == b.Max {
		return strconv.Itoa(b.Min)
	}
	return fmt.Sprintf("%d–%d", b.Min, b.Max)
}

// pointsString describes the points of a scale: "points 1–5" when they are
// consecutive, else "points 1, 3, 5".
func pointsString(s delphi.Scale) string {
	vals := make([]int, len(s.Points))
	for i, p := range s.Points {
		vals[i] = p.Value
	}
	return valuesString(vals)
}

func (c *checker) scaleRef(tokens []string, id string) {
	if id == "" || !c.present(tokens) {
		return
	}
	if _, ok := c.scales[id]; ok {
		return
	}
	if len(c.d.Scales) == 0 {
		c.add(tokens, "scale %q is not defined; no scales are defined", id)
		return
	}
	ids := make([]string, 0, len(c.d.Scales))
	for _, s := range c.d.Scales {
		ids = append(ids, s.ID)
	}
	c.add(tokens, "scale %q is not defined; defined scales: %s", id, strings.Join(ids, ", "))
}

func (c *checker) item(p []string, it delphi.Item) {
	if it.ID != "" {
		if first, dup := c.items[it.ID]; dup {
			c.add(path(p, "id"), "duplicate item id %q (first used at line %d)", it.ID, c.t.at(first).line)
		} else {
			c.items[it.ID] = path(p, "id")
		}
	}
	c.text(it.Text, p, "text")
	c.text(it.Help, p, "help")
	if it.Type == delphi.ItemRating {
		c.scaleRef(path(p, "scale"), it.Scale)
	}
	seen := map[string][]string{}
	for k, cr := range it.Criteria {
		c.unique("criterion", seen, cr.ID, path(p, "criteria", k, "id"))
		c.text(cr.Label, p, "criteria", k, "label")
		c.scaleRef(path(p, "criteria", k, "scale"), cr.Scale)
	}
	seen = map[string][]string{}
	for k, o := range it.Options {
		c.unique("option", seen, o.ID, path(p, "options", k, "id"))
		c.text(o.Label, p, "options", k, "label")
	}
	n := len(it.Options)
	switch it.Type {
	case delphi.ItemMultipleChoice:
		if it.MaxChoices > n && n >= 2 {
			c.add(path(p, "max_choices"), "max_choices %d exceeds the number of options (%d)", it.MaxChoices, n)
		}
	case delphi.ItemRanking:
		if it.TopK >= n && n >= 2 {
			c.add(path(p, "top_k"), "top_k must be less than the number of options (%d); got %d (omit top_k for a full ranking)", n, it.TopK)
		}
	case delphi.ItemNumeric:
		if num := it.Numeric; num != nil {
			c.text(num.Unit, p, "numeric", "unit")
			if num.Min != nil && num.Max != nil && *num.Min >= *num.Max {
				c.add(path(p, "numeric", "min"), "numeric min %s must be less than max %s", formatFloat(*num.Min), formatFloat(*num.Max))
			}
		}
	}
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// rule checks a consensus rule against the scales that rated items use.
func (c *checker) rule(p []string, r delphi.Rule, rated []string) {
	for i, sub := range r.All {
		c.rule(path(p, "all", i), sub, rated)
	}
	for i, sub := range r.Any {
		c.rule(path(p, "any", i), sub, rated)
	}
	if r.COMET == nil || !c.present(path(p, "comet")) {
		return
	}
	cp := path(p, "comet")
	valid := true
	for _, bp := range []struct {
		key  string
		band delphi.Band
	}{{"in_band", r.COMET.InBand}, {"out_band", r.COMET.OutBand}} {
		tokens := path(cp, bp.key)
		if !c.present(tokens) {
			valid = false
			continue
		}
		for _, id := range rated {
			if !c.band(tokens, "COMET "+bp.key, bp.band, c.scales[id]) {
				valid = false
			}
		}
		if len(rated) == 0 {
			// No rated item yet: at least the band must be ordered.
			if !c.band(tokens, "COMET "+bp.key, bp.band, delphi.Scale{}) {
				valid = false
			}
		}
	}
	if valid && overlap(r.COMET.InBand, r.COMET.OutBand) {
		c.add(path(cp, "out_band"), "COMET out_band %s overlaps in_band %s", bandString(r.COMET.OutBand), bandString(r.COMET.InBand))
	}
}
