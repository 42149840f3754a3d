// Package survey reads study definitions: coordinators write them in YAML
// (or JSON) as described in docs/STUDY-FORMAT.md, and Parse validates them
// against surveys/schema.json plus semantic checks, reporting every problem
// with its line and column. Compatible and Equal govern re-imports.
package survey

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Defaults applied by Parse.
const (
	DefaultTimeZone = "Europe/Berlin"
	// MaxTextLength is the default and the cap of a text item's max_length.
	MaxTextLength = 5000
)

// Parse reads a study definition from data. The file is read as JSON if
// filename ends in .json or data starts with '{', else as YAML. It validates
// the definition against the schema and the semantic rules, and applies the
// defaults (time zone Europe/Berlin, quantile type 7, feedback min_group_n
// 3, carry-over mode no_consensus, max_length 5000 for text items).
//
// On failure it returns a *delphi.Error with code EINVALID whose Details
// list every problem, sorted by position, each with the field path, the
// 1-based line and column in data, and what was expected. EINTERNAL only if
// the embedded schema itself is broken.
func Parse(filename string, data []byte) (*delphi.Definition, error) {
	t := parseTree(filename, data)
	if t.root == nil && len(t.problems) > 0 {
		return nil, invalid(filename, t.problems)
	}
	report, err := validateSchema(t)
	if err != nil {
		return nil, delphi.Internal(err)
	}

	// Decode leniently: fields of the wrong type stay zero, so the semantic
	// checks can run on everything else.
	raw, err := json.Marshal(expandPoints(t.root))
	if err != nil {
		return nil, delphi.Internal(err)
	}
	var d delphi.Definition
	_ = json.Unmarshal(raw, &d)
	c := checker{t: t, d: &d}
	c.check()
	report() // after the checks, which mark values they explain better
	if len(t.problems) > 0 {
		return nil, invalid(filename, t.problems)
	}

	// The file is valid; decode it once more, strictly, as a safeguard.
	d = delphi.Definition{}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, invalid(filename, []delphi.Detail{{Line: 1, Column: 1, Message: "cannot read the definition: " + err.Error()}})
	}
	applyDefaults(&d)
	return &d, nil
}

// invalid builds the EINVALID error for a list of problems: sorted by
// position, duplicates removed.
func invalid(filename string, problems []delphi.Detail) *delphi.Error {
	slices.SortStableFunc(problems, func(a, b delphi.Detail) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column), cmp.Compare(a.Message, b.Message))
	})
	problems = slices.CompactFunc(problems, func(a, b delphi.Detail) bool {
		return a.Line == b.Line && a.Column == b.Column && a.Message == b.Message
	})
	what := "problems"
	if len(problems) == 1 {
		what = "problem"
	}
	return &delphi.Error{
		Code:    delphi.EINVALID,
		Message: fmt.Sprintf("study definition %s is invalid: %d %s", filename, len(problems), what),
		Details: problems,
	}
}

// applyDefaults fills in the values a study may leave out.
func applyDefaults(d *delphi.Definition) {
	if d.TimeZone == "" {
		d.TimeZone = DefaultTimeZone
	}
	if d.QuantileType == 0 {
		d.QuantileType = delphi.QuantileType7
	}
	if d.Rounds.Feedback.MinGroupN == 0 {
		d.Rounds.Feedback.MinGroupN = delphi.DefaultMinGroupN
	}
	if d.Rounds.CarryOver.Mode == "" {
		d.Rounds.CarryOver.Mode = delphi.CarryNoConsensus
	}
	for i := range d.Sections {
		for j := range d.Sections[i].Items {
			if it := &d.Sections[i].Items[j]; it.Type == delphi.ItemText && it.MaxLength == 0 {
				it.MaxLength = MaxTextLength
			}
		}
	}
}

// FormatErrors renders an error from Parse as lines "file:line:column:
// message", one per problem, for the command line. Other errors give one
// line "file: message".
func FormatErrors(filename string, err error) []string {
	if err == nil {
		return nil
	}
	var e *delphi.Error
	if !errors.As(err, &e) {
		return []string{filename + ": " + err.Error()}
	}
	if len(e.Details) == 0 {
		return []string{filename + ": " + e.Message}
	}
	lines := make([]string, 0, len(e.Details))
	for _, d := range e.Details {
		if d.Line > 0 {
			lines = append(lines, fmt.Sprintf("%s:%d:%d: %s", filename, d.Line, max(d.Column, 1), d.Message))
		} else {
			lines = append(lines, fmt.Sprintf("%s: %s", filename, d.Message))
		}
	}
	return lines
}
