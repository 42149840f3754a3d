package survey

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// A scale's points may be written in three forms (docs/STUDY-FORMAT.md):
//
//	points: [{value: 1, label: {...}}, {value: 2}, ...]  # each with or without a label
//	points: [1, 2, 3, 4, 5, 6, 7]                         # just the values
//	points: {from: 1, to: 7}                              # every whole number from..to
//
// and labels may be given by value beside them: labels: {1: {...}, 7: {...}}.
// Parse checks the forms on the tree and decodes the definition from
// expandPoints, which turns every form into the list of {value, label}.

// maxRangePoints bounds the points of the compact form {from, to}: a 0–100
// visual analogue scale is the largest in use.
const maxRangePoints = 101

// rangeText matches a range written as text, e.g. "1..7" or "1-7" (YAML
// reads [1..7] as a list holding the text "1..7").
var rangeText = regexp.MustCompile(`^\s*(-?\d+)\s*(?:\.\.\.?|–|-)\s*(-?\d+)\s*$`)

// intOf returns v as an int if it is a whole number within ±1000 (the
// schema reports anything else).
func intOf(v any) (int, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(string(n))
	if err != nil {
		f, ferr := n.Float64()
		if ferr != nil || f != float64(int(f)) {
			return 0, false
		}
		i = int(f)
	}
	return i, i >= -1000 && i <= 1000
}

// rangeOf reads the compact form {from, to}: ok when both are whole
// numbers, from < to and the range holds at most maxRangePoints.
func rangeOf(v any) (from, to int, ok bool) {
	m, isMap := v.(map[string]any)
	if !isMap {
		return 0, 0, false
	}
	from, okFrom := intOf(m["from"])
	to, okTo := intOf(m["to"])
	return from, to, okFrom && okTo && from < to && to-from < maxRangePoints
}

// pointValue returns the value of one entry of a points list: a number, or
// a mapping with an integer value.
func pointValue(v any) (int, bool) {
	if m, ok := v.(map[string]any); ok {
		return intOf(m["value"])
	}
	return intOf(v)
}

// expandPoints returns root with every scale's points as a list of
// {value, label} mappings: numbers and ranges expanded, labels by value
// moved to their points and the key labels removed. Values it cannot read
// are left as they are (the schema and the checker report them). root is
// not changed.
func expandPoints(root any) any {
	m, ok := root.(map[string]any)
	if !ok {
		return root
	}
	scales, ok := m["scales"].([]any)
	if !ok {
		return root
	}
	ns := make([]any, len(scales))
	for i, sv := range scales {
		ns[i] = sv
		sm, ok := sv.(map[string]any)
		if !ok {
			continue
		}
		_, hasLabels := sm["labels"]
		labels, _ := sm["labels"].(map[string]any)
		var pts []any
		switch p := sm["points"].(type) {
		case []any:
			pts = make([]any, len(p))
			for j, e := range p {
				switch e := e.(type) {
				case map[string]any:
					pts[j] = maps.Clone(e)
				case json.Number:
					pts[j] = map[string]any{"value": e}
				default:
					pts[j] = e
				}
			}
		case map[string]any:
			if from, to, ok := rangeOf(p); ok {
				for v := from; v <= to; v++ {
					pts = append(pts, map[string]any{"value": json.Number(strconv.Itoa(v))})
				}
			}
		}
		if pts == nil && !hasLabels {
			continue
		}
		c := maps.Clone(sm)
		delete(c, "labels")
		if pts != nil {
			for _, e := range pts {
				pm, ok := e.(map[string]any)
				if !ok {
					continue
				}
				v, ok := intOf(pm["value"])
				if _, has := pm["label"]; !ok || has {
					continue
				}
				for k, l := range labels {
					if kv, err := strconv.Atoi(k); err == nil && kv == v {
						pm["label"] = l
					}
				}
			}
			c["points"] = pts
		}
		ns[i] = c
	}
	out := maps.Clone(m)
	out["scales"] = ns
	return out
}

