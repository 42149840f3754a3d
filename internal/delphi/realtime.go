package delphi

import (
	"context"
	"time"
)

// Study modes (issue #21).
const (
	ModeRounds   = "rounds"   // classic rounds with feedback between them (the default)
	ModeRealtime = "realtime" // one continuous round; feedback updates as the panel answers
)

// Revision is one saved answer of an expert to an item in a real-time
// study, kept with its time: every save of a changed value appends one,
// so the answers' history over the open period can be analysed (how the
// panel's median and IQR moved, who revised after seeing the feedback).
// It carries the pseudonym and group only, never identity fields.
type Revision struct {
	SurveyID  string    `json:"survey_id"`
	ItemID    string    `json:"item_id"`
	ExpertID  string    `json:"expert_id"`
	Pseudonym string    `json:"pseudonym"`
	Group     string    `json:"group"`
	Value     Value     `json:"value"`
	At        time.Time `json:"at"` // UTC, when the save was stored
	// SawFeedback: before this save the expert had been shown the panel's
	// statistics for this item (so the revision may follow the feedback).
	SawFeedback bool `json:"saw_feedback"`
	// Draft: the expert had not submitted when this revision was saved.
	Draft bool `json:"draft"`
}

// RevisionStore keeps the revision history of real-time studies.
type RevisionStore interface {
	// AppendRevisions stores revs (all of one study) after the ones kept.
	AppendRevisions(ctx context.Context, revs []Revision) error
	// ListRevisions returns every revision of the study in the order they
	// were stored (At ascending, ties in storing order).
	ListRevisions(ctx context.Context, surveyID string) ([]Revision, error)
}
