package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/expertenrunde/expertenrunde/frontend"
	"github.com/expertenrunde/expertenrunde/internal/auth"
	"github.com/expertenrunde/expertenrunde/internal/config"
	"github.com/expertenrunde/expertenrunde/internal/httpapi"
	"github.com/expertenrunde/expertenrunde/internal/mail"
	"github.com/expertenrunde/expertenrunde/internal/rounds"
	"github.com/expertenrunde/expertenrunde/internal/store"
)

// Version is set at build time with -ldflags "-X main.Version=...".
var Version = "dev"

var errHelp = errors.New("help requested")

// exitError carries a specific exit code (e.g. 1 for an invalid study file).
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// Main is the program: flags are parsed by ParseFlags, work is done by Run,
// and resources are released by Close. Tests build one, point it at
// 127.0.0.1:0 and a temp data dir, and talk HTTP to it.
type Main struct {
	Config config.Config
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// Now is the clock; tests may replace it.
	Now func() time.Time

	cmd  []string // subcommand words, e.g. ["survey", "import"]
	args []string // positional arguments after the flags
	user userFlags
	exp  exportFlags
	load loadFlags
	// reason is survey import's --protocol-change-reason.
	reason string

	logger   *slog.Logger
	embedded *store.Embedded
	store    *store.Store
	server   *httpapi.Server
	mailer   *mail.Dispatcher
	sweeper  *rounds.Sweeper
	svc      *services // built on the store by services()
	serving  bool
}

type userFlags struct {
	email, role, name string
	surveys           stringList
	passwordStdin     bool
}

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// NewMain returns a Main wired to the process's standard streams and environment.
func NewMain() *Main {
	return &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Now: time.Now}
}

const usage = `Expertenrunde: multi-round expert surveys (Delphi).

Usage:
  expertenrunde serve [--addr A] [--data-dir D] [--demo]
  expertenrunde survey validate FILE...
  expertenrunde survey import [--protocol-change-reason R] FILE
  expertenrunde user create --email E --role admin|coordinator|researcher [--name N] [--survey ID]... --password-stdin
  expertenrunde export --survey ID [--lang de|en] [--rounds all|1,2] [-o FILE.xlsx|.csv|.json|.zip]
  expertenrunde loadtest [--experts 200] [--human 30s] [--fast 15s] [--raw 15s] [--scale 1000,3000] [--url URL --password-stdin]
  expertenrunde healthcheck [--addr A]     # GET /readyz on the server's address: exit 0 when ready, 1 otherwise
  expertenrunde version

Configuration comes from the environment (see README); flags override it.
`

