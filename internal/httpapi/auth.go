package httpapi

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/session"
)

// AuthHandler serves login, logout and the current user. The rules are
// session.Service's; the handler reads the client and sets the cookies.
type AuthHandler struct {
	signIn  *session.Service
	cookies cookies
	clients clients
}

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

// login checks e-mail and password (session.Service.Login) and sets the
// session cookies.
func (h *AuthHandler) login(c *fiber.Ctx) error {
	if h.signIn == nil {
		return delphi.Errorf(delphi.EUNAVAILABLE, "sign-in is not available on this server")
	}
	var req loginRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	in, err := h.signIn.Login(c.UserContext(), session.Credentials{Email: req.Email, Password: req.Password, Client: h.clients.key(c)})
	if err != nil {
		return err
	}
	h.cookies.setStaff(c, in.Token)
	return c.JSON(loginResponse{Token: in.Token.Token, ExpiresAt: in.Token.ExpiresAt, User: in.User})
}

// logout ends the session (session.Service.Logout) and clears the cookies.
func (h *AuthHandler) logout(c *fiber.Ctx) error {
	if err := h.signIn.Logout(c.UserContext(), currentSession(c).ID); err != nil {
		return err
	}
	h.cookies.clearStaff(c)
	return c.SendStatus(fiber.StatusNoContent)
}

func (h *AuthHandler) me(c *fiber.Ctx) error {
	return c.JSON(currentUser(c))
}
