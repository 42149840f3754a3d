package survey

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Compatible checks that a changed definition, imported as a new version of
// a study, keeps every item that already has stored answers (answered[id])
// answerable as before. Wording may change, and items, options, criteria may
// be added. Refused, for an answered item: removing it, changing its type,
// changing its scale or a criterion's scale (another scale, or scale points
// added or removed, or the abstain option removed), removing a criterion or
// an option, lowering max_choices, and changing top_k.
//
// It returns nil or a *delphi.Error with code EINVALID and one detail per
// refused change, whose Field and Item are the item id.
func Compatible(old, new *delphi.Definition, answered map[string]bool) error {
	if old == nil {
		return nil
	}
	if new == nil {
		return delphi.Errorf(delphi.EINVALID, "no new definition")
	}
	var details []delphi.Detail
	if old.Realtime() != new.Realtime() && len(answered) > 0 {
		details = append(details, delphi.Detail{Field: "mode", Message: fmt.Sprintf("the study has answers; its mode cannot change from %s to %s", modeName(old), modeName(new))})
	}
	for _, oi := range old.Items() {
		if !answered[oi.ID] {
			continue
		}
		add := func(format string, args ...any) {
			details = append(details, delphi.Detail{
				Field:   oi.ID,
				Item:    oi.ID,
				Message: fmt.Sprintf("item %s has answers; ", oi.ID) + fmt.Sprintf(format, args...),
			})
		}
		ni, ok := new.Item(oi.ID)
		if !ok {
			details = append(details, delphi.Detail{Field: oi.ID, Item: oi.ID, Message: fmt.Sprintf("item %s has answers and was removed", oi.ID)})
			continue
		}
		if ni.Type != oi.Type {
			add("its type changed %s → %s", oi.Type, ni.Type)
			continue
		}
		switch oi.Type {
		case delphi.ItemRating:
			for _, msg := range scaleChanges(old, oi.Scale, new, ni.Scale) {
				add("%s", msg)
			}
		case delphi.ItemMultiRating:
			for _, oc := range oi.Criteria {
				i := slices.IndexFunc(ni.Criteria, func(c delphi.Criterion) bool { return c.ID == oc.ID })
				if i < 0 {
					add("criterion %q was removed", oc.ID)
					continue
				}
				for _, msg := range scaleChanges(old, oc.Scale, new, ni.Criteria[i].Scale) {
					add("criterion %q: %s", oc.ID, msg)
				}
			}
		case delphi.ItemSingleChoice, delphi.ItemMultipleChoice, delphi.ItemRanking:
			for _, oo := range oi.Options {
				if !slices.ContainsFunc(ni.Options, func(o delphi.Option) bool { return o.ID == oo.ID }) {
					add("option %q was removed", oo.ID)
				}
			}
			if oi.Type == delphi.ItemMultipleChoice && ni.MaxChoices != 0 && (oi.MaxChoices == 0 || ni.MaxChoices < oi.MaxChoices) {
				add("its max_choices was lowered from %s to %d", limitString(oi.MaxChoices), ni.MaxChoices)
			}
			if oi.Type == delphi.ItemRanking && ni.TopK != oi.TopK {
				add("its ranking changed from %s to %s", rankingString(oi.TopK), rankingString(ni.TopK))
			}
			if oi.Type == delphi.ItemRanking && oi.Ties && !ni.Ties {
				add("its ranking no longer allows ties (stored answers may hold tied places)")
			}
		}
	}
	if len(details) == 0 {
		return nil
	}
	return &delphi.Error{
		Code:    delphi.EINVALID,
		Message: fmt.Sprintf("the new version would drop or change %d answered %s", len(details), plural(len(details), "item", "items")),
		Details: details,
	}
}

func limitString(n int) string {
	if n == 0 {
		return "no limit"
	}
	return fmt.Sprint(n)
}

func rankingString(k int) string {
	if k == 0 {
		return "a full ranking"
	}
	return fmt.Sprintf("top %d", k)
}

// scaleChanges lists how the scale an answered rating refers to changed.
func scaleChanges(old *delphi.Definition, oldID string, new *delphi.Definition, newID string) []string {
	if oldID != newID {
		return []string{fmt.Sprintf("its scale changed %s → %s", oldID, newID)}
	}
	os, ok1 := old.Scale(oldID)
	ns, ok2 := new.Scale(newID)
	if !ok1 || !ok2 {
		return nil
	}
	var msgs []string
	var removed, added []string
	for _, p := range os.Points {
		if !isPoint(ns, p.Value) {
			removed = append(removed, fmt.Sprint(p.Value))
		}
	}
	for _, p := range ns.Points {
		if !isPoint(os, p.Value) {
			added = append(added, fmt.Sprint(p.Value))
		}
	}
	if len(removed) > 0 {
		msgs = append(msgs, fmt.Sprintf("scale %q lost %s %s", oldID, plural(len(removed), "point", "points"), strings.Join(removed, ", ")))
	}
	if len(added) > 0 {
		msgs = append(msgs, fmt.Sprintf("scale %q gained %s %s", oldID, plural(len(added), "point", "points"), strings.Join(added, ", ")))
	}
	if os.Abstain != nil && ns.Abstain == nil {
		msgs = append(msgs, fmt.Sprintf("scale %q lost its abstain option", oldID))
	}
	return msgs
}

// Equal reports whether two definitions are semantically the same: equal
// after defaults are applied, with absent and empty values alike. A
// re-import of an unchanged file is thereby a no-op.
func Equal(a, b *delphi.Definition) bool {
	if a == nil || b == nil {
		return a == b
	}
	ca, err1 := canonical(a)
	cb, err2 := canonical(b)
	return err1 == nil && err2 == nil && bytes.Equal(ca, cb)
}

// canonical returns the canonical JSON of a definition: defaults applied,
// keys sorted, nulls, empty lists and empty mappings dropped.
func canonical(d *delphi.Definition) ([]byte, error) {
	raw, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	var c delphi.Definition // a deep copy, to apply defaults to
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, err
	}
	applyDefaults(&c)
	if c.Rounds.AllowRevision == nil {
		yes := true
		c.Rounds.AllowRevision = &yes
	}
	if raw, err = json.Marshal(&c); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return json.Marshal(prune(v))
}

// prune drops nulls, empty lists and empty mappings.
func prune(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			x = prune(x)
			if x == nil {
				delete(v, k)
			} else {
				v[k] = x
			}
		}
		if len(v) == 0 {
			return nil
		}
		return v
	case []any:
		if len(v) == 0 {
			return nil
		}
		for i, x := range v {
			v[i] = prune(x)
		}
		return v
	}
	return v
}

// modeName is the study's mode as written in the file.
func modeName(d *delphi.Definition) string {
	if d.Realtime() {
		return delphi.ModeRealtime
	}
	return delphi.ModeRounds
}
