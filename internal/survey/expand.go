package survey

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Limits on what YAML aliases may make of a file. Each alias stands for a
// copy of its anchored value, so a small file can describe a huge one: 300
// aliases of a 1 MB string are 300 MB once expanded. Both limits are checked
// on the parsed nodes before anything is expanded, converted or validated.
const (
	// maxExpandedBytes bounds the size of the file with every alias
	// replaced by its value: the bytes of all scalars and keys plus one per
	// value. It equals the default API body limit, so aliases cannot make a
	// study larger than a plain upload may be. A real study is far smaller
	// (the shipped Kleinstadtakademie study expands to about 30 KB).
	maxExpandedBytes = 4 << 20
	// maxAliases bounds the aliases in a document. Studies use them for
	// shared scales and criteria, one or two per item (the shipped study
	// has 32); a study with hundreds of items stays well below.
	maxAliases = 1000
)

// expansion measures the expanded size of a YAML document in one pass over
// its nodes. An alias's size is that of its anchored value, which YAML
// requires to be defined earlier in the document, so it has been measured
// already: each node is measured once and the check is linear in the file.
type expansion struct {
	size    map[*yaml.Node]int64 // the expanded size of each anchored node
	active  map[*yaml.Node]bool  // anchored nodes being measured (an alias to one is a cycle)
	path    []string             // where the walk is, for the report
	aliases int
	// over is set once a limit is passed: where, and what.
	over  *yaml.Node
	field string
	msg   string
}

// checkExpansion reports the first place where the document n passes
// maxExpandedBytes or maxAliases, with a message naming the limit. ok is
// true if n stays within both.
func checkExpansion(n *yaml.Node) (at *yaml.Node, field, msg string, ok bool) {
	e := &expansion{size: map[*yaml.Node]int64{}, active: map[*yaml.Node]bool{}}
	e.measure(n)
	if e.over == nil {
		return nil, "", "", true
	}
	return e.over, e.field, e.msg, false
}

// measure returns the expanded size of n, and stops early (returning what
// it has) once a limit is passed.
func (e *expansion) measure(n *yaml.Node) int64 {
	if e.over != nil {
		return 0
	}
	if n.Kind == yaml.AliasNode {
		e.aliases++
		if e.aliases > maxAliases {
			e.fail(n, fmt.Sprintf("the file uses more than %d aliases (*name); write the values out or share fewer", maxAliases))
			return 0
		}
		switch {
		case n.Alias == nil || e.active[n.Alias]:
			return 1 // no anchor, or a cycle: the converter reports it
		default:
			if s, ok := e.size[n.Alias]; ok {
				return s
			}
			return e.measure(n.Alias)
		}
	}
	if n.Anchor != "" {
		if s, ok := e.size[n]; ok {
			return s
		}
		e.active[n] = true
		defer delete(e.active, n)
	}
	s := 1 + int64(len(n.Value))
	for i, c := range n.Content {
		depth := len(e.path)
		switch {
		case n.Kind == yaml.MappingNode && i%2 == 1:
			e.path = append(e.path, n.Content[i-1].Value)
		case n.Kind == yaml.SequenceNode:
			e.path = append(e.path, "["+strconv.Itoa(i)+"]")
		}
		s += e.measure(c)
		if s > maxExpandedBytes && e.over == nil {
			what := "the file is too large"
			if c.Kind == yaml.AliasNode {
				what = "alias *" + c.Value + " makes the file too large"
			}
			e.fail(c, fmt.Sprintf("%s: more than %d MiB with every alias replaced by its value", what, maxExpandedBytes>>20))
		}
		e.path = e.path[:depth]
		if e.over != nil {
			return s
		}
	}
	if n.Anchor != "" {
		e.size[n] = s
	}
	return s
}

// fail records the first limit passed, at node n.
func (e *expansion) fail(n *yaml.Node, msg string) {
	e.over, e.msg = n, msg
	var b strings.Builder
	for _, p := range e.path {
		if b.Len() > 0 && !strings.HasPrefix(p, "[") {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	e.field = b.String()
}