// ParseFlags reads the subcommand and its flags from args, on top of the
// configuration from the environment.
func (m *Main) ParseFlags(args []string) error {
	cfg, err := config.FromEnv(m.Getenv)
	if err != nil {
		return err
	}
	m.Config = cfg
	if len(args) == 0 {
		args = []string{"serve"}
	}
	var fs *flag.FlagSet
	switch args[0] {
	case "serve":
		m.cmd, args = args[:1], args[1:]
		fs = flag.NewFlagSet("serve", flag.ContinueOnError)
		m.Config.RegisterFlags(fs)
	case "survey":
		if len(args) < 2 || (args[1] != "validate" && args[1] != "import") {
			return fmt.Errorf("usage: expertenrunde survey validate FILE... | survey import FILE")
		}
		m.cmd, args = args[:2], args[2:]
		fs = flag.NewFlagSet("survey "+m.cmd[1], flag.ContinueOnError)
		fs.StringVar(&m.Config.DataDir, "data-dir", m.Config.DataDir, "data directory (EXPERTENRUNDE_DATA_DIR)")
		if m.cmd[1] == "import" {
			fs.StringVar(&m.reason, "protocol-change-reason", "", "why this revision changes the locked analysis protocol (needed once round 1 has opened)")
		}
	case "user":
		if len(args) < 2 || args[1] != "create" {
			return fmt.Errorf("usage: expertenrunde user create --email E --role R --password-stdin")
		}
		m.cmd, args = args[:2], args[2:]
		fs = flag.NewFlagSet("user create", flag.ContinueOnError)
		fs.StringVar(&m.Config.DataDir, "data-dir", m.Config.DataDir, "data directory (EXPERTENRUNDE_DATA_DIR)")
		fs.StringVar(&m.user.email, "email", "", "e-mail address (login)")
		fs.StringVar(&m.user.role, "role", "", "admin, coordinator or researcher")
		fs.StringVar(&m.user.name, "name", "", "display name")
		fs.Var(&m.user.surveys, "survey", "study id to assign (repeatable)")
		fs.BoolVar(&m.user.passwordStdin, "password-stdin", false, "read the password from standard input")
	case "export":
		m.cmd, args = args[:1], args[1:]
		fs = m.exportFlagSet()
	case "loadtest":
		m.cmd, args = args[:1], args[1:]
		fs = m.loadtestFlagSet()
	case "healthcheck":
		m.cmd, args = args[:1], args[1:]
		fs = flag.NewFlagSet("healthcheck", flag.ContinueOnError)
		fs.StringVar(&m.Config.Addr, "addr", m.Config.Addr, "the server's listen address (EXPERTENRUNDE_ADDR)")
	case "version", "--version", "-version":
		m.cmd = []string{"version"}
		return nil
	case "help", "-h", "--help", "-help":
		fmt.Fprint(m.Stdout, usage)
		return errHelp
	default:
		return fmt.Errorf("unknown command %q\n\n%s", args[0], usage)
	}
	fs.SetOutput(m.Stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return err
	}
	m.args = fs.Args()
	return m.Config.Validate()
}

// Serving reports whether Run started the server (the caller then waits for a signal).
func (m *Main) Serving() bool { return m.serving }

// URL returns the address the server listens on, as an http URL.
func (m *Main) URL() string {
	if m.server == nil {
		return ""
	}
	return "http://" + m.server.Addr()
}

// Run executes the parsed subcommand. For serve it returns once the server
// listens; Close stops it.
func (m *Main) Run(ctx context.Context) error {
	m.logger = newLogger(m.Config, m.Stderr)
	switch strings.Join(m.cmd, " ") {
	case "serve":
		return m.serve(ctx)
	case "survey validate":
		return m.surveyValidate()
	case "survey import":
		return m.surveyImport(ctx)
	case "user create":
		return m.userCreate(ctx)
	case "export":
		return m.exportResults(ctx)
	case "loadtest":
		return m.loadTest(ctx)
	case "healthcheck":
		return m.healthcheck(ctx)
	case "version":
		fmt.Fprintln(m.Stdout, "expertenrunde", Version)
		return nil
	}
	return fmt.Errorf("nothing to run")
}

