package httpapi

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/auth"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/rounds"
)

// Expert session cookies. The session cookie is HttpOnly and sent to the
// participation API only; the CSRF cookie is read by the web UI and echoed
// in X-CSRF-Token. They are apart from the staff cookies, so a coordinator
// trying a link in their own browser keeps both sessions.
const (
	cookieExpert     = "er_expert"
	cookieExpertCSRF = "er_expert_csrf"
	expertCookiePath = "/api/v1/participation"
)

// Link exchange rate limit: failed attempts per client IP within a window.
const (
	tokenWindow           = 10 * time.Minute
	maxTokenFailuresPerIP = 20
	maxTokenLength        = 256
)

// Participation states of GET /participation.
const (
	stateNotStarted = "not_started" // no round has opened yet
	stateUpcoming   = "upcoming"    // the round is open but its opening time lies ahead
	stateOpen       = "open"        // answers are accepted
	stateClosed     = "closed"      // the latest round is closed (read-only)
	stateDeclined   = "declined"    // the expert left the study
)

// ParticipationHandler serves experts through their personal link. Its
// routes are public in the staff sense: the expert session (an
// expert-audience JWT bound to one study and one expert) is checked by
// h.expert, and the expert's id comes only from that session, never from
// the URL.
type ParticipationHandler struct{ s *Server }

func (h *ParticipationHandler) routes() []route {
	return []route{
		{fiber.MethodPost, "/participation/session", public, h.session},
		{fiber.MethodGet, "/participation", public, h.expert(h.get)},
		{fiber.MethodPut, "/participation/answers/:itemId", public, h.expert(h.save)},
		{fiber.MethodPost, "/participation/submit", public, h.expert(h.submit)},
		{fiber.MethodPost, "/participation/consent", public, h.expert(h.consent)},
		{fiber.MethodPost, "/participation/decline", public, h.expert(h.decline)},
	}
}

// participant is the authenticated expert of a request.
type participant struct {
	sess   *delphi.ExpertSession
	expert *delphi.Expert
	survey *delphi.Survey
}

func (h *ParticipationHandler) ready() error {
	d := h.s.deps
	if d.Rounds == nil || d.Responses == nil || d.Experts == nil || d.ExpertSessions == nil {
		return delphi.Errorf(delphi.EUNAVAILABLE, "participation is not available on this server")
	}
	return nil
}

// expert wraps a handler with the expert authentication.
func (h *ParticipationHandler) expert(next func(c *fiber.Ctx, p *participant) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := h.ready(); err != nil {
			return err
		}
		p, err := h.authenticate(c)
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderCacheControl, "no-store")
		return next(c, p)
	}
}

// authenticate checks the expert JWT (Bearer or er_expert cookie), its
// session, that the session's link still resolves to the same expert (a
// re-issued or revoked link, or an erased expert, ends every session), the
// CSRF token for cookie sessions, and that the study is not closed.
func (h *ParticipationHandler) authenticate(c *fiber.Ctx) (*participant, error) {
	s := h.s
	unauth := delphi.Errorf(delphi.EUNAUTHORIZED, "your session has ended; open your personal link again")
	token, fromCookie := "", false
	if v := c.Get(fiber.HeaderAuthorization); v != "" {
		var ok bool
		if token, ok = strings.CutPrefix(v, "Bearer "); !ok {
			return nil, unauth
		}
	} else if v := c.Cookies(cookieExpert); v != "" {
		token, fromCookie = v, true
	} else {
		return nil, unauth
	}
	claims, err := s.deps.Tokens.Parse(token, auth.AudienceExpert)
	if err != nil {
		return nil, unauth
	}
	ctx := c.UserContext()
	sess, err := s.deps.ExpertSessions.ExpertSessionByID(ctx, claims.SessionID)
	if delphi.ErrorCode(err) == delphi.ENOTFOUND {
		return nil, unauth
	} else if err != nil {
		return nil, err
	}
	now := s.now()
	if !sess.Active(now) || sess.ExpertID != claims.Subject || sess.SurveyID != claims.SurveyID {
		return nil, unauth
	}
	e, err := s.deps.Experts.ExpertByTokenHash(ctx, sess.TokenHash)
	if delphi.ErrorCode(err) == delphi.ENOTFOUND {
		return nil, delphi.Errorf(delphi.EUNAUTHORIZED, "this link is no longer valid")
	} else if err != nil {
		return nil, err
	}
	if e.ID != sess.ExpertID || e.SurveyID != sess.SurveyID {
		return nil, unauth
	}
	if fromCookie && !safeMethod(c.Method()) && !s.deps.Tokens.CheckCSRF(sess.ID, c.Get(headerCSRF)) {
		return nil, delphi.Errorf(delphi.EFORBIDDEN, "missing or invalid CSRF token; reload the page")
	}
	sv, err := s.deps.Surveys.SurveyByID(ctx, sess.SurveyID)
	if delphi.ErrorCode(err) == delphi.ENOTFOUND || err == nil && sv.Status == delphi.SurveyClosed {
		return nil, delphi.Errorf(delphi.ENOTFOUND, "not found")
	} else if err != nil {
		return nil, err
	}
	if fromCookie && claims.ExpiresAt != nil && claims.IssuedAt != nil {
		half := claims.IssuedAt.Add(claims.ExpiresAt.Sub(claims.IssuedAt.Time) / 2)
		if now.After(half) {
			if _, _, err := h.issueCookies(c, sess); err != nil {
				return nil, err
			}
		}
	}
	return &participant{sess: sess, expert: e, survey: sv}, nil
}

