package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/loadtest"
	"github.com/expertenrunde/expertenrunde/internal/store"
)

// loadFlags are the flags of `expertenrunde loadtest`.
type loadFlags struct {
	opts          loadtest.Options
	scale         string
	url, email    string
	passwordStdin bool
	cpuProfile    string
}

// loadtestFlagSet registers the loadtest flags on m.
func (m *Main) loadtestFlagSet() *flag.FlagSet {
	m.load.opts = loadtest.DefaultOptions()
	o := &m.load.opts
	env := func(key string, def time.Duration) time.Duration {
		if d, err := time.ParseDuration(m.Getenv(key)); err == nil {
			return d
		}
		return def
	}
	experts := envInt(m, "ERLOAD_EXPERTS", o.Experts)
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.IntVar(&o.Experts, "experts", experts, "simulated experts (ERLOAD_EXPERTS)")
	fs.DurationVar(&o.Human, "human", env("ERLOAD_HUMAN", o.Human), "length of the human-pace phase, a save every 1–3 s per expert (ERLOAD_HUMAN)")
	fs.DurationVar(&o.Fast, "fast", env("ERLOAD_FAST", o.Fast), "length of the back-to-back phase (ERLOAD_FAST)")
	fs.DurationVar(&o.Raw, "raw", env("ERLOAD_RAW", o.Raw), "length of the raw driver baseline; 0 skips it (ERLOAD_RAW)")
	fs.DurationVar(&o.Probe, "probe", env("ERLOAD_PROBE", o.Probe), "length of the one-expert run at each size of the scaling runs (ERLOAD_PROBE)")
	fs.IntVar(&o.Large, "large", envInt(m, "ERLOAD_LARGE", o.Large), "experts of the large human-pace phase; 0 skips it (ERLOAD_LARGE)")
	fs.DurationVar(&o.LargeHuman, "large-human", env("ERLOAD_LARGE_HUMAN", o.LargeHuman), "length of the large human-pace phase (ERLOAD_LARGE_HUMAN)")
	fs.DurationVar(&o.Ingest, "ingest", env("ERLOAD_INGEST", o.Ingest), "length of the batch ingestion phase, whole 160-answer responses per request; 0 skips it (ERLOAD_INGEST)")
	fs.IntVar(&o.IngestClients, "ingest-clients", o.IngestClients, "clients of the batch ingestion phase")
	fs.IntVar(&o.IngestExperts, "ingest-experts", envInt(m, "ERLOAD_INGEST_EXPERTS", o.IngestExperts), "experts whose responses the ingestion phase sends in turns (ERLOAD_INGEST_EXPERTS)")
	fs.DurationVar(&o.Realtime, "realtime", env("ERLOAD_REALTIME", o.Realtime), "length of the real-time phase: the experts of a real-time study save at human pace and fetch the panel's statistics after each save; 0 skips it (ERLOAD_REALTIME)")
	fs.DurationVar(&o.ScalePhase, "scale-phase", env("ERLOAD_SCALE_PHASE", o.ScalePhase), "length of each phase of the scaling runs (ERLOAD_SCALE_PHASE)")
	scale := m.Getenv("ERLOAD_SCALE")
	if scale == "" {
		scale = "1000,3000"
	}
	fs.StringVar(&m.load.scale, "scale", scale, "numbers of response documents (of other studies) to measure saves at, e.g. 1000,3000; empty skips (ERLOAD_SCALE)")
	fs.StringVar(&o.SurveyID, "survey", o.SurveyID, "study to answer (the demo study when the server is started here)")
	fs.StringVar(&m.load.url, "url", "", "drive the server at this URL instead of starting one here; only a test instance: the load test adds experts to the study, opens a round and saves answers")
	fs.StringVar(&m.load.email, "email", demoAdmin, "with --url: a staff account that may manage the study")
	fs.BoolVar(&m.load.passwordStdin, "password-stdin", false, "with --url: read the account's password from standard input")
	fs.StringVar(&m.load.cpuProfile, "cpuprofile", "", "write a CPU profile of this process (server included) to this file")
	fs.StringVar(&m.Config.MongoURI, "mongodb-uri", m.Config.MongoURI, "database (MONGODB_URI): a fresh database on it, dropped afterwards; empty: the embedded database in a temporary directory. With --url: the server's database, for the raw driver baseline (collection loadtest_raw)")
	return fs
}

// envInt is the whole number in m's environment variable key, else def.
func envInt(m *Main, key string, def int) int {
	if n, err := strconv.Atoi(m.Getenv(key)); err == nil {
		return n
	}
	return def
}

