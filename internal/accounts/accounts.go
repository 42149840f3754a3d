// Package accounts is the management of staff accounts: create, change,
// disable and enable them, with the rule that an enabled admin is always
// left, and the audit log they leave. The admin API and the CLI's
// `user create` call it.
package accounts

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/auth"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Service manages staff accounts. Build one per process (Main).
type Service struct {
	Users    delphi.UserStore
	Sessions delphi.SessionStore
	Audit    delphi.AuditStore
	Now      func() time.Time // injectable clock
	Logger   *slog.Logger     // nil logs nothing
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

// Input is an account's fields as an admin sends them; absent fields stay.
type Input struct {
	Email     *string   `json:"email"`
	Name      *string   `json:"name"`
	Role      *string   `json:"role"`
	Password  *string   `json:"password"`
	SurveyIDs *[]string `json:"survey_ids"`
}

// apply copies in's fields onto u and validates the result
// (delphi.User.Validate: e-mail address, role, one-line name and study
// ids) before it hashes a new password.
func (in *Input) apply(u *delphi.User) error {
	if in.Email != nil {
		u.Email = strings.ToLower(strings.TrimSpace(*in.Email))
	}
	if in.Name != nil {
		u.Name = strings.TrimSpace(*in.Name)
	}
	if in.Role != nil {
		u.Role = *in.Role
	}
	if in.SurveyIDs != nil {
		u.SurveyIDs = append([]string{}, *in.SurveyIDs...)
	}
	if err := u.Validate(); err != nil {
		return err
	}
	if in.Password != nil {
		h, err := auth.HashPassword(*in.Password)
		if err != nil {
			return err
		}
		u.PasswordHash = h
	}
	return nil
}

// List returns every staff account.
func (s *Service) List(ctx context.Context) ([]*delphi.User, error) {
	return s.Users.ListUsers(ctx)
}

// Create creates an account for actorID (a user id, or "cli") and audits
// it. EINVALID naming the field (email, role and password are required; a
// valid e-mail address and role; name and study ids one line of at most
// 200 characters without control characters; a password of at least 12
// characters);
// ECONFLICT for an e-mail address that has an account.
func (s *Service) Create(ctx context.Context, actorID string, in Input) (*delphi.User, error) {
	for _, f := range []struct {
		field   string
		missing bool
	}{{"email", in.Email == nil}, {"role", in.Role == nil}, {"password", in.Password == nil}} {
		if f.missing {
			return nil, delphi.FieldErrorf(delphi.EINVALID, f.field, "%s is required", f.field)
		}
	}
	u := &delphi.User{SurveyIDs: []string{}}
	if err := in.apply(u); err != nil {
		return nil, err
	}
	if err := s.Users.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	if err := delphi.Audit(ctx, s.Audit, s.now(), actorID, "user.create", "", u.ID, map[string]any{"role": u.Role}); err != nil {
		return nil, err
	}
	return u, nil
}

// Update changes an account and audits it; a new password ends every
// session of the account. EINVALID naming the field (the e-mail address
// cannot change); ENOTFOUND; ECONFLICT (field role) when the last enabled
// admin would lose the admin role.
func (s *Service) Update(ctx context.Context, actorID, id string, in Input) (*delphi.User, error) {
	if in.Email != nil {
		return nil, delphi.FieldErrorf(delphi.EINVALID, "email", "the e-mail address of an account cannot be changed")
	}
	u, err := s.Users.UserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	demoted := u.Role == delphi.RoleAdmin && !u.Disabled()
	if err := in.apply(u); err != nil {
		return nil, err
	}
	demoted = demoted && u.Role != delphi.RoleAdmin
	if demoted {
		// The common case, refused before writing; keepAdminRole below
		// covers admins demoting each other at the same moment.
		users, err := s.Users.ListUsers(ctx)
		if err != nil {
			return nil, err
		}
		if delphi.EnabledAdmins(users) <= 1 {
			return nil, lastAdminRole()
		}
	}
	u.UpdatedAt = s.now()
	if err := s.Users.UpdateUser(ctx, u); err != nil {
		return nil, err
	}
	if demoted {
		if err := s.keepAdminRole(ctx, u); err != nil {
			return nil, err
		}
	}
	if in.Password != nil {
		// A new password ends every session of the account, so a leaked
		// session does not outlive the reset.
		if _, err := s.Sessions.RevokeUserSessions(ctx, u.ID, u.UpdatedAt); err != nil {
			return nil, err
		}
	}
	if err := delphi.Audit(ctx, s.Audit, s.now(), actorID, "user.update", "", u.ID, map[string]any{"role": u.Role, "password_changed": in.Password != nil}); err != nil {
		return nil, err
	}
	return u, nil
}

// Disable locks an account out: it cannot log in, and every session of it
// ends at once. An admin cannot disable their own account, and the last
// enabled admin stays enabled. Disabling a disabled account is a no-op
// that keeps the first time (and ends any session left). EINVALID (field
// id) for the actor's own account; ENOTFOUND; ECONFLICT (field id) for the
// last enabled admin.
func (s *Service) Disable(ctx context.Context, actorID, id string) (*delphi.User, error) {
	if id == actorID {
		return nil, delphi.FieldErrorf(delphi.EINVALID, "id", "you cannot disable your own account")
	}
	now := s.now()
	u, changed, err := s.Users.SetUserDisabled(ctx, id, &now)
	if err != nil {
		return nil, err
	}
	if changed && u.Role == delphi.RoleAdmin {
		if err := s.keepAnAdmin(ctx, u); err != nil {
			return nil, err
		}
	}
	// As after a password reset: every session of the account ends now.
	if _, err := s.Sessions.RevokeUserSessions(ctx, u.ID, now); err != nil {
		return nil, err
	}
	if err := delphi.Audit(ctx, s.Audit, s.now(), actorID, "user.disable", "", u.ID, map[string]any{"role": u.Role, "changed": changed}); err != nil {
		return nil, err
	}
	return u, nil
}

// keepAnAdmin runs after u, an admin, was disabled: if no enabled admin is
// left, it enables u again and refuses. The caller is an enabled admin
// other than u, so this fires only when admins disable each other at the
// same moment (on any instance): checking after the write, each such
// request sees the others' writes, and at least one admin stays enabled.
func (s *Service) keepAnAdmin(ctx context.Context, u *delphi.User) error {
	return s.unlessAdminLeft(ctx, u, "undo disable of the last admin", func(ctx context.Context) error {
		_, _, err := s.Users.SetUserDisabled(ctx, u.ID, nil)
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
func (s *Service) keepAdminRole(ctx context.Context, u *delphi.User) error {
	return s.unlessAdminLeft(ctx, u, "undo demotion of the last admin", func(ctx context.Context) error {
		back, err := s.Users.UserByID(ctx, u.ID)
		if err != nil {
			return err
		}
		back.Role, back.UpdatedAt = delphi.RoleAdmin, s.now()
		return s.Users.UpdateUser(ctx, back)
	}, lastAdminRole())
}

// unlessAdminLeft is the check after a write that took u's admin rights:
// nil if an enabled admin is left; otherwise it undoes the write (even if
// the request was cancelled meanwhile) and returns refusal.
func (s *Service) unlessAdminLeft(ctx context.Context, u *delphi.User, what string, undo func(context.Context) error, refusal error) error {
	users, err := s.Users.ListUsers(ctx)
	if err == nil && delphi.EnabledAdmins(users) > 0 {
		return nil
	}
	uctx := context.WithoutCancel(ctx)
	if uerr := undo(uctx); uerr != nil {
		if s.Logger != nil {
			s.Logger.ErrorContext(uctx, what, "user_id", u.ID, "err", uerr)
		}
		return uerr
	}
	if err != nil {
		return err
	}
	return refusal
}

// Enable lets a disabled account log in again (with its password, which
// disabling kept); its old sessions stay ended. ENOTFOUND.
func (s *Service) Enable(ctx context.Context, actorID, id string) (*delphi.User, error) {
	u, changed, err := s.Users.SetUserDisabled(ctx, id, nil)
	if err != nil {
		return nil, err
	}
	if err := delphi.Audit(ctx, s.Audit, s.now(), actorID, "user.enable", "", u.ID, map[string]any{"role": u.Role, "changed": changed}); err != nil {
		return nil, err
	}
	return u, nil
}

// AuditLog returns the newest audit entries (of one study, or all with
// surveyID ""). EINVALID (field limit) unless 1 ≤ limit ≤ 1000.
func (s *Service) AuditLog(ctx context.Context, surveyID string, limit int) ([]*delphi.AuditEntry, error) {
	if limit < 1 || limit > 1000 {
		return nil, delphi.FieldErrorf(delphi.EINVALID, "limit", "limit must lie between 1 and 1000")
	}
	return s.Audit.ListAudit(ctx, surveyID, limit)
}
