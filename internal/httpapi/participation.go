package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/participation"
	"github.com/expertenrunde/expertenrunde/internal/session"
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

// ParticipationHandler serves experts through their personal link. Its
// routes are public in the staff sense: the expert session (an
// expert-audience JWT bound to one study and one expert) is checked by
// h.expert (session.Service.Expert), and the expert's id comes only from
// that session, never from the URL. The use cases are
// participation.Service's; the link exchange is session.Service's.
type ParticipationHandler struct {
	signIn  *session.Service
	svc     *participation.Service
	cookies cookies
	clients clients
	// loads lines up the questionnaire loads (lineup); nil: none.
	loads *lineup
}

func (h *ParticipationHandler) routes() []route {
	return []route{
		{fiber.MethodPost, "/participation/session", public, h.session},
		{fiber.MethodGet, "/participation", public, h.loads.wrap(h.expert(h.get))},
		{fiber.MethodPut, "/participation/answers", public, h.expert(h.saveBatch)},
		{fiber.MethodPut, "/participation/answers/:itemId", public, h.expert(h.save)},
		{fiber.MethodPost, "/participation/submit", public, h.expert(h.submit)},
		{fiber.MethodPost, "/participation/consent", public, h.expert(h.consent)},
		{fiber.MethodPost, "/participation/decline", public, h.expert(h.decline)},
		{fiber.MethodGet, "/participation/realtime", public, h.expert(h.realtime)},
	}
}

// participant is the authenticated expert of a request.
type participant struct {
	sess   *delphi.ExpertSession
	expert *delphi.Expert
	survey *delphi.Survey
}

func (h *ParticipationHandler) ready() error {
	if h.svc == nil || h.signIn == nil {
		return delphi.Errorf(delphi.EUNAVAILABLE, "participation is not available on this server")
	}
	return nil
}

// expert wraps a handler with the expert authentication: the expert JWT
// (Bearer or er_expert cookie) checked by session.Service.Expert, and the
// cookie renewed past half its lifetime.
func (h *ParticipationHandler) expert(next func(c *fiber.Ctx, p *participant) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := h.ready(); err != nil {
			return err
		}
		pr, ok := presented(c, cookieExpert)
		if !ok {
			return delphi.Errorf(delphi.EUNAUTHORIZED, "your session has ended; open your personal link again")
		}
		who, err := h.signIn.Expert(c.UserContext(), pr)
		if err != nil {
			return err
		}
		if who.Renewed != nil {
			h.cookies.setExpert(c, who.Renewed)
		}
		c.Set(fiber.HeaderCacheControl, "no-store")
		return next(c, &participant{sess: who.Session, expert: who.Expert, survey: who.Survey})
	}
}

type sessionRequest struct {
	Token string `json:"token"`
}

type sessionResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	SurveyID  string    `json:"survey_id"`
}

// session exchanges a personal link token for an expert session
// (session.Service.Exchange) and sets the expert cookies.
func (h *ParticipationHandler) session(c *fiber.Ctx) error {
	if err := h.ready(); err != nil {
		return err
	}
	var req sessionRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	in, err := h.signIn.Exchange(c.UserContext(), req.Token, h.clients.key(c))
	if err != nil {
		return err
	}
	h.cookies.setExpert(c, in.Token)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(sessionResponse{Token: in.Token.Token, ExpiresAt: in.Token.ExpiresAt, SurveyID: in.Session.SurveyID})
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
