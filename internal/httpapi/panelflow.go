package httpapi

import (
	"github.com/gofiber/fiber/v2"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/panelflow"
)

// FlowHandler serves the participant and item flow and the attrition
// comparison of a study to its staff (others get 404), uncached: an open
// round's counts change with every answer.
type FlowHandler struct {
	studies studies
	flow    *panelflow.Service
}

func (h *FlowHandler) routes() []route {
	return []route{
		{fiber.MethodGet, "/surveys/:id/results/flow", staff, h.serveFlow},
		{fiber.MethodGet, "/surveys/:id/results/attrition", staff, h.attrition},
	}
}

// serve runs one read for a study the caller may see.
func (h *FlowHandler) serve(c *fiber.Ctx, read func(svc *panelflow.Service, sv *delphi.Survey) (any, error)) error {
	if h.flow == nil {
		return delphi.Errorf(delphi.EUNAVAILABLE, "flow reports are not available on this server")
	}
	sv, err := h.studies.visible(c, c.Params("id"))
	if err != nil {
		return err
	}
	v, err := read(h.flow, sv)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(v)
}

// serveFlow answers panelflow.Flow: per round and group invited (by
// channel), opened, started, submitted, declined, continued and dropped
// out, and the items by origin and consensus outcome.
func (h *FlowHandler) serveFlow(c *fiber.Ctx) error {
	return h.serve(c, func(svc *panelflow.Service, sv *delphi.Survey) (any, error) {
		return svc.Flow(c.UserContext(), sv.ID)
	})
}

// attrition answers panelflow.Attrition: who left after each round
// compared with who stayed, per rating and group (Mann–Whitney U).
func (h *FlowHandler) attrition(c *fiber.Ctx) error {
	return h.serve(c, func(svc *panelflow.Service, sv *delphi.Survey) (any, error) {
		return svc.Attrition(c.UserContext(), sv.ID)
	})
}
