package survey

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"go.yaml.in/yaml/v3"
)

// maxNodes bounds the values built from one file, aliases expanded, so a
// "billion laughs" document cannot exhaust memory.
const maxNodes = 200_000

// maxDepth bounds the nesting of values (a study needs about ten levels):
// every value records its path, so a deeper chain would cost memory and
// time quadratic in its depth (5,000 nested "- " took 370 MB).
const maxDepth = 64

// pos is a 1-based line and column (in characters) in the source file.
type pos struct{ line, col int }

// loc is where a value sits in the source: the position of its key (zero for
// list entries and the root) and of the value itself.
type loc struct {
	key, val pos
	raw      string // the source text of a scalar
}

// tree is a parsed study file: the generic value handed to the schema
// validator, and the source position of every value, keyed by JSON pointer.
type tree struct {
	root     any
	locs     map[string]loc
	bad      map[string]bool // values already reported by the converter
	problems []delphi.Detail
}

// pointer returns the JSON pointer (RFC 6901) of the tokens.
func pointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		t = strings.ReplaceAll(t, "~", "~0")
		b.WriteString(strings.ReplaceAll(t, "/", "~1"))
	}
	return b.String()
}

// at returns the position of the value at tokens, or of its nearest ancestor
// present in the file.
func (t *tree) at(tokens []string) pos {
	for n := len(tokens); n >= 0; n-- {
		if l, ok := t.locs[pointer(tokens[:n])]; ok {
			if n < len(tokens) && l.key.line > 0 {
				return l.key
			}
			return l.val
		}
	}
	return pos{1, 1}
}

// keyAt returns the position of the key of the value at tokens (its value's
// position for list entries), falling back like at.
func (t *tree) keyAt(tokens []string) pos {
	if l, ok := t.locs[pointer(tokens)]; ok && l.key.line > 0 {
		return l.key
	}
	return t.at(tokens)
}

