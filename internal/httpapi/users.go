package httpapi

import (
	"context"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/expertenrunde/expertenrunde/internal/auth"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// UserHandler lets admins manage staff accounts and read the audit log.
type UserHandler struct{ s *Server }

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
	users, err := h.s.deps.Users.ListUsers(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"users": users})
}

type userRequest struct {
	Email     *string   `json:"email"`
	Name      *string   `json:"name"`
	Role      *string   `json:"role"`
	Password  *string   `json:"password"`
	SurveyIDs *[]string `json:"survey_ids"`
}

// apply validates the request and copies its fields onto u.
func (r *userRequest) apply(u *delphi.User) error {
	if r.Email != nil {
		u.Email = strings.ToLower(strings.TrimSpace(*r.Email))
	}
	if r.Name != nil {
		u.Name = strings.TrimSpace(*r.Name)
	}
	if r.Role != nil {
		u.Role = *r.Role
	}
	if r.SurveyIDs != nil {
		u.SurveyIDs = append([]string{}, *r.SurveyIDs...)
	}
	if err := u.Validate(); err != nil {
		return err
	}
	if r.Password != nil {
		h, err := auth.HashPassword(*r.Password)
		if err != nil {
			return err
		}
		u.PasswordHash = h
	}
	return nil
}

func (h *UserHandler) create(c *fiber.Ctx) error {
	var req userRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	for field, missing := range map[string]bool{"email": req.Email == nil, "role": req.Role == nil, "password": req.Password == nil} {
		if missing {
			return delphi.FieldErrorf(delphi.EINVALID, field, "%s is required", field)
		}
	}
	u := &delphi.User{SurveyIDs: []string{}}
	if err := req.apply(u); err != nil {
		return err
	}
	ctx := c.UserContext()
	if err := h.s.deps.Users.CreateUser(ctx, u); err != nil {
		return err
	}
	if err := h.s.audit(ctx, currentUser(c), "user.create", "", u.ID, map[string]any{"role": u.Role}); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(u)
}

func (h *UserHandler) update(c *fiber.Ctx) error {
	var req userRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Email != nil {
		return delphi.FieldErrorf(delphi.EINVALID, "email", "the e-mail address of an account cannot be changed")
	}
	ctx := c.UserContext()
	u, err := h.s.deps.Users.UserByID(ctx, c.Params("id"))
	if err != nil {
		return err
	}
	demoted := u.Role == delphi.RoleAdmin && !u.Disabled()
	if err := req.apply(u); err != nil {
		return err
	}
	demoted = demoted && u.Role != delphi.RoleAdmin
	if demoted {
		// The common case, refused before writing; keepAdminRole below
		// covers admins demoting each other at the same moment.
		users, err := h.s.deps.Users.ListUsers(ctx)
		if err != nil {
			return err
		}
		if delphi.EnabledAdmins(users) <= 1 {
			return lastAdminRole()
		}
	}
	u.UpdatedAt = h.s.now().UTC()
	if err := h.s.deps.Users.UpdateUser(ctx, u); err != nil {
		return err
	}
	if demoted {
		if err := h.keepAdminRole(ctx, u); err != nil {
			return err
		}
	}
	if req.Password != nil {
		// A new password ends every session of the account, so a leaked
		// session does not outlive the reset.
		if _, err := h.s.deps.Sessions.RevokeUserSessions(ctx, u.ID, u.UpdatedAt); err != nil {
			return err
		}
	}
	if err := h.s.audit(ctx, currentUser(c), "user.update", "", u.ID, map[string]any{"role": u.Role, "password_changed": req.Password != nil}); err != nil {
		return err
	}
	return c.JSON(u)
}

