package export

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
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
	// Flow, optional, gives the flow and attrition sheets.
	Flow FlowReader
	// Realtime, optional, gives a real-time study's revision history.
	Realtime RealtimeReader
	// Provenance, optional, gives the sheet of the items' provenance.
	Provenance ProvenanceReader
}

// ResponseReader is implemented by stores that read a round's responses
// once for every use of an export (*store.Store): the responses without
// their answers for the participation counts; answers, which hands fn the
// round's answers one at a time in the order of results.AnswersLister (by
// expert), for an open round's live results (built into the engine's
// compact form, analysis.Compact, so the round is never held as
// []delphi.Answer); each, a one-shot stream of the responses with their
// answers, in the order of ListResponses, decoding one at a time, for the
// raw data (after answers); and release, which frees what the read keeps
// (a temporary file) if each did not run to its end (Input.Close).
type ResponseReader interface {
	ReadResponses(ctx context.Context, surveyID string, round int) (status []*delphi.Response,
		answers func(fn func(*delphi.Answer) error) error, each func(fn func(*delphi.Response) error) error, release func(), err error)
}

// ResultsReader is implemented by results services that compute an open
// round's live results from answers the caller read (*results.Service).
type ResultsReader interface {
	RoundWith(ctx context.Context, surveyID string, n int, answers results.AnswersFunc) (*analysis.RoundResults, error)
}

// ResponseStreamer is implemented by stores that hand out a round's
// responses one at a time (*store.Store): the raw data of a round is read
// again through it if a writer asks for it a second time.
type ResponseStreamer interface {
	// EachResponse calls fn with each response of the round in the order
	// of ListResponses and returns fn's first error.
	EachResponse(ctx context.Context, surveyID string, round int, fn func(*delphi.Response) error) error
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
// writing). The live results Load computes itself from the responses it
// reads (when no fresh ones are shared) keep the round's answers, free
// texts and comments in a temporary file that the workbook's comments
// sheet reads (docs/PERFORMANCE.md, "flat export memory"); call
// Input.Close after writing. Errors: ENOTFOUND for an unknown study or round, ECONFLICT for
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
		if r.Status == delphi.RoundDraft { // no results: the results' error
			if _, err := src.Results.Round(ctx, sv.ID, r.Number); err != nil {
				return Input{}, err
			}
		}
		in.Rounds = append(in.Rounds, *r)
	}
	// Each round's responses are read once: for the counts of the methods
	// sheet, for the live results of an open round (when no fresh ones are
	// shared) and for the raw data (which releases them as it goes).
	status := map[int][]*delphi.Response{}
	answers := map[int]func(fn func(*delphi.Answer) error) error{}
	streams := map[int]func(func(*delphi.Response) error) error{}
	for _, r := range in.Rounds {
		var rs []*delphi.Response
		if rr, ok := src.Responses.(ResponseReader); ok {
			var release func()
			rs, answers[r.Number], streams[r.Number], release, err = rr.ReadResponses(ctx, sv.ID, r.Number)
			if err == nil {
				in.releases = append(in.releases, release)
			}
		} else if rs, err = src.Responses.ListResponses(ctx, sv.ID, r.Number); err == nil {
			streams[r.Number] = yieldAll(rs)
		}
		if err != nil {
			in.Close()
			return Input{}, err
		}
		status[r.Number] = rs
	}
	for _, r := range in.Rounds {
		var res *analysis.RoundResults
		if rr, ok := src.Results.(ResultsReader); ok && answers[r.Number] != nil {
			if in.texts == nil {
				in.texts, err = newTextFile()
			}
			if err == nil { // a Compact that does not read back is RoundWith's error
				res, err = rr.RoundWith(ctx, sv.ID, r.Number, readAnswers(src.Responses, sv.ID, answers, in.texts))
			}
			if err == nil {
				err = in.texts.Err()
			}
		} else {
			res, err = src.Results.Round(ctx, sv.ID, r.Number)
		}
		if err != nil {
			in.Close()
			return Input{}, err
		}
		in.Results = append(in.Results, res)
	}
	if in.Panel, err = panel(ctx, src, sv.ID, in.Rounds, status); err == nil {
		if err = loadFlow(ctx, src, sv.ID, &in); err == nil {
			if err = loadRealtime(ctx, src, sv, &in); err == nil {
				err = loadProvenance(ctx, src, sv, &in)
			}
		}
	}
	if err != nil {
		in.Close()
		return Input{}, err
	}
	var mu sync.Mutex
	in.Responses = func(round int, yield func(*delphi.Response) error) error {
		mu.Lock()
		each := streams[round]
		delete(streams, round)
		mu.Unlock()
		if each != nil {
			return each(yield)
		}
		if st, ok := src.Responses.(ResponseStreamer); ok {
			return st.EachResponse(ctx, sv.ID, round, yield)
		}
		rs, err := src.Responses.ListResponses(ctx, sv.ID, round)
		if err != nil {
			return err
		}
		return yieldAll(rs)(yield)
	}
	return in, nil
}

// readAnswers reads the answers of rounds from the reads the export made
// (read), compact with their free texts and most of their answers in
// texts, and those of the other rounds from the store, flat.
func readAnswers(store delphi.ResponseStore, surveyID string, read map[int]func(fn func(*delphi.Answer) error) error, texts *textFile) results.AnswersFunc {
	return func(ctx context.Context, items []delphi.Item, rounds ...int) (map[int]results.RoundAnswers, error) {
		out := make(map[int]results.RoundAnswers, len(rounds))
		var rest []int
		for _, n := range rounds {
			if each := read[n]; each != nil {
				c := analysis.NewCompact(items).WithTexts(texts)
				if err := each(c.Add); err != nil {
					return nil, err
				}
				out[n] = results.RoundAnswers{Compact: c, Texts: texts}
			} else {
				rest = append(rest, n)
			}
		}
		if len(rest) == 0 {
			return out, nil
		}
		if al, ok := store.(results.AnswersLister); ok {
			m, err := al.ListAnswersRounds(ctx, surveyID, rest...)
			for n, as := range m {
				out[n] = results.RoundAnswers{Flat: as}
			}
			return out, err
		}
		for _, n := range rest {
			rs, err := store.ListResponses(ctx, surveyID, n)
			if err != nil {
				return nil, err
			}
			out[n] = results.RoundAnswers{Flat: results.Answers(rs)}
		}
		return out, nil
	}
}

// yieldAll streams rs.
func yieldAll(rs []*delphi.Response) func(func(*delphi.Response) error) error {
	return func(yield func(*delphi.Response) error) error {
		for _, r := range rs {
			if err := yield(r); err != nil {
				return err
			}
		}
		return nil
	}
}

// panel counts the panel per group (everyone ever recruited, erased ones
// included; declined ones also apart) and, per round and group, the
// experts invited (by mail or a link handed out without it), started and completed, as
// results.ResponseRates counts them (the group is the one the expert
// answered in), from each round's responses. Without a mail store the
// invitations are unknown.
func panel(ctx context.Context, src Sources, surveyID string, rounds []delphi.Round, responses map[int][]*delphi.Response) (PanelComposition, error) {
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
		rs := responses[r.Number]
		var err error
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
