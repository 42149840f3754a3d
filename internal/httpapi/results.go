package httpapi

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/results"
)

// ResultsHandler serves the results of a study's rounds to its staff
// (researchers, coordinators, admins assigned to it; others get 404). The
// numbers come from results.Service, which the Excel export uses too.
type ResultsHandler struct {
	studies studies
	results *results.Service
}

func (h *ResultsHandler) routes() []route {
	return []route{
		{fiber.MethodGet, "/surveys/:id/rounds/:n/results", staff, h.round},
		{fiber.MethodGet, "/surveys/:id/rounds/:n/transitions", staff, h.transitions},
		{fiber.MethodGet, "/surveys/:id/results/overview", staff, h.overview},
		{fiber.MethodGet, "/surveys/:id/rounds/:n/sensitivity", staff, h.sensitivity},
		{fiber.MethodGet, "/surveys/:id/results/realtime", staff, h.realtime},
	}
}

func (h *ResultsHandler) service() (*results.Service, error) {
	if h.results == nil {
		return nil, delphi.Errorf(delphi.EUNAVAILABLE, "results are not available on this server")
	}
	return h.results, nil
}

// roundParam reads the round number from the path; ENOTFOUND if it is not
// a positive integer or 0 (the open round 0), as for any other unknown
// round.
func roundParam(c *fiber.Ctx) (int, error) {
	n, err := strconv.Atoi(c.Params("n"))
	if err != nil || n < 0 {
		return 0, delphi.Errorf(delphi.ENOTFOUND, "round %q not found", c.Params("n"))
	}
	return n, nil
}

// serve runs one results read for a study the caller may see and answers
// its value uncached: live numbers change with every answer.
func (h *ResultsHandler) serve(c *fiber.Ctx, read func(svc *results.Service, sv *delphi.Survey) (any, error)) error {
	svc, err := h.service()
	if err != nil {
		return err
	}
	sv, err := h.studies.visible(c, c.Params("id"))
	if err != nil {
		return err
	}
	v, err := read(svc, sv)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(v)
}

// round answers analysis.RoundResults: the frozen snapshot of a closed
// round, or live results (live: true, computed_at now) of an open one.
func (h *ResultsHandler) round(c *fiber.Ctx) error {
	return h.serve(c, func(svc *results.Service, sv *delphi.Survey) (any, error) {
		n, err := roundParam(c)
		if err != nil {
			return nil, err
		}
		return svc.Round(c.UserContext(), sv.ID, n)
	})
}

// transitions answers how the paired experts moved into round n (counts only).
func (h *ResultsHandler) transitions(c *fiber.Ctx) error {
	return h.serve(c, func(svc *results.Service, sv *delphi.Survey) (any, error) {
		n, err := roundParam(c)
		if err != nil {
			return nil, err
		}
		return svc.Transitions(c.UserContext(), sv.ID, n)
	})
}

// overview answers the consensus board: items × rounds with the outcome,
// overall and per group.
func (h *ResultsHandler) overview(c *fiber.Ctx) error {
	return h.serve(c, func(svc *results.Service, sv *delphi.Survey) (any, error) {
		return svc.Overview(c.UserContext(), sv.ID)
	})
}
