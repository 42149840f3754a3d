package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/expertenrunde/expertenrunde/internal/auth"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/participation"
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

// ParticipationHandler serves experts through their personal link. Its
// routes are public in the staff sense: the expert session (an
// expert-audience JWT bound to one study and one expert) is checked by
// h.expert, and the expert's id comes only from that session, never from
// the URL. The use cases are participation.Service's.
type ParticipationHandler struct {
	s   *Server // the link exchange and the expert session (tokens, cookies, limiter)
	svc *participation.Service
}

func (h *ParticipationHandler) routes() []route {
	return []route{
		{fiber.MethodPost, "/participation/session", public, h.session},
		{fiber.MethodGet, "/participation", public, h.expert(h.get)},
		{fiber.MethodPut, "/participation/answers", public, h.expert(h.saveBatch)},
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
	if h.svc == nil || d.Experts == nil || d.ExpertSessions == nil {
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
	// The check of each link is reserved first, atomically, so parallel
	// guesses cannot all pass the limit; it counts as a failure unless the
	// link is valid.
	key := "token:ip:" + s.clientKey(c)
	res, err := s.reserve(ctx, now, tokenWindow, "too many invalid links; try again later", limit{key, maxTokenFailuresPerIP})
	if err != nil {
		return err
	}
	invalid := delphi.Errorf(delphi.ENOTFOUND, "this link is not valid")
	tok := strings.TrimSpace(req.Token)
	if tok == "" || len(tok) > maxTokenLength {
		return invalid
	}
	hash := delphi.HashAccessToken(tok)
	e, err := s.deps.Experts.ExpertByTokenHash(ctx, hash)
	if delphi.ErrorCode(err) == delphi.ENOTFOUND {
		return invalid
	} else if err != nil {
		return res.cancel(ctx, err)
	}
	sv, err := s.deps.Surveys.SurveyByID(ctx, e.SurveyID)
	if delphi.ErrorCode(err) == delphi.ENOTFOUND || err == nil && sv.Status == delphi.SurveyClosed {
		return invalid
	} else if err != nil {
		return res.cancel(ctx, err)
	}
	if err := res.takeBack(ctx, key); err != nil { // a valid link is no failure
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

// ---------------------------------------------------------------- use cases

// who is the participant for the participation service.
func (p *participant) who() participation.Participant {
	return participation.Participant{Expert: p.expert, Survey: p.survey}
}

func (h *ParticipationHandler) get(c *fiber.Ctx, p *participant) error {
	out, err := h.svc.Load(c.UserContext(), p.who())
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// decodeAnswer decodes an answer (or a batch of them) strictly like
// decodeJSON, except that values are not checked for dotted keys: each is
// validated by delphi.ParseValue against its item (criterion ids may
// contain dots) and stored as JSON.
func decodeAnswer(c *fiber.Ctx, dst any) error {
	if !strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEApplicationJSON) {
		return delphi.Errorf(delphi.EBADREQUEST, "the body must be JSON (Content-Type: application/json)")
	}
	dec := json.NewDecoder(bytes.NewReader(requestBody(c)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return delphi.Errorf(delphi.EBADREQUEST, "unexpected data after the JSON body")
	}
	return nil
}

// save stores one answer (participation.Service.Save).
func (h *ParticipationHandler) save(c *fiber.Ctx, p *participant) error {
	var in participation.AnswerInput
	if err := decodeAnswer(c, &in); err != nil {
		return err
	}
	out, err := h.svc.Save(c.UserContext(), p.who(), c.Params("itemId"), in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// maxBatchBody bounds the body of a batch save: a whole response of
// participation.MaxBatch answers with comments fits.
const maxBatchBody = 2 << 20

// batchRequest is the body of PUT /participation/answers.
type batchRequest struct {
	Answers []participation.BatchAnswer `json:"answers"`
}

// saveBatch stores several answers in one write
// (participation.Service.SaveBatch): 200 with one result per answer, each
// the stored answer or the answer's own error.
func (h *ParticipationHandler) saveBatch(c *fiber.Ctx, p *participant) error {
	if n := len(requestBody(c)); n > maxBatchBody {
		return delphi.Errorf(delphi.ETOOLARGE, "a batch of answers may have at most %d bytes, not %d; send fewer answers per request", maxBatchBody, n)
	}
	var req batchRequest
	if err := decodeAnswer(c, &req); err != nil {
		return err
	}
	out, err := h.svc.SaveBatch(c.UserContext(), p.who(), req.Answers)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// submit confirms the round (participation.Service.Submit).
func (h *ParticipationHandler) submit(c *fiber.Ctx, p *participant) error {
	out, err := h.svc.Submit(c.UserContext(), p.who())
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (h *ParticipationHandler) consent(c *fiber.Ctx, p *participant) error {
	e, err := h.svc.Consent(c.UserContext(), p.who())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"consent_at": e.ConsentAt})
}

func (h *ParticipationHandler) decline(c *fiber.Ctx, p *participant) error {
	e, err := h.svc.Decline(c.UserContext(), p.who())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"declined_at": e.DeclinedAt})
}
