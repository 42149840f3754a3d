// Package participation is what an expert does through their personal
// link: read the current round (Load), save answers (Save), submit the
// round (Submit), accept the privacy notice (Consent) and leave the study
// (Decline). The API's participation handlers and the load test call it;
// the expert is authenticated before (the HTTP layer resolves the link's
// session to a Participant).
package participation

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/memo"
	"github.com/expertenrunde/expertenrunde/internal/realtime"
	"github.com/expertenrunde/expertenrunde/internal/rounds"
)

// Participation states of Load.
const (
	StateNotStarted = "not_started" // no round has opened yet
	StateUpcoming   = "upcoming"    // the round is open but its opening time lies ahead
	StateOpen       = "open"        // answers are accepted
	StateClosed     = "closed"      // the latest round is closed (read-only)
	StateDeclined   = "declined"    // the expert left the study
)

// Service runs the expert's use cases. Build one per process (Main).
type Service struct {
	// Rounds gives the current round (after the lazy deadline close), the
	// previous round's frozen results and admits writes (Accept).
	Rounds    *rounds.Service
	Responses delphi.AnswerStore
	Experts   delphi.ExpertStore
	Now       func() time.Time // injectable clock
	Logger    *slog.Logger
	// Realtime runs the real-time mode (mode: realtime): revisions, the
	// panel's current statistics, the justification rule against them.
	// Nil: a real-time study runs as one round without that feedback.
	Realtime *realtime.Service

	// current remembers each study's current round number, so a save finds
	// its round with the one fresh read of the round's state that admits
	// it (rounds.Service.Accept); a stale number falls back to
	// rounds.Service.Current. feedback keeps round n's feedback by round n's
	// identity: round n−1's snapshot cannot change while round n exists
	// (rounds.Service.Reopen), so it is decoded once.
	current  memo.Memo[int]
	feedback memo.Memo[map[string]analysis.ItemFeedback]
}

