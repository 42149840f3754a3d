package loadtest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

// Options configure a load run.
type Options struct {
	SurveyID string        // the study the experts answer (its round 1 is opened)
	Experts  int           // simulated experts, one goroutine and connection each (200)
	Human    time.Duration // length of the human-pace phase (30 s)
	Fast     time.Duration // length of the back-to-back phase (15 s)
	Raw      time.Duration // length of the raw driver loop (15 s)
	// Scale lists the numbers of response documents in the database (all
	// rounds and studies; each study and round has a collection of its
	// own) at which saves are measured again, after other studies'
	// responses filled it up to each; ScalePhase is the length of each
	// human and each fast phase there.
	Scale      []int
	ScalePhase time.Duration
	// Probe is the length of the single-expert runs (one expert saving
	// back to back while the others rest) at each size: the cost of one
	// save without queueing, which noise from other processes disturbs
	// least.
	Probe time.Duration
	// Large is the number of experts of a second human-pace phase of
	// length LargeHuman (0 skips it): a large panel invited at once.
	Large      int
	LargeHuman time.Duration
	// Ingest is the length of the batch ingestion phase (0 skips it):
	// IngestClients clients send whole responses (150 ratings and 10 free
	// texts, one request each) of IngestExperts experts of a study of that
	// shape back to back.
	Ingest        time.Duration
	IngestClients int
	IngestExperts int
	Log           io.Writer // progress lines; nil discards
	// Realtime is the length of the real-time phase (0 skips it): Experts
	// experts of a real-time study (RealtimeStudy) save at human pace and
	// fetch the panel's statistics after each save.
	Realtime time.Duration
}

// DefaultOptions are the defaults of `make bench`.
func DefaultOptions() Options {
	return Options{
		SurveyID: "kleinstadtakademie-2020", Experts: 200,
		Human: 30 * time.Second, Fast: 15 * time.Second, Raw: 15 * time.Second,
		Scale: []int{1000, 3000}, ScalePhase: 10 * time.Second, Probe: 5 * time.Second,
		Large: 1000, LargeHuman: 30 * time.Second,
		Ingest: 15 * time.Second, IngestClients: 4, IngestExperts: 400,
	}
}

// Server is the server under load.
type Server struct {
	BaseURL         string
	Email, Password string // a staff account that may manage the study
	// MongoURI and DBName are the server's database, for the raw driver
	// baseline; empty skips it.
	MongoURI, DBName string
	// Prepared is called after the raw baseline's collection was created
	// (the embedded database adds its _id index, as at a server start).
	Prepared func(ctx context.Context) error
	// Fill adds n response documents (other studies' complete responses);
	// nil skips the scaling runs.
	Fill func(ctx context.Context, n int) error
	// Embedded: the server runs the embedded database in this process.
	Embedded bool
}

// ScaleResult is one number of response documents in the database.
type ScaleResult struct {
	Docs               int
	Probe, Human, Fast *PhaseResult
}

// Report is the result of a run.
type Report struct {
	Machine  string
	Database string
	Started  time.Time
	Options  Options
	Setup    time.Duration // experts, links, sessions, consent
	Human    *PhaseResult
	Fast     *PhaseResult
	Raw      *Stats
	RawErr   string
	Large    *PhaseResult  // the human pace of Options.Large experts
	Ingest   *IngestResult // the batch ingestion
	Realtime *RealtimeResult
	Scaling  []ScaleResult
	Total    time.Duration
	LoadEnd  string // the load average at the end
}

// Ratio is the app's saves per second in the fast phase as a share of the
// raw driver's upserts per second (0 without the baseline).
func (r *Report) Ratio() float64 {
	if r.Raw == nil || r.Raw.PerSecond == 0 || r.Fast == nil {
		return 0
	}
	return r.Fast.Saves.PerSecond / r.Raw.PerSecond
}

func (o Options) logf(format string, args ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, "loadtest: "+format+"\n", args...)
	}
}

