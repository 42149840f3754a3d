// Package httpapi is the HTTP layer: the Fiber app, one handler struct per
// area, the middleware, and the one table mapping domain errors to statuses.
package httpapi

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"

	"github.com/expertenrunde/expertenrunde/internal/auth"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/export"
	"github.com/expertenrunde/expertenrunde/internal/mailing"
	"github.com/expertenrunde/expertenrunde/internal/panel"
	"github.com/expertenrunde/expertenrunde/internal/participation"
	"github.com/expertenrunde/expertenrunde/internal/results"
	"github.com/expertenrunde/expertenrunde/internal/rounds"
)

// Pinger checks the database.
type Pinger interface {
	Ping(ctx context.Context) error
}

// AnsweredItems reports which items of a study already have stored answers.
type AnsweredItems func(ctx context.Context, surveyID string) (map[string]bool, error)

// Deps are the services the handlers need.
type Deps struct {
	Users    delphi.UserStore
	Sessions delphi.SessionStore
	Surveys  delphi.SurveyStore
	Audit    delphi.AuditStore
	Limiter  delphi.LimiterStore
	DB       Pinger
	Answered AnsweredItems
	Results  *results.Service // round results and the board; built from Surveys, Rounds and Responses when nil
	// Rounds and Responses serve the round lifecycle and the experts'
	// answers; Experts and ExpertSessions the personal-link sessions. Nil
	// answers 503 on those routes.
	Rounds         delphi.RoundStore
	Responses      delphi.AnswerStore
	Experts        delphi.ExpertStore
	ExpertSessions delphi.ExpertSessionStore
	Mail           delphi.MailStore // invitation jobs, sends and texts; nil answers 503 on the mail routes
	Mailer         MailNotifier     // woken when a mail job was queued
	Tokens         *auth.Tokens
	Logger         *slog.Logger
	Now            func() time.Time // injectable clock
	UI             fs.FS            // the built frontend; nil serves no UI
}

// Options are the HTTP settings taken from the configuration.
type Options struct {
	BodyLimit    int
	SessionTTL   time.Duration // lifetime of a staff JWT
	SessionMax   time.Duration // absolute lifetime of a staff session
	Secure       bool          // served over HTTPS: Secure cookies and HSTS
	TrustProxy   bool          // take the client IP from X-Forwarded-For
	Version      string
	ShutdownWait time.Duration
	BaseURL      string // public URL: expert links are BaseURL/p/<token>
	SMTPEnabled  bool   // an SMTP host is configured (shown on the invitations page)
}

// Server is the HTTP server.
type Server struct {
	app  *fiber.App
	deps Deps
	opt  Options
	log  *slog.Logger
	now  func() time.Time
	ln   net.Listener
	done chan error
	// sweep closes overdue rounds in the background while listening.
	sweep *sweeper
	// rounds is the round lifecycle; nil without a round store.
	rounds *rounds.Service
}

// New builds the app with its middleware and routes.
func New(deps Deps, opt Options) *Server {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Results == nil && deps.Surveys != nil && deps.Rounds != nil && deps.Responses != nil {
		// The one results service, also what the export reads through.
		deps.Results = &results.Service{Surveys: deps.Surveys, Rounds: deps.Rounds, Responses: deps.Responses, Snapshots: deps.Rounds, Now: deps.Now,
			LiveTTL: 5 * time.Second}
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.SessionTTL == 0 {
		opt.SessionTTL = 30 * time.Minute
	}
	if opt.SessionMax == 0 {
		opt.SessionMax = 12 * time.Hour
	}
	if opt.ShutdownWait == 0 {
		opt.ShutdownWait = 10 * time.Second
	}
	s := &Server{deps: deps, opt: opt, log: deps.Logger, now: deps.Now}
	if deps.Rounds != nil && deps.Responses != nil {
		s.rounds = &rounds.Service{
			Surveys: deps.Surveys, Rounds: deps.Rounds, Results: deps.Results, Audit: deps.Audit,
			Now: deps.Now, Logger: deps.Logger,
		}
	}
	var part *participation.Service
	if s.rounds != nil && deps.Experts != nil {
		part = &participation.Service{Rounds: s.rounds, Responses: deps.Responses, Experts: deps.Experts, Now: deps.Now, Logger: deps.Logger}
	}
	var pan *panel.Service
	var mails *mailing.Service
	if deps.Experts != nil {
		pan = &panel.Service{Experts: deps.Experts, Responses: deps.Responses, Audit: deps.Audit, BaseURL: opt.BaseURL, Now: deps.Now}
		mails = &mailing.Service{Mail: deps.Mail, Experts: deps.Experts, Responses: deps.Responses, Audit: deps.Audit,
			BaseURL: opt.BaseURL, SMTPEnabled: opt.SMTPEnabled, Now: deps.Now}
		if deps.Mail != nil {
			pan.Mail = deps.Mail
		}
		if deps.Rounds != nil {
			mails.Rounds = deps.Rounds
		}
		if deps.Mailer != nil {
			mails.Notifier = deps.Mailer
		}
	}
	var exp *export.Service
	if deps.Results != nil && s.rounds != nil {
		exp = &export.Service{Sources: export.Sources{Surveys: deps.Surveys, Results: deps.Results, Responses: deps.Responses},
			Lifecycle: s.rounds, Audit: deps.Audit, Version: opt.Version, Now: deps.Now}
		if deps.Experts != nil {
			exp.Experts = deps.Experts
		}
		if deps.Mail != nil {
			exp.Mail = deps.Mail
		}
	}
	cfg := fiber.Config{
		AppName:               "Expertenrunde",
		BodyLimit:             opt.BodyLimit,
		Immutable:             true, // strings from the request never alias pooled buffers
		DisableStartupMessage: true,
		ErrorHandler:          s.handleError,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
	}
	// No cfg.ProxyHeader: Fiber's c.IP() would then return the whole
	// X-Forwarded-For header as the client sent it. clientKey reads it.
	app := fiber.New(cfg)
	s.app = app

	app.Use(requestid.New())
	app.Use(s.logRequests)
	app.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: s.logPanic}))
	app.Use(s.securityHeaders)
	app.Use(compress.New())

	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)

	api := app.Group("/api/v1")
	api.Get("/openapi.json", s.openapi)
	ah := &AuthHandler{s: s}
	sh := &SurveyHandler{s: s}
	uh := &UserHandler{s: s}
	rh := &ResultsHandler{s: s}
	roh := &RoundHandler{s: s}
	ph := &ParticipationHandler{s: s, svc: part}
	pah := &PanelHandler{studies: studies{deps.Surveys}, panel: pan}
	mh := &MailHandler{studies: studies{deps.Surveys}, mailing: mails, idempotent: s.idempotent}
	for _, area := range [][]route{ah.routes(), sh.routes(), uh.routes(), rh.routes(), roh.routes(), ph.routes(), pah.routes(), mh.routes(), (&ExportHandler{studies: studies{deps.Surveys}, export: exp}).routes()} {
		for _, r := range area {
			handlers := append(s.access(r.access), r.handler)
			api.Add(r.method, r.path, handlers...)
		}
	}
	api.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
	if deps.UI != nil {
		app.Use(s.spa(deps.UI))
	}
	return s
}

