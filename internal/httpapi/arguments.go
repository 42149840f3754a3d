package httpapi

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/expertenrunde/expertenrunde/internal/arguments"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// ArgumentHandler serves the arguments between rounds
// (arguments.Service): to experts through their session (the expert
// authentication of the participation routes; the expert comes only from
// the session), and to the study's staff, who read every argument and,
// as coordinators, hide and unhide them.
type ArgumentHandler struct {
	studies studies
	experts *ParticipationHandler // the expert authentication (h.experts.expert)
	svc     *arguments.Service
}

func (h *ArgumentHandler) routes() []route {
	return []route{
		{fiber.MethodGet, "/participation/arguments", public, h.experts.expert(h.panel)},
		{fiber.MethodPost, "/participation/arguments", public, h.experts.expert(h.post)},
		{fiber.MethodPut, "/participation/arguments/:argumentId", public, h.experts.expert(h.edit)},
		{fiber.MethodDelete, "/participation/arguments/:argumentId", public, h.experts.expert(h.withdraw)},
		{fiber.MethodPost, "/participation/arguments/:argumentId/rating", public, h.experts.expert(h.rate)},
		{fiber.MethodGet, "/surveys/:id/arguments", staff, h.list},
		{fiber.MethodPost, "/surveys/:id/arguments/:argumentId/hide", staffWriter, h.hide},
		{fiber.MethodPost, "/surveys/:id/arguments/:argumentId/unhide", staffWriter, h.unhide},
	}
}

func (h *ArgumentHandler) service() (*arguments.Service, error) {
	if h.svc == nil {
		return nil, delphi.Errorf(delphi.EUNAVAILABLE, "arguments are not available on this server")
	}
	return h.svc, nil
}

func (p *participant) arguer() arguments.Expert {
	return arguments.Expert{Expert: p.expert, Survey: p.survey}
}

func (h *ArgumentHandler) panel(c *fiber.Ctx, p *participant) error {
	svc, err := h.service()
	if err != nil {
		return err
	}
	out, err := svc.Panel(c.UserContext(), p.arguer())
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (h *ArgumentHandler) post(c *fiber.Ctx, p *participant) error {
	svc, err := h.service()
	if err != nil {
		return err
	}
	var in arguments.Input
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := svc.Post(c.UserContext(), p.arguer(), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

// argumentEdit is the body of PUT /participation/arguments/{id}.
type argumentEdit struct {
	OptionID string `json:"option_id"`
	Stance   string `json:"stance"`
	Text     string `json:"text"`
}

func (h *ArgumentHandler) edit(c *fiber.Ctx, p *participant) error {
	svc, err := h.service()
	if err != nil {
		return err
	}
	var in argumentEdit
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := svc.Edit(c.UserContext(), p.arguer(), c.Params("argumentId"), arguments.Input{OptionID: in.OptionID, Stance: in.Stance, Text: in.Text})
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (h *ArgumentHandler) withdraw(c *fiber.Ctx, p *participant) error {
	svc, err := h.service()
	if err != nil {
		return err
	}
	if err := svc.Withdraw(c.UserContext(), p.arguer(), c.Params("argumentId")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// ratingRequest is the body of POST /participation/arguments/{id}/rating.
type ratingRequest struct {
	Value int `json:"value"`
}

func (h *ArgumentHandler) rate(c *fiber.Ctx, p *participant) error {
	svc, err := h.service()
	if err != nil {
		return err
	}
	var in ratingRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := svc.Rate(c.UserContext(), p.arguer(), c.Params("argumentId"), in.Value)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// list answers the study's arguments of ?round=n (every round without it).
func (h *ArgumentHandler) list(c *fiber.Ctx) error {
	svc, err := h.service()
	if err != nil {
		return err
	}
	sv, err := h.studies.visible(c, c.Params("id"))
	if err != nil {
		return err
	}
	n := 0
	if q := c.Query("round"); q != "" {
		if n, err = strconv.Atoi(q); err != nil || n < 1 {
			return delphi.FieldErrorf(delphi.EINVALID, "round", "round must be a round number")
		}
	}
	out, err := svc.List(c.UserContext(), sv, n)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"arguments": out})
}

// hideRequest is the body of the hide and unhide requests.
type hideRequest struct {
	Reason string `json:"reason"`
}

func (h *ArgumentHandler) hide(c *fiber.Ctx) error   { return h.setHidden(c, true) }
func (h *ArgumentHandler) unhide(c *fiber.Ctx) error { return h.setHidden(c, false) }

func (h *ArgumentHandler) setHidden(c *fiber.Ctx, hide bool) error {
	svc, err := h.service()
	if err != nil {
		return err
	}
	sv, err := h.studies.visible(c, c.Params("id"))
	if err != nil {
		return err
	}
	var in hideRequest
	if err := decodeJSONOrEmpty(c, &in); err != nil {
		return err
	}
	out, err := svc.SetHidden(c.UserContext(), currentUser(c).ID, sv, c.Params("argumentId"), hide, in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(out)
}
