package httpapi

import (
	"github.com/gofiber/fiber/v2"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/results"
)

// realtime answers analysis.RealtimeResults of a real-time study: per
// item the panel's median and IQR over time, the revisions after feedback
// and first versus last answers (docs/ANALYSIS.md). 409 not_realtime for a
// study in rounds.
func (h *ResultsHandler) realtime(c *fiber.Ctx) error {
	return h.serve(c, func(svc *results.Service, sv *delphi.Survey) (any, error) {
		return svc.Realtime(c.UserContext(), sv.ID)
	})
}
