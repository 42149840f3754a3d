package httpapi

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/rounds"
)

// RoundHandler serves the round lifecycle (rounds.Service) to a study's
// staff: admins and coordinators write, researchers read. Every request
// that reads a round first closes it if its deadline has passed (the lazy
// close).
type RoundHandler struct {
	studies studies
	rounds  *rounds.Service
}

func (h *RoundHandler) routes() []route {
	return []route{
		{fiber.MethodGet, "/surveys/:id/rounds", staff, h.list},
		{fiber.MethodPost, "/surveys/:id/rounds", staffWriter, h.create},
		{fiber.MethodGet, "/surveys/:id/rounds/:n", staff, h.get},
		{fiber.MethodPatch, "/surveys/:id/rounds/:n", staffWriter, h.update},
		{fiber.MethodPost, "/surveys/:id/rounds/:n/open", staffWriter, h.open},
		{fiber.MethodPost, "/surveys/:id/rounds/:n/close", staffWriter, h.close},
		{fiber.MethodPost, "/surveys/:id/rounds/:n/reopen", staffWriter, h.reopen},
	}
}

// survey checks the service and the study's visibility.
func (h *RoundHandler) survey(c *fiber.Ctx) (*delphi.Survey, error) {
	if h.rounds == nil {
		return nil, delphi.Errorf(delphi.EUNAVAILABLE, "rounds are not available on this server")
	}
	return h.studies.visible(c, c.Params("id"))
}

func (h *RoundHandler) list(c *fiber.Ctx) error {
	sv, err := h.survey(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	rs, err := h.rounds.AllRounds(ctx, sv.ID)
	if err != nil {
		return err
	}
	out := make([]*rounds.View, 0, len(rs))
	for _, r := range rs {
		v, err := h.rounds.View(ctx, sv, r, false)
		if err != nil {
			return err
		}
		v.Items = nil // the list carries counts only
		out = append(out, v)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"rounds": out, "time_zone": sv.Definition.Zone(), "planned": sv.Definition.Rounds.Planned})
}

func (h *RoundHandler) get(c *fiber.Ctx) error {
	return h.withRound(c, true, func(sv *delphi.Survey, n int, _ string) (*delphi.Round, error) {
		return h.rounds.Get(c.UserContext(), sv.ID, n)
	})
}

func (h *RoundHandler) create(c *fiber.Ctx) error {
	sv, err := h.survey(c)
	if err != nil {
		return err
	}
	var req rounds.PrepareRequest
	if err := decodeJSONOrEmpty(c, &req); err != nil {
		return err
	}
	ctx := c.UserContext()
	r, err := h.rounds.Prepare(ctx, currentUser(c).ID, sv, req)
	if err != nil {
		return err
	}
	v, err := h.rounds.View(ctx, sv, r, false)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(v)
}

// decodeJSONOrEmpty is decodeJSON that also accepts an empty body.
func decodeJSONOrEmpty(c *fiber.Ctx, dst any) error {
	if len(requestBody(c)) == 0 {
		return nil
	}
	return decodeJSON(c, dst)
}

type roundUpdateRequest struct {
	OpensAt  *time.Time `json:"opens_at"`
	Deadline *time.Time `json:"deadline"`
}

func (h *RoundHandler) update(c *fiber.Ctx) error {
	return h.withRound(c, false, func(sv *delphi.Survey, n int, actor string) (*delphi.Round, error) {
		var req roundUpdateRequest
		if err := decodeJSON(c, &req); err != nil {
			return nil, err
		}
		return h.rounds.Update(c.UserContext(), actor, sv.ID, n, req.OpensAt, req.Deadline)
	})
}

func (h *RoundHandler) open(c *fiber.Ctx) error {
	return h.withRound(c, false, func(sv *delphi.Survey, n int, actor string) (*delphi.Round, error) {
		return h.rounds.Open(c.UserContext(), actor, sv.ID, n)
	})
}

func (h *RoundHandler) close(c *fiber.Ctx) error {
	return h.withRound(c, false, func(sv *delphi.Survey, n int, actor string) (*delphi.Round, error) {
		return h.rounds.Close(c.UserContext(), actor, sv.ID, n)
	})
}

type reopenRequest struct {
	Reason   string     `json:"reason"`
	Deadline *time.Time `json:"deadline"`
}

func (h *RoundHandler) reopen(c *fiber.Ctx) error {
	return h.withRound(c, false, func(sv *delphi.Survey, n int, actor string) (*delphi.Round, error) {
		var req reopenRequest
		if err := decodeJSON(c, &req); err != nil {
			return nil, err
		}
		return h.rounds.Reopen(c.UserContext(), actor, sv.ID, n, req.Reason, req.Deadline)
	})
}

// withRound resolves the visible study and round :n, runs one lifecycle
// step and answers the round (with its response counts for a plain read),
// uncached.
func (h *RoundHandler) withRound(c *fiber.Ctx, detail bool, step func(sv *delphi.Survey, n int, actor string) (*delphi.Round, error)) error {
	sv, err := h.survey(c)
	if err != nil {
		return err
	}
	n, err := roundParam(c)
	if err != nil {
		return err
	}
	r, err := step(sv, n, currentUser(c).ID)
	if err != nil {
		return err
	}
	v, err := h.rounds.View(c.UserContext(), sv, r, detail)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(v)
}
