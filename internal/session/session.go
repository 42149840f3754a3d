// Package session signs people in and keeps them signed in: staff with
// e-mail and password (Login, Logout, Staff), experts with their personal
// link (Exchange, Expert). It holds the rules of both: the rate limits,
// reserved before each check so that they hold under parallel requests;
// the bounded argon2id slots; the sessions and the tokens issued for
// them; the checks of a presented token on every request. The HTTP layer
// reads the credentials from the request and sets the cookies.
package session

import (
	"context"
	"log/slog"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/auth"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/memo"
)

// Login rate limits: password checks that failed (or are under way) per
// account and per client within LoginWindow.
const (
	LoginWindow           = 10 * time.Minute
	MaxFailuresPerAccount = 5
	MaxFailuresPerClient  = 20
)

// Service signs staff and experts in. Build one per process (Main): its
// password slots bound the argon2id work of the whole process.
type Service struct {
	Users          delphi.UserStore
	Sessions       delphi.SessionStore
	Experts        delphi.ExpertStore
	ExpertSessions delphi.ExpertSessionStore
	Surveys        delphi.SurveyStore
	Limiter        delphi.LimiterStore
	Tokens         *auth.Tokens
	Slots          *Slots           // the argon2id slots; nil: NewSlots(0, 0) on first use
	TokenTTL       time.Duration    // lifetime of a signed token; 0: 30 minutes
	SessionMax     time.Duration    // absolute lifetime of a session; 0: 12 hours
	Now            func() time.Time // injectable clock
	Logger         *slog.Logger     // nil logs nothing
	// Marks and ExpertCheckTTL keep a verified expert session for
	// ExpertCheckTTL without reading it again (expert_cache.go), as long
	// as this process has not written its session, expert or study since
	// (Marks, the store). Either unset: every check reads.
	Marks          ChangeMarks
	ExpertCheckTTL time.Duration

	slotsOnce  sync.Once
	checksOnce sync.Once
	checks     memo.Memo[*expertCheck] // verified expert sessions by id
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

func (s *Service) slots() *Slots {
	s.slotsOnce.Do(func() {
		if s.Slots == nil {
			s.Slots = NewSlots(0, 0)
		}
	})
	return s.Slots
}

func (s *Service) sessionMax() time.Duration {
	if s.SessionMax <= 0 {
		return 12 * time.Hour
	}
	return s.SessionMax
}

// Token is a signed session token with its expiry and the CSRF token bound
// to its session, which a cookie-borne token needs on unsafe requests.
type Token struct {
	Token     string
	ExpiresAt time.Time
	CSRF      string
}

// issue signs a token of audience for a session that ends at end: it
// lives TokenTTL, or less when the session ends sooner.
func (s *Service) issue(audience, subject, sessionID, surveyID string, end time.Time) (*Token, error) {
	ttl := s.TokenTTL
	if ttl <= 0 {
		ttl = 30 * time.Minute
	}
	if left := end.Sub(s.now()); left < ttl {
		ttl = left
	}
	tok, exp, err := s.Tokens.Issue(audience, subject, sessionID, surveyID, ttl)
	if err != nil {
		return nil, err
	}
	return &Token{Token: tok, ExpiresAt: exp, CSRF: s.Tokens.CSRFToken(sessionID)}, nil
}

// Credentials are a staff login: e-mail and password, and the client the
// per-client limit counts by (its IP address or IPv6 /64).
type Credentials struct {
	Email    string
	Password string
	Client   string
}

// Login is a signed-in staff member: the account, the new session and its
// first token.
type Login struct {
	User    *delphi.User
	Session *delphi.Session
	Token   *Token
}

// Login checks a staff member's e-mail and password and opens a session.
// Each password check is reserved first on the account and on the client
// (at most MaxFailuresPerAccount and MaxFailuresPerClient in LoginWindow),
// atomically, so parallel requests cannot all pass the limits; the
// reservation counts as a failure unless the password is right. A right
// password forgets the account's failures and takes the client's
// reservation back. A request refused before its check takes its
// reservation back.
//
// Errors: EINVALID naming "email" (not an e-mail address) or "password"
// (empty); ERATELIMIT with RetryAfter (a limit is full, even for the right
// password); EUNAVAILABLE (no password slot free within the wait:
// RetryAfter 1); EUNAUTHORIZED, delphi.LoginFailed, alike for a wrong
// password, an unknown account and a disabled one (with the right
// password too: same answer, same argon2id work, and it counts); store
// errors.
func (s *Service) Login(ctx context.Context, in Credentials) (*Login, error) {
	email := strings.ToLower(strings.TrimSpace(in.Email))
	if _, err := mail.ParseAddress(email); err != nil || email == "" {
		return nil, delphi.FieldErrorf(delphi.EINVALID, "email", "enter a valid e-mail address")
	}
	if in.Password == "" {
		return nil, delphi.FieldErrorf(delphi.EINVALID, "password", "enter your password")
	}
	now := s.now()
	account, client := "login:email:"+email, "login:ip:"+in.Client
	res, err := s.reserve(ctx, now, LoginWindow, "too many failed logins; try again later",
		limit{account, MaxFailuresPerAccount}, limit{client, MaxFailuresPerClient})
	if err != nil {
		return nil, err
	}
	u, err := s.Users.UserByEmail(ctx, email)
	hash := ""
	if err == nil {
		hash = u.PasswordHash
	} else if delphi.ErrorCode(err) != delphi.ENOTFOUND {
		return nil, res.cancel(ctx, err)
	}
	// An unknown account is checked against a dummy hash (VerifyPassword
	// with ""), so its answer costs the same work as a known one's.
	var ok bool
	if err := s.slots().Run(ctx, func() { ok = auth.VerifyPassword(hash, in.Password) }); err != nil {
		return nil, res.cancel(ctx, err)
	}
	if !ok || (u != nil && u.Disabled()) {
		if ok {
			s.log().InfoContext(ctx, "login failed: account disabled", "user_id", u.ID)
		} else {
			s.log().InfoContext(ctx, "login failed")
		}
		return nil, delphi.LoginFailed()
	}
	if err := s.Limiter.Reset(ctx, account); err != nil {
		return nil, err
	}
	if err := res.takeBack(ctx, client); err != nil {
		return nil, err
	}
	sess := &delphi.Session{ID: auth.RandomID(16), UserID: u.ID, CreatedAt: now.UTC(), ExpiresAt: now.UTC().Add(s.sessionMax())}
	if err := s.Sessions.CreateSession(ctx, sess); err != nil {
		return nil, err
	}
	tok, err := s.StaffToken(sess)
	if err != nil {
		return nil, err
	}
	s.log().InfoContext(ctx, "login", "user_id", u.ID)
	return &Login{User: u, Session: sess, Token: tok}, nil
}

// StaffToken signs a fresh staff token for sess, bounded by the session's
// end.
func (s *Service) StaffToken(sess *delphi.Session) (*Token, error) {
	return s.issue(auth.AudienceStaff, sess.UserID, sess.ID, "", sess.ExpiresAt)
}

// Logout ends the session id: its tokens are refused from now on, on any
// instance. Errors: ENOTFOUND; store errors.
func (s *Service) Logout(ctx context.Context, id string) error {
	return s.Sessions.RevokeSession(ctx, id, s.now().UTC())
}

// Presented is a session token as a request carries it.
type Presented struct {
	Token string
	// Cookie: the token came in a cookie, which the browser sends on its
	// own; Unsafe: the request changes state. Both together require CSRF,
	// the session's CSRF token; a cookie past half its lifetime is renewed.
	Cookie, Unsafe bool
	CSRF           string
}

// Staff is an authenticated staff member.
type Staff struct {
	User    *delphi.User
	Session *delphi.Session
	Renewed *Token // a fresh token for the cookie, when it was past half its lifetime
}

// Staff authenticates a staff token: its signature and claims, its session
// still active and of the token's subject, the account not disabled (read
// fresh, so disabling takes effect on the next request on any instance),
// and the CSRF token of a cookie on an unsafe request.
//
// Errors: EUNAUTHORIZED (a bad or expired token, an unknown session or
// account: "please log in"; an ended session or disabled account: "your
// session has ended"); EFORBIDDEN (missing or wrong CSRF token); store
// errors.
func (s *Service) Staff(ctx context.Context, p Presented) (*Staff, error) {
	unauth := delphi.Errorf(delphi.EUNAUTHORIZED, "please log in")
	claims, err := s.Tokens.Parse(p.Token, auth.AudienceStaff)
	if err != nil {
		return nil, err
	}
	sess, err := s.Sessions.SessionByID(ctx, claims.SessionID)
	if err != nil {
		return nil, notFoundAs(err, unauth)
	}
	now := s.now()
	ended := delphi.Errorf(delphi.EUNAUTHORIZED, "your session has ended; please log in again")
	if !sess.Active(now) || sess.UserID != claims.Subject {
		return nil, ended
	}
	u, err := s.Users.UserByID(ctx, sess.UserID)
	if err != nil {
		return nil, notFoundAs(err, unauth)
	}
	// Disabling revokes the account's sessions; this check also refuses a
	// session that a login racing the disable created after that.
	if u.Disabled() {
		return nil, ended
	}
	if err := s.checkCSRF(p, sess.ID); err != nil {
		return nil, err
	}
	out := &Staff{User: u, Session: sess}
	if renew(p, claims, now) {
		if out.Renewed, err = s.StaffToken(sess); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// notFoundAs returns instead for ENOTFOUND, and err otherwise.
func notFoundAs(err, instead error) error {
	if delphi.ErrorCode(err) == delphi.ENOTFOUND {
		return instead
	}
	return err
}

// checkCSRF refuses a cookie-borne token on an unsafe request without the
// session's CSRF token.
func (s *Service) checkCSRF(p Presented, sessionID string) error {
	if p.Cookie && p.Unsafe && !s.Tokens.CheckCSRF(sessionID, p.CSRF) {
		return delphi.Errorf(delphi.EFORBIDDEN, "missing or invalid CSRF token; reload the page")
	}
	return nil
}

// renew reports whether a cookie-borne token is past half its lifetime.
func renew(p Presented, claims *auth.Claims, now time.Time) bool {
	if !p.Cookie || claims.ExpiresAt == nil || claims.IssuedAt == nil {
		return false
	}
	half := claims.IssuedAt.Add(claims.ExpiresAt.Sub(claims.IssuedAt.Time) / 2)
	return now.After(half)
}
