package delphi

import (
	"context"
	"fmt"
	"time"
)

// Staff roles.
const (
	RoleAdmin       = "admin"       // sees and manages everything
	RoleCoordinator = "coordinator" // runs the panels of the studies assigned
	RoleResearcher  = "researcher"  // reads results of the studies assigned
)

// ValidRole reports whether r is a staff role.
func ValidRole(r string) bool {
	return r == RoleAdmin || r == RoleCoordinator || r == RoleResearcher
}

// MinPasswordLength is the minimum length of a staff password, in characters.
const MinPasswordLength = 12

// User is a staff account.
type User struct {
	ID           string    `json:"id"`
	Email        string    `json:"email"` // stored lower-case
	Name         string    `json:"name"`
	Role         string    `json:"role"`
	SurveyIDs    []string  `json:"survey_ids"` // studies assigned (ignored for admins)
	PasswordHash string    `json:"-"`          // argon2id, PHC string format
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	// DisabledAt is set while an admin has disabled the account: it cannot
	// log in, and its sessions and tokens are refused.
	DisabledAt *time.Time `json:"disabled_at,omitempty"`
}

// Validate checks an account's stored fields: a plain e-mail address
// (lower-case), a role, and the name and study ids as one-line texts
// (CheckText, LineText). EINVALID naming the field.
func (u *User) Validate() error {
	if !ValidEmail(u.Email) {
		return FieldErrorf(EINVALID, "email", "%q is not a valid e-mail address", u.Email).WithReason(ReasonBadEmail, emailParams(u.Email))
	}
	if !ValidRole(u.Role) {
		return FieldErrorf(EINVALID, "role", "role must be admin, coordinator or researcher")
	}
	if err := CheckText("name", u.Name, LineText); err != nil {
		return err
	}
	for i, id := range u.SurveyIDs {
		if err := CheckText(fmt.Sprintf("survey_ids[%d]", i), id, LineText); err != nil {
			return err
		}
	}
	return nil
}

// Disabled reports whether the account is disabled.
func (u *User) Disabled() bool { return u.DisabledAt != nil }

// LoginFailed is the one answer to a failed login (EUNAUTHORIZED): a wrong
// password, an unknown account and a disabled account with the right
// password look alike, so a login attempt reveals neither that an account
// exists nor that a guessed password is right.
func LoginFailed() *Error { return Errorf(EUNAUTHORIZED, "wrong e-mail or password") }

// EnabledAdmins counts the admins among users that are not disabled.
func EnabledAdmins(users []*User) int {
	n := 0
	for _, u := range users {
		if u.Role == RoleAdmin && !u.Disabled() {
			n++
		}
	}
	return n
}

// CanSee reports whether the user may see the study with the given id.
func (u *User) CanSee(surveyID string) bool {
	if u.Role == RoleAdmin {
		return true
	}
	for _, id := range u.SurveyIDs {
		if id == surveyID {
			return true
		}
	}
	return false
}

