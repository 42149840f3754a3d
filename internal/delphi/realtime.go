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
	// OutsideIQR: the value lay outside the interquartile range of the
	// panel's statistics as this expert could see them when it was saved
	// (the other experts' latest answers), so the study's
	// justify_outside_iqr asks for a justification of it.
	OutsideIQR bool `json:"outside_iqr,omitempty"`
}

// Realtime reports whether the study runs in real-time mode (Mode
// "realtime"): one continuous round whose feedback updates as the panel
// answers. Mode absent is ModeRounds.
func (d *Definition) Realtime() bool { return d.Mode == ModeRealtime }

const (
	// ReasonRealtimeOneRound: a real-time study has exactly one round, so
	// a second one cannot be prepared; params: none.
	ReasonRealtimeOneRound = "realtime_one_round"
	// ReasonNotRealtime: the request is one of the real-time mode, and the
	// study runs in rounds; params: none.
	ReasonNotRealtime = "not_realtime"
)

// RevisionStore keeps the revision history of real-time studies.
type RevisionStore interface {
	// AppendRevisions stores revs (all of one study) after the ones kept.
	AppendRevisions(ctx context.Context, revs []Revision) error
	// ListRevisions returns every revision of the study in the order they
	// were stored (At ascending, ties in storing order).
	ListRevisions(ctx context.Context, surveyID string) ([]Revision, error)
}