// value returns the generic value at tokens.
func (t *tree) value(tokens []string) (any, bool) {
	v := t.root
	for _, tok := range tokens {
		switch c := v.(type) {
		case map[string]any:
			x, ok := c[tok]
			if !ok {
				return nil, false
			}
			v = x
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			v = c[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// field renders tokens as a path like sections[2].items[0].scale.
func (t *tree) field(tokens []string) string {
	var b strings.Builder
	var v any = t.root
	for _, tok := range tokens {
		if arr, ok := v.([]any); ok {
			b.WriteString("[" + tok + "]")
			if i, err := strconv.Atoi(tok); err == nil && i >= 0 && i < len(arr) {
				v = arr[i]
			} else {
				v = nil
			}
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
		if m, ok := v.(map[string]any); ok {
			v = m[tok]
		} else {
			v = nil
		}
	}
	return b.String()
}

func (t *tree) add(p pos, field, msg string) {
	t.problems = append(t.problems, delphi.Detail{Field: field, Line: p.line, Column: p.col, Message: msg})
}

// isJSON reports whether the file is to be read as JSON: by its extension,
// or because it starts with '{'.
func isJSON(filename string, data []byte) bool {
	if strings.HasSuffix(strings.ToLower(filename), ".json") {
		return true
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	data = bytes.TrimLeft(data, " \t\r\n")
	return len(data) > 0 && data[0] == '{'
}

// parseTree reads a YAML or JSON file into a tree. Syntax errors come back
// as problems with the tree's root nil.
func parseTree(filename string, data []byte) *tree {
	t := &tree{locs: map[string]loc{}, bad: map[string]bool{}}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
	if isJSON(filename, data) {
		if p, msg, ok := jsonSyntax(data); !ok {
			t.add(p, "", msg)
			return t
		}
		// Valid JSON is YAML, except that YAML does not allow tabs as
		// indentation; in valid JSON a raw tab can only be whitespace.
		data = bytes.ReplaceAll(data, []byte("\t"), []byte(" "))
	}
	node, second, err := decodeYAML(data)
	if err != nil {
		p, msg := yamlSyntax(data, err)
		t.add(p, "", msg)
		return t
	}
	if node == nil {
		t.add(pos{1, 1}, "", "the file is empty; expected a study definition")
		return t
	}
	if second != nil {
		t.add(pos{second.Line, second.Column}, "", "a file holds one study; found a second YAML document")
	}
	// Measure what the aliases expand to before expanding anything.
	if at, field, msg, ok := checkExpansion(node); !ok {
		t.add(pos{at.Line, at.Column}, field, msg)
		return t
	}
	c := converter{t: t, active: map[*yaml.Node]bool{}}
	t.root = c.value(node, nil, pos{})
	return t
}

// decodeYAML parses the first document of data into a node, and reports a
// second document if there is one. It never panics.
func decodeYAML(data []byte) (node, second *yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			node, second, err = nil, nil, fmt.Errorf("yaml: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil, nil
		}
		return nil, nil, err
	}
	node = contentOf(&doc)
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		second = contentOf(&next)
	} else if !errors.Is(err, io.EOF) {
		return nil, nil, err
	}
	return node, second, nil
}

// contentOf returns the root node of a document node, or nil if it is empty.
func contentOf(doc *yaml.Node) *yaml.Node {
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			return nil
		}
		return doc.Content[0]
	}
	if doc.Kind == 0 {
		return nil
	}
	return doc
}

// converter turns yaml nodes into generic values (map[string]any, []any,
// string, json.Number, bool, nil) and records their positions.
type converter struct {
	t      *tree
	active map[*yaml.Node]bool // anchors being expanded, to stop cycles
	nodes  int
	full   bool
	deep   bool
}

func (c *converter) value(n *yaml.Node, path []string, key pos) any {
	if len(path) > maxDepth {
		if !c.deep {
			c.deep = true
			c.t.add(pos{n.Line, n.Column}, "", fmt.Sprintf("the file nests values more than %d levels deep", maxDepth))
		}
		return nil
	}
	p := pointer(path)
	c.t.locs[p] = loc{key: key, val: pos{n.Line, n.Column}, raw: n.Value}
	return c.build(n, path, p)
}

func (c *converter) fail(n *yaml.Node, path []string, p, msg string) any {
	c.t.bad[p] = true
	c.t.add(pos{n.Line, n.Column}, c.t.field(path), msg)
	return nil
}

func (c *converter) build(n *yaml.Node, path []string, p string) any {
	c.nodes++
	if c.nodes > maxNodes {
		if !c.full {
			c.full = true
			c.t.add(pos{n.Line, n.Column}, "", fmt.Sprintf("the file is too large: more than %d values (counting aliases)", maxNodes))
		}
		c.t.bad[p] = true
		return nil
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return c.build(n.Content[0], path, p)
	case yaml.AliasNode:
		if n.Alias == nil {
			return c.fail(n, path, p, "alias *"+n.Value+" has no anchor")
		}
		if c.active[n.Alias] {
			return c.fail(n, path, p, "alias *"+n.Value+" refers to a value that contains it")
		}
		c.active[n.Alias] = true
		defer delete(c.active, n.Alias)
		return c.build(n.Alias, path, p)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		first := map[string]*yaml.Node{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind == yaml.AliasNode && k.Alias != nil {
				k = k.Alias
			}
			kp := pos{k.Line, k.Column}
			if k.Kind != yaml.ScalarNode {
				c.t.add(kp, c.t.field(path), "a key must be a plain name, not a list or mapping")
				continue
			}
			if k.Tag == "!!merge" {
				c.t.add(kp, c.t.field(path), `merge keys ("<<") are not supported; use an alias for the whole value instead`)
				continue
			}
			name := k.Value
			child := append(path[:len(path):len(path)], name)
			if prev, dup := first[name]; dup {
				c.t.add(kp, c.t.field(child), fmt.Sprintf("duplicate key %q (first at line %d)", name, prev.Line))
				continue
			}
			first[name] = k
			m[name] = c.value(v, child, kp)
		}
		return m
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for i, e := range n.Content {
			s = append(s, c.value(e, append(path[:len(path):len(path)], strconv.Itoa(i)), pos{}))
		}
		return s
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return c.fail(n, path, p, fmt.Sprintf("invalid boolean %q", n.Value))
			}
			return b
		case "!!int", "!!float":
			var x any
			if err := n.Decode(&x); err != nil {
				return c.fail(n, path, p, fmt.Sprintf("invalid number %q", n.Value))
			}
			switch x := x.(type) {
			case int:
				return json.Number(strconv.Itoa(x))
			case int64:
				return json.Number(strconv.FormatInt(x, 10))
			case uint64:
				return json.Number(strconv.FormatUint(x, 10))
			case float64:
				if math.IsInf(x, 0) || math.IsNaN(x) {
					return c.fail(n, path, p, fmt.Sprintf("expected a finite number; got %s", n.Value))
				}
				return json.Number(strconv.FormatFloat(x, 'g', -1, 64))
			default:
				return n.Value
			}
		default: // !!str, !!timestamp (kept as written), !!binary, custom tags
			return n.Value
		}
	}
	return c.fail(n, path, p, "unsupported YAML value")
}