// Session is a staff login. JWTs carry its ID; logout revokes it.
type Session struct {
	ID        string     `json:"id"`
	UserID    string     `json:"user_id"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Active reports whether the session may be used at time now.
func (s *Session) Active(now time.Time) bool {
	return s.RevokedAt == nil && now.Before(s.ExpiresAt)
}

// Survey is a stored study: the latest revision of its definition.
type Survey struct {
	ID         string      `json:"id"`
	Revision   int         `json:"revision"` // 1, 2, ... assigned on each changed import
	Definition *Definition `json:"definition"`
	Status     string      `json:"status"` // draft, active, closed
	CreatedAt  time.Time   `json:"created_at"`
	UpdatedAt  time.Time   `json:"updated_at"`
	CreatedBy  string      `json:"created_by,omitempty"` // user id
}

// Survey statuses.
const (
	SurveyDraft  = "draft"
	SurveyActive = "active"
	SurveyClosed = "closed"
)

// AuditEntry records a staff action that touches personal data, sends mail or
// changes a study.
type AuditEntry struct {
	ID       string         `json:"id"`
	At       time.Time      `json:"at"`
	ActorID  string         `json:"actor_id"` // user id, or "cli"
	Action   string         `json:"action"`   // e.g. "survey.import", "user.create"
	SurveyID string         `json:"survey_id,omitempty"`
	Target   string         `json:"target,omitempty"` // e.g. an expert or user id
	Details  map[string]any `json:"details,omitempty"`
}

// UserStore persists staff accounts.
type UserStore interface {
	// CreateUser stores u, assigning ID and timestamps. ECONFLICT if the e-mail exists.
	CreateUser(ctx context.Context, u *User) error
	// UserByID returns ENOTFOUND if there is no such user.
	UserByID(ctx context.Context, id string) (*User, error)
	// UserByEmail looks up by lower-cased e-mail. ENOTFOUND if absent.
	UserByEmail(ctx context.Context, email string) (*User, error)
	// UpdateUser replaces role, name, survey ids and password hash (never the
	// disabled state). ENOTFOUND.
	UpdateUser(ctx context.Context, u *User) error
	// SetUserDisabled disables the account at *at, or enables it when at is
	// nil. It writes the disabled time (and the update time) alone, and only
	// when the state changes: disabling a disabled account keeps its earlier
	// time. It returns the stored user and whether this call changed it.
	// ENOTFOUND.
	SetUserDisabled(ctx context.Context, id string, at *time.Time) (u *User, changed bool, err error)
	// ListUsers returns all staff accounts ordered by e-mail.
	ListUsers(ctx context.Context) ([]*User, error)
	// CountUsers returns the number of staff accounts.
	CountUsers(ctx context.Context) (int, error)
}

// SessionStore persists staff sessions.
type SessionStore interface {
	// CreateSession stores s (ID set by the caller).
	CreateSession(ctx context.Context, s *Session) error
	// SessionByID returns ENOTFOUND if absent.
	SessionByID(ctx context.Context, id string) (*Session, error)
	// RevokeSession marks the session revoked at the given time. ENOTFOUND.
	RevokeSession(ctx context.Context, id string, at time.Time) error
	// RevokeUserSessions revokes every active session of a user (after a
	// password change, or when the account is disabled) and returns how many.
	RevokeUserSessions(ctx context.Context, userID string, at time.Time) (int, error)
}

// SurveyStore persists study definitions with their revisions.
type SurveyStore interface {
	// PutSurvey stores a new revision of s.Definition. If the stored latest
	// revision has an identical definition, it returns that one unchanged with
	// changed == false. Otherwise the revision becomes latest+1 (1 for new studies).
	PutSurvey(ctx context.Context, s *Survey) (stored *Survey, changed bool, err error)
	// SurveyByID returns the latest revision. ENOTFOUND. A revision never
	// changes, so its Definition may be shared between callers: read-only.
	SurveyByID(ctx context.Context, id string) (*Survey, error)
	// SurveyRevision returns the given revision (Definition read-only, as
	// for SurveyByID). ENOTFOUND.
	SurveyRevision(ctx context.Context, id string, revision int) (*Survey, error)
	// ListSurveys returns the latest revisions; ids == nil means all.
	ListSurveys(ctx context.Context, ids []string) ([]*Survey, error)
}

// AuditStore is the append-only audit log.
type AuditStore interface {
	AppendAudit(ctx context.Context, e *AuditEntry) error
	// ListAudit returns entries newest first, optionally for one study.
	ListAudit(ctx context.Context, surveyID string, limit int) ([]*AuditEntry, error)
}

// Audit appends the entry of one action to a, at now in UTC. Callers fail
// the action when it fails: an unaudited action on personal data must not
// silently succeed.
func Audit(ctx context.Context, a AuditStore, now time.Time, actorID, action, surveyID, target string, details map[string]any) error {
	return a.AppendAudit(ctx, &AuditEntry{At: now.UTC(), ActorID: actorID, Action: action, SurveyID: surveyID, Target: target, Details: details})
}

// LimiterStore counts attempts per key (an account or an IP) in a sliding
// window. Reserve is the one step that checks and counts, so a limit holds
// however many requests arrive at once, across instances too.
type LimiterStore interface {
	// Reserve records one attempt for key at now, unless the window
	// [now-window, now] already holds limit attempts: then it records nothing,
	// returns granted == false and how long until the oldest attempt leaves
	// the window. Checking and recording are one atomic step.
	Reserve(ctx context.Context, key string, now time.Time, window time.Duration, limit int) (granted bool, retryAfter time.Duration, err error)
	// TakeBack removes one attempt recorded at at, e.g. the reservation of
	// a request that turned out not to be a failure; none there is no error.
	TakeBack(ctx context.Context, key string, at time.Time) error
	// Attempts returns the count within the window without recording.
	Attempts(ctx context.Context, key string, now time.Time, window time.Duration) (int, error)
	// Reset clears the key.
	Reset(ctx context.Context, key string) error
}
