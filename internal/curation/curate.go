package curation

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/rounds"
)

// Board is the curation page: every suggestion with its author's
// pseudonym and group (staff only), the curated items, and whether the
// curation can still change (until round 1 is prepared).
type Board struct {
	*delphi.Curation                  // the suggestions (with pseudonym and group) and the curated items
	Round0           *delphi.Round    `json:"round0"` // nil before round 0 is prepared
	Editable         bool             `json:"editable"`
	MaxPerBlock      int              `json:"max_per_block"`
	Sections         []delphi.Section `json:"sections"` // ids and titles, without items
	Scales           []delphi.Scale   `json:"scales"`
	Languages        []string         `json:"languages"`
}

// Board returns the study's curation for its staff. ECONFLICT for a study
// without round 0.
func (s *Service) Board(ctx context.Context, sv *delphi.Survey) (*Board, error) {
	def := sv.Definition
	if !def.HasRound0() {
		return nil, noRound0()
	}
	c, err := s.Store.Curation(ctx, sv.ID)
	if err != nil {
		return nil, err
	}
	r0, err := s.Rounds.Get(ctx, sv.ID, 0)
	if err != nil && delphi.ErrorCode(err) != delphi.ENOTFOUND {
		return nil, err
	}
	editable := s.editable(ctx, sv.ID) == nil
	out := &Board{Curation: c, Round0: r0, Editable: editable, MaxPerBlock: def.Rounds.Round0.MaxSuggestions(), Scales: def.Scales, Languages: def.LanguageList(), Sections: []delphi.Section{}}
	for _, sec := range def.Sections {
		out.Sections = append(out.Sections, delphi.Section{ID: sec.ID, Title: sec.Title, Description: sec.Description, Items: []delphi.Item{}})
	}
	return out, nil
}

// editable reports why the curation of the study cannot change: round 0
// was never prepared, or round 1 exists (it asks the curated items).
// Checked before each write: a round 1 prepared in the moment between the
// check and the write misses that write.
func (s *Service) editable(ctx context.Context, surveyID string) error {
	if _, err := s.Rounds.Rounds.Round(ctx, surveyID, 0); delphi.ErrorCode(err) == delphi.ENOTFOUND {
		return delphi.Errorf(delphi.ECONFLICT, "round 0 has not been prepared yet")
	} else if err != nil {
		return err
	}
	if _, err := s.Rounds.Rounds.Round(ctx, surveyID, 1); err == nil {
		return delphi.Errorf(delphi.ECONFLICT, "round 1 has been prepared with the curated items; the curation can no longer change")
	} else if delphi.ErrorCode(err) != delphi.ENOTFOUND {
		return err
	}
	return nil
}

// NewItem is an item to be made from suggestions, in a block.
type NewItem struct {
	SectionID string      `json:"section_id"`
	Item      delphi.Item `json:"item"`
}

// CurateRequest makes items from suggestions: accept (one suggestion, one
// item), merge (several suggestions, one item) or split (one suggestion,
// several items). An item without an id gets the next free "r0-N".
type CurateRequest struct {
	Action      string    `json:"action"`
	Suggestions []string  `json:"suggestions"`
	Items       []NewItem `json:"items"`
	Reason      string    `json:"reason"`
}