// jsonSyntax checks that data is one JSON value and locates the first error.
func jsonSyntax(data []byte) (pos, string, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	if err == nil {
		off := int(dec.InputOffset())
		if _, err2 := dec.Token(); err2 != io.EOF {
			for off < len(data) && strings.IndexByte(" \t\r\n", data[off]) >= 0 {
				off++
			}
			return offsetPos(data, off), "JSON syntax error: unexpected data after the top-level value", false
		}
		return pos{}, "", true
	}
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		off := int(se.Offset) - 1
		if off < 0 {
			off = 0
		}
		return offsetPos(data, off), "JSON syntax error: " + se.Error(), false
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return offsetPos(data, len(data)), "JSON syntax error: unexpected end of input", false
	default:
		return pos{1, 1}, "JSON syntax error: " + err.Error(), false
	}
}

// offsetPos converts a byte offset into a line and a column in characters.
func offsetPos(data []byte, off int) pos {
	off = min(max(off, 0), len(data))
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	start := bytes.LastIndexByte(data[:off], '\n') + 1
	return pos{line, 1 + utf8.RuneCount(data[start:off])}
}

// yamlSyntax locates a YAML syntax error. yaml.v3 reports only a line, and
// often the line where the enclosing block began rather than the faulty one,
// so the faulty line is found as the shortest prefix of whole lines that
// fails with the same problem, and the column from the kind of problem.
func yamlSyntax(data []byte, err error) (pos, string) {
	problem := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(problem, "line "); ok {
		if i := strings.Index(rest, ": "); i > 0 {
			if _, aerr := strconv.Atoi(rest[:i]); aerr == nil {
				problem = rest[i+2:]
			}
		}
	}
	msg := "YAML syntax error: " + problem
	lines := bytes.SplitAfter(data, []byte("\n"))
	fails := func(n int) bool {
		prefix := bytes.Join(lines[:n], nil)
		_, _, perr := decodeYAML(prefix)
		return perr != nil && strings.HasSuffix(perr.Error(), problem)
	}
	if !fails(len(lines)) {
		return pos{1, 1}, msg
	}
	lo, hi := 1, len(lines) // the answer lies in [lo, hi]
	for lo < hi {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	line := string(bytes.TrimRight(lines[lo-1], "\r\n"))
	col := problemColumn(line, problem)
	switch {
	case strings.HasPrefix(problem, "did not find expected ',' or") && col <= len([]rune(line)) && []rune(line)[col-1] == '?':
		msg += ` (inside {...} or [...], put texts that contain "?", ":", "," or "#" in quotes)`
	case strings.HasPrefix(problem, "did not find expected ',' or"):
		msg += " (is a closing bracket missing?)"
	case strings.HasPrefix(problem, "did not find expected key"), strings.HasPrefix(problem, "did not find expected '-'"):
		msg += " (check the indentation)"
	case col <= len([]rune(line)) && []rune(line)[col-1] == '%':
		msg += ` (put a value that starts with "%" in quotes, e.g. "% of answers"; a percentage is written as its number: 75)`
	case col <= len([]rune(line)) && []rune(line)[col-1] == '\t':
		msg += " (indent with spaces, not tabs)"
	}
	return pos{lo, col}, msg
}

// problemColumn guesses the column of a YAML problem on its line.
func problemColumn(line, problem string) int {
	runes := []rune(line)
	first := 0
	for first < len(runes) && runes[first] == ' ' {
		first++
	}
	find := func(set string) int {
		for i := first; i < len(runes); i++ {
			if strings.ContainsRune(set, runes[i]) {
				return i + 1
			}
		}
		return 0
	}
	col := 0
	switch {
	case strings.Contains(problem, "tab character"):
		col = find("\t")
	case strings.Contains(problem, "cannot start any token"):
		col = find("@`\t%")
	case strings.HasPrefix(problem, "did not find expected ',' or"):
		// yaml.v3 rejects plain scalars with '?' in flow collections.
		if i := strings.IndexAny(line, "{["); i >= 0 {
			if j := strings.IndexRune(line[i:], '?'); j >= 0 {
				col = 1 + utf8.RuneCountInString(line[:i+j])
			} else {
				col = 1 + utf8.RuneCountInString(line[:i])
			}
		}
	case strings.Contains(problem, "mapping values are not allowed"):
		// The faulty ':' is the second mapping indicator on the line, or the
		// only one when the line continues a plain scalar.
		var colons []int
		quote := rune(0)
	scan:
		for i, r := range runes {
			switch {
			case quote != 0:
				if r == quote {
					quote = 0
				}
			case r == '"' || r == '\'':
				quote = r
			case r == '#' && (i == 0 || runes[i-1] == ' '):
				break scan
			case r == ':' && (i+1 == len(runes) || runes[i+1] == ' '):
				colons = append(colons, i+1)
			}
		}
		if len(colons) > 0 {
			col = colons[min(1, len(colons)-1)]
		}
	}
	if col == 0 {
		col = min(first, len(runes)) + 1
		if first >= len(runes) {
			col = 1
		}
	}
	return col
}