// issueCookies signs a fresh expert JWT, bounded by the session's end, and
// sets it with the CSRF cookie.
func (h *ParticipationHandler) issueCookies(c *fiber.Ctx, sess *delphi.ExpertSession) (string, time.Time, error) {
	s := h.s
	ttl := s.opt.SessionTTL
	if left := sess.ExpiresAt.Sub(s.now()); left < ttl {
		ttl = left
	}
	tok, exp, err := s.deps.Tokens.Issue(auth.AudienceExpert, sess.ExpertID, sess.ID, sess.SurveyID, ttl)
	if err != nil {
		return "", time.Time{}, err
	}
	c.Cookie(&fiber.Cookie{Name: cookieExpert, Value: tok, Path: expertCookiePath, Expires: exp, HTTPOnly: true, Secure: s.opt.Secure, SameSite: fiber.CookieSameSiteStrictMode})
	c.Cookie(&fiber.Cookie{Name: cookieExpertCSRF, Value: s.deps.Tokens.CSRFToken(sess.ID), Path: "/", Expires: exp, Secure: s.opt.Secure, SameSite: fiber.CookieSameSiteStrictMode})
	return tok, exp, nil
}

type sessionRequest struct {
	Token string `json:"token"`
}

type sessionResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	SurveyID  string    `json:"survey_id"`
}

// session exchanges a personal link token for an expert session. Unknown,
// replaced or revoked links and closed studies all answer the same 404;
// failures count per client IP.
func (h *ParticipationHandler) session(c *fiber.Ctx) error {
	if err := h.ready(); err != nil {
		return err
	}
	var req sessionRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	s, ctx := h.s, c.UserContext()
	now := s.now()
	key := "token:ip:" + s.clientKey(c)
	n, err := s.deps.Limiter.Attempts(ctx, key, now, tokenWindow)
	if err != nil {
		return err
	}
	if n >= maxTokenFailuresPerIP {
		return &delphi.Error{Code: delphi.ERATELIMIT, Message: "too many invalid links; try again later", RetryAfter: int(tokenWindow.Seconds())}
	}
	fail := func() error {
		if _, err := s.deps.Limiter.Hit(ctx, key, now, tokenWindow); err != nil {
			return err
		}
		return delphi.Errorf(delphi.ENOTFOUND, "this link is not valid")
	}
	tok := strings.TrimSpace(req.Token)
	if tok == "" || len(tok) > maxTokenLength {
		return fail()
	}
	hash := delphi.HashAccessToken(tok)
	e, err := s.deps.Experts.ExpertByTokenHash(ctx, hash)
	if delphi.ErrorCode(err) == delphi.ENOTFOUND {
		return fail()
	} else if err != nil {
		return err
	}
	sv, err := s.deps.Surveys.SurveyByID(ctx, e.SurveyID)
	if delphi.ErrorCode(err) == delphi.ENOTFOUND || err == nil && sv.Status == delphi.SurveyClosed {
		return fail()
	} else if err != nil {
		return err
	}
	sess := &delphi.ExpertSession{
		ID: auth.RandomID(16), ExpertID: e.ID, SurveyID: e.SurveyID, TokenHash: hash,
		CreatedAt: now.UTC(), ExpiresAt: now.UTC().Add(s.opt.SessionMax),
	}
	if err := s.deps.ExpertSessions.CreateExpertSession(ctx, sess); err != nil {
		return err
	}
	jwt, exp, err := h.issueCookies(c, sess)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(sessionResponse{Token: jwt, ExpiresAt: exp, SurveyID: sv.ID})
}

