package httpapi

import "github.com/gofiber/fiber/v2"

// realtime returns the panel's current statistics of the items the expert
// has answered in a real-time study (participation.Service.RealtimeFeedback).
func (h *ParticipationHandler) realtime(c *fiber.Ctx, p *participant) error {
	out, err := h.svc.RealtimeFeedback(c.UserContext(), p.who())
	if err != nil {
		return err
	}
	return c.JSON(out)
}