// Run sets up o.Experts experts with sessions on srv, runs the human and
// the fast phase, the raw driver baseline with as many workers, and the
// scaling runs.
func Run(ctx context.Context, srv Server, o Options) (*Report, error) {
	rep := &Report{Machine: Machine(), Started: time.Now(), Options: o}
	rep.Database = "MongoDB (" + redact(srv.MongoURI) + ")"
	if srv.Embedded {
		rep.Database = "embedded FerretDB/SQLite, in the server's process"
	}
	c := NewClient(srv.BaseURL, o.Experts, 0)
	t0 := time.Now()
	experts, targets, err := Prepare(ctx, c, srv.Email, srv.Password, o.SurveyID, o.Experts, o.logf)
	if err != nil {
		return nil, err
	}
	rep.Setup = time.Since(t0)

	o.logf("human pace: %d experts for %v", o.Experts, o.Human)
	rep.Human = RunPhase(ctx, experts, targets, Human, o.Human, nil)
	o.logf("fast pace: %d experts for %v", o.Experts, o.Fast)
	rep.Fast = RunPhase(ctx, experts, targets, Fast, o.Fast, nil)

	if srv.MongoURI != "" && o.Raw > 0 {
		o.logf("raw driver upserts: %d workers for %v", o.Experts, o.Raw)
		st, err := rawBaseline(ctx, srv, o)
		rep.Raw = st
		if err != nil {
			rep.RawErr = err.Error()
		}
	}

	if srv.Fill != nil && len(o.Scale) > 0 {
		docs := o.Experts // one response per expert so far
		o.logf("%d documents: one expert for %v", docs, o.Probe)
		probe := RunPhase(ctx, experts[:1], targets[:1], Fast, o.Probe, nil)
		rep.Scaling = append(rep.Scaling, ScaleResult{Docs: docs, Probe: probe, Human: rep.Human, Fast: rep.Fast})
		for _, n := range o.Scale {
			if n <= docs {
				continue
			}
			o.logf("filling the database to %d response documents", n)
			if err := srv.Fill(ctx, n-docs); err != nil {
				return rep, fmt.Errorf("fill to %d responses: %w", n, err)
			}
			docs = n
			sr := ScaleResult{Docs: n}
			o.logf("%d documents: one expert for %v", n, o.Probe)
			sr.Probe = RunPhase(ctx, experts[:1], targets[:1], Fast, o.Probe, nil)
			o.logf("%d documents: human pace for %v", n, o.ScalePhase)
			sr.Human = RunPhase(ctx, experts, targets, Human, o.ScalePhase, nil)
			o.logf("%d documents: fast pace for %v", n, o.ScalePhase)
			sr.Fast = RunPhase(ctx, experts, targets, Fast, o.ScalePhase, nil)
			rep.Scaling = append(rep.Scaling, sr)
		}
	}
	if o.Ingest > 0 && o.IngestClients > 0 && o.IngestExperts > 0 {
		ic := NewClient(srv.BaseURL, o.IngestClients, 0)
		staff, err := ic.Login(ctx, srv.Email, srv.Password)
		if err != nil {
			return rep, err
		}
		const id = "loadtest-ingest"
		if err := staff.ImportStudy(ctx, id+".yaml", IngestStudy(id)); err != nil {
			return rep, fmt.Errorf("the ingestion study: %w", err)
		}
		ix, _, err := Prepare(ctx, ic, srv.Email, srv.Password, id, o.IngestExperts, o.logf)
		if err != nil {
			return rep, fmt.Errorf("the ingestion phase: %w", err)
		}
		o.logf("batch ingestion: %d clients, whole responses of %d experts for %v", o.IngestClients, o.IngestExperts, o.Ingest)
		rep.Ingest = RunIngest(ctx, ix, o.IngestClients, o.Ingest)
	}

	if o.Realtime > 0 {
		rc := NewClient(srv.BaseURL, o.Experts, 0)
		staff, err := rc.Login(ctx, srv.Email, srv.Password)
		if err != nil {
			return rep, err
		}
		const id = "loadtest-realtime"
		if err := staff.ImportStudy(ctx, id+".yaml", RealtimeStudy(id)); err != nil {
			return rep, fmt.Errorf("the real-time study: %w", err)
		}
		rx, rt, err := Prepare(ctx, rc, srv.Email, srv.Password, id, o.Experts, o.logf)
		if err != nil {
			return rep, fmt.Errorf("the real-time phase: %w", err)
		}
		o.logf("real-time study: %d experts at human pace, the panel's statistics after each save, for %v", o.Experts, o.Realtime)
		rep.Realtime = RunRealtime(ctx, rx, rt, o.Realtime)
	}

	// Last: issuing the links of the large panel replaces the links of
	// every expert of the study, which ends the sessions used above.
	if o.Large > 0 && o.LargeHuman > 0 {
		large := NewClient(srv.BaseURL, o.Large, 0)
		t1 := time.Now()
		lx, lt, err := Prepare(ctx, large, srv.Email, srv.Password, o.SurveyID, o.Large, o.logf)
		if err != nil {
			return rep, fmt.Errorf("the %d-expert phase: %w", o.Large, err)
		}
		o.logf("human pace: %d experts for %v (setup %v)", o.Large, o.LargeHuman, time.Since(t1).Round(time.Second))
		rep.Large = RunPhase(ctx, lx, lt, Human, o.LargeHuman, nil)
	}

	rep.Total = time.Since(rep.Started)
	rep.LoadEnd = loadAverage()
	return rep, ctx.Err()
}