// Participant is an authenticated expert and their study.
type Participant struct {
	Expert *delphi.Expert
	Survey *delphi.Survey
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// SurveyInfo is the study as an expert sees it.
type SurveyInfo struct {
	ID            string          `json:"id"`
	Title         delphi.Text     `json:"title"`
	Description   delphi.Text     `json:"description,omitempty"`
	Languages     []string        `json:"languages"`
	TimeZone      string          `json:"time_zone"`
	Privacy       delphi.Text     `json:"privacy,omitempty"` // empty: the UI shows its default notice
	Contact       *delphi.Contact `json:"contact,omitempty"`
	Groups        []delphi.Group  `json:"groups"`
	Scales        []delphi.Scale  `json:"scales"`
	Feedback      delphi.Feedback `json:"feedback"`
	AllowRevision bool            `json:"allow_revision"`
	Planned       int             `json:"planned_rounds"`
	Mode          string          `json:"mode"` // delphi.ModeRounds or delphi.ModeRealtime
	// Round0 is the study's open round 0 (suggestions per block), if any.
	Round0 *delphi.Round0 `json:"round0,omitempty"`
}

// ExpertInfo is the expert's own record, without contact data.
type ExpertInfo struct {
	Pseudonym  string     `json:"pseudonym"`
	Group      string     `json:"group"`
	Language   string     `json:"language"`
	ConsentAt  *time.Time `json:"consent_at"`
	DeclinedAt *time.Time `json:"declined_at"`
}

// RoundInfo is the current round's state and dates.
type RoundInfo struct {
	Number   int        `json:"number"`
	Status   string     `json:"status"`
	OpensAt  *time.Time `json:"opens_at"`
	Deadline *time.Time `json:"deadline"`
	ClosedAt *time.Time `json:"closed_at,omitempty"`
}

// SectionView is one section of the questionnaire with its items.
type SectionView struct {
	ID          string      `json:"id"`
	Title       delphi.Text `json:"title"`
	Description delphi.Text `json:"description,omitempty"`
	Items       []ItemView  `json:"items"`
}

// ItemView is one item of the round with the expert's context.
type ItemView struct {
	Item   delphi.Item `json:"item"`
	Origin string      `json:"origin"`
	// Previous is the expert's own answer in the round before.
	Previous *AnswerView `json:"previous,omitempty"`
	// Feedback is the panel's result in the round before (from its frozen
	// snapshot); FeedbackHidden says it exists but is shown only once the
	// expert has answered the item (anti-anchoring).
	Feedback       *analysis.ItemFeedback `json:"feedback,omitempty"`
	FeedbackHidden bool                   `json:"feedback_hidden,omitempty"`
}

// AnswerView is a stored answer.
type AnswerView struct {
	Value         json.RawMessage `json:"value"` // the item's JSON form; null for none
	Comment       string          `json:"comment"`
	Justification string          `json:"justification"`
	Seq           int64           `json:"seq"`
	FirstSavedAt  *time.Time      `json:"first_saved_at,omitempty"`
	LastSavedAt   *time.Time      `json:"last_saved_at,omitempty"`
	Revisions     int             `json:"revisions"`
	// NeedsJustification: the value lies outside the previous round's IQR
	// and the study asks for a justification, which is missing.
	NeedsJustification bool `json:"needs_justification"`
}

// Progress counts the round's answered items.
type Progress struct {
	Answered int `json:"answered"`
	Total    int `json:"total"`
}

// ResponseInfo is the expert's response to the round.
type ResponseInfo struct {
	FirstOpenedAt *time.Time `json:"first_opened_at,omitempty"`
	StartedAt     *time.Time `json:"started_at,omitempty"`
	SubmittedAt   *time.Time `json:"submitted_at,omitempty"`
	Submissions   int        `json:"submissions"`
}

// View is the questionnaire as Load returns it.
type View struct {
	State    string                `json:"state"`
	Survey   SurveyInfo            `json:"survey"`
	Expert   ExpertInfo            `json:"expert"`
	Round    *RoundInfo            `json:"round"`
	Sections []SectionView         `json:"sections"`
	Answers  map[string]AnswerView `json:"answers"`
	Progress Progress              `json:"progress"`
	Response ResponseInfo          `json:"response"`
}

// firstLanguage is the study's default language.
func firstLanguage(def *delphi.Definition) string {
	if len(def.Languages) > 0 {
		return def.Languages[0]
	}
	return delphi.LangDE
}

func valueJSON(it delphi.Item, v delphi.Value) json.RawMessage {
	if v.Empty() {
		return json.RawMessage("null")
	}
	return v.MarshalFor(it)
}

func viewAnswer(it delphi.Item, a delphi.Answer, fb *analysis.ItemFeedback, justify bool) AnswerView {
	v := AnswerView{
		Value: valueJSON(it, a.Value), Comment: a.Comment, Justification: a.Justification, Seq: a.Seq, Revisions: a.Revisions,
	}
	if !a.FirstSavedAt.IsZero() {
		f, l := a.FirstSavedAt, a.LastSavedAt
		v.FirstSavedAt, v.LastSavedAt = &f, &l
	}
	v.NeedsJustification = needsJustification(a, fb, justify)
	return v
}

func needsJustification(a delphi.Answer, fb *analysis.ItemFeedback, justify bool) bool {
	return justify && fb != nil && strings.TrimSpace(a.Justification) == "" && len(fb.OutsideIQR(a.Value)) > 0
}

// roundContext is what the use cases know about the current round: the
// round, its feedback (from round n-1's snapshot), the expert's previous
// and current response.
type roundContext struct {
	round    *delphi.Round
	feedback map[string]analysis.ItemFeedback // carried items only
	previous *delphi.Response
	response *delphi.Response
}

// load reads the current round and what the use cases need of it. With
// withFeedback false, the feedback and the previous response are skipped.
func (s *Service) load(ctx context.Context, p Participant, withFeedback bool) (*roundContext, error) {
	rc := &roundContext{}
	var err error
	rc.round, err = s.Rounds.Current(ctx, p.Survey.ID)
	if delphi.ErrorCode(err) == delphi.ENOTFOUND {
		return rc, nil
	} else if err != nil {
		return nil, err
	}
	rc.response, err = s.Responses.Response(ctx, p.Survey.ID, rc.round.Number, p.Expert.ID)
	if err != nil && delphi.ErrorCode(err) != delphi.ENOTFOUND {
		return nil, err
	}
	if !withFeedback || rc.round.Number < 2 {
		return rc, nil
	}
	prev := rc.round.Number - 1
	if rc.feedback, err = s.feedbackOf(ctx, p, rc.round); err != nil {
		return nil, err
	}
	if p.Survey.Definition.Rounds.Feedback.OwnPrevious {
		rc.previous, err = s.Responses.Response(ctx, p.Survey.ID, prev, p.Expert.ID)
		if err != nil && delphi.ErrorCode(err) != delphi.ENOTFOUND {
			return nil, err
		}
	}
	return rc, nil
}

// feedbackOf returns the previous round's feedback on the items of round
// r that were carried over or changed (nil for round 1, or when round r−1
// has no snapshot, which is logged), from s.feedback when it is there.
func (s *Service) feedbackOf(ctx context.Context, p Participant, r *delphi.Round) (map[string]analysis.ItemFeedback, error) {
	if r.Number < 2 {
		return nil, nil
	}
	// Round n's creation names it (a round is never deleted); the study's
	// revision, the feedback options.
	key := r.Key() + "#" + r.CreatedAt.UTC().Format(time.RFC3339Nano) + "#" + strconv.Itoa(p.Survey.Revision)
	if fb, ok := s.feedback.Get(key); ok {
		return fb, nil
	}
	res, err := s.Rounds.Results.Frozen(ctx, p.Survey.ID, r.Number-1)
	if delphi.ErrorCode(err) == delphi.ECONFLICT {
		s.log().Warn("a round without the previous round's snapshot", "survey_id", p.Survey.ID, "round", r.Number)
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	all := analysis.Feedback(res, p.Survey.Definition.Rounds.Feedback)
	fb := map[string]analysis.ItemFeedback{}
	for _, ri := range r.Items {
		if f, ok := all[ri.Item.ID]; ok && (ri.Origin == delphi.OriginCarried || ri.Origin == delphi.OriginChanged) {
			fb[ri.Item.ID] = f
		}
	}
	s.feedback.Put(key, fb)
	return fb, nil
}

func (rc *roundContext) itemFeedback(id string) *analysis.ItemFeedback {
	if f, ok := rc.feedback[id]; ok {
		return &f
	}
	return nil
}

func (rc *roundContext) answer(id string) (delphi.Answer, bool) {
	if rc.response == nil {
		return delphi.Answer{}, false
	}
	a, ok := rc.response.Answers[id]
	return a, ok
}

func (rc *roundContext) progress() Progress {
	p := Progress{Total: len(rc.round.Items)}
	for _, ri := range rc.round.Items {
		if a, ok := rc.answer(ri.Item.ID); ok && !a.Value.Empty() {
			p.Answered++
		}
	}
	return p
}

func (s *Service) state(p Participant, r *delphi.Round) string {
	now := s.now()
	switch {
	case p.Expert.DeclinedAt != nil:
		return StateDeclined
	case r == nil:
		return StateNotStarted
	case r.Status == delphi.RoundClosed:
		return StateClosed
	case r.OpensAt != nil && now.Before(*r.OpensAt):
		return StateUpcoming
	}
	return StateOpen
}

// Load returns the questionnaire of the current round (the open round,
// else the latest closed one, read-only) with the expert's answers, the
// previous round's feedback and the expert's previous answers as the study
// shows them. Opening an open round counts as activity once the expert has
// consented (the response's first-opened and activity times); before
// consent nothing is stored. Errors: the stores' (EUNAVAILABLE, EINTERNAL).
func (s *Service) Load(ctx context.Context, p Participant) (*View, error) {
	rc, err := s.load(ctx, p, true)
	if err != nil {
		return nil, err
	}
	def := p.Survey.Definition
	fbOpts := def.Rounds.Feedback
	fbOpts.MinGroupN = fbOpts.MinGroup() // the default, for studies stored before the option
	e := p.Expert
	out := &View{
		Survey: SurveyInfo{
			ID: p.Survey.ID, Title: def.Title, Description: def.Description, Languages: def.Languages, TimeZone: def.Zone(),
			Privacy: def.Privacy, Contact: def.Contact, Groups: def.Groups, Scales: def.Scales, Feedback: fbOpts,
			AllowRevision: def.Rounds.RevisionAllowed(), Planned: def.Rounds.Planned, Round0: def.Rounds.Round0,
			Mode: cmp.Or(def.Mode, delphi.ModeRounds),
		},
		Expert:   ExpertInfo{Pseudonym: e.Pseudonym, Group: e.Group, Language: cmp.Or(e.Language, firstLanguage(def)), ConsentAt: e.ConsentAt, DeclinedAt: e.DeclinedAt},
		State:    s.state(p, rc.round),
		Sections: []SectionView{},
		Answers:  map[string]AnswerView{},
	}
	if out.Survey.Groups == nil {
		out.Survey.Groups = []delphi.Group{}
	}
	r := rc.round
	if r == nil {
		return out, nil
	}
	if out.State == StateOpen && e.ConsentAt != nil {
		tmpl := &delphi.Response{SurveyID: p.Survey.ID, Round: r.Number, ExpertID: e.ID, Pseudonym: e.Pseudonym, Group: e.Group}
		if rc.response, err = s.Responses.TouchResponse(ctx, tmpl, s.now()); err != nil {
			return nil, err
		}
	}
	out.Round = &RoundInfo{Number: r.Number, Status: r.Status, OpensAt: r.OpensAt, Deadline: r.Deadline, ClosedAt: r.ClosedAt}
	if rc.response != nil {
		out.Response = ResponseInfo{FirstOpenedAt: rc.response.FirstOpenedAt, StartedAt: rc.response.StartedAt, SubmittedAt: rc.response.SubmittedAt, Submissions: rc.response.Submissions}
	}
	bySection := map[string][]ItemView{}
	var order []string
	for _, ri := range r.Items {
		it := ri.Item
		iv := ItemView{Item: it, Origin: ri.Origin}
		a, answered := rc.answer(it.ID)
		fb := rc.itemFeedback(it.ID)
		if answered {
			out.Answers[it.ID] = viewAnswer(it, a, fb, fbOpts.JustifyOutsideIQR)
		}
		if fb != nil {
			if fbOpts.HideUntilAnswered && (!answered || a.Value.Empty()) {
				iv.FeedbackHidden = true
			} else {
				iv.Feedback = fb
			}
		}
		if rc.previous != nil && iv.Origin != delphi.OriginNew {
			if pa, ok := rc.previous.Answers[it.ID]; ok && (!pa.Value.Empty() || pa.Comment != "") {
				pv := viewAnswer(it, pa, nil, false)
				pv.FirstSavedAt, pv.LastSavedAt = nil, nil
				iv.Previous = &pv
			}
		}
		if _, ok := bySection[ri.SectionID]; !ok {
			order = append(order, ri.SectionID)
		}
		bySection[ri.SectionID] = append(bySection[ri.SectionID], iv)
	}
	for _, id := range order {
		sec := SectionView{ID: id, Title: delphi.Text{delphi.LangDE: id}, Items: bySection[id]}
		for _, ds := range def.Sections {
			if ds.ID == id {
				sec.Title, sec.Description = ds.Title, ds.Description
			}
		}
		out.Sections = append(out.Sections, sec)
	}
	if err := s.realtimeJustifications(ctx, p, rc.round, out.Answers); err != nil {
		return nil, err
	}
	out.Progress = rc.progress()
	return out, nil
}

// requireWritable returns the ECONFLICT that stops an expert from saving
// or submitting, if any.
func (s *Service) requireWritable(p Participant, rc *roundContext) error {
	switch {
	case rc.round == nil:
		return delphi.Errorf(delphi.ECONFLICT, "no round is open yet")
	case p.Expert.DeclinedAt != nil:
		return delphi.Errorf(delphi.ECONFLICT, "you have left this study; your answers can no longer be changed")
	case p.Expert.ConsentAt == nil:
		return delphi.Errorf(delphi.ECONFLICT, "please accept the privacy notice first; nothing is stored before you do")
	}
	return rc.round.Accepting(s.now())
}

// AnswerInput is one answer as the expert sends it.
type AnswerInput struct {
	Value         json.RawMessage `json:"value"` // the item's JSON form; null or absent for none
	Comment       string          `json:"comment"`
	Justification string          `json:"justification"`
	Seq           int64           `json:"seq"`
}

// SaveResult is the answer stored after a save.
type SaveResult struct {
	Answer   AnswerView             `json:"answer"`
	Applied  bool                   `json:"applied"` // false: a save with a higher seq was stored already
	Feedback *analysis.ItemFeedback `json:"feedback,omitempty"`
	Progress Progress               `json:"progress"`
}

// MaxBatch bounds the answers of one SaveBatch: more than a study's items
// (a whole response per request), few enough that one request cannot hold
// the response's lock for long.
const MaxBatch = 500

// BatchAnswer is one answer of a batch: its item and the answer.
type BatchAnswer struct {
	ItemID string `json:"item_id"`
	AnswerInput
}

// ItemError is why one answer of a batch was refused (the error Save
// would return for it alone): code, message and the field of the answer.
type ItemError struct {
	Code    string          `json:"code"`
	Message string          `json:"message"`
	Field   string          `json:"field,omitempty"`
	Item    string          `json:"item,omitempty"` // the item id, as in every answer's error
	Details []delphi.Detail `json:"details,omitempty"`
}

// BatchItem is the outcome of one answer of a batch: the answer stored
// afterwards (Applied false: one with a higher seq was stored already), or
// the error that refused it.
type BatchItem struct {
	ItemID   string                 `json:"item_id"`
	Answer   *AnswerView            `json:"answer,omitempty"`
	Applied  bool                   `json:"applied"`
	Feedback *analysis.ItemFeedback `json:"feedback,omitempty"`
	Error    *ItemError             `json:"error,omitempty"`

	err error // Error as the domain error, for Save
}

// BatchResult is the outcome of SaveBatch: one BatchItem per answer sent,
// in the same order, and the round's progress afterwards.
type BatchResult struct {
	Results  []BatchItem `json:"results"`
	Progress Progress    `json:"progress"`
}

// Save stores the expert's answer to item itemID of the current round:
// SaveBatch with one answer, whose refusal is the error. Idempotent: the
// answer with the highest seq per item wins; a lower or equal seq changes
// nothing and returns the stored answer (Applied false). Errors: those of
// SaveBatch, and for the answer:
//   - ENOTFOUND (field item): the item is not part of the round;
//   - EINVALID naming the field: seq below 1, a value that does not fit the
//     item (delphi.ParseValue), a comment or justification that breaks
//     delphi.LongText (too long, a control character, not UTF-8), or a
//     comment on an item that takes none.
func (s *Service) Save(ctx context.Context, p Participant, itemID string, in AnswerInput) (*SaveResult, error) {
	res, err := s.SaveBatch(ctx, p, []BatchAnswer{{ItemID: itemID, AnswerInput: in}})
	if err != nil {
		return nil, err
	}
	it := res.Results[0]
	if it.err != nil {
		return nil, it.err
	}
	return &SaveResult{Answer: *it.Answer, Applied: it.Applied, Feedback: it.Feedback, Progress: res.Progress}, nil
}

// SaveBatch stores several answers of the expert to the current round in
// one read-modify-write of their response. Each answer is checked as Save
// checks it; a refused one gets its error in its BatchItem and the others
// are stored. Of two answers to one item, the higher seq wins. The write
// is admitted by rounds.Service.Accept, so a close either counts it in its
// snapshot or refuses it. A save makes three database calls: the round's
// state (fresh), the response, its write; the study's definition, the
// round's items and the previous round's feedback come from memory.
// Errors, for the whole batch (nothing is stored):
//   - EINVALID (field answers): no answers, or more than MaxBatch;
//   - ECONFLICT: no round is open, the round does not accept answers (not
//     yet open, closed, closing), the expert declined or has not consented,
//     or submitted already where the study allows no revision.
func (s *Service) SaveBatch(ctx context.Context, p Participant, in []BatchAnswer) (*BatchResult, error) {
	switch {
	case len(in) == 0:
		return nil, delphi.FieldErrorf(delphi.EINVALID, "answers", "send at least one answer")
	case len(in) > MaxBatch:
		return nil, delphi.FieldErrorf(delphi.EINVALID, "answers", "at most %d answers per request, not %d", MaxBatch, len(in))
	}
	def := p.Survey.Definition
	rc, release, err := s.admit(ctx, p)
	if err != nil {
		return nil, err
	}
	out := &BatchResult{Results: make([]BatchItem, len(in))}
	as := make([]delphi.Answer, 0, len(in))
	items := make([]delphi.Item, 0, len(in))
	idx := make([]int, 0, len(in))
	for i, x := range in {
		out.Results[i].ItemID = x.ItemID
		a, it, err := s.answer(p, rc.round, x)
		if err != nil {
			err = delphi.ForItem(err, x.ItemID) // {"field": "value", "item": "T03"}
			e := delphi.AsError(err)
			out.Results[i].err = err
			out.Results[i].Error = &ItemError{Code: e.Code, Message: e.Message, Field: e.Field, Item: e.Item, Details: e.Details}
			continue
		}
		as, items, idx = append(as, a), append(items, it), append(idx, i)
	}
	if len(as) == 0 {
		release()
		// Nothing to store; the progress as it is.
		if rc.response, err = s.Responses.Response(ctx, p.Survey.ID, rc.round.Number, p.Expert.ID); err != nil && delphi.ErrorCode(err) != delphi.ENOTFOUND {
			return nil, err
		}
		out.Progress = rc.progress()
		return out, nil
	}
	noRevision := !def.Rounds.RevisionAllowed()
	rt, err := s.realtimeBefore(ctx, p, rc.round, as)
	if err != nil {
		release()
		return nil, err
	}
	check := func(r *delphi.Response) error {
		rt.read(r)
		if noRevision && r != nil && r.SubmittedAt != nil {
			return delphi.Errorf(delphi.ECONFLICT, "you have submitted this round; this study does not allow changes afterwards")
		}
		return nil
	}
	resp, applied, err := s.Responses.SaveAnswers(ctx, as, s.now(), check)
	if err == nil {
		rt.after(ctx, resp, applied) // under the guard: a close counts the revisions too
	}
	release()
	if err != nil {
		return nil, err
	}
	rc.response = resp
	justify := def.Rounds.Feedback.JustifyOutsideIQR
	for k, i := range idx {
		stored := resp.Answers[as[k].ItemID]
		fb := rc.itemFeedback(stored.ItemID)
		v := viewAnswer(items[k], stored, fb, justify)
		if rt != nil {
			v.NeedsJustification = rt.needsJustification(stored, justify)
		}
		r := &out.Results[i]
		r.Answer, r.Applied = &v, applied[k]
		if fb != nil && !stored.Value.Empty() {
			r.Feedback = fb // with hide_until_answered: shown now that there is an answer
		}
	}
	out.Progress = rc.progress()
	return out, nil
}

// admit finds the current round and holds its answer guard
// (rounds.Service.Accept, the fresh read of the round's state) until the
// caller releases it, and checks that the expert may write. The round's
// number comes from s.current: an open round is the study's current one
// (round n+1 exists only once round n is closed), so when the guard's read
// finds it accepting, nothing else is read. Otherwise rounds.Service.Current
// (which closes an overdue round) finds the round, and its guard decides.
func (s *Service) admit(ctx context.Context, p Participant) (*roundContext, func(), error) {
	def := p.Survey.Definition
	withFeedback := def.Rounds.Feedback.JustifyOutsideIQR || def.Rounds.Feedback.HideUntilAnswered
	finish := func(r *delphi.Round, release func()) (*roundContext, func(), error) {
		rc := &roundContext{round: r}
		err := s.requireWritable(p, rc)
		if err == nil && withFeedback {
			rc.feedback, err = s.feedbackOf(ctx, p, r)
		}
		if err != nil {
			release()
			return nil, nil, err
		}
		return rc, release, nil
	}
	if n, ok := s.current.Get(p.Survey.ID); ok {
		r, release, err := s.Rounds.Accept(ctx, p.Survey.ID, n)
		if err == nil {
			return finish(r, release)
		}
		if c := delphi.ErrorCode(err); c != delphi.ECONFLICT && c != delphi.ENOTFOUND {
			return nil, nil, err
		}
	}
	r, err := s.Rounds.Current(ctx, p.Survey.ID)
	if delphi.ErrorCode(err) == delphi.ENOTFOUND {
		return nil, nil, s.requireWritable(p, &roundContext{})
	} else if err != nil {
		return nil, nil, err
	}
	if err := s.requireWritable(p, &roundContext{round: r}); err != nil {
		return nil, nil, err
	}
	s.current.Put(p.Survey.ID, r.Number)
	r, release, err := s.Rounds.Accept(ctx, p.Survey.ID, r.Number)
	if err != nil {
		return nil, nil, err
	}
	return finish(r, release)
}

// answer checks one answer of the expert against round r and returns it
// for the store, with its item. Errors: as listed at Save.
func (s *Service) answer(p Participant, r *delphi.Round, x BatchAnswer) (delphi.Answer, delphi.Item, error) {
	ri, ok := r.Item(x.ItemID)
	if !ok {
		return delphi.Answer{}, delphi.Item{}, delphi.FieldErrorf(delphi.ENOTFOUND, "item", "item %q is not part of round %d", x.ItemID, r.Number)
	}
	in := x.AnswerInput
	if in.Seq < 1 {
		return delphi.Answer{}, ri.Item, delphi.FieldErrorf(delphi.EINVALID, "seq", "seq must be a positive number that grows with every change")
	}
	var v delphi.Value
	if raw := bytes.TrimSpace(in.Value); len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
		var err error
		if v, err = delphi.ParseValue(p.Survey.Definition, ri.Item, raw); err != nil {
			return delphi.Answer{}, ri.Item, err
		}
	}
	if err := delphi.CheckText("comment", in.Comment, delphi.LongText); err != nil {
		return delphi.Answer{}, ri.Item, err
	}
	if err := delphi.CheckText("justification", in.Justification, delphi.LongText); err != nil {
		return delphi.Answer{}, ri.Item, err
	}
	if !ri.Item.Comment && strings.TrimSpace(in.Comment) != "" {
		return delphi.Answer{}, ri.Item, delphi.FieldErrorf(delphi.EINVALID, "comment", "this item takes no comment")
	}
	e := p.Expert
	return delphi.Answer{
		SurveyID: p.Survey.ID, Round: r.Number, ItemID: x.ItemID, ExpertID: e.ID, Pseudonym: e.Pseudonym, Group: e.Group,
		Value: v, Comment: in.Comment, Justification: in.Justification, Seq: in.Seq,
	}, ri.Item, nil
}

// SubmitResult is the response after a submission.
type SubmitResult struct {
	SubmittedAt *time.Time `json:"submitted_at"`
	Submissions int        `json:"submissions"`
	Changed     bool       `json:"changed"` // false: nothing changed since the last submission
	Unanswered  []string   `json:"unanswered"`
	Progress    Progress   `json:"progress"`
}

// Submit confirms the expert's round; the first submission sets the
// submission time, a later one after a change counts. Errors: ECONFLICT as
// for Save (round, consent, decline); EINVALID when the study asks for a
// justification of answers outside the previous round's interquartile
// range and some lack one: field "justification", one detail per item
// ({"field": "justification", "item": id}), and the item too when it is
// the only one.
func (s *Service) Submit(ctx context.Context, p Participant) (*SubmitResult, error) {
	def := p.Survey.Definition
	rc, err := s.load(ctx, p, def.Rounds.Feedback.JustifyOutsideIQR)
	if err != nil {
		return nil, err
	}
	if err := s.requireWritable(p, rc); err != nil {
		return nil, err
	}
	var missing []string
	var details []delphi.Detail
	outside, err := s.realtimeOutside(ctx, p, rc.round)
	if err != nil {
		return nil, err
	}
	for _, ri := range rc.round.Items {
		a, ok := rc.answer(ri.Item.ID)
		if ok && needsJustification(a, rc.itemFeedback(ri.Item.ID), def.Rounds.Feedback.JustifyOutsideIQR) {
			missing = append(missing, ri.Item.ID)
			details = append(details, delphi.Detail{Field: "justification", Item: ri.Item.ID, Message: "the answer lies outside the previous round's interquartile range; give a short justification"})
		} else if ok && outside[ri.Item.ID] && strings.TrimSpace(a.Justification) == "" {
			missing = append(missing, ri.Item.ID)
			details = append(details, delphi.Detail{Field: "justification", Item: ri.Item.ID, Message: "the answer lay outside the panel's interquartile range when it was given; give a short justification"})
		}
	}
	if len(missing) > 0 {
		e := &delphi.Error{
			Code: delphi.EINVALID, Field: "justification", Details: details,
			Message: "answers outside the previous round's interquartile range need a short justification: " + strings.Join(missing, ", "),
		}
		if len(missing) == 1 {
			e.Item = missing[0]
		}
		return nil, e
	}
	e, now := p.Expert, s.now()
	_, release, err := s.Rounds.Accept(ctx, p.Survey.ID, rc.round.Number) // as in SaveBatch
	if err != nil {
		return nil, err
	}
	if rc.response == nil {
		tmpl := &delphi.Response{SurveyID: p.Survey.ID, Round: rc.round.Number, ExpertID: e.ID, Pseudonym: e.Pseudonym, Group: e.Group}
		_, err = s.Responses.TouchResponse(ctx, tmpl, now)
	}
	var resp *delphi.Response
	var changed bool
	if err == nil {
		resp, changed, err = s.Responses.SubmitResponse(ctx, p.Survey.ID, rc.round.Number, e.ID, now)
	}
	release()
	if err != nil {
		return nil, err
	}
	rc.response = resp
	if s.realtimeOn(p) {
		s.Realtime.Submitted(rc.round, resp)
	}
	out := &SubmitResult{SubmittedAt: resp.SubmittedAt, Submissions: resp.Submissions, Changed: changed, Unanswered: []string{}, Progress: rc.progress()}
	for _, ri := range rc.round.Items {
		if a, ok := rc.answer(ri.Item.ID); !ok || a.Value.Empty() {
			out.Unanswered = append(out.Unanswered, ri.Item.ID)
		}
	}
	return out, nil
}

// Consent records that the expert accepted the privacy notice (once) and
// returns the expert. It writes the consent time alone, so a
// coordinator's concurrent edit of the expert (group, name, ...) is kept.
// Errors: ENOTFOUND if the expert is gone; the store's.
func (s *Service) Consent(ctx context.Context, p Participant) (*delphi.Expert, error) {
	if p.Expert.ConsentAt != nil {
		return p.Expert, nil
	}
	return s.Experts.SetConsent(ctx, p.Expert.SurveyID, p.Expert.ID, s.now())
}

// Decline records that the expert left the study (once) and returns the
// expert; coordinators see it on the panel. Answers already given stay.
// Like Consent, it writes the decline time alone. Errors: as Consent.
func (s *Service) Decline(ctx context.Context, p Participant) (*delphi.Expert, error) {
	if p.Expert.DeclinedAt != nil {
		return p.Expert, nil
	}
	return s.Experts.SetDeclined(ctx, p.Expert.SurveyID, p.Expert.ID, s.now())
}
