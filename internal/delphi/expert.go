package delphi

import (
	"context"
	"net/mail"
	"strings"
	"time"
)

// Expert is a panel member of one study. Identity fields (Name, Email,
// Organisation, Notes) are stored apart from everything else, so that erasing
// a person keeps their pseudonymous answers. Analyses and exports only ever
// show Pseudonym and Group.
type Expert struct {
	ID        string `json:"id"`        // internal id (random)
	SurveyID  string `json:"survey_id"` //
	Pseudonym string `json:"pseudonym"` // e.g. E-7K3M; stable across rounds, unique per study
	Group     string `json:"group"`     // one of the study's groups
	Language  string `json:"language"`  // one of the study's languages; a new expert gets the first

	// Identity; empty after erasure.
	Name         string `json:"name"`
	Email        string `json:"email"` // lower-cased; unique per study
	Organisation string `json:"organisation"`
	Notes        string `json:"notes"`

	ConsentAt    *time.Time `json:"consent_at,omitempty"`  // privacy notice accepted
	DeclinedAt   *time.Time `json:"declined_at,omitempty"` // left the study
	ErasedAt     *time.Time `json:"erased_at,omitempty"`
	LinkIssuedAt *time.Time `json:"link_issued_at,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// Erased reports whether the person's identity was erased.
func (e *Expert) Erased() bool { return e.ErasedAt != nil }

// ExpertStore persists panels. Identity lives in a separate collection.
type ExpertStore interface {
	// CreateExpert stores e, assigning ID, a unique Pseudonym (if empty) and
	// timestamps. ECONFLICT (field email) if the e-mail exists in the study.
	CreateExpert(ctx context.Context, e *Expert) error
	// ExpertByID returns ENOTFOUND unless the expert exists in that study.
	ExpertByID(ctx context.Context, surveyID, id string) (*Expert, error)
	// ExpertByEmail looks up case-insensitively within a study. ENOTFOUND.
	ExpertByEmail(ctx context.Context, surveyID, email string) (*Expert, error)
	// ListExperts returns the study's panel ordered by pseudonym.
	ListExperts(ctx context.Context, surveyID string) ([]*Expert, error)
	// UpdateExpert replaces group, language and identity fields and fills e
	// with the stored expert. It never writes ConsentAt or DeclinedAt (e's
	// are ignored), so an edit from a copy read before the expert consented
	// or declined keeps them; those change only through SetConsent,
	// SetDeclined and ClearDeclined. ECONFLICT if a changed e-mail exists.
	// ENOTFOUND.
	UpdateExpert(ctx context.Context, e *Expert) error
	// SetConsent records the expert's consent at at unless one is stored,
	// writing nothing else of the expert (a concurrent UpdateExpert of other
	// fields stays), and returns the stored expert. ENOTFOUND.
	SetConsent(ctx context.Context, surveyID, id string, at time.Time) (*Expert, error)
	// SetDeclined records that the expert left the study at at unless a
	// decline is stored, like SetConsent. ENOTFOUND.
	SetDeclined(ctx context.Context, surveyID, id string, at time.Time) (*Expert, error)
	// ClearDeclined takes a decline back (a coordinator's correction),
	// writing nothing else of the expert, and returns the stored expert.
	// ENOTFOUND.
	ClearDeclined(ctx context.Context, surveyID, id string) (*Expert, error)
	// EraseExpert deletes the identity (name, e-mail, organisation, notes),
	// revokes the access link and removes the error texts of the expert's
	// mail sends (which may quote the address), leaving nothing of the
	// identity in the embedded database's files; pseudonym, group and
	// answers stay. Repeating it is safe.
	EraseExpert(ctx context.Context, surveyID, id string, at time.Time) error
	// SetAccessToken stores the SHA-256 (hex) of the expert's new link token;
	// the previous token stops working.
	SetAccessToken(ctx context.Context, surveyID, expertID, tokenHash string, at time.Time) error
	// ExpertByTokenHash resolves a link token's hash. ENOTFOUND for unknown or revoked tokens.
	ExpertByTokenHash(ctx context.Context, tokenHash string) (*Expert, error)
	// ExpertByLink returns the expert of surveyID whose link in force has
	// the hash tokenHash, without identity fields (a session check's one
	// read). ENOTFOUND as ExpertByTokenHash, also for an erased expert.
	ExpertByLink(ctx context.Context, surveyID, expertID, tokenHash string) (*Expert, error)
}

// Expert statuses as the panel list filters them.
const (
	ExpertActive   = "active"   // may be invited
	ExpertDeclined = "declined" // left the study
	ExpertErased   = "erased"   // identity erased
)

// Status returns ExpertErased, ExpertDeclined or ExpertActive.
func (e *Expert) Status() string {
	switch {
	case e.ErasedAt != nil:
		return ExpertErased
	case e.DeclinedAt != nil:
		return ExpertDeclined
	}
	return ExpertActive
}

// ValidEmail reports whether s is a plain address (local@domain) without a
// display name, as expert and staff e-mails must be.
func ValidEmail(s string) bool {
	if s == "" || len(s) > 254 || strings.ContainsAny(s, " \t\r\n<>,;\"") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && strings.Contains(s[at+1:], ".")
}

// Normalize trims the text fields and lower-cases the e-mail and language.
func (e *Expert) Normalize() {
	e.Name = strings.TrimSpace(e.Name)
	e.Email = strings.ToLower(strings.TrimSpace(e.Email))
	e.Organisation = strings.TrimSpace(e.Organisation)
	e.Notes = strings.TrimSpace(e.Notes)
	e.Group = strings.TrimSpace(e.Group)
	e.Language = strings.ToLower(strings.TrimSpace(e.Language))
}

// Validate checks a normalized expert against the study definition: a valid
// e-mail, a group of the study and one of its languages. EINVALID naming
// the field, with its reason (ReasonBadEmail, ReasonUnknownGroup,
// ReasonUnknownLanguage).
func (e *Expert) Validate(def *Definition) error {
	if !ValidEmail(e.Email) {
		return FieldErrorf(EINVALID, "email", "%q is not a valid e-mail address", e.Email).WithReason(ReasonBadEmail, emailParams(e.Email))
	}
	if err := def.CheckGroup(e.Group); err != nil {
		return err
	}
	if !def.HasLanguage(e.Language) {
		return FieldErrorf(EINVALID, "language", "language %q is not a language of this study (%s)", e.Language, strings.Join(def.LanguageList(), ", ")).
			WithReason(ReasonUnknownLanguage, map[string]any{"value": e.Language, "allowed": strings.Join(def.LanguageList(), ", ")})
	}
	return e.CheckTexts()
}

// CheckTexts applies the text limits to the identity: name and
// organisation one line (LineText), notes NotesText. EINVALID naming the
// field.
func (e *Expert) CheckTexts() error {
	for _, f := range []struct {
		field, s string
		limit    TextLimit
	}{{"name", e.Name, LineText}, {"organisation", e.Organisation, LineText}, {"notes", e.Notes, NotesText}} {
		if err := CheckText(f.field, f.s, f.limit); err != nil {
			return err
		}
	}
	return nil
}

// emailParams are the params of ReasonBadEmail: the address as given, if any.
func emailParams(s string) map[string]any {
	if s == "" {
		return nil
	}
	return map[string]any{"value": s}
}

// CheckGroup is nil for a group the study defines, else EINVALID (field
// group, ReasonUnknownGroup).
func (d *Definition) CheckGroup(id string) error {
	if _, ok := d.Group(id); ok {
		return nil
	}
	return FieldErrorf(EINVALID, "group", "unknown group %q", id).WithReason(ReasonUnknownGroup, map[string]any{"value": id})
}
