package delphi

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// TextLimit is what a text that people type and the server stores may hold.
type TextLimit struct {
	Max       int  // characters (runes)
	Multiline bool // line breaks (LF, CR) and tabs allowed
}

// The limits of every stored text; CheckText applies them.
var (
	// LineText: a person's or an account's name, an organisation, a mail
	// subject.
	LineText = TextLimit{Max: MaxNameLength}
	// NotesText: the notes on an expert.
	NotesText = TextLimit{Max: MaxNotesLength, Multiline: true}
	// LongText: a comment, a justification, a reason, a mail intro, and
	// the answer to a text item (its max_length, at most this).
	LongText = TextLimit{Max: MaxTextLength, Multiline: true}
	// StudyText: one language of a text of a study definition or of an
	// item added to a round.
	StudyText = TextLimit{Max: MaxStudyTextLength, Multiline: true}
)

// Text lengths in characters.
const (
	// MaxTextLength caps every long free text: open answers, comments,
	// justifications, reasons.
	MaxTextLength      = 5000
	MaxNameLength      = 200
	MaxNotesLength     = 2000
	MaxStudyTextLength = 20000
)

// ErrTextTooLong is the cause (Error.Err) of CheckText's error for a text
// that is only too long, for callers that tell the reasons apart.
var ErrTextTooLong = errors.New("text too long")

// CheckText reports a text that breaks its limit: not valid UTF-8, longer
// than l.Max characters, or holding a control character (NUL, escape, DEL,
// C1 …); line breaks and tabs only where l.Multiline. EINVALID naming field.
func CheckText(field, s string, l TextLimit) error {
	if !utf8.ValidString(s) {
		return FieldErrorf(EINVALID, field, "%s is not valid UTF-8 text", field)
	}
	for _, r := range s {
		if !unicode.IsControl(r) || l.Multiline && (r == '\n' || r == '\r' || r == '\t') {
			continue
		}
		if r == '\n' || r == '\r' || r == '\t' {
			return FieldErrorf(EINVALID, field, "%s must be a single line without tabs", field)
		}
		return FieldErrorf(EINVALID, field, "%s contains a control character (U+%04X)", field, r)
	}
	if n := utf8.RuneCountInString(s); n > l.Max {
		return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf("%s is longer than %d characters (%d)", field, l.Max, n), Err: ErrTextTooLong}
	}
	return nil
}
