// Package curation runs a study's open round 0 (delphi.Round0): experts
// suggest items per block in free text while round 0 is open (Suggest,
// Edit, Withdraw), coordinators curate the suggestions into items (accept,
// merge, split, reword, reject; each with its provenance), round 1 asks
// the curated items (CuratedItems, through rounds.Service.Curated), and
// experts read what became of every suggestion once round 1 has opened
// (Summary). Provenance lists where each item of the study came from.
package curation

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/participation"
	"github.com/expertenrunde/expertenrunde/internal/rounds"
)

// The per-expert rate limit of suggestion writes (create, edit, withdraw):
// at most RateLimit in RateWindow, counted in one atomic step of the
// limiter store, so it holds under parallel requests.
const (
	RateLimit  = 30
	RateWindow = 10 * time.Minute
)

// Service runs round 0's use cases. Build one per process (Main).
type Service struct {
	Store   delphi.CurationStore
	Rounds  *rounds.Service
	Limiter delphi.LimiterStore
	Audit   delphi.AuditStore
	Now     func() time.Time // injectable clock
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

func (s *Service) audit(ctx context.Context, actorID, action, surveyID, target string, details map[string]any) error {
	return delphi.Audit(ctx, s.Audit, s.now(), actorID, "curation."+action, surveyID, target, details)
}

// SuggestionInput is what an expert writes: the suggested item and a short
// rationale, in one block (section) of the study.
type SuggestionInput struct {
	SectionID string `json:"section_id"`
	Text      string `json:"text"`
	Rationale string `json:"rationale"`
}

func (in *SuggestionInput) check(def *delphi.Definition, withSection bool) error {
	if withSection && !slices.ContainsFunc(def.Sections, func(s delphi.Section) bool { return s.ID == in.SectionID }) {
		return delphi.FieldErrorf(delphi.EINVALID, "section_id", "block %q does not exist in this study", in.SectionID)
	}
	in.Text, in.Rationale = strings.TrimSpace(in.Text), strings.TrimSpace(in.Rationale)
	if in.Text == "" {
		return delphi.FieldErrorf(delphi.EINVALID, "text", "write your suggestion")
	}
	if err := delphi.CheckText("text", in.Text, delphi.SuggestionText); err != nil {
		return err
	}
	return delphi.CheckText("rationale", in.Rationale, delphi.RationaleText)
}

// OwnSuggestion is a suggestion as its author sees it.
type OwnSuggestion struct {
	ID        string    `json:"id"`
	SectionID string    `json:"section_id"`
	Text      string    `json:"text"`
	Rationale string    `json:"rationale"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Block is a block (section) of the study as round 0 shows it: the prompt
// of the suggestions.
type Block struct {
	ID          string      `json:"id"`
	Title       delphi.Text `json:"title"`
	Description delphi.Text `json:"description,omitempty"`
}

// Mine is an expert's view of round 0: the blocks, the limit per block and
// their own suggestions, oldest first.
type Mine struct {
	Blocks      []Block         `json:"blocks"`
	MaxPerBlock int             `json:"max_per_block"`
	Suggestions []OwnSuggestion `json:"suggestions"`
}

// Mine returns the expert's own suggestions. ECONFLICT for a study
// without round 0.
func (s *Service) Mine(ctx context.Context, p participation.Participant) (*Mine, error) {
	def := p.Survey.Definition
	if !def.HasRound0() {
		return nil, noRound0()
	}
	c, err := s.Store.Curation(ctx, p.Survey.ID)
	if err != nil {
		return nil, err
	}
	out := &Mine{Blocks: []Block{}, MaxPerBlock: def.Rounds.Round0.MaxSuggestions(), Suggestions: []OwnSuggestion{}}
	for _, sec := range def.Sections {
		out.Blocks = append(out.Blocks, Block{ID: sec.ID, Title: sec.Title, Description: sec.Description})
	}
	for _, sg := range c.Suggestions {
		if sg.ExpertID == p.Expert.ID {
			out.Suggestions = append(out.Suggestions, own(sg))
		}
	}
	return out, nil
}

func own(sg delphi.Suggestion) OwnSuggestion {
	return OwnSuggestion{ID: sg.ID, SectionID: sg.SectionID, Text: sg.Text, Rationale: sg.Rationale, Status: sg.Status, CreatedAt: sg.CreatedAt, UpdatedAt: sg.UpdatedAt}
}

func noRound0() error {
	return delphi.Errorf(delphi.ECONFLICT, "this study has no round 0")
}

// write admits one suggestion write of the expert: the study has round 0,
// the expert has consented and not declined, the per-expert rate limit
// has room, and round 0 accepts answers now (rounds.Service.Accept: a close
// that begins meanwhile waits for the write). The caller writes, then
// calls release.
func (s *Service) write(ctx context.Context, p participation.Participant) (release func(), err error) {
	switch {
	case !p.Survey.Definition.HasRound0():
		return nil, noRound0()
	case p.Expert.DeclinedAt != nil:
		return nil, delphi.Errorf(delphi.EFORBIDDEN, "you have left this study")
	case p.Expert.ConsentAt == nil:
		return nil, delphi.Errorf(delphi.EFORBIDDEN, "please accept the privacy notice first")
	}
	now := s.now()
	ok, wait, err := s.Limiter.Reserve(ctx, "suggest:"+p.Survey.ID+":"+p.Expert.ID, now, RateWindow, RateLimit)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &delphi.Error{Code: delphi.ERATELIMIT, Message: "too many changes to your suggestions in a short time; please wait a few minutes", RetryAfter: max(1, int(wait.Seconds()+0.999))}
	}
	_, release, err = s.Rounds.Accept(ctx, p.Survey.ID, 0)
	if delphi.ErrorCode(err) == delphi.ENOTFOUND {
		return nil, delphi.Errorf(delphi.ECONFLICT, "round 0 has not opened yet")
	}
	return release, err
}

// Suggest stores a new suggestion of the expert. EINVALID naming the field
// (section_id, text, rationale); ECONFLICT when round 0 does not accept
// suggestions now or the expert has reached the study's limit in the block
// (field section_id); ERATELIMIT; EFORBIDDEN before consent or after
// declining.
func (s *Service) Suggest(ctx context.Context, p participation.Participant, in SuggestionInput) (*OwnSuggestion, error) {
	def := p.Survey.Definition
	if err := in.check(def, true); err != nil {
		return nil, err
	}
	release, err := s.write(ctx, p)
	if err != nil {
		return nil, err
	}
	defer release()
	limit := def.Rounds.Round0.MaxSuggestions()
	var made delphi.Suggestion
	_, err = s.Store.UpdateCuration(ctx, p.Survey.ID, func(c *delphi.Curation) error {
		n := 0
		for _, sg := range c.Suggestions {
			if sg.ExpertID == p.Expert.ID && sg.SectionID == in.SectionID {
				n++
			}
		}
		if n >= limit {
			return delphi.FieldErrorf(delphi.ECONFLICT, "section_id", "you have made %d suggestions in this block, the most this study allows; edit or withdraw one", limit)
		}
		c.Seq++
		now := s.now()
		made = delphi.Suggestion{
			ID: fmt.Sprintf("S%d", c.Seq), SectionID: in.SectionID, ExpertID: p.Expert.ID, Pseudonym: p.Expert.Pseudonym, Group: p.Expert.Group,
			Text: in.Text, Rationale: in.Rationale, CreatedAt: now, UpdatedAt: now, Status: delphi.SuggestionOpen,
		}
		c.Suggestions = append(c.Suggestions, made)
		return nil
	})
	if err != nil {
		return nil, err
	}
	o := own(made)
	return &o, nil
}

// ownOpen returns the expert's suggestion id in c for a change: ENOTFOUND
// for another's or an unknown id, ECONFLICT once it was curated.
func ownOpen(c *delphi.Curation, p participation.Participant, id string) (*delphi.Suggestion, error) {
	sg := c.Suggestion(id)
	if sg == nil || sg.ExpertID != p.Expert.ID {
		return nil, delphi.Errorf(delphi.ENOTFOUND, "suggestion %q not found", id)
	}
	if sg.Status != delphi.SuggestionOpen {
		return nil, delphi.Errorf(delphi.ECONFLICT, "suggestion %s was already curated and can no longer be changed", id)
	}
	return sg, nil
}

// Edit changes the text and rationale of the expert's own suggestion while
// round 0 is open and it is not curated. Errors as Suggest; ENOTFOUND.
func (s *Service) Edit(ctx context.Context, p participation.Participant, id string, in SuggestionInput) (*OwnSuggestion, error) {
	if err := in.check(p.Survey.Definition, false); err != nil {
		return nil, err
	}
	release, err := s.write(ctx, p)
	if err != nil {
		return nil, err
	}
	defer release()
	var out OwnSuggestion
	_, err = s.Store.UpdateCuration(ctx, p.Survey.ID, func(c *delphi.Curation) error {
		sg, err := ownOpen(c, p, id)
		if err != nil {
			return err
		}
		sg.Text, sg.Rationale, sg.UpdatedAt = in.Text, in.Rationale, s.now()
		out = own(*sg)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Withdraw deletes the expert's own suggestion while round 0 is open and
// it is not curated. Errors as Edit.
func (s *Service) Withdraw(ctx context.Context, p participation.Participant, id string) error {
	release, err := s.write(ctx, p)
	if err != nil {
		return err
	}
	defer release()
	_, err = s.Store.UpdateCuration(ctx, p.Survey.ID, func(c *delphi.Curation) error {
		if _, err := ownOpen(c, p, id); err != nil {
			return err
		}
		c.Suggestions = slices.DeleteFunc(c.Suggestions, func(sg delphi.Suggestion) bool { return sg.ID == id })
		return nil
	})
	return err
}
