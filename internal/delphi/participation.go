package delphi

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Round lifecycle actions recorded in Round.History.
const (
	RoundActionCreate = "create"
	RoundActionOpen   = "open"
	RoundActionClose  = "close"
	RoundActionReopen = "reopen"
	RoundActionUpdate = "update"
)

// SystemActor is the actor id of actions the server takes by itself, such as
// closing a round at its deadline.
const SystemActor = "system"

// Key returns the round's id within the database: "<survey>#<number>".
func (r *Round) Key() string { return RoundKey(r.SurveyID, r.Number) }

// RoundKey is the id of round number n of a study.
func RoundKey(surveyID string, n int) string { return fmt.Sprintf("%s#%d", surveyID, n) }

// Item returns the round's item with the given id.
func (r *Round) Item(id string) (RoundItem, bool) {
	for _, ri := range r.Items {
		if ri.Item.ID == id {
			return ri, true
		}
	}
	return RoundItem{}, false
}

// Overdue reports whether the round is open and its deadline has passed.
func (r *Round) Overdue(now time.Time) bool {
	return r.Status == RoundOpen && r.Deadline != nil && !now.Before(*r.Deadline)
}

// CloseStall is how long a close may compute a round's snapshot (while
// ClosingAt is set) before the close counts as crashed and the next close
// takes it over.
const CloseStall = 2 * time.Minute

// CloseStalled reports whether the round is open with a closing mark older
// than CloseStall at time now: a close that was interrupted.
func (r *Round) CloseStalled(now time.Time) bool {
	return r.Status == RoundOpen && r.ClosingAt != nil && !now.Before(r.ClosingAt.Add(CloseStall))
}

// Accepting returns nil if experts may save answers at time now, and
// ECONFLICT with a message fit for the expert otherwise.
func (r *Round) Accepting(now time.Time) error {
	switch {
	case r.Status == RoundDraft:
		return Errorf(ECONFLICT, "round %d has not opened yet", r.Number)
	case r.Status == RoundClosed || r.Overdue(now) || r.ClosingAt != nil:
		return Errorf(ECONFLICT, "round %d is closed; answers can no longer be changed", r.Number)
	case r.OpensAt != nil && now.Before(*r.OpensAt):
		return Errorf(ECONFLICT, "round %d opens at %s", r.Number, r.OpensAt.UTC().Format(time.RFC3339))
	}
	return nil
}

// Closes counts how often the round was closed (history entries "close").
func (r *Round) Closes() int {
	n := 0
	for _, e := range r.History {
		if e.Action == RoundActionClose {
			n++
		}
	}
	return n
}

// RoundStore persists the rounds of a study (one document per round).
type RoundStore interface {
	// CreateRound stores r; SurveyID and Number are set by the caller,
	// CreatedAt and UpdatedAt by the store. ECONFLICT if the round exists.
	CreateRound(ctx context.Context, r *Round) error
	// CreateNextRound stores r (as CreateRound) after prev, round
	// r.Number−1 as the caller read it: it first marks the stored prev
	// (NextCreatedAt), which needs prev still closed by the same close
	// (ClosedAt), in one conditional write, so that a concurrent reopen of
	// prev and the creation of r exclude each other, across processes too.
	// ECONFLICT if prev is no longer closed by that close or r exists;
	// ENOTFOUND if prev does not exist.
	CreateNextRound(ctx context.Context, r *Round, prev *Round) error
	// Round returns ENOTFOUND unless the round exists. Round and
	// ListRounds may share r.Items between callers: read-only.
	Round(ctx context.Context, surveyID string, number int) (*Round, error)
	// ListRounds returns the study's rounds in ascending order.
	ListRounds(ctx context.Context, surveyID string) ([]*Round, error)
	// OpenRounds returns the open rounds of every study (for the deadline sweep).
	OpenRounds(ctx context.Context) ([]*Round, error)
	// UpdateRound reads the round, applies fn and stores the result, one
	// writer at a time. An error from fn is returned and nothing is stored.
	// ENOTFOUND; ECONFLICT if another process changed the round meanwhile.
	UpdateRound(ctx context.Context, surveyID string, number int, fn func(r *Round) error) (*Round, error)
	// The steps of a close, which rounds.Service.Close runs in order. Each
	// write is a compare-and-set on the stored round.
	//
	// MarkClosing sets ClosingAt = at on an open round: Accepting refuses
	// answers from then on, in every process. ECONFLICT if the round is not
	// open or another process is closing it (a mark younger than
	// CloseStall); ENOTFOUND.
	MarkClosing(ctx context.Context, surveyID string, number int, at time.Time) (*Round, error)
	// AwaitAnswers waits until the AnswerGuard holders of this process
	// that took the round's guard before the call have released it.
	AwaitAnswers(surveyID string, number int)
	// PutSnapshot stores the results of the round's gen-th close. It
	// replaces a snapshot of an older or the same generation, never a
	// newer one (that is left, without an error).
	PutSnapshot(ctx context.Context, snap *Snapshot, gen int) error
	// MarkClosed closes the round that MarkClosing marked at closingAt:
	// status closed, ClosedAt = ev.At, the mark removed, ev appended to
	// the history. ECONFLICT if the round no longer carries that mark;
	// ENOTFOUND.
	MarkClosed(ctx context.Context, surveyID string, number int, closingAt time.Time, ev RoundEvent) (*Round, error)
	// UnmarkClosing removes the mark set at closingAt after a failed
	// close. ECONFLICT if the round no longer carries that mark; ENOTFOUND.
	UnmarkClosing(ctx context.Context, surveyID string, number int, closingAt time.Time) error
	// AnswerGuard reads the round, its state fresh from the database (or,
	// where this process is the only writer, as it last read or wrote it
	// with no write of it since), and
	// holds the round's answer guard shared until release is called: a
	// save checks r.Accepting and writes before it releases, so a close's
	// AwaitAnswers waits for the write. r.Items, which never change at
	// one revision of the round document, may be shared between callers:
	// read-only. ENOTFOUND.
	AnswerGuard(ctx context.Context, surveyID string, number int) (r *Round, release func(), err error)
	// Snapshot returns the feedback snapshot of a closed round. ENOTFOUND.
	Snapshot(ctx context.Context, surveyID string, number int) (*Snapshot, error)
}