func rawBaseline(ctx context.Context, srv Server, o Options) (*Stats, error) {
	raw, done, err := NewRaw(ctx, srv.MongoURI, srv.DBName, "loadtest_raw", o.Experts, 4000)
	if err != nil {
		return nil, err
	}
	defer done()
	if err := raw.Prefill(ctx); err != nil {
		return nil, err
	}
	defer raw.Collection.Drop(context.WithoutCancel(ctx))
	if srv.Prepared != nil {
		if err := srv.Prepared(ctx); err != nil {
			return nil, err
		}
	}
	st, err := raw.Run(ctx, o.Experts, o.Raw)
	if err != nil && st.N > 0 {
		err = nil // counted in st.Errors
	}
	return &st, err
}

// Prepare opens a round of the study, adds n experts through the panel
// import, issues their links, exchanges them for sessions, accepts the
// privacy notice for each and reads the questionnaire once. It returns the
// experts and each one's targets.
func Prepare(ctx context.Context, c *Client, email, password, surveyID string, n int, logf func(string, ...any)) ([]*Expert, [][]Target, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	staff, err := c.Login(ctx, email, password)
	if err != nil {
		return nil, nil, err
	}
	sv, err := staff.Survey(ctx, surveyID)
	if err != nil {
		return nil, nil, err
	}
	round, err := staff.OpenRound(ctx, surveyID)
	if err != nil {
		return nil, nil, err
	}
	logf("round %d of %s is open; adding %d experts", round, surveyID, n)
	if err := staff.AddExperts(ctx, sv, n, fmt.Sprintf("load%d", time.Now().UnixNano())); err != nil {
		return nil, nil, err
	}
	tokens, err := staff.IssueLinks(ctx, surveyID)
	if err != nil {
		return nil, nil, err
	}
	if len(tokens) < n {
		return nil, nil, fmt.Errorf("%d links for %d experts", len(tokens), n)
	}
	tokens = tokens[len(tokens)-n:] // the panel may hold earlier experts
	experts := make([]*Expert, n)
	targets := make([][]Target, n)
	logf("opening %d expert sessions", n)
	err = Parallel(n, 8, func(i int) error {
		e, err := c.Session(ctx, tokens[i])
		if err != nil {
			return err
		}
		if err := e.Consent(ctx); err != nil {
			return err
		}
		q, o := e.Load(ctx)
		if q == nil {
			return fmt.Errorf("questionnaire: %s %d %v", o.Kind(), o.Status, o.Err)
		}
		if q.State != "open" {
			return fmt.Errorf("questionnaire state %q, want open", q.State)
		}
		if targets[i] = Targets(q); len(targets[i]) == 0 {
			return fmt.Errorf("no items to answer")
		}
		experts[i] = e
		return nil
	})
	return experts, targets, err
}

// Machine describes this machine: CPU model and count, OS, Go version and
// the load average at the start (other processes share the machine).
func Machine() string {
	model := "unknown CPU"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	load := ""
	if l := loadAverage(); l != "" {
		load = ", load average " + l + " at the start"
	}
	return fmt.Sprintf("%s, %d cores, %s/%s, %s%s", model, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), load)
}

// loadAverage is /proc/loadavg's 1, 5 and 15 minute load ("" elsewhere).
func loadAverage() string {
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			return strings.Join(f[:3], " ")
		}
	}
	return ""
}

