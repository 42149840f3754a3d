package delphi

import (
	"context"
	"fmt"
	"time"
)

// Mail kinds of a job; a send's kind is "invite" or "reminder-<n>".
const (
	MailInvite   = "invite"
	MailReminder = "reminder"
)

// Statuses of one send.
const (
	SendPending = "pending" // waiting for its (next) attempt
	SendSending = "sending" // leased by a dispatcher
	SendSent    = "sent"
	SendFailed  = "failed"  // gave up; a coordinator may retry
	SendSkipped = "skipped" // no longer due (expert erased, declined or submitted; study closed)
)

// Mail job statuses.
const (
	JobRunning = "running"
	JobDone    = "done"
)

// MailSend is one e-mail to one expert: the record that makes sending
// idempotent (its ID is claimed by insert) and carries the send status.
type MailSend struct {
	ID            string     `json:"id"` // MailSendID(...)
	SurveyID      string     `json:"survey_id"`
	Round         int        `json:"round"`
	ExpertID      string     `json:"expert_id"`
	Kind          string     `json:"kind"` // invite or reminder-<n>
	JobID         string     `json:"job_id"`
	IssueLink     bool       `json:"issue_link"` // put a freshly issued link in the mail
	Status        string     `json:"status"`
	Attempts      int        `json:"attempts"`
	NextAttemptAt time.Time  `json:"next_attempt_at"`
	LeaseOwner    string     `json:"-"`
	LeaseUntil    *time.Time `json:"-"`
	Error         string     `json:"error,omitempty"` // the last SMTP error
	SentAt        *time.Time `json:"sent_at,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// MailSendID is the id of a send: survey#round#expert#kind.
func MailSendID(surveyID string, round int, expertID, kind string) string {
	return fmt.Sprintf("%s#%d#%s#%s", surveyID, round, expertID, kind)
}

// Final reports whether nothing more will happen to the send by itself.
func (m *MailSend) Final() bool {
	return m.Status == SendSent || m.Status == SendFailed || m.Status == SendSkipped
}

// MailJob is one accepted request to send invitations or reminders.
type MailJob struct {
	ID        string         `json:"id"`
	SurveyID  string         `json:"survey_id"`
	Round     int            `json:"round"`
	Kind      string         `json:"kind"` // invite or reminder
	KeepLinks bool           `json:"keep_links"`
	Group     string         `json:"group,omitempty"` // only this expert group
	Status    string         `json:"status"`
	SendIDs   []string       `json:"-"`
	Queued    int            `json:"queued"`  // sends created by this job
	Skipped   map[string]int `json:"skipped"` // reason → experts not sent to
	CreatedBy string         `json:"created_by"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
}

// SendOutcome is the result of one attempt.
type SendOutcome struct {
	Status        string // SendSent, SendPending (retry), SendFailed or SendSkipped
	Error         string
	NextAttemptAt time.Time
	At            time.Time
}

// RoundMail holds a coordinator's subject and intro per language for one round.
type RoundMail struct {
	SurveyID  string              `json:"survey_id"`
	Round     int                 `json:"round"`
	Mail      map[string]MailText `json:"mail"`
	UpdatedBy string              `json:"updated_by,omitempty"`
	UpdatedAt time.Time           `json:"updated_at"`
}

// Idempotent is a stored answer to a request made with an Idempotency-Key.
type Idempotent struct {
	Key         string    `json:"key"` // Idempotency-Key|user id
	Fingerprint string    `json:"fingerprint"`
	Done        bool      `json:"done"`
	Status      int       `json:"status"`
	Body        []byte    `json:"body"`
	CreatedAt   time.Time `json:"created_at"`
}

// MailStore persists mail jobs, sends, round mail texts and idempotent
// answers.
type MailStore interface {
	// CreateMailJob stores j with its sends. A send whose ID exists is not
	// created (its expert got or gets that mail already): the returned ids
	// are those created, and j.SendIDs and j.Queued are set to them.
	CreateMailJob(ctx context.Context, j *MailJob, sends []*MailSend) (created []string, err error)
	// MailJob returns ENOTFOUND unless it exists.
	MailJob(ctx context.Context, id string) (*MailJob, error)
	// ListMailJobs returns a round's jobs, oldest first.
	ListMailJobs(ctx context.Context, surveyID string, round int) ([]*MailJob, error)
	// RunningMailJobs returns every job still running.
	RunningMailJobs(ctx context.Context) ([]*MailJob, error)
	// SetMailJobStatus sets a job's status. ENOTFOUND.
	SetMailJobStatus(ctx context.Context, id, status string) error
	// MailSend returns ENOTFOUND unless it exists.
	MailSend(ctx context.Context, id string) (*MailSend, error)
	// ListMailSends returns a study's sends, of one round if round > 0.
	ListMailSends(ctx context.Context, surveyID string, round int) ([]*MailSend, error)
	// LeaseMailSend marks a due send (pending and due at now, or sending
	// with an expired lease) as sending by owner until now+lease, counting
	// the attempt. ECONFLICT if it is not due or leased by someone else; a
	// send whose delivery was recorded is never due again.
	LeaseMailSend(ctx context.Context, id, owner string, now time.Time, lease time.Duration) (*MailSend, error)
	// FinishMailSend records an attempt's outcome. ECONFLICT if owner no
	// longer holds the lease. A delivery (SendSent) by an owner who held a
	// lease on the send is recorded even then (the send is sent from then
	// on), and recording it again returns nil, so it may be retried after
	// any error.
	FinishMailSend(ctx context.Context, id, owner string, o SendOutcome) error
	// RetryFailedMailSends makes a round's failed sends pending again with
	// fresh attempts and their jobs running. It returns how many.
	RetryFailedMailSends(ctx context.Context, surveyID string, round int, now time.Time) (int, error)
	// RoundMail returns the round's texts, ENOTFOUND if none were set.
	RoundMail(ctx context.Context, surveyID string, round int) (*RoundMail, error)
	// PutRoundMail replaces the round's texts.
	PutRoundMail(ctx context.Context, m *RoundMail) error
	// BeginIdempotent claims key for a request. If the key was used
	// before, it returns the stored record and fresh == false.
	BeginIdempotent(ctx context.Context, key, fingerprint string, now time.Time) (stored *Idempotent, fresh bool, err error)
	// FinishIdempotent stores the answer for key.
	FinishIdempotent(ctx context.Context, key string, status int, body []byte) error
	// AbandonIdempotent forgets key (the request failed before any effect).
	AbandonIdempotent(ctx context.Context, key string) error
}
