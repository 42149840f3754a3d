package httpapi

import (
	"github.com/gofiber/fiber/v2"

	"github.com/expertenrunde/expertenrunde/internal/accounts"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// UserHandler lets admins manage staff accounts and read the audit log
// (accounts.Service).
type UserHandler struct{ accounts *accounts.Service }

func (h *UserHandler) routes() []route {
	return []route{
		{fiber.MethodGet, "/users", adminOnly, h.list},
		{fiber.MethodPost, "/users", adminOnly, h.create},
		{fiber.MethodPatch, "/users/:id", adminOnly, h.update},
		{fiber.MethodPost, "/users/:id/disable", adminOnly, h.disable},
		{fiber.MethodPost, "/users/:id/enable", adminOnly, h.enable},
		{fiber.MethodGet, "/audit", adminOnly, h.audit},
	}
}

func (h *UserHandler) list(c *fiber.Ctx) error {
	users, err := h.accounts.List(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"users": users})
}

func (h *UserHandler) create(c *fiber.Ctx) error {
	var in accounts.Input
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	u, err := h.accounts.Create(c.UserContext(), currentUser(c).ID, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(u)
}

func (h *UserHandler) update(c *fiber.Ctx) error {
	var in accounts.Input
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	return h.answer(c)(h.accounts.Update(c.UserContext(), currentUser(c).ID, c.Params("id"), in))
}

// disable locks an account out (accounts.Service.Disable).
func (h *UserHandler) disable(c *fiber.Ctx) error {
	return h.answer(c)(h.accounts.Disable(c.UserContext(), currentUser(c).ID, c.Params("id")))
}

// enable lets a disabled account log in again (accounts.Service.Enable).
func (h *UserHandler) enable(c *fiber.Ctx) error {
	return h.answer(c)(h.accounts.Enable(c.UserContext(), currentUser(c).ID, c.Params("id")))
}

// answer encodes the account a change returned, or its error.
func (h *UserHandler) answer(c *fiber.Ctx) func(u *delphi.User, err error) error {
	return func(u *delphi.User, err error) error {
		if err != nil {
			return err
		}
		return c.JSON(u)
	}
}

func (h *UserHandler) audit(c *fiber.Ctx) error {
	entries, err := h.accounts.AuditLog(c.UserContext(), c.Query("survey_id"), c.QueryInt("limit", 200))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"entries": entries})
}