// Close stops the server (draining in-flight requests), then the database.
func (m *Main) Close() error {
	var errs []error
	if m.server != nil {
		errs = append(errs, m.server.Shutdown())
		m.server = nil
	}
	if m.sweeper != nil {
		m.sweeper.Stop()
		m.sweeper = nil
	}
	if m.mailer != nil {
		// Wait for the sends in flight (up to mail.DefaultConcurrency);
		// after ShutdownWait their context is cancelled (see
		// mail.Dispatcher.Stop) and a send left undelivered is retried by
		// the next start.
		ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownWait)
		if err := m.mailer.Stop(ctx); err != nil {
			m.logger.Warn("mail dispatcher stopped before its sends finished", "err", err)
		}
		cancel()
		m.mailer = nil
	}
	if m.store != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		errs = append(errs, m.store.Close(ctx))
		cancel()
		m.store, m.svc = nil, nil
	}
	if m.embedded != nil {
		errs = append(errs, m.embedded.Close())
		m.embedded = nil
	}
	return errors.Join(errs...)
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Env == "production" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openStore connects to MONGODB_URI, or starts the embedded database under
// DATA_DIR/db, and applies the migrations. A failure stops the start.
func (m *Main) openStore(ctx context.Context) error {
	uri := m.Config.MongoURI
	if uri == "" {
		emb, err := store.StartEmbedded(ctx, filepath.Join(m.Config.DataDir, "db"), m.logger)
		if err != nil {
			return fmt.Errorf("starting the embedded database: %w", err)
		}
		m.embedded = emb
		uri = emb.URI()
	}
	st, err := store.Open(ctx, uri, m.Config.DBName, m.logger)
	if err != nil {
		return fmt.Errorf("connecting to the database: %w", err)
	}
	m.store = st
	if emb := m.embedded; emb != nil {
		// The responses of each new round get a collection of their own.
		dbName := m.Config.DBName
		st.CollectionCreated = func(ctx context.Context) error {
			_, err := emb.IndexIDs(ctx, dbName)
			return err
		}
		// An erased identity leaves the write-ahead log and the file.
		st.Erased = func(ctx context.Context) error { return emb.Checkpoint(ctx, dbName) }
	}
	if err := st.Migrate(ctx); err != nil {
		return fmt.Errorf("preparing the database (indexes, migrations): %w", err)
	}
	if m.embedded != nil {
		// Finds and updates by _id scan whole tables without it.
		if _, err := m.embedded.IndexIDs(ctx, m.Config.DBName); err != nil {
			return fmt.Errorf("preparing the database (indexes): %w", err)
		}
	}
	return nil
}

func (m *Main) serve(ctx context.Context) error {
	if err := m.openStore(ctx); err != nil {
		return err
	}
	secret, err := auth.LoadOrCreateSecret(m.Config.JWTSecret, m.Config.DataDir)
	if err != nil {
		return err
	}
	tokens, err := auth.NewTokens(secret, m.Now)
	if err != nil {
		return err
	}
	var demoLogin string
	if m.Config.Demo {
		if demoLogin, err = m.setUpDemo(ctx); err != nil {
			return fmt.Errorf("setting up the demo: %w", err)
		}
	}
	// The mail dispatcher resumes the send jobs left running by an earlier
	// process; with SMTP unset every send fails visibly ("SMTP is not configured").
	m.mailer = &mail.Dispatcher{
		Store: m.store, Experts: m.store, Surveys: m.store, Rounds: m.store, Responses: m.store,
		Sender: mail.NewSender(m.Config.SMTP), BaseURL: m.Config.BaseURL, Logger: m.logger, Now: m.Now,
		Concurrency: mail.DefaultConcurrency,
	}
	m.mailer.Start()
	svc := m.services()
	// The deadline sweep: one now (deadlines that passed while no server
	// ran), then every 30 s.
	m.sweeper = svc.rounds.StartSweeper()
	m.server = httpapi.New(httpapi.Deps{
		Surveys: m.store, Audit: m.store, DB: m.store, Mail: m.store,
		Logger: m.logger, Now: m.Now, UI: frontend.FS(),
		SignIn: m.signIn(tokens), Accounts: svc.accounts, Importer: svc.importer, Results: svc.results, Rounds: svc.rounds, Participation: svc.participation,
		Panel: svc.panel, Mailing: svc.mailing, Export: svc.export, Flow: svc.flow, Reporting: svc.reporting,
		Arguments: svc.arguments,
		Curation:  svc.curation,
	}, httpapi.Options{
		BodyLimit: m.Config.BodyLimit, Secure: m.Config.Secure(),
		TrustProxy: m.Config.TrustProxy, Version: Version, ShutdownWait: m.Config.ShutdownWait,
	})
	if err := m.server.Listen(m.Config.Addr); err != nil {
		return fmt.Errorf("listening on %s: %w", m.Config.Addr, err)
	}
	m.serving = true
	m.logger.Info("listening", "addr", m.server.Addr(), "version", Version, "embedded_db", m.embedded != nil)
	fmt.Fprintf(m.Stdout, "Expertenrunde is running at %s\n", m.URL())
	if demoLogin != "" {
		fmt.Fprint(m.Stdout, demoLogin)
	}
	return nil
}
