package httpapi

import (
	"github.com/gofiber/fiber/v2"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/results"
)

// sensitivity answers analysis.Sensitivity of round n: each rating under a
// grid of alternative consensus rules, a bootstrap CI of its agreement and
// the near-threshold flag (docs/STATISTICS.md).
func (h *ResultsHandler) sensitivity(c *fiber.Ctx) error {
	return h.serve(c, func(svc *results.Service, sv *delphi.Survey) (any, error) {
		n, err := roundParam(c)
		if err != nil {
			return nil, err
		}
		return svc.Sensitivity(c.UserContext(), sv.ID, n)
	})
}