// points checks the points and labels of scale i as written in the file,
// and says whether every point's value could be read (only then can bands
// be checked against them).
func (c *checker) points(i int) bool {
	p := path("scales", i)
	pp := path(p, "points")
	v, ok := c.t.value(pp)
	if !ok {
		return false
	}
	readable := true
	var values []int
	switch pv := v.(type) {
	case string:
		c.rangeHint(pp, pv)
		return false
	case []any:
		if len(pv) == 1 {
			if s, isStr := pv[0].(string); isStr && c.rangeHint(pp, s) {
				return false
			}
		}
		for _, e := range pv {
			x, ok := pointValue(e)
			readable = readable && ok
			values = append(values, x)
		}
	case map[string]any:
		from, okFrom := intOf(pv["from"])
		to, okTo := intOf(pv["to"])
		if !okFrom || !okTo {
			return false
		}
		switch {
		case from >= to:
			c.add(path(pp, "from"), "points from %d to %d: from must be less than to", from, to)
			c.t.bad[pointer(pp)] = true
			return false
		case to-from >= maxRangePoints:
			c.add(path(pp, "to"), "points from %d to %d are %d points; a scale has at most %d", from, to, to-from+1, maxRangePoints)
			c.t.bad[pointer(pp)] = true
			return false
		}
		for x := from; x <= to; x++ {
			values = append(values, x)
		}
	default:
		return false
	}
	c.labels(p, values, readable)
	return readable
}

// rangeHint reports a range written as text, e.g. points: [1..7], and
// says whether s was one.
func (c *checker) rangeHint(tokens []string, s string) bool {
	m := rangeText.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	c.add(tokens, "points %q is text, not a range: write {from: %s, to: %s} (or list the values: [%s, ..., %s])", s, m[1], m[2], m[1], m[2])
	c.t.bad[pointer(tokens)] = true
	return true
}

// labels checks the labels by value of the scale at p against its point
// values: each key a point of the scale, whose entry in points does not
// carry a label of its own, and each label a complete text.
func (c *checker) labels(p []string, values []int, readable bool) {
	lp := path(p, "labels")
	lv, ok := c.t.value(lp)
	if !ok {
		return
	}
	labels, ok := lv.(map[string]any)
	if !ok {
		return // the schema reports the type
	}
	keys := slices.Sorted(maps.Keys(labels))
	for _, k := range keys {
		kt := path(lp, k)
		v, err := strconv.Atoi(k)
		if err != nil {
			c.addKey(kt, c.t.field(kt), "labels: %q is not a point value; label a point by its number, e.g. 4: {...}", k)
			c.t.bad[pointer(kt)] = true
			continue
		}
		j := slices.Index(values, v)
		switch {
		case !readable:
		case j < 0:
			c.addKey(kt, c.t.field(kt), "labels: %d is not a point of scale %q (%s)", v, c.d.Scales[p2i(p)].ID, valuesString(values))
			c.t.bad[pointer(kt)] = true
			continue
		case c.present(path(p, "points", j, "label")):
			c.addKey(kt, c.t.field(kt), "point %d has a label in points already (line %d); give it in one place", v, c.t.at(path(p, "points", j, "label")).line)
			continue
		}
		c.text(textOf(labels[k]), lp, k)
	}
}

// p2i returns the index of the scale at p, path("scales", i).
func p2i(p []string) int {
	i, _ := strconv.Atoi(p[1])
	return i
}

// textOf decodes a text leniently (the schema reports a wrong type).
func textOf(v any) map[string]string {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, x := range m {
		if s, ok := x.(string); ok {
			out[k] = s
		} else {
			out[k] = fmt.Sprint(x)
		}
	}
	return out
}

// valuesString describes point values: "points 1–5" when they are
// consecutive, else "points 1, 3, 5".
func valuesString(values []int) string {
	consecutive := len(values) > 2
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = strconv.Itoa(v)
		if i > 0 && v != values[i-1]+1 {
			consecutive = false
		}
	}
	if consecutive {
		return fmt.Sprintf("points %d–%d", values[0], values[len(values)-1])
	}
	return "points " + strings.Join(parts, ", ")
}
