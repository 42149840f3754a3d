package httpapi

import (
	"cmp"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/rounds"
)

// RoundHandler serves the round lifecycle to a study's staff: admins and
// coordinators write, researchers read. Every request that reads a round
// first closes it if its deadline has passed (the lazy close).
type RoundHandler struct{ s *Server }

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

// roundService returns the lifecycle service; EUNAVAILABLE when the server
// was built without a round store.
func (s *Server) roundService() (*rounds.Service, error) {
	if s.rounds == nil {
		return nil, delphi.Errorf(delphi.EUNAVAILABLE, "rounds are not available on this server")
	}
	return s.rounds, nil
}

// timeZone is the study's time zone, in which the UI shows times.
func timeZone(def *delphi.Definition) string {
	return cmp.Or(def.TimeZone, "Europe/Berlin")
}

// roundJSON is a round as the staff API shows it.
type roundJSON struct {
	*delphi.Round
	TimeZone string         `json:"time_zone"`
	Origins  map[string]int `json:"origins"` // item count per origin
	// SnapshotAt is when the feedback snapshot was computed (closed rounds).
	SnapshotAt *time.Time     `json:"snapshot_at,omitempty"`
	Responses  *responseCount `json:"responses,omitempty"`
}

// responseCount is the round's participation so far.
type responseCount struct {
	Opened    int `json:"opened"`
	Started   int `json:"started"`
	Submitted int `json:"submitted"`
}

func (h *RoundHandler) view(c *fiber.Ctx, sv *delphi.Survey, r *delphi.Round, full bool) (roundJSON, error) {
	out := roundJSON{Round: r, TimeZone: timeZone(sv.Definition), Origins: map[string]int{}}
	for _, ri := range r.Items {
		out.Origins[ri.Origin]++
	}
	if r.Closes() > 0 { // also while reopened: the old snapshot stays until the next close
		snap, err := h.s.deps.Rounds.Snapshot(c.UserContext(), sv.ID, r.Number)
		if err == nil {
			at := snap.ComputedAt
			out.SnapshotAt = &at
		} else if delphi.ErrorCode(err) != delphi.ENOTFOUND {
			return out, err
		}
	}
	if full {
		rs, err := h.s.deps.Responses.ListResponses(c.UserContext(), sv.ID, r.Number)
		if err != nil {
			return out, err
		}
		cnt := &responseCount{}
		for _, resp := range rs {
			if resp.FirstOpenedAt != nil {
				cnt.Opened++
			}
			if resp.StartedAt != nil {
				cnt.Started++
			}
			if resp.SubmittedAt != nil {
				cnt.Submitted++
			}
		}
		out.Responses = cnt
	}
	return out, nil
}

func (h *RoundHandler) list(c *fiber.Ctx) error {
	svc, err := h.s.roundService()
	if err != nil {
		return err
	}
	sv, err := h.s.visibleSurvey(c, c.Params("id"))
	if err != nil {
		return err
	}
	rs, err := svc.List(c.UserContext(), sv.ID)
	if err != nil {
		return err
	}
	out := make([]roundJSON, 0, len(rs))
	for _, r := range rs {
		v, err := h.view(c, sv, r, false)
		if err != nil {
			return err
		}
		v.Items = nil // the list carries counts only
		out = append(out, v)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"rounds": out, "time_zone": timeZone(sv.Definition), "planned": sv.Definition.Rounds.Planned})
}

func (h *RoundHandler) get(c *fiber.Ctx) error {
	return h.withRound(c, true, func(svc *rounds.Service, sv *delphi.Survey, n int, _ string) (*delphi.Round, error) {
		return svc.Get(c.UserContext(), sv.ID, n)
	})
}

func (h *RoundHandler) create(c *fiber.Ctx) error {
	svc, err := h.s.roundService()
	if err != nil {
		return err
	}
	sv, err := h.s.visibleSurvey(c, c.Params("id"))
	if err != nil {
		return err
	}
	var req rounds.PrepareRequest
	if err := decodeJSONOrEmpty(c, &req); err != nil {
		return err
	}
	r, err := svc.Prepare(c.UserContext(), currentUser(c).ID, sv, req)
	if err != nil {
		return err
	}
	v, err := h.view(c, sv, r, false)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(v)
}

// decodeJSONOrEmpty is decodeJSON that also accepts an empty body.
func decodeJSONOrEmpty(c *fiber.Ctx, dst any) error {
	if len(c.Body()) == 0 {
		return nil
	}
	return decodeJSON(c, dst)
}

type roundUpdateRequest struct {
	OpensAt  *time.Time `json:"opens_at"`
	Deadline *time.Time `json:"deadline"`
}

func (h *RoundHandler) update(c *fiber.Ctx) error {
	return h.act(c, func(svc *rounds.Service, sv *delphi.Survey, n int, actor string) (*delphi.Round, error) {
		var req roundUpdateRequest
		if err := decodeJSON(c, &req); err != nil {
			return nil, err
		}
		if req.OpensAt == nil && req.Deadline == nil {
			return nil, delphi.FieldErrorf(delphi.EINVALID, "deadline", "give a deadline or an opening time")
		}
		return svc.Update(c.UserContext(), actor, sv.ID, n, req.OpensAt, req.Deadline)
	})
}

func (h *RoundHandler) open(c *fiber.Ctx) error {
	return h.act(c, func(svc *rounds.Service, sv *delphi.Survey, n int, actor string) (*delphi.Round, error) {
		return svc.Open(c.UserContext(), actor, sv.ID, n)
	})
}

func (h *RoundHandler) close(c *fiber.Ctx) error {
	return h.act(c, func(svc *rounds.Service, sv *delphi.Survey, n int, actor string) (*delphi.Round, error) {
		return svc.Close(c.UserContext(), actor, sv.ID, n)
	})
}

type reopenRequest struct {
	Reason   string     `json:"reason"`
	Deadline *time.Time `json:"deadline"`
}

func (h *RoundHandler) reopen(c *fiber.Ctx) error {
	return h.act(c, func(svc *rounds.Service, sv *delphi.Survey, n int, actor string) (*delphi.Round, error) {
		var req reopenRequest
		if err := decodeJSON(c, &req); err != nil {
			return nil, err
		}
		return svc.Reopen(c.UserContext(), actor, sv.ID, n, req.Reason, req.Deadline)
	})
}

// act runs one lifecycle step on round :n of study :id and answers the round.
func (h *RoundHandler) act(c *fiber.Ctx, step func(svc *rounds.Service, sv *delphi.Survey, n int, actor string) (*delphi.Round, error)) error {
	return h.withRound(c, false, step)
}

// withRound resolves the service, the visible study and round :n, runs
// step and answers the round (with its detail for a plain read), uncached.
func (h *RoundHandler) withRound(c *fiber.Ctx, detail bool, step func(svc *rounds.Service, sv *delphi.Survey, n int, actor string) (*delphi.Round, error)) error {
	svc, err := h.s.roundService()
	if err != nil {
		return err
	}
	sv, err := h.s.visibleSurvey(c, c.Params("id"))
	if err != nil {
		return err
	}
	n, err := roundParam(c)
	if err != nil {
		return err
	}
	r, err := step(svc, sv, n, currentUser(c).ID)
	if err != nil {
		return err
	}
	v, err := h.view(c, sv, r, detail)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(v)
}
