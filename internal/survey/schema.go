package survey

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/expertenrunde/expertenrunde/surveys"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// schemaURL is the $id of surveys/schema.json.
const schemaURL = "https://github.com/expertenrunde/expertenrunde/raw/main/surveys/schema.json"

type compiledSchema struct {
	schema *jsonschema.Schema
	raw    any // the schema document, to look up allowed keys
}

// loadSchema compiles the embedded schema once.
var loadSchema = sync.OnceValues(func() (*compiledSchema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(surveys.Schema))
	if err != nil {
		return nil, fmt.Errorf("surveys/schema.json: %w", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, fmt.Errorf("surveys/schema.json: %w", err)
	}
	sch, err := c.Compile(schemaURL)
	if err != nil {
		return nil, fmt.Errorf("surveys/schema.json: %w", err)
	}
	return &compiledSchema{schema: sch, raw: doc}, nil
})

// validateSchema validates the tree against the schema. The returned report
// adds one problem per violation to the tree.
func validateSchema(t *tree) (report func(), err error) {
	cs, err := loadSchema()
	if err != nil {
		return nil, err
	}
	err = cs.schema.Validate(t.root)
	if err == nil {
		return func() {}, nil
	}
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		return nil, err
	}
	tr := translator{t: t, raw: cs.raw, forbidden: map[string]bool{}, suggested: map[string]bool{}}
	return func() {
		tr.collectForbidden(verr)
		tr.walk(verr)
	}, nil
}

type translator struct {
	t         *tree
	raw       any
	forbidden map[string]bool // keys that do not apply where they are
	suggested map[string]bool // missing keys that an unknown key probably misspells
}

// collectForbidden notes the keys reported as not applicable, so that
// problems within their values are not reported as well.
func (tr *translator) collectForbidden(e *jsonschema.ValidationError) {
	switch k := e.ErrorKind.(type) {
	case *kind.FalseSchema:
		tr.forbidden[pointer(e.InstanceLocation)] = true
	case *kind.AdditionalProperties:
		// "titel" suggests "title": its absence need not be reported too.
		allowed := tr.allowedKeys(e.SchemaURL)
		for _, p := range k.Properties {
			if s := suggestKey(p, allowed); s != "" {
				tr.suggested[pointer(child(e.InstanceLocation, s))] = true
			}
		}
	}
	for _, c := range e.Causes {
		tr.collectForbidden(c)
	}
}

// muted reports whether problems at path are better explained elsewhere.
func (tr *translator) muted(path []string, self bool) bool {
	for n := len(path); n >= 0; n-- {
		p := pointer(path[:n])
		if tr.t.bad[p] || (tr.forbidden[p] && (n < len(path) || !self)) {
			return true
		}
	}
	return false
}

// fragment returns the JSON pointer part of a schema location.
func fragment(url string) string {
	_, frag, _ := strings.Cut(url, "#")
	return frag
}

// schemaAt returns the schema object at a location within the schema.
func (tr *translator) schemaAt(url string) map[string]any {
	v := tr.raw
	frag := fragment(url)
	if frag != "" {
		for _, tok := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
			tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
			switch c := v.(type) {
			case map[string]any:
				v = c[tok]
			case []any:
				i, err := strconv.Atoi(tok)
				if err != nil || i < 0 || i >= len(c) {
					return nil
				}
				v = c[i]
			default:
				return nil
			}
		}
	}
	m, _ := v.(map[string]any)
	return m
}

func child(path []string, tok string) []string {
	return append(path[:len(path):len(path)], tok)
}

