package httpapi

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/session"
)

// access says who may call a route.
type access int

const (
	public      access = iota // anyone
	staff                     // any logged-in staff account
	staffWriter               // admins and coordinators
	adminOnly                 // admins
)

// Cookie names. The session cookie is HttpOnly; the CSRF cookie is read by
// the web UI and echoed in X-CSRF-Token on every state-changing request.
const (
	cookieSession = "er_session"
	cookieCSRF    = "er_csrf"
	headerCSRF    = "X-CSRF-Token"
)

const (
	localUser    = "user"
	localSession = "session"
)

// access returns the middleware that enforces a route's access level.
func (s *Server) access(a access) []fiber.Handler {
	if a == public {
		return nil
	}
	ck := cookies{secure: s.opt.Secure}
	return []fiber.Handler{func(c *fiber.Ctx) error {
		if s.deps.SignIn == nil {
			return delphi.Errorf(delphi.EUNAVAILABLE, "sign-in is not available on this server")
		}
		p, ok := presented(c, cookieSession)
		if !ok {
			return delphi.Errorf(delphi.EUNAUTHORIZED, "please log in")
		}
		who, err := s.deps.SignIn.Staff(c.UserContext(), p)
		if err != nil {
			return err
		}
		if who.Renewed != nil {
			ck.setStaff(c, who.Renewed)
		}
		u := who.User
		switch {
		case a == adminOnly && u.Role != delphi.RoleAdmin,
			a == staffWriter && u.Role == delphi.RoleResearcher:
			return delphi.Errorf(delphi.EFORBIDDEN, "your role (%s) may not do this", u.Role)
		}
		c.Locals(localUser, u)
		c.Locals(localSession, who.Session)
		return c.Next()
	}}
}

// presented reads the session token of a request: a Bearer token, or else
// the cookie named cookie. ok is false when there is none, or the
// Authorization header is not a Bearer token.
func presented(c *fiber.Ctx, cookie string) (p session.Presented, ok bool) {
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		p.Token, ok = strings.CutPrefix(h, "Bearer ")
		return p, ok
	}
	if v := c.Cookies(cookie); v != "" {
		p.Token, p.Cookie = v, true
		p.Unsafe, p.CSRF = !safeMethod(c.Method()), c.Get(headerCSRF)
		return p, true
	}
	return p, false
}

func safeMethod(m string) bool {
	return m == fiber.MethodGet || m == fiber.MethodHead || m == fiber.MethodOptions
}

// cookies sets and clears the session cookies: the token (HttpOnly) and
// the CSRF token the web UI echoes, SameSite=Strict, Secure over HTTPS.
type cookies struct{ secure bool }

// setStaff sets the staff session cookies for t.
func (k cookies) setStaff(c *fiber.Ctx, t *session.Token) {
	c.Cookie(&fiber.Cookie{Name: cookieSession, Value: t.Token, Path: "/", Expires: t.ExpiresAt, HTTPOnly: true, Secure: k.secure, SameSite: fiber.CookieSameSiteStrictMode})
	c.Cookie(&fiber.Cookie{Name: cookieCSRF, Value: t.CSRF, Path: "/", Expires: t.ExpiresAt, Secure: k.secure, SameSite: fiber.CookieSameSiteStrictMode})
}

// setExpert sets the expert session cookies for t; the token is sent to
// the participation API only.
func (k cookies) setExpert(c *fiber.Ctx, t *session.Token) {
	c.Cookie(&fiber.Cookie{Name: cookieExpert, Value: t.Token, Path: expertCookiePath, Expires: t.ExpiresAt, HTTPOnly: true, Secure: k.secure, SameSite: fiber.CookieSameSiteStrictMode})
	c.Cookie(&fiber.Cookie{Name: cookieExpertCSRF, Value: t.CSRF, Path: "/", Expires: t.ExpiresAt, Secure: k.secure, SameSite: fiber.CookieSameSiteStrictMode})
}

// clearStaff removes the staff session cookies.
func (k cookies) clearStaff(c *fiber.Ctx) {
	for _, name := range []string{cookieSession, cookieCSRF} {
		c.Cookie(&fiber.Cookie{Name: name, Value: "", Path: "/", Expires: time.Unix(0, 0), MaxAge: -1, HTTPOnly: name == cookieSession, Secure: k.secure, SameSite: fiber.CookieSameSiteStrictMode})
	}
}

// currentUser returns the authenticated user set by the access middleware.
func currentUser(c *fiber.Ctx) *delphi.User {
	u, _ := c.Locals(localUser).(*delphi.User)
	return u
}

func currentSession(c *fiber.Ctx) *delphi.Session {
	sess, _ := c.Locals(localSession).(*delphi.Session)
	return sess
}