// disable locks an account out: it cannot log in, and every session of it
// ends at once. An admin cannot disable their own account, and the last
// enabled admin stays enabled. Disabling a disabled account is a no-op
// that keeps the first time (and ends any session left).
func (h *UserHandler) disable(c *fiber.Ctx) error {
	actor, id := currentUser(c), c.Params("id")
	if id == actor.ID {
		return delphi.FieldErrorf(delphi.EINVALID, "id", "you cannot disable your own account")
	}
	ctx := c.UserContext()
	now := h.s.now().UTC()
	u, changed, err := h.s.deps.Users.SetUserDisabled(ctx, id, &now)
	if err != nil {
		return err
	}
	if changed && u.Role == delphi.RoleAdmin {
		if err := h.keepAnAdmin(ctx, u); err != nil {
			return err
		}
	}
	// As after a password reset: every session of the account ends now.
	if _, err := h.s.deps.Sessions.RevokeUserSessions(ctx, u.ID, now); err != nil {
		return err
	}
	if err := h.s.audit(ctx, actor, "user.disable", "", u.ID, map[string]any{"role": u.Role, "changed": changed}); err != nil {
		return err
	}
	return c.JSON(u)
}

// keepAnAdmin runs after u, an admin, was disabled: if no enabled admin is
// left, it enables u again and refuses. The caller is an enabled admin
// other than u, so this fires only when admins disable each other at the
// same moment (on any instance): checking after the write, each such
// request sees the others' writes, and at least one admin stays enabled.
func (h *UserHandler) keepAnAdmin(ctx context.Context, u *delphi.User) error {
	return h.unlessAdminLeft(ctx, u, "undo disable of the last admin", func(ctx context.Context) error {
		_, _, err := h.s.deps.Users.SetUserDisabled(ctx, u.ID, nil)
		return err
	}, delphi.FieldErrorf(delphi.ECONFLICT, "id", "the last enabled admin cannot be disabled"))
}

func lastAdminRole() error {
	return delphi.FieldErrorf(delphi.ECONFLICT, "role", "the last enabled admin must stay an admin")
}

// keepAdminRole runs after u, an enabled admin, was given another role: if
// no enabled admin is left (admins demoting each other at the same moment,
// on any instance), it makes u an admin again and refuses, as keepAnAdmin
// does for disabling.
func (h *UserHandler) keepAdminRole(ctx context.Context, u *delphi.User) error {
	return h.unlessAdminLeft(ctx, u, "undo demotion of the last admin", func(ctx context.Context) error {
		back, err := h.s.deps.Users.UserByID(ctx, u.ID)
		if err != nil {
			return err
		}
		back.Role, back.UpdatedAt = delphi.RoleAdmin, h.s.now().UTC()
		return h.s.deps.Users.UpdateUser(ctx, back)
	}, lastAdminRole())
}

// unlessAdminLeft is the check after a write that took u's admin rights:
// nil if an enabled admin is left; otherwise it undoes the write (even if
// the request was cancelled meanwhile) and returns refusal.
func (h *UserHandler) unlessAdminLeft(ctx context.Context, u *delphi.User, what string, undo func(context.Context) error, refusal error) error {
	users, err := h.s.deps.Users.ListUsers(ctx)
	if err == nil && delphi.EnabledAdmins(users) > 0 {
		return nil
	}
	uctx := context.WithoutCancel(ctx)
	if uerr := undo(uctx); uerr != nil {
		h.s.log.ErrorContext(uctx, what, "user_id", u.ID, "err", uerr)
		return uerr
	}
	if err != nil {
		return err
	}
	return refusal
}

// enable lets a disabled account log in again (with its password, which
// disabling kept); its old sessions stay ended.
func (h *UserHandler) enable(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u, changed, err := h.s.deps.Users.SetUserDisabled(ctx, c.Params("id"), nil)
	if err != nil {
		return err
	}
	if err := h.s.audit(ctx, currentUser(c), "user.enable", "", u.ID, map[string]any{"role": u.Role, "changed": changed}); err != nil {
		return err
	}
	return c.JSON(u)
}

func (h *UserHandler) audit(c *fiber.Ctx) error {
	limit := c.QueryInt("limit", 200)
	if limit < 1 || limit > 1000 {
		return delphi.FieldErrorf(delphi.EINVALID, "limit", "limit must lie between 1 and 1000")
	}
	entries, err := h.s.deps.Audit.ListAudit(c.UserContext(), c.Query("survey_id"), limit)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"entries": entries})
}
