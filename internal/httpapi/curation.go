package httpapi

import (
	"github.com/gofiber/fiber/v2"

	"github.com/expertenrunde/expertenrunde/internal/curation"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// CurationHandler serves round 0 (curation.Service): the experts' own
// suggestions through their personal link's session (the expert routes of
// ParticipationHandler), and the curation page to a study's staff: admins
// and coordinators curate, researchers read.
type CurationHandler struct {
	studies studies
	svc     *curation.Service
	experts *ParticipationHandler // the expert authentication
}

func (h *CurationHandler) routes() []route {
	return []route{
		{fiber.MethodGet, "/participation/suggestions", public, h.experts.expert(h.mine)},
		{fiber.MethodPost, "/participation/suggestions", public, h.experts.expert(h.suggest)},
		{fiber.MethodPut, "/participation/suggestions/:sid", public, h.experts.expert(h.edit)},
		{fiber.MethodDelete, "/participation/suggestions/:sid", public, h.experts.expert(h.withdraw)},
		{fiber.MethodGet, "/participation/round0-summary", public, h.experts.expert(h.summary)},
		{fiber.MethodGet, "/surveys/:id/curation", staff, h.board},
		{fiber.MethodPost, "/surveys/:id/curation/items", staffWriter, h.curate},
		{fiber.MethodPatch, "/surveys/:id/curation/items/:itemId", staffWriter, h.reword},
		{fiber.MethodDelete, "/surveys/:id/curation/items/:itemId", staffWriter, h.discard},
		{fiber.MethodPost, "/surveys/:id/curation/suggestions/:sid/reject", staffWriter, h.reject},
		{fiber.MethodGet, "/surveys/:id/provenance", staff, h.provenance},
	}
}

func (h *CurationHandler) ready() error {
	if h.svc == nil {
		return delphi.Errorf(delphi.EUNAVAILABLE, "round 0 is not available on this server")
	}
	return nil
}

func (h *CurationHandler) mine(c *fiber.Ctx, p *participant) error {
	if err := h.ready(); err != nil {
		return err
	}
	out, err := h.svc.Mine(c.UserContext(), p.who())
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}

func (h *CurationHandler) suggest(c *fiber.Ctx, p *participant) error {
	if err := h.ready(); err != nil {
		return err
	}
	var in curation.SuggestionInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := h.svc.Suggest(c.UserContext(), p.who(), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (h *CurationHandler) edit(c *fiber.Ctx, p *participant) error {
	if err := h.ready(); err != nil {
		return err
	}
	var in curation.SuggestionInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := h.svc.Edit(c.UserContext(), p.who(), c.Params("sid"), in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (h *CurationHandler) withdraw(c *fiber.Ctx, p *participant) error {
	if err := h.ready(); err != nil {
		return err
	}
	if err := h.svc.Withdraw(c.UserContext(), p.who(), c.Params("sid")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (h *CurationHandler) summary(c *fiber.Ctx, p *participant) error {
	if err := h.ready(); err != nil {
		return err
	}
	out, err := h.svc.Summary(c.UserContext(), p.who())
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}

// staffStep resolves the visible study, runs one read or curation step
// and answers the curation page as it is then, uncached.
func (h *CurationHandler) staffStep(c *fiber.Ctx, step func(sv *delphi.Survey, actor string) error) error {
	if err := h.ready(); err != nil {
		return err
	}
	sv, err := h.studies.visible(c, c.Params("id"))
	if err != nil {
		return err
	}
	if err := step(sv, currentUser(c).ID); err != nil {
		return err
	}
	out, err := h.svc.Board(c.UserContext(), sv)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}

func (h *CurationHandler) board(c *fiber.Ctx) error {
	return h.staffStep(c, func(*delphi.Survey, string) error { return nil })
}

func (h *CurationHandler) curate(c *fiber.Ctx) error {
	return h.staffStep(c, func(sv *delphi.Survey, actor string) error {
		var req curation.CurateRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		_, err := h.svc.Curate(c.UserContext(), actor, sv, req)
		return err
	})
}

func (h *CurationHandler) reword(c *fiber.Ctx) error {
	return h.staffStep(c, func(sv *delphi.Survey, actor string) error {
		var req curation.RewordRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		_, err := h.svc.Reword(c.UserContext(), actor, sv, c.Params("itemId"), req)
		return err
	})
}

func (h *CurationHandler) discard(c *fiber.Ctx) error {
	return h.staffStep(c, func(sv *delphi.Survey, actor string) error {
		_, err := h.svc.Discard(c.UserContext(), actor, sv, c.Params("itemId"))
		return err
	})
}

type rejectRequest struct {
	Reason string `json:"reason"`
}

func (h *CurationHandler) reject(c *fiber.Ctx) error {
	return h.staffStep(c, func(sv *delphi.Survey, actor string) error {
		var req rejectRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		_, err := h.svc.Reject(c.UserContext(), actor, sv, c.Params("sid"), req.Reason)
		return err
	})
}

func (h *CurationHandler) provenance(c *fiber.Ctx) error {
	if err := h.ready(); err != nil {
		return err
	}
	sv, err := h.studies.visible(c, c.Params("id"))
	if err != nil {
		return err
	}
	rows, err := h.svc.Provenance(c.UserContext(), sv)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"rows": rows})
}