// loadTest runs the load test (internal/loadtest) against a server started
// in this process on 127.0.0.1:0 with the demo study (the embedded database
// in a temporary directory, or a fresh database on MONGODB_URI that is
// dropped afterwards), or against --url. The report goes to stdout.
func (m *Main) loadTest(ctx context.Context) error {
	o := m.load.opts
	o.Log = m.Stderr
	o.Scale = nil
	for _, f := range strings.Split(m.load.scale, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return fmt.Errorf("--scale: %q is not a number of documents", f)
		}
		o.Scale = append(o.Scale, n)
	}
	if o.Experts < 1 {
		return errors.New("--experts must be at least 1")
	}
	var srv loadtest.Server
	if m.load.url != "" {
		if !m.load.passwordStdin {
			return errors.New("with --url, give the password of --email on standard input (--password-stdin)")
		}
		pw, err := bufio.NewReader(m.Stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		srv = loadtest.Server{BaseURL: m.load.url, Email: m.load.email, Password: strings.TrimSpace(pw), MongoURI: m.Config.MongoURI, DBName: m.Config.DBName}
	} else {
		inner, cleanup, err := m.startLoadServer(ctx)
		if err != nil {
			return err
		}
		defer cleanup()
		srv = inner
	}
	if m.load.cpuProfile != "" {
		f, err := os.Create(m.load.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	rep, err := loadtest.Run(ctx, srv, o)
	if rep != nil {
		rep.WriteText(m.Stdout)
	}
	return err
}

// startLoadServer starts a server with the demo study in this process.
func (m *Main) startLoadServer(ctx context.Context) (loadtest.Server, func(), error) {
	dir, err := os.MkdirTemp("", "expertenrunde-loadtest-")
	if err != nil {
		return loadtest.Server{}, nil, err
	}
	var out bytes.Buffer
	inner := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: m.Stderr, Getenv: m.Getenv, Now: time.Now, cmd: []string{"serve"}}
	inner.Config = m.Config
	inner.Config.Addr, inner.Config.DataDir, inner.Config.Demo = "127.0.0.1:0", dir, true
	inner.Config.BaseURL, inner.Config.LogLevel = "http://127.0.0.1", "error"
	inner.Config.SMTP.Host = "" // no mail
	if inner.Config.MongoURI != "" {
		var b [4]byte
		_, _ = rand.Read(b[:])
		inner.Config.DBName = "expertenrunde_loadtest_" + hex.EncodeToString(b[:])
	}
	cleanup := func() {
		if inner.store != nil && inner.Config.MongoURI != "" {
			dctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			_ = inner.store.DropDatabase(dctx)
			cancel()
		}
		_ = inner.Close()
		_ = os.RemoveAll(dir)
	}
	if err := inner.Run(ctx); err != nil {
		cleanup()
		return loadtest.Server{}, nil, err
	}
	pw := demoPasswordRE.FindStringSubmatch(out.String())
	if pw == nil {
		cleanup()
		return loadtest.Server{}, nil, fmt.Errorf("the demo admin's password was not printed: %q", out.String())
	}
	srv := loadtest.Server{
		BaseURL: inner.URL(), Email: demoAdmin, Password: pw[1], MongoURI: inner.Config.MongoURI, DBName: inner.Config.DBName,
		Embedded: inner.embedded != nil, Fill: func(ctx context.Context, n int) error { return fillResponses(ctx, inner.store, n) },
	}
	if inner.embedded != nil {
		srv.MongoURI = inner.embedded.URI()
		srv.Prepared = func(ctx context.Context) error {
			_, err := inner.embedded.IndexIDs(ctx, inner.Config.DBName)
			return err
		}
	}
	return srv, cleanup, nil
}

// fillResponses stores n complete responses (45 answers each) of a filler
// study in the database of the study under load.
func fillResponses(ctx context.Context, st *store.Store, n int) error {
	at := time.Now().UTC()
	var b [4]byte
	_, _ = rand.Read(b[:])
	tag := hex.EncodeToString(b[:])
	batch := make([]*delphi.Response, 0, 500)
	for e := range n {
		r := &delphi.Response{SurveyID: "loadtest-filler", Round: 1 + e%3, ExpertID: fmt.Sprintf("%s-%06d", tag, e), Pseudonym: fmt.Sprintf("E-%06d", e),
			Group: "g", FirstOpenedAt: &at, StartedAt: &at, Answers: map[string]delphi.Answer{}}
		for i := range 45 {
			p, q := 1+(e+i)%5, 1+(e*i)%5
			r.Answers[fmt.Sprintf("T%02d", i)] = delphi.Answer{
				Value: delphi.Value{Criteria: map[string]delphi.Value{"wichtigkeit": {Point: &p}, "umsetzbarkeit": {Point: &q}}},
				Seq:   int64(1 + i), FirstSavedAt: at, LastSavedAt: at,
			}
		}
		batch = append(batch, r)
		if len(batch) == cap(batch) || e == n-1 {
			if err := st.ImportResponses(ctx, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	return nil
}
