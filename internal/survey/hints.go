package survey

import (
	"encoding/json"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// ruleHints reports the mistakes people make most when they write a
// consensus rule, with what they probably meant, and marks the values so
// that the schema's plainer messages about them are not reported as well:
// a share where a percentage belongs (min_percent: 0.7), a percent sign
// (min_percent: 75%), and a minimum number of answers written as an entry
// of all or any ("n >= 8", or min_n alone) instead of min_n on the rule.
func (c *checker) ruleHints(tokens []string) {
	v, _ := c.t.value(tokens)
	m, ok := v.(map[string]any)
	if !ok {
		return
	}
	c.percent(path(tokens, "agreement", "min_percent"))
	c.percent(path(tokens, "comet", "min_percent"))
	c.percent(path(tokens, "comet", "max_opposite_percent"))
	for _, op := range []string{"all", "any"} {
		list, _ := m[op].([]any)
		for i, e := range list {
			et := path(tokens, op, i)
			switch e := e.(type) {
			case string:
				if n, ok := minNText(e); ok {
					c.add(et, "%q is not a rule: a minimum number of answers is min_n on the rule itself; write min_n: %d next to %s:", e, n, op)
					c.t.bad[pointer(et)] = true
				}
			case map[string]any:
				if n, key, ok := minNAlone(e); ok {
					c.add(et, "%s alone is not a rule: write min_n: %s next to %s:, not as an entry of its list", key, n, op)
					c.t.bad[pointer(et)] = true
					continue
				}
				c.ruleHints(et)
			}
		}
	}
}

// minNPattern matches a condition on the number of answers written as
// text, e.g. "n >= 8", "N ≥ 8", "min_n > 7".
var minNPattern = regexp.MustCompile(`^\s*(?i:n|min_n)\s*(>=|≥|=>|>|==|=)\s*(\d+)\s*$`)

// minNText reads "n >= 8" and its variants and returns the min_n meant.
func minNText(s string) (int, bool) {
	m := minNPattern.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[2])
	if err != nil {
		return 0, false
	}
	if m[1] == ">" {
		n++
	}
	return n, true
}

// minNAlone reports an entry that holds nothing but min_n (or n): its
// value as written, and the key.
func minNAlone(m map[string]any) (n, key string, ok bool) {
	if len(m) != 1 {
		return "", "", false
	}
	for _, k := range []string{"min_n", "n"} {
		if v, has := m[k]; has {
			return describe(v), k, true
		}
	}
	return "", "", false
}

// percentText matches a percentage written with its sign, e.g. "75%".
var percentText = regexp.MustCompile(`^\s*(\d+(?:[.,]\d+)?)\s*%\s*$`)

// percent checks a percentage of a rule: a value below 1 is most likely a
// share (0.7 for 70 %), and "75%" is text.
func (c *checker) percent(tokens []string) {
	v, ok := c.t.value(tokens)
	if !ok {
		return
	}
	name := tokens[len(tokens)-1]
	switch v := v.(type) {
	case json.Number:
		f, err := v.Float64()
		if err != nil || f <= 0 || f >= 1 {
			return
		}
		meant := strconv.FormatFloat(math.Round(f*1e6)/1e4, 'g', -1, 64)
		c.add(tokens, "%s is in percent: %s means %s %%; did you mean %s?", name, v, v, meant)
		c.t.bad[pointer(tokens)] = true
	case string:
		m := percentText.FindStringSubmatch(v)
		if m == nil {
			return
		}
		c.add(tokens, "write %s: %s without %q: the value is in percent already (an unquoted %% makes it text)", name, strings.Replace(m[1], ",", ".", 1), "%")
		c.t.bad[pointer(tokens)] = true
	}
}

// synonyms are keys people write for the rule operators of other notations.
var synonyms = map[string]string{
	"or": "any", "and": "all", "anyOf": "any", "allOf": "all", "oneOf": "any",
	"n": "min_n", "minimum_n": "min_n", "min_answers": "min_n",
}

// suggestKey returns the key of allowed that the unknown key s probably
// means: a likely typo, or a synonym.
func suggestKey(s string, allowed []string) string {
	if k, ok := synonyms[s]; ok && slices.Contains(allowed, k) {
		return k
	}
	return suggest(s, allowed)
}
