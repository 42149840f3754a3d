// Package results loads the results of a study's rounds: the frozen
// snapshot of a closed round, or a live computation from the answers so far
// while a round is open. The results API, the dashboard and the Excel export
// all read through Service, so they show the same numbers; the numbers
// themselves come only from internal/analysis.
package results

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// RoundReader is the part of delphi.RoundStore the service reads.
type RoundReader interface {
	// Round returns ENOTFOUND unless the round exists.
	Round(ctx context.Context, surveyID string, number int) (*delphi.Round, error)
	// ListRounds returns the study's rounds in ascending order.
	ListRounds(ctx context.Context, surveyID string) ([]*delphi.Round, error)
}

// SnapshotReader reads the frozen results of closed rounds.
type SnapshotReader interface {
	// Snapshot returns the snapshot of a closed round. ENOTFOUND.
	Snapshot(ctx context.Context, surveyID string, number int) (*delphi.Snapshot, error)
}

// SurveyReader reads study definitions.
type SurveyReader interface {
	// SurveyByID returns the latest revision. ENOTFOUND.
	SurveyByID(ctx context.Context, id string) (*delphi.Survey, error)
}

// Service loads round results. Surveys, Rounds, Responses and Snapshots are
// usually all the one *store.Store.
type Service struct {
	Surveys   SurveyReader
	Rounds    RoundReader
	Responses delphi.ResponseStore
	Snapshots SnapshotReader
	Now       func() time.Time // injectable clock; time.Now when nil
	// LiveTTL lets callers share a live computation of an open round for
	// this long (by its computed_at); concurrent requests always share one.
	// Zero computes afresh for every call.
	LiveTTL time.Duration
	// Revisions reads the revision history of real-time studies
	// (Realtime); nil: not available.
	Revisions delphi.RevisionStore

	mu   sync.Mutex
	live map[liveKey]*liveEntry
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

// Round returns the results of round n of a study: the frozen snapshot of a
// closed round, or a live computation (Live true, ComputedAt now) of an open
// one. ENOTFOUND for an unknown study or round; ECONFLICT for a round that
// was never opened, or a closed round whose snapshot is missing.
func (s *Service) Round(ctx context.Context, surveyID string, n int) (*analysis.RoundResults, error) {
	return s.RoundWith(ctx, surveyID, n, nil)
}

// AnswersFunc reads the answers of a study's rounds to items (the items of
// the round computed; answers to others may be left out), flat as
// AnswersLister.ListAnswersRounds reads them or compact.
type AnswersFunc func(ctx context.Context, items []delphi.Item, rounds ...int) (map[int]RoundAnswers, error)

// RoundAnswers are the answers of one round for the engine: Flat, as
// Answers gives them, or, when Compact is set, the same in the engine's
// compact form (analysis.Compact).
type RoundAnswers struct {
	Flat    []delphi.Answer
	Compact *analysis.Compact
	// Texts, for the round computed, is where results that are not shared
	// keep their free texts (analysis.Input.Texts: each item's comments
	// are then one entry there, ItemResult.EachComment). Shared results
	// keep theirs.
	Texts analysis.TextStore
}

// RoundWith is Round; an open round's live results, when they are not
// shared from a fresh computation, are computed from the answers that
// answers reads (nil: from the store). The export passes the answers of
// the responses it reads anyway, so the round is read once. Without fresh
// or pending shared results they are its own, not shared (liveRound), and
// computed from answers with Texts they keep their comments there
// (RoundAnswers.Texts). A round whose compact answers do not read back
// from their TextStore is an error (analysis.Compact.Err).
func (s *Service) RoundWith(ctx context.Context, surveyID string, n int, answers AnswersFunc) (*analysis.RoundResults, error) {
	r, err := s.Rounds.Round(ctx, surveyID, n)
	if err != nil {
		return nil, err
	}
	var sv *delphi.Survey
	if r.Status == delphi.RoundOpen {
		if sv, err = s.Surveys.SurveyByID(ctx, surveyID); err != nil {
			return nil, err
		}
	}
	return s.round(ctx, sv, r, answers)
}

// round loads one round's results; sv is needed for open rounds only, and
// answers (optional) reads their answers.
func (s *Service) round(ctx context.Context, sv *delphi.Survey, r *delphi.Round, answers AnswersFunc) (*analysis.RoundResults, error) {
	switch r.Status {
	case delphi.RoundClosed:
		s.forget(r.SurveyID, r.Number)
		return s.Frozen(ctx, r.SurveyID, r.Number)
	case delphi.RoundOpen:
		return s.liveRound(ctx, sv, r, answers)
	}
	return nil, delphi.Errorf(delphi.ECONFLICT, "round %d has not been opened yet; it has no results", r.Number)
}

// Frozen returns the results frozen by the last close of round n (also
// while the round is reopened): the one decoder of snapshots. ECONFLICT if
// the round has no snapshot.
func (s *Service) Frozen(ctx context.Context, surveyID string, n int) (*analysis.RoundResults, error) {
	snap, err := s.Snapshots.Snapshot(ctx, surveyID, n)
	if delphi.ErrorCode(err) == delphi.ENOTFOUND {
		return nil, delphi.Errorf(delphi.ECONFLICT, "round %d has no stored results", n)
	} else if err != nil {
		return nil, err
	}
	var res analysis.RoundResults
	if err := json.Unmarshal(snap.Results, &res); err != nil {
		return nil, &delphi.Error{Code: delphi.EINTERNAL, Message: "unreadable snapshot", Err: fmt.Errorf("snapshot %s#%d: %w", surveyID, n, err)}
	}
	return &res, nil
}

// Compute computes the results of round r from the stored responses of
// rounds r and r−1 with analysis.Compute.
func (s *Service) Compute(ctx context.Context, def *delphi.Definition, r *delphi.Round, at time.Time, live bool) (*analysis.RoundResults, error) {
	return s.compute(ctx, def, r, at, live, false, nil)
}

// compute is Compute with the answers read by answers (nil: the store);
// results that are not shared (own) keep their texts in the answers'
// Texts, if any.
func (s *Service) compute(ctx context.Context, def *delphi.Definition, r *delphi.Round, at time.Time, live, own bool, answers AnswersFunc) (*analysis.RoundResults, error) {
	items := RoundItems(r)
	cur, prev, err := s.twoRounds(ctx, r.SurveyID, r.Number, items, answers)
	if err != nil {
		return nil, err
	}
	in := analysis.Input{
		Def: def, Round: r.Number, Items: items, Answers: cur.Flat, Previous: prev.Flat,
		Compact: cur.Compact, PreviousCompact: prev.Compact, ComputedAt: at.UTC(), Live: live,
	}
	if own {
		in.Texts = cur.Texts
	}
	res := analysis.Compute(in)
	for _, c := range []*analysis.Compact{cur.Compact, prev.Compact} {
		if c != nil && c.Err() != nil {
			return nil, c.Err() // never shared
		}
	}
	return res, nil
}

// Snapshot computes the frozen results of round r at time at (Live false),
// the snapshot that rounds.Service's close stores: closing a round with it
// freezes exactly the numbers the live view showed.
func (s *Service) Snapshot(ctx context.Context, def *delphi.Definition, r *delphi.Round, at time.Time) (*delphi.Snapshot, error) {
	res, err := s.Compute(ctx, def, r, at, false)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(res)
	if err != nil {
		return nil, delphi.Internal(err)
	}
	return &delphi.Snapshot{SurveyID: r.SurveyID, Round: r.Number, ComputedAt: res.ComputedAt, Results: b}, nil
}

// RoundItems returns the items of a round in order.
func RoundItems(r *delphi.Round) []delphi.Item {
	out := make([]delphi.Item, len(r.Items))
	for i, ri := range r.Items {
		out[i] = ri.Item
	}
	return out
}

// Answers flattens responses into the engine's input: every stored answer,
// marked Draft where the response was not submitted (analysis.Compute
// counts them by the study's feedback.count). Survey,
// round, expert and group are taken from the response where the answer
// lacks them. The order is fixed (by expert, then item), so equal inputs
// give equal outputs.
func Answers(responses []*delphi.Response) []delphi.Answer {
	n := 0
	for _, r := range responses {
		n += len(r.Answers)
	}
	if n == 0 {
		return nil
	}
	sorted := slices.Clone(responses)
	slices.SortFunc(sorted, func(a, b *delphi.Response) int { return cmp.Compare(a.ExpertID, b.ExpertID) })
	out := make([]delphi.Answer, 0, n)
	for _, r := range sorted {
		start := len(out)
		for id, a := range r.Answers {
			if a.ItemID == "" {
				a.ItemID = id
			}
			if a.SurveyID == "" {
				a.SurveyID = r.SurveyID
			}
			if a.Round == 0 {
				a.Round = r.Round
			}
			if a.ExpertID == "" {
				a.ExpertID = r.ExpertID
			}
			if a.Group == "" {
				a.Group = r.Group
			}
			a.Draft = r.SubmittedAt == nil
			out = append(out, a)
		}
		slices.SortFunc(out[start:], func(a, b delphi.Answer) int { return cmp.Compare(a.ItemID, b.ItemID) })
	}
	return out
}

// RoundInfo describes one round whose results the dashboard shows.
type RoundInfo struct {
	Number     int        `json:"number"`
	Status     string     `json:"status"`
	Live       bool       `json:"live"`
	ComputedAt time.Time  `json:"computed_at"`
	OpenedAt   *time.Time `json:"opened_at,omitempty"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
	Deadline   *time.Time `json:"deadline,omitempty"`
}

// All returns the results of every round that was opened, in ascending
// order, with a description of each. ENOTFOUND for an unknown study.
func (s *Service) All(ctx context.Context, surveyID string) ([]*analysis.RoundResults, []RoundInfo, error) {
	sv, err := s.Surveys.SurveyByID(ctx, surveyID)
	if err != nil {
		return nil, nil, err
	}
	rounds, err := s.Rounds.ListRounds(ctx, surveyID)
	if err != nil {
		return nil, nil, err
	}
	out := make([]*analysis.RoundResults, 0, len(rounds))
	infos := make([]RoundInfo, 0, len(rounds))
	for _, r := range rounds {
		if r.Status != delphi.RoundOpen && r.Status != delphi.RoundClosed {
			continue
		}
		res, err := s.round(ctx, sv, r, nil)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, res)
		infos = append(infos, RoundInfo{Number: r.Number, Status: r.Status, Live: res.Live, ComputedAt: res.ComputedAt,
			OpenedAt: r.OpenedAt, ClosedAt: r.ClosedAt, Deadline: r.Deadline})
	}
	return out, infos, nil
}

// AnswersLister is implemented by stores that read the answers of several
// rounds in one pass, already flat in the order of Answers (*store.Store:
// on FerretDB every filtered read scans the whole collection, so one read
// of rounds n and n−1 costs half of two, and reading the answers directly
// skips building the responses).
type AnswersLister interface {
	ListAnswersRounds(ctx context.Context, surveyID string, rounds ...int) (map[int][]delphi.Answer, error)
}

// twoRounds returns the answers of round n and, for n > 1, of round n−1
// (none for n = 1; empty, not nil, for a previous round without answers),
// as Answers would give them, in one read when the store supports it (or
// through answers, when given).
func (s *Service) twoRounds(ctx context.Context, surveyID string, n int, items []delphi.Item, answers AnswersFunc) (cur, prev RoundAnswers, err error) {
	rounds := []int{n}
	if n > 1 {
		rounds = append(rounds, n-1)
	}
	if answers != nil {
		m, err := answers(ctx, items, rounds...)
		if err != nil {
			return cur, prev, err
		}
		cur, prev = m[n], m[n-1]
	} else if al, ok := s.Responses.(AnswersLister); ok {
		m, err := al.ListAnswersRounds(ctx, surveyID, rounds...)
		if err != nil {
			return cur, prev, err
		}
		cur, prev = RoundAnswers{Flat: m[n]}, RoundAnswers{Flat: m[n-1]}
	} else {
		rs, err := s.Responses.ListResponses(ctx, surveyID, n)
		if err != nil {
			return cur, prev, err
		}
		cur.Flat = Answers(rs)
		if n > 1 {
			if rs, err = s.Responses.ListResponses(ctx, surveyID, n-1); err != nil {
				return cur, prev, err
			}
			prev.Flat = Answers(rs)
		}
	}
	if n == 1 {
		prev = RoundAnswers{}
	} else if prev.Flat == nil && prev.Compact == nil {
		prev.Flat = []delphi.Answer{} // a previous round without answers: stability with n_paired 0
	}
	return cur, prev, nil
}