// redact drops credentials from a MongoDB URI.
func redact(uri string) string {
	if i := strings.Index(uri, "@"); i > 0 {
		if j := strings.Index(uri, "://"); j >= 0 && j < i {
			return uri[:j+3] + "…@" + uri[i+1:]
		}
	}
	return uri
}

// WriteText prints the report as Markdown tables.
func (r *Report) WriteText(w io.Writer) {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)) }
	pct := func(s Stats) string {
		if s.N == 0 {
			return "none answered"
		}
		return ms(s.P50) + " / " + ms(s.P95) + " / " + ms(s.P99)
	}
	fmt.Fprintf(w, "## Load test, %s\n\n", r.Started.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "- machine: %s; load average at the end %s\n- database: %s\n", r.Machine, r.LoadEnd, r.Database)
	fmt.Fprintf(w, "- %d experts, study %s; setup (panel import, links, sessions, consent) %v; whole run %v\n\n",
		r.Options.Experts, r.Options.SurveyID, r.Setup.Round(time.Millisecond), r.Total.Round(time.Second))
	fmt.Fprintln(w, "| phase | length (+ drain) | saves/s | save p50 / p95 / p99 ms | loads/s | load p50 / p95 / p99 ms | failures | answered in the drain |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	row := func(name string, p *PhaseResult) {
		if p == nil {
			return
		}
		fmt.Fprintf(w, "| %s | %v (+%v) | %.1f | %s | %.1f | %s | %s | %d |\n", name, p.Duration.Round(100*time.Millisecond), p.Drain.Round(100*time.Millisecond),
			p.Saves.PerSecond, pct(p.Saves), p.Loads.PerSecond, pct(p.Loads), failures(p), p.Late)
	}
	row("human (save every 1–3 s)", r.Human)
	row("fast (back to back)", r.Fast)
	if r.Large != nil {
		row(fmt.Sprintf("human, %d experts", r.Large.Experts), r.Large)
	}
	fmt.Fprintln(w)
	// The start apart from the steady state (a diagnosis, no target).
	var settled []string
	for _, x := range []struct {
		name string
		p    *PhaseResult
	}{{"human", r.Human}, {"human, many experts", r.Large}} {
		if x.p != nil && x.p.Settled.N > 0 {
			settled = append(settled, fmt.Sprintf("- %s (%d experts), the saves sent after the first %v: %d, p50 / p95 / p99 %s ms, max %s ms",
				x.name, x.p.Experts, Settle, x.p.Settled.N, pct(x.p.Settled), ms(x.p.Settled.Max)))
		}
	}
	if len(settled) > 0 {
		fmt.Fprintf(w, "%s\n\n", strings.Join(settled, "\n"))
	}
	if g := r.Ingest; g != nil {
		fmt.Fprintf(w, "Batch ingestion: %d clients sending whole responses (%d ratings + %d texts of %d characters, one request each) of %d experts for %v: "+
			"**%.0f answers/s** (%.1f requests/s, p50 / p95 / p99 %s ms, failures %s).\n\n",
			g.Clients, IngestRatings, IngestTexts, IngestTextLength, g.Experts, g.Duration, g.AnswersPerSecond, g.Requests.PerSecond, pct(g.Requests), ingestFailures(g))
	}
	if rt := r.Realtime; rt != nil {
		fmt.Fprintf(w, "Real-time study (%d ratings, mode realtime): %d experts at human pace, each fetching the panel's statistics after each save, for %v: "+
			"saves %.1f/s, p50 / p95 / p99 %s ms (failures %s); feedback fetches %.1f/s, p50 / p95 / p99 %s ms (failures %s).\n\n",
			RealtimeRatings, rt.Phase.Experts, rt.Phase.Duration, rt.Phase.Saves.PerSecond, pct(rt.Phase.Saves), failures(rt.Phase),
			rt.Feedback.PerSecond, pct(rt.Feedback), counts(rt.Failures))
	}
	switch {
	case r.Raw != nil && r.RawErr == "":
		fmt.Fprintf(w, "Raw driver baseline: %d workers upserting response-sized documents by _id: %.1f upserts/s (p50 %s ms, p99 %s ms, %d errors). "+
			"The app's fast-phase saves/s are **%.2f×** that (%.0f %%): the cost of HTTP, authentication, validation, the KeyLock and the read-modify-write.\n\n",
			r.Options.Experts, r.Raw.PerSecond, ms(r.Raw.P50), ms(r.Raw.P99), r.Raw.Errors, r.Ratio(), 100*r.Ratio())
	case r.RawErr != "":
		fmt.Fprintf(w, "Raw driver baseline failed: %s\n\n", r.RawErr)
	}
	r.writeTargets(w)
	if len(r.Scaling) > 1 {
		fmt.Fprintln(w, "Saves as the database fills with other studies' responses (each study and round has a collection of its own):")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| response documents | one expert alone: saves/s, save p50 / p95 / p99 ms | human: saves/s | human: save p50 / p95 / p99 ms | fast: saves/s | fast: save p50 / p95 / p99 ms | failures (human; fast) |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
		for _, s := range r.Scaling {
			fmt.Fprintf(w, "| %d | %.1f, %s | %.1f | %s | %.1f | %s | %s; %s |\n", s.Docs, s.Probe.Saves.PerSecond, pct(s.Probe.Saves),
				s.Human.Saves.PerSecond, pct(s.Human.Saves), s.Fast.Saves.PerSecond, pct(s.Fast.Saves), failures(s.Human), failures(s.Fast))
		}
		fmt.Fprintln(w)
	}
	type named struct {
		name string
		p    *PhaseResult
	}
	phases := []named{{"human", r.Human}, {"fast", r.Fast}, {"large", r.Large}}
	for _, s := range r.Scaling[min(1, len(r.Scaling)):] {
		phases = append(phases, named{fmt.Sprintf("%d documents, one expert", s.Docs), s.Probe},
			named{fmt.Sprintf("%d documents, human", s.Docs), s.Human}, named{fmt.Sprintf("%d documents, fast", s.Docs), s.Fast})
	}
	for _, x := range phases {
		if x.p == nil {
			continue
		}
		for k, ex := range x.p.Examples {
			fmt.Fprintf(w, "- %s: %s (%d×), e.g.: %s\n", x.name, k, x.p.Failures[k], ex)
		}
	}
}

