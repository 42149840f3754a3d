package curation

import (
	"context"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/participation"
)

// SummaryItem is an item a suggestion became, in the study's languages.
type SummaryItem struct {
	ID   string      `json:"id"`
	Text delphi.Text `json:"text"`
}

// SummaryEntry is one suggestion as the panel reads it: anonymous (no
// pseudonym, no group), with what became of it.
type SummaryEntry struct {
	ID        string        `json:"id"`
	SectionID string        `json:"section_id"`
	Text      string        `json:"text"`
	Rationale string        `json:"rationale"`
	Status    string        `json:"status"`
	Items     []SummaryItem `json:"items"`
	Reason    string        `json:"reason,omitempty"`
	Own       bool          `json:"own"` // the reader's own suggestion
}

// Summary is the summary list of round 0 for the experts.
type Summary struct {
	Entries []SummaryEntry `json:"entries"`
}

// Summary returns what came in during round 0 and what became of each
// suggestion, for an expert, once round 1 has opened. ECONFLICT for a
// study without round 0 or before round 1 opened.
func (s *Service) Summary(ctx context.Context, p participation.Participant) (*Summary, error) {
	if !p.Survey.Definition.HasRound0() {
		return nil, noRound0()
	}
	r1, err := s.Rounds.Get(ctx, p.Survey.ID, 1)
	if delphi.ErrorCode(err) == delphi.ENOTFOUND || err == nil && r1.Status == delphi.RoundDraft {
		return nil, delphi.Errorf(delphi.ECONFLICT, "the summary of round 0 is shown once round 1 has opened")
	} else if err != nil {
		return nil, err
	}
	c, err := s.Store.Curation(ctx, p.Survey.ID)
	if err != nil {
		return nil, err
	}
	texts := map[string]delphi.Text{}
	for _, ci := range c.Items {
		texts[ci.Item.ID] = ci.Item.Text
	}
	for _, ri := range r1.Items { // the wording asked in round 1
		texts[ri.Item.ID] = ri.Item.Text
	}
	out := &Summary{Entries: []SummaryEntry{}}
	for _, sg := range c.Suggestions {
		e := SummaryEntry{ID: sg.ID, SectionID: sg.SectionID, Text: sg.Text, Rationale: sg.Rationale, Status: sg.Status, Items: []SummaryItem{}, Reason: sg.Reason, Own: sg.ExpertID == p.Expert.ID}
		for _, id := range sg.Items {
			e.Items = append(e.Items, SummaryItem{ID: id, Text: texts[id]})
		}
		out.Entries = append(out.Entries, e)
	}
	return out, nil
}

// Provenance returns the provenance rows of every item of the study: the
// definition's items as first asked, the items curated from round 0 (one
// row per step) and the suggestions rejected there, and for each later
// round its new and reworded items, whose curator and time are the
// round's creation (the coordinator who prepared it with the change).
func (s *Service) Provenance(ctx context.Context, sv *delphi.Survey) ([]delphi.ProvenanceRow, error) {
	out := []delphi.ProvenanceRow{}
	curated := map[string]bool{}
	if sv.Definition.HasRound0() {
		c, err := s.Store.Curation(ctx, sv.ID)
		if err != nil {
			return nil, err
		}
		for _, ci := range c.Items {
			curated[ci.Item.ID] = true
			for _, ev := range ci.History {
				at := ev.At
				out = append(out, delphi.ProvenanceRow{ItemID: ci.Item.ID, Round: 1, Origin: delphi.OriginRound0, Sources: ci.Sources, CuratorID: ev.ActorID, At: &at, Action: ev.Action, Reason: ev.Reason, Text: ev.Text})
			}
		}
		for _, sg := range c.Suggestions {
			if sg.Status == delphi.SuggestionRejected {
				out = append(out, delphi.ProvenanceRow{Round: 0, Origin: delphi.OriginRound0, Sources: []string{sg.ID}, CuratorID: sg.CuratorID, At: sg.CuratedAt,
					Action: delphi.CurateReject, Reason: sg.Reason, Text: delphi.Text{sv.Definition.DefaultLanguage(): sg.Text}})
			}
		}
	}
	rs, err := s.Rounds.List(ctx, sv.ID)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, r := range rs {
		var by string
		var at *time.Time
		if len(r.History) > 0 {
			by, at = r.History[0].ActorID, &r.History[0].At
		}
		for _, ri := range r.Items {
			row := delphi.ProvenanceRow{ItemID: ri.Item.ID, Round: r.Number, Origin: ri.Origin, Sources: []string{}, Reason: ri.Reason, Text: ri.Item.Text}
			switch {
			case curated[ri.Item.ID] || ri.Origin == delphi.OriginCarried:
				continue
			case ri.Origin == delphi.OriginInitial:
				if seen[ri.Item.ID] {
					continue
				}
			case ri.Origin == delphi.OriginNew:
				row.Action, row.CuratorID, row.At = "add", by, at
			case ri.Origin == delphi.OriginChanged:
				row.Action, row.CuratorID, row.At = delphi.CurateReword, by, at
			}
			seen[ri.Item.ID] = true
			out = append(out, row)
		}
	}
	return out, nil
}
