package export

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/results"
)

// Sources are what Load reads: usually the one *store.Store, and the
// results.Service that the results API uses too (so the numbers match).
type Sources struct {
	Surveys interface {
		SurveyByID(ctx context.Context, id string) (*delphi.Survey, error)
	}
	Rounds interface {
		ListRounds(ctx context.Context, surveyID string) ([]*delphi.Round, error)
	}
	Results interface {
		// Round returns the frozen results of a closed round, or live
		// results of an open one; ECONFLICT for a draft.
		Round(ctx context.Context, surveyID string, n int) (*analysis.RoundResults, error)
	}
	Responses delphi.ResponseStore
	// Experts, optional, gives the panel per group. Only counts are taken.
	Experts interface {
		ListExperts(ctx context.Context, surveyID string) ([]*delphi.Expert, error)
	}
	// Mail, optional, gives the invitations sent per round.
	Mail interface {
		ListMailSends(ctx context.Context, surveyID string, round int) ([]*delphi.MailSend, error)
	}
}

// Request says what to export.
type Request struct {
	SurveyID string
	Rounds   []int  // nil: every round that has results (open or closed)
	Lang     string // de, en, or "" for the study's first language
	Version  string
	Now      time.Time
}

// ParseRounds reads "all" (or "") as nil and "1,2" as [1 2]. EINVALID
// (field rounds) for anything else.
func ParseRounds(s string) ([]int, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "all" {
		return nil, nil
	}
	var out []int
	for _, p := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 {
			return nil, delphi.FieldErrorf(delphi.EINVALID, "rounds", "rounds must be \"all\" or round numbers such as 1,2")
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Load assembles the Input of an export from the stores. Responses are
// read round by round while the export is written (ctx must outlive the
// writing). Errors: ENOTFOUND for an unknown study or round, ECONFLICT for
// a requested round without results (a draft), EINVALID for a bad
// language, and the stores' errors.
func Load(ctx context.Context, src Sources, req Request) (Input, error) {
	sv, err := src.Surveys.SurveyByID(ctx, req.SurveyID)
	if err != nil {
		return Input{}, err
	}
	if req.Lang != "" && req.Lang != delphi.LangDE && req.Lang != delphi.LangEN {
		return Input{}, delphi.FieldErrorf(delphi.EINVALID, "lang", "the language must be de or en")
	}
	all, err := src.Rounds.ListRounds(ctx, sv.ID)
	if err != nil {
		return Input{}, err
	}
	in := Input{Survey: sv, Lang: req.Lang, Version: req.Version, Now: req.Now}
	for _, n := range req.Rounds {
		if !slices.ContainsFunc(all, func(r *delphi.Round) bool { return r.Number == n }) {
			return Input{}, delphi.Errorf(delphi.ENOTFOUND, "round %d not found", n)
		}
	}
	for _, r := range all {
		if req.Rounds == nil && r.Status == delphi.RoundDraft || req.Rounds != nil && !slices.Contains(req.Rounds, r.Number) {
			continue
		}
		res, err := src.Results.Round(ctx, sv.ID, r.Number)
		if err != nil {
			return Input{}, err
		}
		in.Rounds = append(in.Rounds, *r)
		in.Results = append(in.Results, res)
	}
	if in.Panel, err = panel(ctx, src, sv.ID, in.Rounds); err != nil {
		return Input{}, err
	}
	in.Responses = func(round int, yield func(*delphi.Response) error) error {
		// The store answers a round as a slice; a cursor would keep even
		// one round out of memory.
		rs, err := src.Responses.ListResponses(ctx, sv.ID, round)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if err := yield(r); err != nil {
				return err
			}
		}
		return nil
	}
	return in, nil
}

// panel counts the panel per group (everyone ever recruited, erased ones
// included; declined ones also apart) and, per round and group, the
// experts invited (by mail or a link handed out without it), started and completed, as
// results.ResponseRates counts them (the group is the one the expert
// answered in). Without a mail store the invitations are unknown.
func panel(ctx context.Context, src Sources, surveyID string, rounds []delphi.Round) (PanelComposition, error) {
	p := PanelComposition{Rounds: map[int]map[string]Participation{}}
	var experts []*delphi.Expert
	if src.Experts != nil {
		var err error
		if experts, err = src.Experts.ListExperts(ctx, surveyID); err != nil {
			return p, err
		}
		p.Experts, p.Declined = map[string]int{}, map[string]int{}
		for _, e := range experts {
			p.Experts[e.Group]++
			if e.DeclinedAt != nil {
				p.Declined[e.Group]++
			}
		}
	}
	p.InvitedUnknown = src.Mail == nil || src.Experts == nil
	for i, r := range rounds {
		rs, err := src.Responses.ListResponses(ctx, surveyID, r.Number)
		if err != nil {
			return p, err
		}
		var sends []*delphi.MailSend
		if !p.InvitedUnknown {
			if sends, err = src.Mail.ListMailSends(ctx, surveyID, r.Number); err != nil {
				return p, err
			}
		}
		var prev *delphi.Round
		if i > 0 && rounds[i-1].Number == r.Number-1 {
			prev = &rounds[i-1]
		}
		byGroup, _ := results.ResponseRates(experts, rs, sends, results.RoundLinkWindow(prev, &rounds[i]))
		counts := make(map[string]Participation, len(byGroup))
		for g, x := range byGroup {
			counts[g] = Participation{Invited: x.Invited, InvitedMail: x.InvitedMail, InvitedFile: x.InvitedFile, Started: x.Started, Completed: x.Submitted}
		}
		p.Rounds[r.Number] = counts
	}
	return p, nil
}
