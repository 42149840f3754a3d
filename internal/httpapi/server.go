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
	"runtime"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"

	"github.com/expertenrunde/expertenrunde/internal/accounts"
	"github.com/expertenrunde/expertenrunde/internal/arguments"
	"github.com/expertenrunde/expertenrunde/internal/curation"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/export"
	"github.com/expertenrunde/expertenrunde/internal/mailing"
	"github.com/expertenrunde/expertenrunde/internal/panel"
	"github.com/expertenrunde/expertenrunde/internal/panelflow"
	"github.com/expertenrunde/expertenrunde/internal/participation"
	"github.com/expertenrunde/expertenrunde/internal/reporting"
	"github.com/expertenrunde/expertenrunde/internal/results"
	"github.com/expertenrunde/expertenrunde/internal/rounds"
	"github.com/expertenrunde/expertenrunde/internal/session"
	"github.com/expertenrunde/expertenrunde/internal/survey"
)

// Pinger checks the database.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Deps are what the server needs: the stores of the staff's own areas,
// and the use-case services, each built once by the caller (Main). A nil
// service answers 503 on its routes.
type Deps struct {
	Surveys  delphi.SurveyStore
	Audit    delphi.AuditStore
	DB       Pinger
	Importer *survey.Importer // study imports, shared with the CLI
	Mail     delphi.MailStore // the Idempotency-Key records of the send requests
	Logger   *slog.Logger
	Now      func() time.Time // injectable clock
	UI       fs.FS            // the built frontend; nil serves no UI

	// SignIn signs staff and experts in and authenticates their requests.
	SignIn        *session.Service
	Accounts      *accounts.Service
	Results       *results.Service
	Rounds        *rounds.Service
	Participation *participation.Service
	Panel         *panel.Service
	Mailing       *mailing.Service
	Export        *export.Service
	Flow          *panelflow.Service
	Reporting     *reporting.Service
	Arguments     *arguments.Service
	Curation      *curation.Service
}

// Options are the HTTP settings taken from the configuration.
type Options struct {
	BodyLimit    int
	Secure       bool // served over HTTPS: Secure cookies and HSTS
	TrustProxy   bool // take the client IP from X-Forwarded-For
	Version      string
	ShutdownWait time.Duration
	// LoadSlots is how many questionnaire loads (GET /participation) run
	// at once, the others waiting in line (lineup); 0: GOMAXPROCS.
	LoadSlots int
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
	// loads lines up the questionnaire loads (Options.LoadSlots).
	loads *lineup
}

// New builds the app with its middleware and routes.
func New(deps Deps, opt Options) *Server {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.ShutdownWait == 0 {
		opt.ShutdownWait = 10 * time.Second
	}
	if opt.LoadSlots <= 0 {
		opt.LoadSlots = runtime.GOMAXPROCS(0)
	}
	s := &Server{deps: deps, opt: opt, log: deps.Logger, now: deps.Now, loads: newLineup(opt.LoadSlots, lineupWait)}
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
	// X-Forwarded-For header as the client sent it. clients.key reads it.
	app := fiber.New(cfg)
	s.app = app

	app.Use(requestid.New())
	app.Use(s.logRequests)
	app.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: s.logPanic}))
	app.Use(s.securityHeaders)
	app.Use(refuseContentEncoding)
	app.Use(compress.New())

	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)

	api := app.Group("/api/v1")
	api.Get("/openapi.json", s.openapi)
	for _, area := range s.areas() {
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

// areas returns the route table of every area, each handler holding only
// the service it uses.
func (s *Server) areas() [][]route {
	st := studies{s.deps.Surveys}
	ck, cl := cookies{secure: s.opt.Secure}, clients{trustProxy: s.opt.TrustProxy}
	return [][]route{
		(&AuthHandler{signIn: s.deps.SignIn, cookies: ck, clients: cl}).routes(),
		(&SurveyHandler{studies: st, surveys: s.deps.Surveys, importer: s.deps.Importer}).routes(),
		(&UserHandler{accounts: s.deps.Accounts}).routes(),
		(&ResultsHandler{studies: st, results: s.deps.Results}).routes(),
		(&RoundHandler{studies: st, rounds: s.deps.Rounds}).routes(),
		(&ParticipationHandler{signIn: s.deps.SignIn, svc: s.deps.Participation, cookies: ck, clients: cl, loads: s.loads}).routes(),
		(&PanelHandler{studies: st, panel: s.deps.Panel}).routes(),
		(&MailHandler{studies: st, mailing: s.deps.Mailing, idempotent: s.idempotent}).routes(),
		(&ExportHandler{studies: st, export: s.deps.Export}).routes(),
		(&FlowHandler{studies: st, flow: s.deps.Flow}).routes(),
		(&ReportingHandler{studies: st, reporting: s.deps.Reporting}).routes(),
		(&ArgumentHandler{studies: st, experts: &ParticipationHandler{signIn: s.deps.SignIn, svc: s.deps.Participation, cookies: ck, clients: cl}, svc: s.deps.Arguments}).routes(),
		(&CurationHandler{studies: st, svc: s.deps.Curation, experts: &ParticipationHandler{signIn: s.deps.SignIn, svc: s.deps.Participation, cookies: ck, clients: cl}}).routes(),
	}
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
	err := s.app.ShutdownWithTimeout(s.opt.ShutdownWait)
	if lerr := <-s.done; lerr != nil && !errors.Is(lerr, net.ErrClosed) && err == nil {
		err = lerr
	}
	return err
}

func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok", "version": s.opt.Version})
}

// ReadyTimeout bounds the database ping of /readyz, so that the probe
// answers 503 within it when the database is gone or hangs (the store's
// server selection gives up after 1.5 s on its own).
const ReadyTimeout = 2 * time.Second

func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), ReadyTimeout)
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

// clients find the client of a request.
type clients struct{ trustProxy bool }

// key is the client address the rate limits count by: the peer's
// address, or with TrustProxy the last X-Forwarded-For entry, the one the
// proxy we run appended (entries before it are whatever the client sent,
// so taking the first would let a client pick a fresh key per request).
// An IPv6 client counts per /64, the block one client usually holds.
func (k clients) key(c *fiber.Ctx) string {
	ip := c.Context().RemoteIP()
	if k.trustProxy {
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