func (tr *translator) walk(e *jsonschema.ValidationError) {
	path := e.InstanceLocation
	_, isFalse := e.ErrorKind.(*kind.FalseSchema)
	if tr.muted(path, isFalse) {
		return
	}
	t := tr.t
	at := t.at(path)
	field := t.field(path)
	got, _ := t.value(path)
	name := "value"
	if len(path) > 0 {
		name = path[len(path)-1]
		if _, err := strconv.Atoi(name); err == nil && len(path) > 1 {
			name = "entry " + name + " of " + path[len(path)-2]
		}
	}
	switch k := e.ErrorKind.(type) {
	case *kind.Schema, *kind.Group, *kind.AllOf, *kind.AnyOf, *kind.Reference:
		for _, c := range e.Causes {
			tr.walk(c)
		}
	case *kind.OneOf:
		// Only consensus rules use oneOf: exactly one operator.
		var ops []string
		if m, ok := got.(map[string]any); ok {
			for _, op := range ruleOps {
				if _, ok := m[op]; ok {
					ops = append(ops, op)
				}
			}
			if len(ops) == 0 && tr.misspeltOp(m) {
				return // the unknown key's message says which operator it means
			}
		}
		have := "none"
		if len(ops) > 0 {
			have = strings.Join(ops, " and ")
		}
		t.add(t.keyAt(path), field, fmt.Sprintf("a consensus rule needs exactly one of %s; got %s", strings.Join(ruleOps, ", "), have))
	case *kind.AdditionalProperties:
		allowed := tr.allowedKeys(e.SchemaURL)
		for _, p := range k.Properties {
			cp := child(path, p)
			msg := fmt.Sprintf("unknown key %q", p)
			if s := suggestKey(p, allowed); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			} else if len(allowed) > 0 {
				msg += "; expected one of " + strings.Join(allowed, ", ")
			}
			t.add(t.keyAt(cp), t.field(cp), msg)
		}
	case *kind.PropertyNames:
		// Only texts restrict their keys, to language codes; the semantic
		// text check reports unknown ones. (The validator's instance
		// location of this error kind may be clobbered, so it is not used.)
	case *kind.Required:
		for _, m := range k.Missing {
			if tr.suggested[pointer(child(path, m))] {
				continue
			}
			msg := fmt.Sprintf("missing required key %q", m)
			frag := fragment(e.SchemaURL)
			if typ, ok := stringAt(got, "type"); ok && strings.HasPrefix(frag, "/$defs/item/allOf/") {
				msg += " (needed by " + typ + " items)"
			} else if strings.Contains(frag, "carry_over/allOf/") {
				msg += " (needed by mode chosen)"
			}
			t.add(t.keyAt(path), t.field(child(path, m)), msg)
		}
	case *kind.FalseSchema:
		parent := path[:max(len(path)-1, 0)]
		pv, _ := t.value(parent)
		msg := fmt.Sprintf("key %q is not allowed here", name)
		if typ, ok := stringAt(pv, "type"); ok && strings.Contains(fragment(e.SchemaURL), "/$defs/item/") {
			msg = fmt.Sprintf("key %q does not apply to %s items", name, typ)
		} else if strings.Contains(fragment(e.SchemaURL), "carry_over") {
			msg = fmt.Sprintf("key %q applies only to mode chosen", name)
		}
		t.add(t.keyAt(path), field, msg)
	case *kind.Type:
		var want []string
		for _, w := range k.Want {
			want = append(want, typeName(w))
		}
		msg := fmt.Sprintf("expected %s; got %s", strings.Join(want, " or "), describe(got))
		if _, isStr := got.(string); isStr && strings.HasSuffix(e.SchemaURL, "#/$defs/text") {
			msg += " (give a text per language, e.g. {de: ..., en: ...})"
		}
		if slices.Contains(k.Want, "string") {
			if _, isNum := got.(json.Number); isNum {
				msg += fmt.Sprintf(" (write \"%s\" in quotes to use it as text)", t.locs[pointer(path)].raw)
			}
		}
		t.add(at, field, msg)
	case *kind.Enum:
		var want []string
		for _, w := range k.Want {
			want = append(want, fmt.Sprint(w))
		}
		t.add(at, field, fmt.Sprintf("expected one of %s; got %s", strings.Join(want, ", "), describe(got)))
	case *kind.Const:
		t.add(at, field, fmt.Sprintf("expected %v; got %s", k.Want, describe(got)))
	case *kind.MinItems:
		t.add(at, field, fmt.Sprintf("%s needs at least %d %s; got %d", name, k.Want, plural(k.Want, "entry", "entries"), k.Got))
	case *kind.MaxItems:
		t.add(at, field, fmt.Sprintf("%s takes at most %d %s; got %d", name, k.Want, plural(k.Want, "entry", "entries"), k.Got))
	case *kind.UniqueItems:
		cp := child(path, strconv.Itoa(k.Duplicates[1]))
		dup, _ := t.value(cp)
		t.add(t.at(cp), t.field(cp), fmt.Sprintf("%s is listed twice in %s", describe(dup), name))
	case *kind.MinLength:
		if k.Want == 1 {
			t.add(at, field, name+" must not be empty")
		} else {
			t.add(at, field, fmt.Sprintf("%s is too short: %d characters; at least %d", name, k.Got, k.Want))
		}
	case *kind.MaxLength:
		t.add(at, field, fmt.Sprintf("%s is too long: %d characters; at most %d", name, k.Got, k.Want))
	case *kind.Pattern:
		t.add(at, field, patternMessage(name, k.Got, k.Want))
	case *kind.Minimum:
		t.add(at, field, fmt.Sprintf("%s must be at least %s; got %s", name, ratString(k.Want), describe(got)))
	case *kind.Maximum:
		t.add(at, field, fmt.Sprintf("%s must be at most %s; got %s", name, ratString(k.Want), describe(got)))
	case *kind.ExclusiveMinimum:
		t.add(at, field, fmt.Sprintf("%s must be greater than %s; got %s", name, ratString(k.Want), describe(got)))
	case *kind.ExclusiveMaximum:
		t.add(at, field, fmt.Sprintf("%s must be less than %s; got %s", name, ratString(k.Want), describe(got)))
	default:
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				tr.walk(c)
			}
			return
		}
		msg := e.Error()
		if _, rest, ok := strings.Cut(msg, "': "); ok {
			msg = rest
		}
		t.add(at, field, msg)
	}
}

