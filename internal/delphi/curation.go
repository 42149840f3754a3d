package delphi

import (
	"context"
	"time"
)

// Round0 is the study option of an open round 0 (rounds.round0): before
// round 1, experts suggest items per block in free text, and coordinators
// curate the suggestions into round 1's new items.
type Round0 struct {
	Enabled bool `json:"enabled" yaml:"enabled"`
	// MaxSuggestionsPerBlock caps one expert's suggestions in one block;
	// 0 (absent) means DefaultMaxSuggestions.
	MaxSuggestionsPerBlock int `json:"max_suggestions_per_block,omitempty" yaml:"max_suggestions_per_block,omitempty"`
}

// DefaultMaxSuggestions is an expert's limit of suggestions per block when
// the study does not set rounds.round0.max_suggestions_per_block.
const DefaultMaxSuggestions = 5

// MaxSuggestions returns the per-expert, per-block limit of suggestions.
func (r *Round0) MaxSuggestions() int {
	if r == nil || r.MaxSuggestionsPerBlock < 1 {
		return DefaultMaxSuggestions
	}
	return r.MaxSuggestionsPerBlock
}

// HasRound0 reports whether the study starts with an open round 0.
func (d *Definition) HasRound0() bool { return d.Rounds.Round0 != nil && d.Rounds.Round0.Enabled }

// The limits of a suggestion's texts (CheckText).
var (
	// SuggestionText is the suggested item itself: a short statement.
	SuggestionText = TextLimit{Max: 500, Multiline: true}
	// RationaleText is the expert's short rationale for a suggestion.
	RationaleText = TextLimit{Max: 1000, Multiline: true}
)

// States of a suggestion.
const (
	SuggestionOpen     = "open"     // not curated yet
	SuggestionAccepted = "accepted" // became one item of its own
	SuggestionMerged   = "merged"   // merged with others into one item
	SuggestionSplit    = "split"    // split into several items
	SuggestionRejected = "rejected" // not taken, with a reason
)

// Curation actions, as recorded in an item's provenance.
const (
	CurateAccept = "accept" // one suggestion → one item
	CurateMerge  = "merge"  // several suggestions → one item
	CurateSplit  = "split"  // one suggestion → several items
	CurateReword = "reword" // a new wording of a curated or carried-over item
	CurateReject = "reject" // a suggestion is not taken
)

// Suggestion is one expert's free-text suggestion of an item in round 0.
type Suggestion struct {
	ID        string    `json:"id"` // "S1", "S2", … in the order they came in
	SectionID string    `json:"section_id"`
	ExpertID  string    `json:"expert_id"`
	Pseudonym string    `json:"pseudonym"`
	Group     string    `json:"group"`
	Text      string    `json:"text"`
	Rationale string    `json:"rationale"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Status is a Suggestion… state; Items are the ids of the items it
	// became (accepted, merged, split); Reason says why it was rejected.
	Status    string     `json:"status"`
	Items     []string   `json:"items,omitempty"`
	Reason    string     `json:"reason,omitempty"`
	CuratorID string     `json:"curator_id,omitempty"`
	CuratedAt *time.Time `json:"curated_at,omitempty"`
}

// CuratedItem is an item made from suggestions, to be asked in round 1.
type CuratedItem struct {
	SectionID string `json:"section_id"`
	Item      Item   `json:"item"`
	// Sources are the ids of the suggestions it came from.
	Sources []string `json:"sources"`
	// History is its provenance: the curation action that made it (accept,
	// merge or split) first, then every reword.
	History []CurationEvent `json:"history"`
}

// CurationEvent is one step of an item's provenance: who did what, when
// and why.
type CurationEvent struct {
	At      time.Time `json:"at"`
	ActorID string    `json:"actor_id"`
	Action  string    `json:"action"`
	Reason  string    `json:"reason,omitempty"`
	Text    Text      `json:"text,omitempty"` // the wording set by the step
}

// Curation is a study's round 0: the suggestions and the items curated
// from them. One record per study; its writes are serialised.
type Curation struct {
	SurveyID    string        `json:"survey_id"`
	Seq         int           `json:"seq"` // suggestions numbered so far
	Suggestions []Suggestion  `json:"suggestions"`
	Items       []CuratedItem `json:"items"`
	UpdatedAt   time.Time     `json:"updated_at"`
}

// Suggestion returns the suggestion with the id, or nil.
func (c *Curation) Suggestion(id string) *Suggestion {
	for i := range c.Suggestions {
		if c.Suggestions[i].ID == id {
			return &c.Suggestions[i]
		}
	}
	return nil
}

// Item returns the curated item with the id, or nil.
func (c *Curation) Item(id string) *CuratedItem {
	for i := range c.Items {
		if c.Items[i].Item.ID == id {
			return &c.Items[i]
		}
	}
	return nil
}

// OriginRound0 is the origin of the provenance rows of items curated from
// round 0 and of the suggestions not taken there.
const OriginRound0 = "round0"

// ProvenanceRow is one step in the history of an item of a study: where it
// came from (Origin: initial, round0, new, changed), in which round it was
// first asked in that form, from which suggestions, who did the step, when
// and why, and the wording it set. A rejected suggestion has a row without
// an item (its text as Text).
type ProvenanceRow struct {
	ItemID    string     `json:"item_id"`
	Round     int        `json:"round"`
	Origin    string     `json:"origin"`
	Sources   []string   `json:"sources"`
	CuratorID string     `json:"curator_id"`
	At        *time.Time `json:"at,omitempty"`
	Action    string     `json:"action"`
	Reason    string     `json:"reason"`
	Text      Text       `json:"text,omitempty"`
}

// CurationStore persists each study's curation.
type CurationStore interface {
	// Curation returns the study's curation, an empty one when nothing
	// was stored yet.
	Curation(ctx context.Context, surveyID string) (*Curation, error)
	// UpdateCuration applies fn to the stored curation (an empty one when
	// none) and stores the result; fn's error leaves it unchanged. Writes
	// to one study's curation are serialised, so fn sees every earlier
	// write: a limit that fn checks holds under parallel requests.
	UpdateCuration(ctx context.Context, surveyID string, fn func(*Curation) error) (*Curation, error)
}