// Curate applies req and returns the curation. Every item keeps the
// suggestions it came from and the step (who, when, the action, the
// reason); the suggestions are marked with the items they became. EINVALID
// naming the field; ECONFLICT when a suggestion was curated already or
// the curation can no longer change (round 1 exists); ENOTFOUND for an
// unknown suggestion.
func (s *Service) Curate(ctx context.Context, actorID string, sv *delphi.Survey, req CurateRequest) (*delphi.Curation, error) {
	def := sv.Definition
	if !def.HasRound0() {
		return nil, noRound0()
	}
	status := map[string]string{delphi.CurateAccept: delphi.SuggestionAccepted, delphi.CurateMerge: delphi.SuggestionMerged, delphi.CurateSplit: delphi.SuggestionSplit}[req.Action]
	switch {
	case status == "":
		return nil, delphi.FieldErrorf(delphi.EINVALID, "action", "action must be accept, merge or split")
	case req.Action == delphi.CurateMerge && len(req.Suggestions) < 2:
		return nil, delphi.FieldErrorf(delphi.EINVALID, "suggestions", "merge at least two suggestions")
	case req.Action != delphi.CurateMerge && len(req.Suggestions) != 1:
		return nil, delphi.FieldErrorf(delphi.EINVALID, "suggestions", "%s takes exactly one suggestion", req.Action)
	case req.Action == delphi.CurateSplit && len(req.Items) < 2:
		return nil, delphi.FieldErrorf(delphi.EINVALID, "items", "split a suggestion into at least two items")
	case req.Action != delphi.CurateSplit && len(req.Items) != 1:
		return nil, delphi.FieldErrorf(delphi.EINVALID, "items", "%s makes exactly one item", req.Action)
	}
	reason, err := reasonText(req.Reason, "")
	if err != nil {
		return nil, err
	}
	details := map[string]any{"suggestions": req.Suggestions, "reason": reason}
	return s.change(ctx, actorID, sv, req.Action, details, func(c *delphi.Curation) error {
		var ids []string
		for i, id := range req.Suggestions {
			sg := c.Suggestion(id)
			switch {
			case sg == nil:
				return delphi.FieldErrorf(delphi.ENOTFOUND, fmt.Sprintf("suggestions[%d]", i), "suggestion %q not found", id)
			case slices.Index(req.Suggestions, id) != i:
				return delphi.FieldErrorf(delphi.EINVALID, fmt.Sprintf("suggestions[%d]", i), "suggestion %s is named twice", id)
			case sg.Status != delphi.SuggestionOpen:
				return delphi.FieldErrorf(delphi.ECONFLICT, fmt.Sprintf("suggestions[%d]", i), "suggestion %s was already curated (%s)", id, sg.Status)
			}
		}
		used := usedIDs(def, c)
		now := s.now()
		for i, ni := range req.Items {
			p := fmt.Sprintf("items[%d].", i)
			if ni.SectionID == "" {
				ni.SectionID = c.Suggestion(req.Suggestions[0]).SectionID
			}
			if !slices.ContainsFunc(def.Sections, func(sec delphi.Section) bool { return sec.ID == ni.SectionID }) {
				return delphi.FieldErrorf(delphi.EINVALID, p+"section_id", "block %q does not exist in this study", ni.SectionID)
			}
			it := ni.Item
			if it.ID == "" {
				it.ID = nextID(used)
			}
			if it.Type == delphi.ItemText && it.MaxLength == 0 {
				it.MaxLength = delphi.MaxTextLength
			}
			if err := def.CheckItem(p+"item.", it); err != nil {
				return err
			}
			if used[it.ID] {
				return delphi.ForItem(delphi.FieldErrorf(delphi.EINVALID, p+"item.id", "item id %q is already used in this study", it.ID), it.ID)
			}
			used[it.ID] = true
			ids = append(ids, it.ID)
			c.Items = append(c.Items, delphi.CuratedItem{
				SectionID: ni.SectionID, Item: it, Sources: slices.Clone(req.Suggestions),
				History: []delphi.CurationEvent{{At: now, ActorID: actorID, Action: req.Action, Reason: reason, Text: it.Text}},
			})
		}
		for _, id := range req.Suggestions {
			sg := c.Suggestion(id)
			sg.Status, sg.Items, sg.CuratorID, sg.CuratedAt = status, slices.Clone(ids), actorID, &now
		}
		details["items"] = ids
		return nil
	})
}

// change checks that the curation can still change (editable), applies fn
// to it and audits action with details (which fn may complete).
func (s *Service) change(ctx context.Context, actorID string, sv *delphi.Survey, action string, details map[string]any, fn func(*delphi.Curation) error) (*delphi.Curation, error) {
	if err := s.editable(ctx, sv.ID); err != nil {
		return nil, err
	}
	c, err := s.Store.UpdateCuration(ctx, sv.ID, fn)
	if err != nil {
		return nil, err
	}
	return c, s.audit(ctx, actorID, action, sv.ID, sv.ID, details)
}

// reasonText trims a reason and checks its limit; with missing set, an
// empty reason is refused with that message. EINVALID, field reason.
func reasonText(reason, missing string) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" && missing != "" {
		return "", delphi.FieldErrorf(delphi.EINVALID, "reason", "%s", missing)
	}
	return reason, delphi.CheckText("reason", reason, delphi.LongText)
}

// usedIDs is every item id of the definition and of c's items.
func usedIDs(def *delphi.Definition, c *delphi.Curation) map[string]bool {
	used := map[string]bool{}
	for _, it := range def.Items() {
		used[it.ID] = true
	}
	for _, ci := range c.Items {
		used[ci.Item.ID] = true
	}
	return used
}

// nextID is the first "r0-N" not in used.
func nextID(used map[string]bool) string {
	for n := 1; ; n++ {
		if id := fmt.Sprintf("r0-%d", n); !used[id] {
			return id
		}
	}
}

