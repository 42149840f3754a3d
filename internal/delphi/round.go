package delphi

import (
	"context"
	"encoding/json"
	"time"
)

// Round states.
const (
	RoundDraft  = "draft"  // prepared, not yet open
	RoundOpen   = "open"   // experts answer
	RoundClosed = "closed" // feedback snapshot frozen
)

// Origins of a round's items.
const (
	OriginInitial = "initial" // round 1, from the definition
	OriginCarried = "carried" // carried over unchanged from the previous round
	OriginChanged = "changed" // carried over with changed wording
	OriginNew     = "new"     // added for this round (e.g. from open answers)
)

// Round is one round of a study with its own item list.
type Round struct {
	SurveyID string      `json:"survey_id"`
	Number   int         `json:"number"` // 1, 2, ...
	Status   string      `json:"status"`
	Items    []RoundItem `json:"items"`    // the questionnaire of this round, in order
	OpensAt  *time.Time  `json:"opens_at"` // UTC
	Deadline *time.Time  `json:"deadline"` // UTC; the round closes itself then
	OpenedAt *time.Time  `json:"opened_at,omitempty"`
	ClosedAt *time.Time  `json:"closed_at,omitempty"`
	// ClosingAt is set while a close computes the snapshot of the open
	// round (when it began); answers are refused meanwhile. A close that
	// was interrupted leaves it behind until the next close.
	ClosingAt *time.Time `json:"-"`
	// NextCreatedAt is when round Number+1 was created after this round,
	// which may then never be reopened.
	NextCreatedAt *time.Time `json:"-"`
	// Mail holds per-language overrides of the invitation subject and intro.
	Mail      map[string]MailText `json:"mail,omitempty"`
	History   []RoundEvent        `json:"history"`
	CreatedAt time.Time           `json:"created_at"`
	UpdatedAt time.Time           `json:"updated_at"`
}

// RoundItem is an item as asked in one round.
type RoundItem struct {
	SectionID string `json:"section_id"`
	Item      Item   `json:"item"`
	Origin    string `json:"origin"`
	Reason    string `json:"reason,omitempty"` // why it was changed or added
}

// MailText is a coordinator's subject and intro paragraph for one language.
type MailText struct {
	Subject string `json:"subject,omitempty"`
	Intro   string `json:"intro,omitempty"`
}

// RoundEvent records a lifecycle step (open, close, reopen with its reason).
type RoundEvent struct {
	At      time.Time `json:"at"`
	Action  string    `json:"action"`
	ActorID string    `json:"actor_id"`
	Reason  string    `json:"reason,omitempty"`
}

// Response is one expert's participation in one round: the status
// timestamps and the answers (item id → answer). One document per
// expert × round; writes to it are serialised.
type Response struct {
	SurveyID       string            `json:"survey_id"`
	Round          int               `json:"round"`
	ExpertID       string            `json:"expert_id"`
	Pseudonym      string            `json:"pseudonym"`
	Group          string            `json:"group"`
	FirstOpenedAt  *time.Time        `json:"first_opened_at,omitempty"`
	LastActivityAt *time.Time        `json:"last_activity_at,omitempty"`
	StartedAt      *time.Time        `json:"started_at,omitempty"` // first answer saved
	SubmittedAt    *time.Time        `json:"submitted_at,omitempty"`
	Submissions    int               `json:"submissions"` // 1 + revisions after submitting
	Answers        map[string]Answer `json:"answers"`
}

// ResponseStore persists responses (status and answers per expert × round).
type ResponseStore interface {
	// Response returns ENOTFOUND if the expert has not opened the round.
	Response(ctx context.Context, surveyID string, round int, expertID string) (*Response, error)
	// ListResponses returns every response of a round (for progress and results).
	ListResponses(ctx context.Context, surveyID string, round int) ([]*Response, error)
}

// Snapshot is the frozen result of a closed round: the analysis output as
// JSON, computed once on closing. Round n+1 shows exactly this.
type Snapshot struct {
	SurveyID   string          `json:"survey_id"`
	Round      int             `json:"round"`
	ComputedAt time.Time       `json:"computed_at"`
	Results    json.RawMessage `json:"results"` // analysis.RoundResults
}
