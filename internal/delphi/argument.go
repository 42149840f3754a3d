package delphi

import (
	"context"
	"time"
)

// Arguments between rounds (study option arguments: true): while a round
// is open, an expert posts short pro or con arguments on its items (for a
// choice or ranking item, on one option), and rates other experts'
// arguments as convincing, 1–5, once each. See docs/STUDY-FORMAT.md
// ("Arguments between rounds").

// Argument stances.
const (
	StancePro = "pro"
	StanceCon = "con"
)

// The convincingness scale of argument ratings.
const (
	ArgumentRatingMin = 1
	ArgumentRatingMax = 5
)

// Defaults and bounds of ArgumentOptions.
const (
	DefaultArgumentsPerItem  = 3
	DefaultArgumentLength    = 500
	DefaultArgumentMinRating = 2
	DefaultArgumentTop       = 1
	MaxArgumentLength        = 2000
)

// ArgumentOptions tunes the arguments of a study; a zero field takes its
// default.
type ArgumentOptions struct {
	// MaxPerItem is how many arguments one expert may hold on one item in
	// one round (default 3).
	MaxPerItem int `json:"max_per_item,omitempty" yaml:"max_per_item,omitempty"`
	// MaxLength is an argument's length in characters (default 500, at
	// most 2000).
	MaxLength int `json:"max_length,omitempty" yaml:"max_length,omitempty"`
	// MinRatings is how many ratings an argument needs to be a top
	// argument in the next round's feedback (default 2).
	MinRatings int `json:"min_ratings,omitempty" yaml:"min_ratings,omitempty"`
	// Top is how many pro and how many con arguments the feedback shows per
	// item (default 1).
	Top int `json:"top,omitempty" yaml:"top,omitempty"`
}

// ArgumentRules returns the study's argument options with the defaults
// filled in.
func (d *Definition) ArgumentRules() ArgumentOptions {
	var o ArgumentOptions
	if d.ArgumentOptions != nil {
		o = *d.ArgumentOptions
	}
	if o.MaxPerItem < 1 {
		o.MaxPerItem = DefaultArgumentsPerItem
	}
	if o.MaxLength < 1 {
		o.MaxLength = DefaultArgumentLength
	}
	if o.MinRatings < 1 {
		o.MinRatings = DefaultArgumentMinRating
	}
	if o.Top < 1 {
		o.Top = DefaultArgumentTop
	}
	return o
}

// Argument is one expert's argument on an item of a round. ExpertID and
// Pseudonym are for staff only: what experts see never carries them.
type Argument struct {
	ID        string
	SurveyID  string
	Round     int
	ItemID    string
	OptionID  string // for a choice or ranking item, the option argued about; else empty
	Stance    string // StancePro or StanceCon
	Text      string
	ExpertID  string
	Pseudonym string
	Group     string
	// Slot is the author's place among their arguments on the item
	// (1..MaxPerItem), claimed on creation: it bounds their number.
	Slot      int
	CreatedAt time.Time
	UpdatedAt time.Time
	Hidden    *ArgumentHidden // set while a coordinator hides it
}

// ArgumentHidden is a coordinator's hiding of an argument.
type ArgumentHidden struct {
	At     time.Time `json:"at"`
	By     string    `json:"by"` // user id
	Reason string    `json:"reason"`
}

// ArgumentRating is one expert's rating of another expert's argument.
type ArgumentRating struct {
	ArgumentID string
	SurveyID   string
	Round      int
	ExpertID   string
	Value      int // ArgumentRatingMin..ArgumentRatingMax
	At         time.Time
	// Of is the UpdatedAt of the argument's version the rating was given
	// to: an edit removes (DeleteArgumentRatings) and the counts ignore
	// the ratings of an older version, so a rating of the new text that
	// lands while the edit is under way is kept. Zero in ratings stored
	// before the field existed: read as At.
	Of time.Time
}

// Current says whether the rating was given to a's present version.
func (r *ArgumentRating) Current(a *Argument) bool {
	return !r.Of.Before(a.UpdatedAt)
}

// ArgumentStore persists arguments and their ratings.
type ArgumentStore interface {
	// CreateArgument stores a (ID set by the caller) in the first free
	// slot 1..maxSlots of its author on its item and round, and sets
	// a.Slot. The claim of a slot is one insert, so the bound holds
	// however many requests arrive at once. ECONFLICT when every slot is
	// taken.
	CreateArgument(ctx context.Context, a *Argument, maxSlots int) error
	// Argument returns ENOTFOUND unless the argument exists in the study.
	Argument(ctx context.Context, surveyID, id string) (*Argument, error)
	// ListArguments returns the study's arguments of round n (every round
	// for n == 0), oldest first.
	ListArguments(ctx context.Context, surveyID string, n int) ([]*Argument, error)
	// UpdateArgument reads the argument, applies fn and stores the result,
	// one writer at a time. An error from fn is returned and nothing is
	// stored. ENOTFOUND.
	UpdateArgument(ctx context.Context, surveyID, id string, fn func(a *Argument) error) (*Argument, error)
	// DeleteArgument removes the argument, its slot and its ratings.
	// ENOTFOUND.
	DeleteArgument(ctx context.Context, a *Argument) error
	// RateArgument stores r, one insert keyed by argument and rater; a
	// stored rating of an older version (Of before r.Of) is replaced.
	// ECONFLICT if the rater has rated the argument's version already.
	RateArgument(ctx context.Context, r *ArgumentRating) error
	// DeleteArgumentRatings removes the argument's ratings of versions
	// older than before (Of before it, at millisecond precision); the
	// ratings of the version of before stay.
	DeleteArgumentRatings(ctx context.Context, surveyID, argumentID string, before time.Time) error
	// ListArgumentRatings returns the ratings of the study's arguments of
	// round n (every round for n == 0).
	ListArgumentRatings(ctx context.Context, surveyID string, n int) ([]*ArgumentRating, error)
}

// RatingSummary sums up the ratings of one argument.
type RatingSummary struct {
	N            int     `json:"n"`
	Mean         float64 `json:"mean"`         // 0 when N is 0
	Distribution [5]int  `json:"distribution"` // counts of the values 1..5
}

// SummarizeRatings returns the summary of the rating values vs.
func SummarizeRatings(vs []int) RatingSummary {
	var s RatingSummary
	sum := 0
	for _, v := range vs {
		if v < ArgumentRatingMin || v > ArgumentRatingMax {
			continue
		}
		s.N++
		sum += v
		s.Distribution[v-1]++
	}
	if s.N > 0 {
		s.Mean = float64(sum) / float64(s.N)
	}
	return s
}

// RatedArgument is an argument with its ratings' summary, as researchers
// and the export see it.
type RatedArgument struct {
	*Argument
	Ratings RatingSummary
}
