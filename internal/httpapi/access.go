package httpapi

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/expertenrunde/expertenrunde/internal/auth"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
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
	return []fiber.Handler{func(c *fiber.Ctx) error {
		u, err := s.authenticate(c)
		if err != nil {
			return err
		}
		switch {
		case a == adminOnly && u.Role != delphi.RoleAdmin,
			a == staffWriter && u.Role == delphi.RoleResearcher:
			return delphi.Errorf(delphi.EFORBIDDEN, "your role (%s) may not do this", u.Role)
		}
		return c.Next()
	}}
}

// authenticate reads the staff JWT from the Authorization header or the
// session cookie, checks that its session is still active, enforces CSRF for
// cookie sessions, and renews the cookie past half of its lifetime.
func (s *Server) authenticate(c *fiber.Ctx) (*delphi.User, error) {
	unauth := delphi.Errorf(delphi.EUNAUTHORIZED, "please log in")
	token, fromCookie := "", false
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		var ok bool
		token, ok = strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil, unauth
		}
	} else if v := c.Cookies(cookieSession); v != "" {
		token, fromCookie = v, true
	} else {
		return nil, unauth
	}
	claims, err := s.deps.Tokens.Parse(token, auth.AudienceStaff)
	if err != nil {
		return nil, err
	}
	ctx := c.UserContext()
	sess, err := s.deps.Sessions.SessionByID(ctx, claims.SessionID)
	if delphi.ErrorCode(err) == delphi.ENOTFOUND {
		return nil, unauth
	} else if err != nil {
		return nil, err
	}
	now := s.now()
	ended := delphi.Errorf(delphi.EUNAUTHORIZED, "your session has ended; please log in again")
	if !sess.Active(now) || sess.UserID != claims.Subject {
		return nil, ended
	}
	u, err := s.deps.Users.UserByID(ctx, sess.UserID)
	if delphi.ErrorCode(err) == delphi.ENOTFOUND {
		return nil, unauth
	} else if err != nil {
		return nil, err
	}
	// Disabling revokes the account's sessions; this per-request check also
	// refuses a session that a login racing the disable created after that,
	// on any instance, since the user is read from the database every time.
	if u.Disabled() {
		return nil, ended
	}
	if fromCookie && !safeMethod(c.Method()) && !s.deps.Tokens.CheckCSRF(sess.ID, c.Get(headerCSRF)) {
		return nil, delphi.Errorf(delphi.EFORBIDDEN, "missing or invalid CSRF token; reload the page")
	}
	if fromCookie && claims.ExpiresAt != nil && claims.IssuedAt != nil {
		half := claims.IssuedAt.Add(claims.ExpiresAt.Sub(claims.IssuedAt.Time) / 2)
		if now.After(half) {
			if err := s.setSessionCookies(c, sess); err != nil {
				return nil, err
			}
		}
	}
	c.Locals(localUser, u)
	c.Locals(localSession, sess)
	return u, nil
}

func safeMethod(m string) bool {
	return m == fiber.MethodGet || m == fiber.MethodHead || m == fiber.MethodOptions
}

// setSessionCookies issues a fresh JWT for sess, bounded by the session's end,
// and sets it with the CSRF cookie. It returns the token and its expiry.
func (s *Server) setSessionCookies(c *fiber.Ctx, sess *delphi.Session) error {
	_, _, err := s.issueCookies(c, sess)
	return err
}

func (s *Server) issueCookies(c *fiber.Ctx, sess *delphi.Session) (string, time.Time, error) {
	ttl := s.opt.SessionTTL
	if left := sess.ExpiresAt.Sub(s.now()); left < ttl {
		ttl = left
	}
	tok, exp, err := s.deps.Tokens.Issue(auth.AudienceStaff, sess.UserID, sess.ID, "", ttl)
	if err != nil {
		return "", time.Time{}, err
	}
	c.Cookie(&fiber.Cookie{Name: cookieSession, Value: tok, Path: "/", Expires: exp, HTTPOnly: true, Secure: s.opt.Secure, SameSite: fiber.CookieSameSiteStrictMode})
	c.Cookie(&fiber.Cookie{Name: cookieCSRF, Value: s.deps.Tokens.CSRFToken(sess.ID), Path: "/", Expires: exp, Secure: s.opt.Secure, SameSite: fiber.CookieSameSiteStrictMode})
	return tok, exp, nil
}

func (s *Server) clearCookies(c *fiber.Ctx) {
	for _, name := range []string{cookieSession, cookieCSRF} {
		c.Cookie(&fiber.Cookie{Name: name, Value: "", Path: "/", Expires: time.Unix(0, 0), MaxAge: -1, HTTPOnly: name == cookieSession, Secure: s.opt.Secure, SameSite: fiber.CookieSameSiteStrictMode})
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