func failures(p *PhaseResult) string { return counts(p.Failures) }

func ingestFailures(g *IngestResult) string {
	if len(g.Failures) == 0 {
		return "none"
	}
	return counts(g.Failures) + "; e.g. " + g.Example
}

// counts lists failures by kind ("none" for none).
func counts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for k, n := range m {
		parts = append(parts, fmt.Sprintf("%s: %d", k, n))
	}
	return strings.Join(parts, ", ")
}

// writeTargets lists the targets of issue #16 and whether this run meets
// them (bench numbers of one run, not a test).
func (r *Report) writeTargets(w io.Writer) {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	mark := func(ok bool) string {
		if ok {
			return "met"
		}
		return "**not met**"
	}
	fmt.Fprintln(w, "| target (issue #16) | this run | |")
	fmt.Fprintln(w, "|---|---|---|")
	if r.Raw != nil && r.RawErr == "" && r.Fast != nil {
		fmt.Fprintf(w, "| back-to-back saves ≥ 0.5× raw driver upserts | %.1f / %.1f = %.2f× | %s |\n", r.Fast.Saves.PerSecond, r.Raw.PerSecond, r.Ratio(), mark(r.Ratio() >= 0.5))
	}
	if h := r.Human; h != nil {
		fmt.Fprintf(w, "| %d experts at human pace: save p99 ≤ 100 ms, load p99 ≤ 300 ms | %.1f ms, %.1f ms | %s |\n", h.Experts, ms(h.Saves.P99), ms(h.Loads.P99),
			mark(h.Saves.N > 0 && ms(h.Saves.P99) <= 100 && ms(h.Loads.P99) <= 300))
	}
	if l := r.Large; l != nil {
		fails := l.Saves.Errors + l.Loads.Errors
		fmt.Fprintf(w, "| %d experts at human pace: save p99 ≤ 250 ms, no failures | %.1f ms, %d failures | %s |\n", l.Experts, ms(l.Saves.P99), fails,
			mark(l.Saves.N > 0 && ms(l.Saves.P99) <= 250 && fails == 0))
	}
	if g := r.Ingest; g != nil {
		fmt.Fprintf(w, "| batch ingestion ≥ 10,000 answers/s | %.0f answers/s | %s |\n", g.AnswersPerSecond, mark(g.AnswersPerSecond >= 10000 && len(g.Failures) == 0))
	}
	fmt.Fprintln(w)
}
