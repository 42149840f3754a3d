package httpapi

import (
	"context"
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
	type ctx = context.Context
	type svc = arguments.Service
	type expert = arguments.Expert
	type none = struct{}
	return []route{
		{fiber.MethodGet, "/participation/arguments", public, expertRoute(h, fiber.StatusOK, func(c ctx, s *svc, e expert, _ string, _ none) (any, error) {
			return s.Panel(c, e)
		})},
		{fiber.MethodPost, "/participation/arguments", public, expertRoute(h, fiber.StatusCreated, func(c ctx, s *svc, e expert, _ string, in arguments.Input) (any, error) {
			return s.Post(c, e, in)
		})},
		{fiber.MethodPut, "/participation/arguments/:argumentId", public, expertRoute(h, fiber.StatusOK, func(c ctx, s *svc, e expert, id string, in argumentEdit) (any, error) {
			return s.Edit(c, e, id, arguments.Input{OptionID: in.OptionID, Stance: in.Stance, Text: in.Text})
		})},
		{fiber.MethodDelete, "/participation/arguments/:argumentId", public, expertRoute(h, fiber.StatusNoContent, func(c ctx, s *svc, e expert, id string, _ none) (any, error) {
			return nil, s.Withdraw(c, e, id)
		})},
		{fiber.MethodPost, "/participation/arguments/:argumentId/rating", public, expertRoute(h, fiber.StatusOK, func(c ctx, s *svc, e expert, id string, in ratingRequest) (any, error) {
			return s.Rate(c, e, id, in.Value)
		})},
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

// study returns the service and the study :id the staff member may see.
func (h *ArgumentHandler) study(c *fiber.Ctx) (*arguments.Service, *delphi.Survey, error) {
	svc, err := h.service()
	if err != nil {
		return nil, nil, err
	}
	sv, err := h.studies.visible(c, c.Params("id"))
	return svc, sv, err
}

// expertRoute is the handler of one of the expert's use cases: the expert
// from their session (h.experts.expert), the body, if any, decoded strictly
// into In, the call with the path's argument id, and its value answered
// with status (nothing for a nil value).
func expertRoute[In any](h *ArgumentHandler, status int, call func(ctx context.Context, svc *arguments.Service, e arguments.Expert, id string, in In) (any, error)) fiber.Handler {
	return h.experts.expert(func(c *fiber.Ctx, p *participant) error {
		svc, err := h.service()
		if err != nil {
			return err
		}
		var in In
		if err := decodeJSONOrEmpty(c, &in); err != nil {
			return err
		}
		out, err := call(c.UserContext(), svc, arguments.Expert{Expert: p.expert, Survey: p.survey}, c.Params("argumentId"), in)
		if err != nil {
			return err
		}
		if out == nil {
			return c.SendStatus(status)
		}
		return c.Status(status).JSON(out)
	})
}

// argumentEdit is the body of PUT /participation/arguments/{id}.
type argumentEdit struct {
	OptionID string `json:"option_id"`
	Stance   string `json:"stance"`
	Text     string `json:"text"`
}

// ratingRequest is the body of POST /participation/arguments/{id}/rating.
type ratingRequest struct {
	Value int `json:"value"`
}

// list answers the study's arguments of ?round=n (every round without it).
func (h *ArgumentHandler) list(c *fiber.Ctx) error {
	svc, sv, err := h.study(c)
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
	svc, sv, err := h.study(c)
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
