package httpapi

import (
	"net/mail"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/expertenrunde/expertenrunde/internal/auth"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Login rate limits: password checks that failed (or are under way) per
// account and per client IP within a window.
const (
	loginWindow         = 10 * time.Minute
	maxFailuresPerEmail = 5
	maxFailuresPerIP    = 20
)

// AuthHandler serves login, logout and the current user.
type AuthHandler struct{ s *Server }

func (h *AuthHandler) routes() []route {
	return []route{
		{fiber.MethodPost, "/auth/login", public, h.login},
		{fiber.MethodPost, "/auth/logout", staff, h.logout},
		{fiber.MethodGet, "/me", staff, h.me},
	}
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token     string       `json:"token"`
	ExpiresAt time.Time    `json:"expires_at"`
	User      *delphi.User `json:"user"`
}

func (h *AuthHandler) login(c *fiber.Ctx) error {
	var req loginRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	email := strings.ToLower(strings.TrimSpace(req.Email))
	if _, err := mail.ParseAddress(email); err != nil || email == "" {
		return delphi.FieldErrorf(delphi.EINVALID, "email", "enter a valid e-mail address")
	}
	if req.Password == "" {
		return delphi.FieldErrorf(delphi.EINVALID, "password", "enter your password")
	}
	ctx, s := c.UserContext(), h.s
	now := s.now()
	account, ip := "login:email:"+email, "login:ip:"+s.clientKey(c)
	// Each password check is reserved first, atomically, so that parallel
	// requests cannot all pass the limit; a reservation counts as a failure
	// unless the check succeeds.
	res, err := s.reserve(ctx, now, loginWindow, "too many failed logins; try again later",
		limit{account, maxFailuresPerEmail}, limit{ip, maxFailuresPerIP})
	if err != nil {
		return err
	}
	u, err := s.deps.Users.UserByEmail(ctx, email)
	hash := ""
	if err == nil {
		hash = u.PasswordHash
	} else if delphi.ErrorCode(err) != delphi.ENOTFOUND {
		return res.cancel(ctx, err)
	}
	// A disabled account with the right password fails exactly like a wrong
	// password: same answer, same work, and it counts against the limits, so
	// neither the body nor the limiter tells a guesser that the password of a
	// disabled account is right (docs/SECURITY.md, "Accounts").
	var ok bool
	if err := s.withPasswordSlot(ctx, func() { ok = auth.VerifyPassword(hash, req.Password) }); err != nil {
		return res.cancel(ctx, err)
	}
	if !ok || (u != nil && u.Disabled()) {
		if ok {
			s.log.InfoContext(ctx, "login failed: account disabled", "request_id", requestID(c), "user_id", u.ID)
		} else {
			s.log.InfoContext(ctx, "login failed", "request_id", requestID(c))
		}
		return delphi.LoginFailed()
	}
	// Success: the account's failures are forgotten, and this attempt does
	// not count against the IP.
	if err := s.deps.Limiter.Reset(ctx, account); err != nil {
		return err
	}
	if err := res.takeBack(ctx, ip); err != nil {
		return err
	}
	sess := &delphi.Session{ID: auth.RandomID(16), UserID: u.ID, CreatedAt: now.UTC(), ExpiresAt: now.UTC().Add(s.opt.SessionMax)}
	if err := s.deps.Sessions.CreateSession(ctx, sess); err != nil {
		return err
	}
	tok, exp, err := s.issueCookies(c, sess)
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "login", "request_id", requestID(c), "user_id", u.ID)
	return c.JSON(loginResponse{Token: tok, ExpiresAt: exp, User: u})
}

func (h *AuthHandler) logout(c *fiber.Ctx) error {
	if err := h.s.deps.Sessions.RevokeSession(c.UserContext(), currentSession(c).ID, h.s.now().UTC()); err != nil {
		return err
	}
	h.s.clearCookies(c)
	return c.SendStatus(fiber.StatusNoContent)
}

func (h *AuthHandler) me(c *fiber.Ctx) error {
	return c.JSON(currentUser(c))
}