// TouchEvery is the resolution of a response's LastActivityAt as a load
// of the questionnaire records it (AnswerStore.TouchResponse): a reload
// within it writes nothing, so reloads do not queue behind the saves.
// Saves and submissions record their time exactly.
const TouchEvery = time.Minute

// AnswerStore writes responses: the status timestamps and answers of one
// expert in one round, one document each.
type AnswerStore interface {
	ResponseStore
	// TouchResponse creates the response from tmpl (SurveyID, Round,
	// ExpertID, Pseudonym, Group) if it is missing, sets FirstOpenedAt if
	// unset and LastActivityAt to at unless the stored one is less than
	// TouchEvery older (a reload writes nothing), and returns it.
	TouchResponse(ctx context.Context, tmpl *Response, at time.Time) (*Response, error)
	// SaveAnswer stores a as the expert's answer to a.ItemID if a.Seq is
	// higher than the stored one's, keeping the first save time and
	// counting revisions; StartedAt is set on the first save. It returns
	// the answer stored afterwards and whether a was applied (a lower or
	// equal Seq returns the stored answer with applied == false).
	SaveAnswer(ctx context.Context, a *Answer, at time.Time) (stored *Answer, applied bool, err error)
	// SaveAnswers stores several answers to one response (the SurveyID,
	// Round and ExpertID of every answer are the same; Pseudonym and Group
	// are taken from the first) in one read-modify-write: each as
	// SaveAnswer would, in order, so of two answers to one item the higher
	// seq wins. check, when not nil, is called with the response as read
	// (nil when there is none yet) before anything is written; its error
	// is returned and nothing is stored. It returns the response after the
	// write and, per answer, whether it was applied.
	SaveAnswers(ctx context.Context, as []Answer, at time.Time, check func(*Response) error) (r *Response, applied []bool, err error)
	// SubmitResponse records a submission: the first one sets SubmittedAt,
	// each later one after a change counts in Submissions; one without a
	// change since the last is a no-op (changed == false). ENOTFOUND if
	// the expert never opened the round.
	SubmitResponse(ctx context.Context, surveyID string, round int, expertID string, at time.Time) (r *Response, changed bool, err error)
}