// misspeltOp reports whether a rule m names an operator by a key that is
// reported as unknown with a suggestion (or: did you mean any?).
func (tr *translator) misspeltOp(m map[string]any) bool {
	for k := range m {
		if slices.Contains(ruleOps, suggestKey(k, ruleOps)) {
			return true
		}
	}
	return false
}

// ruleOps are the operators of a consensus rule, exactly one of which is set.
var ruleOps = []string{"all", "any", "agreement", "iqr", "sd", "cv", "comet"}

// allowedKeys lists the keys the schema object at url defines, sorted.
func (tr *translator) allowedKeys(url string) []string {
	props, _ := tr.schemaAt(url)["properties"].(map[string]any)
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func stringAt(v any, key string) (string, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return "", false
	}
	s, ok := m[key].(string)
	return s, ok
}

func typeName(t string) string {
	switch t {
	case "object":
		return "a mapping"
	case "array":
		return "a list"
	case "string":
		return "a string"
	case "integer":
		return "an integer"
	case "number":
		return "a number"
	case "boolean":
		return "true or false"
	case "null":
		return "nothing"
	}
	return t
}

// describe renders a value from the file for a message.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "an empty value"
	case string:
		if r := []rune(v); len(r) > 40 {
			v = string(r[:40]) + "…"
		}
		return strconv.Quote(v)
	case json.Number:
		return string(v)
	case bool:
		return strconv.FormatBool(v)
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	}
	return fmt.Sprint(v)
}

func ratString(r *big.Rat) string {
	if r == nil {
		return "?"
	}
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func patternMessage(name, got, pattern string) string {
	switch pattern {
	case "^[A-Za-z0-9][A-Za-z0-9_.-]*$":
		return fmt.Sprintf("invalid %s %q: use letters, digits, \"-\", \"_\" and \".\", starting with a letter or digit", name, got)
	case "^[a-z0-9][a-z0-9-]*$":
		return fmt.Sprintf("invalid %s %q: use lower-case letters, digits and \"-\", starting with a letter or digit", name, got)
	}
	if strings.Contains(pattern, "@") {
		return fmt.Sprintf("invalid e-mail address %q", got)
	}
	return fmt.Sprintf("invalid %s %q", name, got)
}

// suggest returns the candidate closest to s if it is close enough to be a
// likely typo.
func suggest(s string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if strings.EqualFold(s, c) {
			return c
		}
		limit := min(2, max(1, len([]rune(c))/3))
		if d := distance(s, c); d <= limit && d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// distance is the Levenshtein distance with adjacent transpositions.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		return 1 << 20
	}
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