// ---------------------------------------------------------------- views

type surveyInfo struct {
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

type expertInfo struct {
	Pseudonym  string     `json:"pseudonym"`
	Group      string     `json:"group"`
	Language   string     `json:"language"`
	ConsentAt  *time.Time `json:"consent_at"`
	DeclinedAt *time.Time `json:"declined_at"`
}

type roundInfo struct {
	Number   int        `json:"number"`
	Status   string     `json:"status"`
	OpensAt  *time.Time `json:"opens_at"`
	Deadline *time.Time `json:"deadline"`
	ClosedAt *time.Time `json:"closed_at,omitempty"`
}

type sectionView struct {
	ID          string      `json:"id"`
	Title       delphi.Text `json:"title"`
	Description delphi.Text `json:"description,omitempty"`
	Items       []itemView  `json:"items"`
}

type itemView struct {
	Item   delphi.Item `json:"item"`
	Origin string      `json:"origin"`
	// Previous is the expert's own answer in the round before.
	Previous *answerView `json:"previous,omitempty"`
	// Feedback is the panel's result in the round before (from its frozen
	// snapshot); FeedbackHidden says it exists but is shown only once the
	// expert has answered the item (anti-anchoring).
	Feedback       *analysis.ItemFeedback `json:"feedback,omitempty"`
	FeedbackHidden bool                   `json:"feedback_hidden,omitempty"`
}

type answerView struct {
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

type progressView struct {
	Answered int `json:"answered"`
	Total    int `json:"total"`
}

type responseInfo struct {
	FirstOpenedAt *time.Time `json:"first_opened_at,omitempty"`
	StartedAt     *time.Time `json:"started_at,omitempty"`
	SubmittedAt   *time.Time `json:"submitted_at,omitempty"`
	Submissions   int        `json:"submissions"`
}

type participationView struct {
	State    string                `json:"state"`
	Survey   surveyInfo            `json:"survey"`
	Expert   expertInfo            `json:"expert"`
	Round    *roundInfo            `json:"round"`
	Sections []sectionView         `json:"sections"`
	Answers  map[string]answerView `json:"answers"`
	Progress progressView          `json:"progress"`
	Response responseInfo          `json:"response"`
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

func viewAnswer(it delphi.Item, a delphi.Answer, fb *analysis.ItemFeedback, justify bool) answerView {
	v := answerView{
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

// roundContext is what the participation handlers know about the current
// round: the round, its feedback (from round n-1's snapshot), the expert's
// previous and current response.
type roundContext struct {
	svc      *rounds.Service
	round    *delphi.Round
	feedback map[string]analysis.ItemFeedback // carried items only
	previous *delphi.Response
	response *delphi.Response
}

// load reads the current round and what the handlers need of it. With
// withFeedback false, the feedback and the previous response are skipped.
func (h *ParticipationHandler) load(ctx context.Context, p *participant, withFeedback bool) (*roundContext, error) {
	svc, err := h.s.roundService()
	if err != nil {
		return nil, err
	}
	rc := &roundContext{svc: svc}
	rc.round, err = svc.Current(ctx, p.survey.ID)
	if delphi.ErrorCode(err) == delphi.ENOTFOUND {
		return rc, nil
	} else if err != nil {
		return nil, err
	}
	rc.response, err = h.s.deps.Responses.Response(ctx, p.survey.ID, rc.round.Number, p.expert.ID)
	if err != nil && delphi.ErrorCode(err) != delphi.ENOTFOUND {
		return nil, err
	}
	if !withFeedback || rc.round.Number < 2 {
		return rc, nil
	}
	prev := rc.round.Number - 1
	res, err := svc.Results.Frozen(ctx, p.survey.ID, prev)
	if delphi.ErrorCode(err) == delphi.ECONFLICT {
		h.s.log.Warn("a round without the previous round's snapshot", "survey_id", p.survey.ID, "round", rc.round.Number)
	} else if err != nil {
		return nil, err
	} else {
		all := analysis.Feedback(res, p.survey.Definition.Rounds.Feedback)
		rc.feedback = map[string]analysis.ItemFeedback{}
		for _, ri := range rc.round.Items {
			if f, ok := all[ri.Item.ID]; ok && (ri.Origin == delphi.OriginCarried || ri.Origin == delphi.OriginChanged) {
				rc.feedback[ri.Item.ID] = f
			}
		}
	}
	if p.survey.Definition.Rounds.Feedback.OwnPrevious {
		rc.previous, err = h.s.deps.Responses.Response(ctx, p.survey.ID, prev, p.expert.ID)
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

func (rc *roundContext) progress() progressView {
	p := progressView{Total: len(rc.round.Items)}
	for _, ri := range rc.round.Items {
		if a, ok := rc.answer(ri.Item.ID); ok && !a.Value.Empty() {
			p.Answered++
		}
	}
	return p
}

func (h *ParticipationHandler) state(p *participant, r *delphi.Round) string {
	now := h.s.now()
	switch {
	case p.expert.DeclinedAt != nil:
		return stateDeclined
	case r == nil:
		return stateNotStarted
	case r.Status == delphi.RoundClosed:
		return stateClosed
	case r.OpensAt != nil && now.Before(*r.OpensAt):
		return stateUpcoming
	}
	return stateOpen
}

func (h *ParticipationHandler) get(c *fiber.Ctx, p *participant) error {
	ctx := c.UserContext()
	rc, err := h.load(ctx, p, true)
	if err != nil {
		return err
	}
	def := p.survey.Definition
	fbOpts := def.Rounds.Feedback
	fbOpts.MinGroupN = fbOpts.MinGroup() // the default, for studies stored before the option
	e := p.expert
	out := participationView{
		Survey: surveyInfo{
			ID: p.survey.ID, Title: def.Title, Description: def.Description, Languages: def.Languages, TimeZone: timeZone(def),
			Privacy: def.Privacy, Contact: def.Contact, Groups: def.Groups, Scales: def.Scales, Feedback: fbOpts,
			AllowRevision: def.Rounds.RevisionAllowed(), Planned: def.Rounds.Planned,
		},
		Expert:   expertInfo{Pseudonym: e.Pseudonym, Group: e.Group, Language: cmp.Or(e.Language, firstLanguage(def)), ConsentAt: e.ConsentAt, DeclinedAt: e.DeclinedAt},
		State:    h.state(p, rc.round),
		Sections: []sectionView{},
		Answers:  map[string]answerView{},
	}
	if out.Survey.Groups == nil {
		out.Survey.Groups = []delphi.Group{}
	}
	r := rc.round
	if r == nil {
		return c.JSON(out)
	}
	// Opening the questionnaire counts as activity once the expert has
	// consented; before consent nothing is stored.
	if out.State == stateOpen && e.ConsentAt != nil {
		tmpl := &delphi.Response{SurveyID: p.survey.ID, Round: r.Number, ExpertID: e.ID, Pseudonym: e.Pseudonym, Group: e.Group}
		if rc.response, err = h.s.deps.Responses.TouchResponse(ctx, tmpl, h.s.now()); err != nil {
			return err
		}
	}
	out.Round = &roundInfo{Number: r.Number, Status: r.Status, OpensAt: r.OpensAt, Deadline: r.Deadline, ClosedAt: r.ClosedAt}
	if rc.response != nil {
		out.Response = responseInfo{FirstOpenedAt: rc.response.FirstOpenedAt, StartedAt: rc.response.StartedAt, SubmittedAt: rc.response.SubmittedAt, Submissions: rc.response.Submissions}
	}
	bySection := map[string][]itemView{}
	var order []string
	for _, ri := range r.Items {
		it := ri.Item
		iv := itemView{Item: it, Origin: ri.Origin}
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
		sec := sectionView{ID: id, Title: delphi.Text{delphi.LangDE: id}, Items: bySection[id]}
		for _, ds := range def.Sections {
			if ds.ID == id {
				sec.Title, sec.Description = ds.Title, ds.Description
			}
		}
		out.Sections = append(out.Sections, sec)
	}
	out.Progress = rc.progress()
	return c.JSON(out)
}

// requireWritable returns the ECONFLICT that stops an expert from saving
// or submitting, if any.
func (h *ParticipationHandler) requireWritable(p *participant, rc *roundContext) error {
	switch {
	case rc.round == nil:
		return delphi.Errorf(delphi.ECONFLICT, "no round is open yet")
	case p.expert.DeclinedAt != nil:
		return delphi.Errorf(delphi.ECONFLICT, "you have left this study; your answers can no longer be changed")
	case p.expert.ConsentAt == nil:
		return delphi.Errorf(delphi.ECONFLICT, "please accept the privacy notice first; nothing is stored before you do")
	}
	return rc.round.Accepting(h.s.now())
}

type answerRequest struct {
	Value         json.RawMessage `json:"value"`
	Comment       string          `json:"comment"`
	Justification string          `json:"justification"`
	Seq           int64           `json:"seq"`
}

// decodeAnswer decodes an answer strictly like decodeJSON, except that the
// value is not checked for dotted keys: it is validated by delphi.ParseValue
// against the item (criterion ids may contain dots) and stored as JSON.
func decodeAnswer(c *fiber.Ctx, dst *answerRequest) error {
	if !strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEApplicationJSON) {
		return delphi.Errorf(delphi.EBADREQUEST, "the body must be JSON (Content-Type: application/json)")
	}
	dec := json.NewDecoder(bytes.NewReader(c.Body()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return delphi.Errorf(delphi.EBADREQUEST, "unexpected data after the JSON body")
	}
	return nil
}

type saveResponse struct {
	Answer   answerView             `json:"answer"`
	Applied  bool                   `json:"applied"` // false: a save with a higher seq was stored already
	Feedback *analysis.ItemFeedback `json:"feedback,omitempty"`
	Progress progressView           `json:"progress"`
}

// save stores one answer. Idempotent: the answer with the highest seq per
// item wins; a lower or equal seq answers 200 with the stored answer.
func (h *ParticipationHandler) save(c *fiber.Ctx, p *participant) error {
	var req answerRequest
	if err := decodeAnswer(c, &req); err != nil {
		return err
	}
	ctx := c.UserContext()
	def := p.survey.Definition
	rc, err := h.load(ctx, p, def.Rounds.Feedback.JustifyOutsideIQR || def.Rounds.Feedback.HideUntilAnswered)
	if err != nil {
		return err
	}
	if err := h.requireWritable(p, rc); err != nil {
		return err
	}
	if rc.response != nil && rc.response.SubmittedAt != nil && !def.Rounds.RevisionAllowed() {
		return delphi.Errorf(delphi.ECONFLICT, "you have submitted this round; this study does not allow changes afterwards")
	}
	itemID := c.Params("itemId")
	ri, ok := rc.round.Item(itemID)
	if !ok {
		return delphi.FieldErrorf(delphi.ENOTFOUND, "item", "item %q is not part of round %d", itemID, rc.round.Number)
	}
	if req.Seq < 1 {
		return delphi.FieldErrorf(delphi.EINVALID, "seq", "seq must be a positive number that grows with every change")
	}
	var v delphi.Value
	if raw := bytes.TrimSpace(req.Value); len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
		if v, err = delphi.ParseValue(def, ri.Item, raw); err != nil {
			return err
		}
	}
	if err := delphi.CheckText("comment", req.Comment); err != nil {
		return err
	}
	if err := delphi.CheckText("justification", req.Justification); err != nil {
		return err
	}
	if !ri.Item.Comment && strings.TrimSpace(req.Comment) != "" {
		return delphi.FieldErrorf(delphi.EINVALID, "comment", "this item takes no comment")
	}
	e := p.expert
	a := &delphi.Answer{
		SurveyID: p.survey.ID, Round: rc.round.Number, ItemID: itemID, ExpertID: e.ID, Pseudonym: e.Pseudonym, Group: e.Group,
		Value: v, Comment: req.Comment, Justification: req.Justification, Seq: req.Seq,
	}
	// The write runs under the round's guard after a fresh check that the
	// round accepts answers, so a close that has begun refuses it and one
	// that begins waits for it: the snapshot counts exactly the stored answers.
	release, err := rc.svc.Accept(ctx, p.survey.ID, rc.round.Number)
	if err != nil {
		return err
	}
	stored, applied, err := h.s.deps.Responses.SaveAnswer(ctx, a, h.s.now())
	release()
	if err != nil {
		return err
	}
	if rc.response, err = h.s.deps.Responses.Response(ctx, p.survey.ID, rc.round.Number, e.ID); err != nil {
		return err
	}
	fb := rc.itemFeedback(itemID)
	out := saveResponse{Answer: viewAnswer(ri.Item, *stored, fb, def.Rounds.Feedback.JustifyOutsideIQR), Applied: applied, Progress: rc.progress()}
	if fb != nil && !stored.Value.Empty() {
		out.Feedback = fb // with hide_until_answered: shown now that there is an answer
	}
	return c.JSON(out)
}

type submitResponse struct {
	SubmittedAt *time.Time   `json:"submitted_at"`
	Submissions int          `json:"submissions"`
	Changed     bool         `json:"changed"` // false: nothing changed since the last submission
	Unanswered  []string     `json:"unanswered"`
	Progress    progressView `json:"progress"`
}

// submit confirms the round. With justify_outside_iqr, every answer outside
// the previous round's IQR needs a justification: 422 naming the items
// (field = their ids, comma-separated; one detail each).
func (h *ParticipationHandler) submit(c *fiber.Ctx, p *participant) error {
	ctx := c.UserContext()
	def := p.survey.Definition
	rc, err := h.load(ctx, p, def.Rounds.Feedback.JustifyOutsideIQR)
	if err != nil {
		return err
	}
	if err := h.requireWritable(p, rc); err != nil {
		return err
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
		return &delphi.Error{
			Code: delphi.EINVALID, Field: strings.Join(missing, ","), Details: details,
			Message: "answers outside the previous round's interquartile range need a short justification: " + strings.Join(missing, ", "),
		}
	}
	e, now := p.expert, h.s.now()
	release, err := rc.svc.Accept(ctx, p.survey.ID, rc.round.Number) // as in save
	if err != nil {
		return err
	}
	if rc.response == nil {
		tmpl := &delphi.Response{SurveyID: p.survey.ID, Round: rc.round.Number, ExpertID: e.ID, Pseudonym: e.Pseudonym, Group: e.Group}
		_, err = h.s.deps.Responses.TouchResponse(ctx, tmpl, now)
	}
	var resp *delphi.Response
	var changed bool
	if err == nil {
		resp, changed, err = h.s.deps.Responses.SubmitResponse(ctx, p.survey.ID, rc.round.Number, e.ID, now)
	}
	release()
	if err != nil {
		return err
	}
	rc.response = resp
	out := submitResponse{SubmittedAt: resp.SubmittedAt, Submissions: resp.Submissions, Changed: changed, Unanswered: []string{}, Progress: rc.progress()}
	for _, ri := range rc.round.Items {
		if a, ok := rc.answer(ri.Item.ID); !ok || a.Value.Empty() {
			out.Unanswered = append(out.Unanswered, ri.Item.ID)
		}
	}
	return c.JSON(out)
}

// consent records that the expert accepted the privacy notice (once). It
// writes the consent time alone, so a coordinator's concurrent edit of the
// expert (group, name, ...) is kept.
func (h *ParticipationHandler) consent(c *fiber.Ctx, p *participant) error {
	e := p.expert
	if e.ConsentAt == nil {
		var err error
		if e, err = h.s.deps.Experts.SetConsent(c.UserContext(), e.SurveyID, e.ID, h.s.now()); err != nil {
			return err
		}
	}
	return c.JSON(fiber.Map{"consent_at": e.ConsentAt})
}

// decline records that the expert left the study (once); coordinators see
// it on the panel. Answers already given stay. Like consent, it writes the
// decline time alone.
func (h *ParticipationHandler) decline(c *fiber.Ctx, p *participant) error {
	e := p.expert
	if e.DeclinedAt == nil {
		var err error
		if e, err = h.s.deps.Experts.SetDeclined(c.UserContext(), e.SurveyID, e.ID, h.s.now()); err != nil {
			return err
		}
	}
	return c.JSON(fiber.Map{"declined_at": e.DeclinedAt})
}