// ExpertSession is a session opened with an expert's personal link. It
// keeps the link token's hash, so a re-issued or revoked link ends it.
type ExpertSession struct {
	ID        string     `json:"id"`
	ExpertID  string     `json:"expert_id"`
	SurveyID  string     `json:"survey_id"`
	TokenHash string     `json:"-"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Active reports whether the session may be used at time now.
func (s *ExpertSession) Active(now time.Time) bool {
	return s.RevokedAt == nil && now.Before(s.ExpiresAt)
}

// ExpertSessionStore persists expert sessions.
type ExpertSessionStore interface {
	// CreateExpertSession stores s (ID set by the caller). ECONFLICT.
	CreateExpertSession(ctx context.Context, s *ExpertSession) error
	// ExpertSessionByID returns ENOTFOUND if absent.
	ExpertSessionByID(ctx context.Context, id string) (*ExpertSession, error)
	// RevokeExpertSession ends the session at the given time. ENOTFOUND.
	RevokeExpertSession(ctx context.Context, id string, at time.Time) error
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// ValidID reports whether id is a valid identifier of an item, option,
// criterion, section or group (the pattern of surveys/schema.json).
func ValidID(id string) bool { return idPattern.MatchString(id) }

// CheckLangText reports a text that lacks a non-empty entry for one of the
// study's languages, or has one in another language. field is the JSON
// path of the text. required == false accepts an empty (absent) text.
func (d *Definition) CheckLangText(field string, t Text, required bool) error {
	if len(t) == 0 && !required {
		return nil
	}
	for _, l := range d.Languages {
		if strings.TrimSpace(t[l]) == "" {
			return FieldErrorf(EINVALID, field+"."+l, "the %s text is missing", l)
		}
	}
	for l, s := range t {
		if !slices.Contains(d.Languages, l) {
			return FieldErrorf(EINVALID, field+"."+l, "%q is not a language of this study", l)
		}
		if err := CheckText(field+"."+l, s, StudyText); err != nil {
			return err
		}
	}
	return nil
}

// CheckItem validates an item added to a round as the study file's checks
// do: a valid id, a known type, complete texts in every study language,
// existing scales, unique criteria and options, and consistent limits.
// Errors are EINVALID with field prefix+"…".
func (d *Definition) CheckItem(prefix string, it Item) error {
	bad := func(field, format string, args ...any) error {
		return FieldErrorf(EINVALID, prefix+field, format, args...)
	}
	if !ValidID(it.ID) {
		return bad("id", "an id has letters, digits, '-', '_' and '.', starts with a letter or digit and has at most 64 characters")
	}
	if err := d.CheckLangText(prefix+"text", it.Text, true); err != nil {
		return err
	}
	if err := d.CheckLangText(prefix+"help", it.Help, false); err != nil {
		return err
	}
	if it.Ties && it.Type != ItemRanking {
		return bad("ties", "ties applies to ranking items only")
	}
	scale := func(field, id string) error {
		if _, ok := d.Scale(id); !ok {
			return bad(field, "scale %q is not defined in this study", id)
		}
		return nil
	}
	options := func(min int) error {
		if len(it.Options) < min {
			return bad("options", "give at least %d options", min)
		}
		seen := map[string]bool{}
		for i, o := range it.Options {
			f := fmt.Sprintf("options[%d]", i)
			if !ValidID(o.ID) {
				return bad(f+".id", "invalid option id %q", o.ID)
			}
			if seen[o.ID] {
				return bad(f+".id", "duplicate option id %q", o.ID)
			}
			seen[o.ID] = true
			if err := d.CheckLangText(prefix+f+".label", o.Label, true); err != nil {
				return err
			}
		}
		return nil
	}
	switch it.Type {
	case ItemRating:
		return scale("scale", it.Scale)
	case ItemMultiRating:
		if len(it.Criteria) == 0 {
			return bad("criteria", "give at least one criterion")
		}
		seen := map[string]bool{}
		for i, c := range it.Criteria {
			f := fmt.Sprintf("criteria[%d]", i)
			if !ValidID(c.ID) || seen[c.ID] {
				return bad(f+".id", "invalid or duplicate criterion id %q", c.ID)
			}
			seen[c.ID] = true
			if err := d.CheckLangText(prefix+f+".label", c.Label, true); err != nil {
				return err
			}
			if err := scale(f+".scale", c.Scale); err != nil {
				return err
			}
		}
	case ItemSingleChoice:
		return options(2)
	case ItemMultipleChoice:
		if err := options(2); err != nil {
			return err
		}
		if it.MaxChoices < 0 || it.MaxChoices > len(it.Options) {
			return bad("max_choices", "max_choices must lie between 0 (no limit) and the number of options")
		}
	case ItemRanking:
		if err := options(2); err != nil {
			return err
		}
		if it.TopK < 0 || it.TopK >= len(it.Options) {
			return bad("top_k", "top_k must be less than the number of options (0 for a full ranking)")
		}
	case ItemNumeric:
		if n := it.Numeric; n != nil {
			if err := d.CheckLangText(prefix+"numeric.unit", n.Unit, false); err != nil {
				return err
			}
			if n.Min != nil && n.Max != nil && *n.Min >= *n.Max {
				return bad("numeric.min", "min must be less than max")
			}
		}
	case ItemText:
		if it.MaxLength < 0 || it.MaxLength > MaxTextLength {
			return bad("max_length", "max_length must lie between 1 and %d", MaxTextLength)
		}
	default:
		return bad("type", "unknown item type %q", it.Type)
	}
	return nil
}
