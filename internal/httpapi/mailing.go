package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/gofiber/fiber/v2"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/mailing"
)

// MailHandler serves a round's invitations and reminders, their texts and
// the response rates (mailing.Service). Sending only queues: a job is
// stored and the mail dispatcher sends in the background (202 with the job).
type MailHandler struct {
	studies studies
	mailing *mailing.Service
	// idempotent runs a send once per Idempotency-Key (Server.idempotent).
	idempotent func(c *fiber.Ctx, fn func(ctx context.Context) (int, any, error)) error
}

func (h *MailHandler) routes() []route {
	return []route{
		{fiber.MethodGet, "/surveys/:id/rounds/:n/invitations", staffWriter, h.status},
		{fiber.MethodPost, "/surveys/:id/rounds/:n/invitations", staffWriter, h.invite},
		{fiber.MethodPost, "/surveys/:id/rounds/:n/invitations/retry", staffWriter, h.retry},
		{fiber.MethodPost, "/surveys/:id/rounds/:n/reminders", staffWriter, h.remind},
		{fiber.MethodGet, "/surveys/:id/rounds/:n/mail", staffWriter, h.getTexts},
		{fiber.MethodPut, "/surveys/:id/rounds/:n/mail", staffWriter, h.putTexts},
		{fiber.MethodGet, "/surveys/:id/rounds/:n/mail/preview", staffWriter, h.preview},
		{fiber.MethodGet, "/surveys/:id/rounds/:n/progress", staff, h.progress},
	}
}

// mailRound checks the service, the study's visibility and the round
// number (and, when rounds are stored, that the round exists).
func (h *MailHandler) mailRound(c *fiber.Ctx) (*delphi.Survey, int, *delphi.Round, error) {
	if h.mailing == nil || h.mailing.Mail == nil {
		return nil, 0, nil, delphi.Errorf(delphi.EUNAVAILABLE, "mail is not available")
	}
	return h.round(c)
}

// round checks the study's visibility and the round number (and, when
// rounds are stored, that the round exists).
func (h *MailHandler) round(c *fiber.Ctx) (*delphi.Survey, int, *delphi.Round, error) {
	if h.mailing == nil {
		return nil, 0, nil, delphi.Errorf(delphi.EUNAVAILABLE, "the expert panel is not available")
	}
	sv, err := h.studies.visible(c, c.Params("id"))
	if err != nil {
		return nil, 0, nil, err
	}
	n, err := roundParam(c) // round 0 too, for a study with an open round 0
	if err != nil {
		return nil, 0, nil, err
	}
	r, err := h.mailing.Round(c.UserContext(), sv, n)
	if err != nil {
		return nil, 0, nil, err
	}
	return sv, n, r, nil
}

func (h *MailHandler) invite(c *fiber.Ctx) error { return h.enqueue(c, delphi.MailInvite) }
func (h *MailHandler) remind(c *fiber.Ctx) error { return h.enqueue(c, delphi.MailReminder) }

func (h *MailHandler) enqueue(c *fiber.Ctx, kind string) error {
	sv, n, r, err := h.mailRound(c)
	if err != nil {
		return err
	}
	var req mailing.SendRequest
	if len(requestBody(c)) > 0 {
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
	}
	send, err := h.mailing.NewSend(sv, n, r, kind, req)
	if err != nil {
		return err
	}
	return h.idempotent(c, func(ctx context.Context) (int, any, error) {
		job, err := h.mailing.Queue(ctx, currentUser(c).ID, send)
		if err != nil {
			return 0, nil, err
		}
		return fiber.StatusAccepted, fiber.Map{"job": job}, nil
	})
}

// idempotent runs fn once per Idempotency-Key and user: a repeated request
// with the same key gets the stored answer (header Idempotent-Replayed),
// one still running is 409, and reusing a key for another request is 422.
// Without the header, fn just runs. Failed requests store nothing.
func (s *Server) idempotent(c *fiber.Ctx, fn func(ctx context.Context) (int, any, error)) error {
	ctx := c.UserContext()
	key := c.Get("Idempotency-Key")
	if key == "" {
		status, body, err := fn(ctx)
		if err != nil {
			return err
		}
		return c.Status(status).JSON(body)
	}
	if err := delphi.CheckText("Idempotency-Key", key, delphi.LineText); err != nil {
		return err
	}
	id := key + "|" + currentUser(c).ID
	sum := sha256.Sum256(append([]byte(c.Method()+" "+c.Path()+"?"+string(c.Request().URI().QueryString())+"\n"), requestBody(c)...))
	fp := hex.EncodeToString(sum[:])
	stored, fresh, err := s.deps.Mail.BeginIdempotent(ctx, id, fp, s.now())
	if err != nil {
		return err
	}
	if !fresh {
		switch {
		case stored.Fingerprint != fp:
			return delphi.FieldErrorf(delphi.EINVALID, "Idempotency-Key", "this Idempotency-Key was used for a different request")
		case !stored.Done:
			return delphi.Errorf(delphi.ECONFLICT, "a request with this Idempotency-Key is still in progress")
		}
		c.Set("Idempotent-Replayed", "true")
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		return c.Status(stored.Status).Send(stored.Body)
	}
	status, body, err := fn(ctx)
	if err != nil {
		_ = s.deps.Mail.AbandonIdempotent(context.WithoutCancel(ctx), id)
		return err
	}
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	if err := s.deps.Mail.FinishIdempotent(context.WithoutCancel(ctx), id, status, b); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Status(status).Send(b)
}

// status answers the round's send progress, the failures and the jobs.
func (h *MailHandler) status(c *fiber.Ctx) error {
	sv, n, _, err := h.mailRound(c)
	if err != nil {
		return err
	}
	out, err := h.mailing.Status(c.UserContext(), sv, n)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}

func (h *MailHandler) retry(c *fiber.Ctx) error {
	sv, n, _, err := h.mailRound(c)
	if err != nil {
		return err
	}
	count, err := h.mailing.Retry(c.UserContext(), currentUser(c).ID, sv, n)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"retried": count})
}

func (h *MailHandler) getTexts(c *fiber.Ctx) error {
	sv, n, _, err := h.mailRound(c)
	if err != nil {
		return err
	}
	out, err := h.mailing.Texts(c.UserContext(), sv, n)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// putTexts sets the invitation subject and intro per language.
func (h *MailHandler) putTexts(c *fiber.Ctx) error {
	sv, n, _, err := h.mailRound(c)
	if err != nil {
		return err
	}
	var in map[string]delphi.MailText
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := h.mailing.PutTexts(c.UserContext(), currentUser(c).ID, sv, n, in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// preview renders the mail for ?lang= (de) and ?kind= (invite).
func (h *MailHandler) preview(c *fiber.Ctx) error {
	sv, n, r, err := h.mailRound(c)
	if err != nil {
		return err
	}
	out, err := h.mailing.Preview(c.UserContext(), sv, n, r, c.Query("lang", delphi.LangDE), c.Query("kind", delphi.MailInvite))
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// progress answers the round's response rates per expert group and overall.
func (h *MailHandler) progress(c *fiber.Ctx) error {
	sv, n, _, err := h.round(c)
	if err != nil {
		return err
	}
	out, err := h.mailing.Progress(c.UserContext(), sv, n)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}