// RewordRequest is a new wording of a curated item, with the reason.
type RewordRequest struct {
	Text   delphi.Text `json:"text"`
	Help   delphi.Text `json:"help,omitempty"` // replaces the help text when given
	Reason string      `json:"reason"`
}

// Reword changes a curated item's wording and records the step in its
// provenance. EINVALID naming the field (text, help, reason: required);
// ENOTFOUND; ECONFLICT once round 1 exists.
func (s *Service) Reword(ctx context.Context, actorID string, sv *delphi.Survey, itemID string, req RewordRequest) (*delphi.Curation, error) {
	def := sv.Definition
	if err := def.CheckLangText("text", req.Text, true); err != nil {
		return nil, err
	}
	if err := def.CheckLangText("help", req.Help, false); err != nil {
		return nil, err
	}
	reason, err := reasonText(req.Reason, "give a reason")
	if err != nil {
		return nil, err
	}
	details := map[string]any{"item": itemID, "reason": reason}
	return s.change(ctx, actorID, sv, delphi.CurateReword, details, func(c *delphi.Curation) error {
		ci := c.Item(itemID)
		if ci == nil {
			return delphi.Errorf(delphi.ENOTFOUND, "curated item %q not found", itemID)
		}
		ci.Item.Text = req.Text
		if req.Help != nil {
			ci.Item.Help = req.Help
		}
		ci.History = append(ci.History, delphi.CurationEvent{At: s.now(), ActorID: actorID, Action: delphi.CurateReword, Reason: reason, Text: req.Text})
		return nil
	})
}

// Reject marks an open suggestion as not taken, with the reason the
// experts will read. EINVALID (reason required); ENOTFOUND; ECONFLICT when
// it was curated already or round 1 exists.
func (s *Service) Reject(ctx context.Context, actorID string, sv *delphi.Survey, id, reason string) (*delphi.Curation, error) {
	reason, err := reasonText(reason, "say why the suggestion is not taken")
	if err != nil {
		return nil, err
	}
	details := map[string]any{"suggestion": id, "reason": reason}
	return s.change(ctx, actorID, sv, delphi.CurateReject, details, func(c *delphi.Curation) error {
		sg := c.Suggestion(id)
		if sg == nil {
			return delphi.Errorf(delphi.ENOTFOUND, "suggestion %q not found", id)
		}
		if sg.Status != delphi.SuggestionOpen {
			return delphi.Errorf(delphi.ECONFLICT, "suggestion %s was already curated (%s)", id, sg.Status)
		}
		now := s.now()
		sg.Status, sg.Reason, sg.CuratorID, sg.CuratedAt = delphi.SuggestionRejected, reason, actorID, &now
		return nil
	})
}

// Discard undoes the making of a curated item: the item goes, and its
// suggestions that became no other item are open again. ENOTFOUND;
// ECONFLICT once round 1 exists.
func (s *Service) Discard(ctx context.Context, actorID string, sv *delphi.Survey, itemID string) (*delphi.Curation, error) {
	return s.change(ctx, actorID, sv, "discard", map[string]any{"item": itemID}, func(c *delphi.Curation) error {
		ci := c.Item(itemID)
		if ci == nil {
			return delphi.Errorf(delphi.ENOTFOUND, "curated item %q not found", itemID)
		}
		for _, id := range ci.Sources {
			if sg := c.Suggestion(id); sg != nil {
				sg.Items = slices.DeleteFunc(sg.Items, func(x string) bool { return x == itemID })
				if len(sg.Items) == 0 {
					sg.Status, sg.Items, sg.CuratorID, sg.CuratedAt = delphi.SuggestionOpen, nil, "", nil
				}
			}
		}
		c.Items = slices.DeleteFunc(c.Items, func(x delphi.CuratedItem) bool { return x.Item.ID == itemID })
		return nil
	})
}

// CuratedItems returns the curated items as new items of round 1, in the
// curation's order; each reason names the action and its suggestions.
func (s *Service) CuratedItems(ctx context.Context, sv *delphi.Survey) ([]rounds.NewItem, error) {
	c, err := s.Store.Curation(ctx, sv.ID)
	if err != nil {
		return nil, err
	}
	out := make([]rounds.NewItem, 0, len(c.Items))
	for _, ci := range c.Items {
		reason := fmt.Sprintf("round 0: %s of %s", ci.History[0].Action, strings.Join(ci.Sources, ", "))
		out = append(out, rounds.NewItem{SectionID: ci.SectionID, Item: ci.Item, Reason: reason})
	}
	return out, nil
}