// route is one row of an area's route table.
type route struct {
	method  string
	path    string // below /api/v1
	access  access
	handler fiber.Handler
}

// App returns the Fiber app, for tests (app.Test).
func (s *Server) App() *fiber.App { return s.app }

// Listen starts serving on addr (e.g. 127.0.0.1:0) in the background.
func (s *Server) Listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.ln = ln
	s.done = make(chan error, 1)
	s.startSweeper() // one sweep now: deadlines that passed while the server was down
	go func() { s.done <- s.app.Listener(ln) }()
	return nil
}

// Addr returns the address the server listens on.
func (s *Server) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Shutdown stops accepting connections and waits for in-flight requests up to
// the configured wait (10 s by default).
func (s *Server) Shutdown() error {
	if s.ln == nil {
		return nil
	}
	s.stopSweeper()
	err := s.app.ShutdownWithTimeout(s.opt.ShutdownWait)
	if lerr := <-s.done; lerr != nil && !errors.Is(lerr, net.ErrClosed) && err == nil {
		err = lerr
	}
	return err
}

func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok", "version": s.opt.Version})
}

func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.deps.DB.Ping(ctx); err != nil {
		return &delphi.Error{Code: delphi.EUNAVAILABLE, Message: "database unavailable", Err: err}
	}
	return c.JSON(fiber.Map{"status": "ready"})
}

// logRequests logs one line per request with its id, route pattern (never the
// raw path, which may hold an access token), status and duration.
func (s *Server) logRequests(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		if herr := s.app.ErrorHandler(c, err); herr != nil {
			_ = c.SendStatus(http.StatusInternalServerError)
		}
		status = c.Response().StatusCode()
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelWarn
	}
	s.log.Log(c.UserContext(), level, "request",
		"request_id", requestID(c), "method", c.Method(), "route", routePath(c),
		"status", status, "duration_ms", time.Since(start).Milliseconds())
	return nil
}

func (s *Server) logPanic(c *fiber.Ctx, e any) {
	s.log.Error("panic", "request_id", requestID(c), "route", routePath(c), "panic", e)
}

// securityHeaders sets a strict CSP (no inline scripts), framing and sniffing protection.
func (s *Server) securityHeaders(c *fiber.Ctx) error {
	s.setSecurityHeaders(c)
	return c.Next()
}

// setSecurityHeaders sets the headers of securityHeaders; handleError calls
// it too, for errors raised before the middleware ran (e.g. 413 while the
// body is read).
func (s *Server) setSecurityHeaders(c *fiber.Ctx) {
	c.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Referrer-Policy", "no-referrer")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
	c.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	if s.opt.Secure {
		c.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
}

// clientKey is the client address the rate limits count by: the peer's
// address, or with TrustProxy the last X-Forwarded-For entry, the one the
// proxy we run appended (entries before it are whatever the client sent,
// so taking the first would let a client pick a fresh key per request).
// An IPv6 client counts per /64, the block one client usually holds.
func (s *Server) clientKey(c *fiber.Ctx) string {
	ip := c.Context().RemoteIP()
	if s.opt.TrustProxy {
		if all := c.Request().Header.PeekAll(fiber.HeaderXForwardedFor); len(all) > 0 {
			h := string(all[len(all)-1])
			last := strings.TrimSpace(h[strings.LastIndexByte(h, ',')+1:])
			if host, _, err := net.SplitHostPort(last); err == nil {
				last = host
			}
			if p := net.ParseIP(strings.Trim(last, "[]")); p != nil {
				ip = p
			}
		}
	}
	if v4 := ip.To4(); v4 != nil {
		return v4.String()
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

func requestID(c *fiber.Ctx) string {
	return c.GetRespHeader(fiber.HeaderXRequestID)
}

// routePath is the matched route pattern, e.g. /api/v1/surveys/:id.
func routePath(c *fiber.Ctx) string {
	if r := c.Route(); r != nil && r.Path != "/" && r.Path != "" {
		return r.Path
	}
	return "(unmatched)"
}
