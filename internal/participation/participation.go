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
	"strings"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
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
	res, err := s.Rounds.Results.Frozen(ctx, p.Survey.ID, prev)
	if delphi.ErrorCode(err) == delphi.ECONFLICT {
		s.log().Warn("a round without the previous round's snapshot", "survey_id", p.Survey.ID, "round", rc.round.Number)
	} else if err != nil {
		return nil, err
	} else {
		all := analysis.Feedback(res, p.Survey.Definition.Rounds.Feedback)
		rc.feedback = map[string]analysis.ItemFeedback{}
		for _, ri := range rc.round.Items {
			if f, ok := all[ri.Item.ID]; ok && (ri.Origin == delphi.OriginCarried || ri.Origin == delphi.OriginChanged) {
				rc.feedback[ri.Item.ID] = f
			}
		}
	}
	if p.Survey.Definition.Rounds.Feedback.OwnPrevious {
		rc.previous, err = s.Responses.Response(ctx, p.Survey.ID, prev, p.Expert.ID)
		if err != nil && delphi.ErrorCode(err) != delphi.ENOTFOUND {
			return nil, err
		}
	}
	return rc, nil
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
			AllowRevision: def.Rounds.RevisionAllowed(), Planned: def.Rounds.Planned,
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

// Save stores the expert's answer to item itemID of the current round.
// Idempotent: the answer with the highest seq per item wins; a lower or
// equal seq changes nothing and returns the stored answer (Applied false).
// The write is admitted by rounds.Service.Accept, so a close either counts
// it in its snapshot or refuses it. Errors:
//   - ECONFLICT: no round is open, the round does not accept answers (not
//     yet open, closed, closing), the expert declined or has not consented,
//     or submitted already where the study allows no revision;
//   - ENOTFOUND (field item): the item is not part of the round;
//   - EINVALID naming the field: seq below 1, a value that does not fit the
//     item (delphi.ParseValue), a comment or justification that breaks
//     delphi.LongText (too long, a control character, not UTF-8), or a
//     comment on an item that takes none.
func (s *Service) Save(ctx context.Context, p Participant, itemID string, in AnswerInput) (*SaveResult, error) {
	def := p.Survey.Definition
	rc, err := s.load(ctx, p, def.Rounds.Feedback.JustifyOutsideIQR || def.Rounds.Feedback.HideUntilAnswered)
	if err != nil {
		return nil, err
	}
	if err := s.requireWritable(p, rc); err != nil {
		return nil, err
	}
	if rc.response != nil && rc.response.SubmittedAt != nil && !def.Rounds.RevisionAllowed() {
		return nil, delphi.Errorf(delphi.ECONFLICT, "you have submitted this round; this study does not allow changes afterwards")
	}
	ri, ok := rc.round.Item(itemID)
	if !ok {
		return nil, delphi.FieldErrorf(delphi.ENOTFOUND, "item", "item %q is not part of round %d", itemID, rc.round.Number)
	}
	if in.Seq < 1 {
		return nil, delphi.FieldErrorf(delphi.EINVALID, "seq", "seq must be a positive number that grows with every change")
	}
	var v delphi.Value
	if raw := bytes.TrimSpace(in.Value); len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
		if v, err = delphi.ParseValue(def, ri.Item, raw); err != nil {
			return nil, err
		}
	}
	if err := delphi.CheckText("comment", in.Comment, delphi.LongText); err != nil {
		return nil, err
	}
	if err := delphi.CheckText("justification", in.Justification, delphi.LongText); err != nil {
		return nil, err
	}
	if !ri.Item.Comment && strings.TrimSpace(in.Comment) != "" {
		return nil, delphi.FieldErrorf(delphi.EINVALID, "comment", "this item takes no comment")
	}
	e := p.Expert
	a := &delphi.Answer{
		SurveyID: p.Survey.ID, Round: rc.round.Number, ItemID: itemID, ExpertID: e.ID, Pseudonym: e.Pseudonym, Group: e.Group,
		Value: v, Comment: in.Comment, Justification: in.Justification, Seq: in.Seq,
	}
	release, err := s.Rounds.Accept(ctx, p.Survey.ID, rc.round.Number)
	if err != nil {
		return nil, err
	}
	stored, applied, err := s.Responses.SaveAnswer(ctx, a, s.now())
	release()
	if err != nil {
		return nil, err
	}
	// The response again, for the progress: another tab may have saved too.
	if rc.response, err = s.Responses.Response(ctx, p.Survey.ID, rc.round.Number, e.ID); err != nil {
		return nil, err
	}
	fb := rc.itemFeedback(itemID)
	out := &SaveResult{Answer: viewAnswer(ri.Item, *stored, fb, def.Rounds.Feedback.JustifyOutsideIQR), Applied: applied, Progress: rc.progress()}
	if fb != nil && !stored.Value.Empty() {
		out.Feedback = fb // with hide_until_answered: shown now that there is an answer
	}
	return out, nil
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
// range and some lack one: the field lists their item ids,
// comma-separated, with one detail each.
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
	for _, ri := range rc.round.Items {
		a, ok := rc.answer(ri.Item.ID)
		if ok && needsJustification(a, rc.itemFeedback(ri.Item.ID), def.Rounds.Feedback.JustifyOutsideIQR) {
			missing = append(missing, ri.Item.ID)
			details = append(details, delphi.Detail{Field: ri.Item.ID, Message: "the answer lies outside the previous round's interquartile range; give a short justification"})
		}
	}
	if len(missing) > 0 {
		return nil, &delphi.Error{
			Code: delphi.EINVALID, Field: strings.Join(missing, ","), Details: details,
			Message: "answers outside the previous round's interquartile range need a short justification: " + strings.Join(missing, ", "),
		}
	}
	e, now := p.Expert, s.now()
	release, err := s.Rounds.Accept(ctx, p.Survey.ID, rc.round.Number) // as in Save
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
