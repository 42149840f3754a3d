package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// RoundReader reads a round (for its deadline). delphi.RoundStore has it.
type RoundReader interface {
	Round(ctx context.Context, surveyID string, number int) (*delphi.Round, error)
}

// DefaultConcurrency is how many sends a Dispatcher delivers at once unless
// its Concurrency says otherwise.
const DefaultConcurrency = 4

// Dispatcher sends the pending mail of running jobs in the background. Its
// state lives in the database: any instance may run one; a send is leased
// before its SMTP call, so no two dispatchers send it at once, and a lease
// left by a crashed process expires and is taken over. A restarted
// dispatcher resumes every running job. Up to Concurrency sends, of one job
// or several, are leased and delivered at once.
//
// Delivery is at least once only across a crash between the SMTP server's
// acceptance and the record of it, or a database outage that outlasts the
// retries of that record; otherwise exactly once per send id. A recorded
// delivery is never repeated, even if the lease ran out meanwhile.
//
// An error of one job (its study or round cannot be read) is recorded on
// its sends as an attempt, like a failed delivery, and the pass goes on
// with the other jobs.
type Dispatcher struct {
	Store     delphi.MailStore
	Experts   delphi.ExpertStore
	Surveys   delphi.SurveyStore
	Rounds    RoundReader          // optional: the deadline in the mail
	Responses delphi.ResponseStore // optional: reminders skip who submitted meanwhile
	Sender    Sender
	BaseURL   string // links are BaseURL/p/<token>
	Logger    *slog.Logger
	Now       func() time.Time

	Owner       string        // lease owner id; random by default
	Lease       time.Duration // how long a send may take before others take it; 3 min
	SendTimeout time.Duration // bound of one SMTP delivery; 1 min (below Lease)
	Backoff     time.Duration // wait before the 2nd attempt, doubling; 1 min
	MaxAttempts int           // 3
	Poll        time.Duration // how often other instances' jobs are looked for; 5 s
	// RecordBackoff is the wait before recording an attempt's outcome again
	// after a database error, doubling, for up to 5 tries within the lease;
	// 1 s.
	RecordBackoff time.Duration
	// Concurrency bounds the sends leased and delivered at once, across the
	// running jobs; DefaultConcurrency (4). 1 sends one message at a time.
	// The Sender must be safe for concurrent use.
	Concurrency int

	once    sync.Once
	slots   chan struct{} // one per delivery in flight
	wake    chan struct{}
	stop    chan struct{}
	done    chan struct{}
	cancel  context.CancelFunc
	started bool
}

func (d *Dispatcher) init() {
	d.once.Do(func() {
		if d.Now == nil {
			d.Now = time.Now
		}
		if d.Logger == nil {
			d.Logger = slog.New(slog.DiscardHandler)
		}
		if d.Owner == "" {
			var b [8]byte
			_, _ = rand.Read(b[:])
			d.Owner = hex.EncodeToString(b[:])
		}
		if d.Lease <= 0 {
			d.Lease = 3 * time.Minute
		}
		if d.SendTimeout <= 0 || d.SendTimeout >= d.Lease {
			d.SendTimeout = min(time.Minute, d.Lease/2)
		}
		if d.Backoff <= 0 {
			d.Backoff = time.Minute
		}
		if d.MaxAttempts <= 0 {
			d.MaxAttempts = 3
		}
		if d.Poll <= 0 {
			d.Poll = 5 * time.Second
		}
		if d.RecordBackoff <= 0 {
			d.RecordBackoff = time.Second
		}
		if d.Sender == nil {
			d.Sender = notConfigured{}
		}
		if d.Concurrency <= 0 {
			d.Concurrency = DefaultConcurrency
		}
		d.slots = make(chan struct{}, d.Concurrency)
		d.wake = make(chan struct{}, 1)
		d.stop = make(chan struct{})
		d.done = make(chan struct{})
	})
}

// Start runs the dispatcher in the background until Stop.
func (d *Dispatcher) Start() {
	d.init()
	if d.started {
		return
	}
	d.started = true
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	go d.loop(ctx)
}

// Notify wakes the dispatcher, e.g. after a job was created.
func (d *Dispatcher) Notify() {
	d.init()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Stop ends the loop after the sends in flight, whose outcomes are
// recorded; it leaves no goroutine behind. If ctx ends first, the context
// of the sends in flight is cancelled and ctx's error returned once they
// ended: a send not yet handed to the SMTP server fails its attempt and is
// retried later (go-mail heeds the context only while connecting, so an
// SMTP exchange under way ends with its answer or the sender's timeout).
func (d *Dispatcher) Stop(ctx context.Context) error {
	d.init()
	if !d.started {
		return nil
	}
	select {
	case <-d.stop:
	default:
		close(d.stop)
	}
	select {
	case <-d.done:
		d.cancel()
		return nil
	case <-ctx.Done():
		d.cancel()
		<-d.done
		return ctx.Err()
	}
}

func (d *Dispatcher) stopping() bool {
	select {
	case <-d.stop:
		return true
	default:
		return false
	}
}

func (d *Dispatcher) loop(ctx context.Context) {
	defer close(d.done)
	for {
		next, err := d.RunOnce(ctx)
		if err != nil && !errors.Is(err, context.Canceled) {
			d.Logger.Warn("mail dispatcher pass failed", "err", err)
		}
		wait := d.Poll
		if !next.IsZero() {
			wait = min(wait, max(next.Sub(d.Now()), 10*time.Millisecond))
		}
		timer := time.NewTimer(wait)
		select {
		case <-d.stop:
			timer.Stop()
			return
		case <-d.wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// RunOnce works through the running jobs once: every due send is leased
// and sent, up to Concurrency at once, and jobs without open sends are
// marked done. It returns when every send it leased has been attempted and
// its outcome recorded, with the earliest time a pending send becomes due
// (zero if none). A job whose sends cannot be read or leased is left for
// the next pass and its error returned (joined with the others') after the
// other jobs had their turn.
func (d *Dispatcher) RunOnce(ctx context.Context) (time.Time, error) {
	d.init()
	jobs, err := d.Store.RunningMailJobs(ctx)
	if err != nil {
		return time.Time{}, err
	}
	p := &pass{}
	var errs []error
	for _, j := range jobs {
		if err := d.runJob(ctx, p, j); err != nil {
			errs = append(errs, fmt.Errorf("mail job %s: %w", j.ID, err))
		}
		if d.stopping() {
			break
		}
	}
	p.wg.Wait()
	return p.next, errors.Join(errs...)
}

// pass is what one RunOnce shares with the attempts it started.
type pass struct {
	wg   sync.WaitGroup // the attempts in flight
	mu   sync.Mutex
	next time.Time // the earliest time a pending send becomes due
}

// due notes that a pending send becomes due at t.
func (p *pass) due(t time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.next = earliest(p.next, t)
}

// earliest returns the earlier of a and b, ignoring zero times.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// jobContext is loaded once per job and pass.
type jobContext struct {
	survey *delphi.Survey
	round  *delphi.Round
	texts  map[string]delphi.MailText
}

// runJob works through one job's sends: each due send is leased as soon as
// a delivery slot is free and attempted in the background (see attempt).
// An error reading or leasing a send ends the job's turn (the database is
// likely down) and is returned. An error loading the job is recorded on
// each due send as a failed attempt (see release), and not returned. A job
// is marked done only if none of its sends was open when it was read.
func (d *Dispatcher) runJob(ctx context.Context, p *pass, j *delphi.MailJob) error {
	var (
		jc      *jobContext
		loadErr error
		open    bool
	)
	for _, id := range j.SendIDs {
		// The slot is taken before the send is read, so the send is read
		// (and leased) as late as possible.
		if ok, err := d.acquire(ctx); err != nil {
			return err
		} else if !ok {
			return nil // stopping: the job stays running
		}
		m, isOpen, err := d.take(ctx, p, id)
		open = open || isOpen
		if m == nil {
			d.free()
		}
		if err != nil {
			return err
		}
		if m == nil {
			continue
		}
		if jc == nil && loadErr == nil {
			// Loaded once per pass: if it fails, every due send of the job
			// has its attempt counted now, so the job gives up as a whole.
			if jc, loadErr = d.loadJob(ctx, j); loadErr != nil {
				d.Logger.Warn("mail job could not be loaded", "job", j.ID, "err", loadErr)
			}
		}
		p.wg.Add(1)
		go d.attempt(ctx, p, jc, loadErr, m)
	}
	if !open {
		if err := d.Store.SetMailJobStatus(ctx, j.ID, delphi.JobDone); err != nil {
			return err
		}
	}
	return nil
}

// acquire waits for a free delivery slot. It returns false if the
// dispatcher is stopping, and ctx's error if ctx ends first.
func (d *Dispatcher) acquire(ctx context.Context) (bool, error) {
	if d.stopping() {
		return false, nil
	}
	select {
	case d.slots <- struct{}{}:
	case <-d.stop:
		return false, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
	if d.stopping() {
		d.free()
		return false, nil
	}
	return true, nil
}

// free gives a delivery slot back.
func (d *Dispatcher) free() { <-d.slots }

// take reads send id and leases it if it is due. It reports whether the
// send is open (not final); when a send that is not due becomes due is
// noted in p. It returns no send if there is none to attempt now.
func (d *Dispatcher) take(ctx context.Context, p *pass, id string) (*delphi.MailSend, bool, error) {
	m, err := d.Store.MailSend(ctx, id)
	if delphi.ErrorCode(err) == delphi.ENOTFOUND {
		return nil, false, nil
	} else if err != nil {
		return nil, false, err
	}
	if m.Final() {
		return nil, false, nil
	}
	now := d.Now()
	if m.Status == delphi.SendPending && m.NextAttemptAt.After(now) {
		p.due(m.NextAttemptAt)
		return nil, true, nil
	}
	if m.Status == delphi.SendSending && m.LeaseUntil != nil && !m.LeaseUntil.Before(now) {
		p.due(*m.LeaseUntil)
		return nil, true, nil
	}
	leased, err := d.Store.LeaseMailSend(ctx, id, d.Owner, now, d.Lease)
	if delphi.ErrorCode(err) == delphi.ECONFLICT {
		return nil, true, nil // another dispatcher took it, or it was delivered meanwhile
	} else if err != nil {
		return nil, true, err
	}
	return leased, true, nil
}

// attempt makes one attempt at the leased send m (or records loadErr, the
// error loading its job, as the attempt's failure), records the outcome,
// and frees m's delivery slot. jc is shared by the attempts of a job and
// only read.
func (d *Dispatcher) attempt(ctx context.Context, p *pass, jc *jobContext, loadErr error, m *delphi.MailSend) {
	defer p.wg.Done()
	defer d.free()
	var o delphi.SendOutcome
	if loadErr != nil {
		o = d.release(ctx, m, loadErr)
	} else {
		o = d.deliver(ctx, jc, m)
	}
	d.record(ctx, m, o)
	if o.Status == delphi.SendPending {
		p.due(o.NextAttemptAt)
	}
}

// release is the outcome of a leased send whose job could not be loaded:
// the lease counted the attempt, so it is retried with the backoff of a
// failed delivery and fails after MaxAttempts. If the dispatcher is
// stopping (ctx cancelled), the send is due again at once and its next
// failure decides.
func (d *Dispatcher) release(ctx context.Context, m *delphi.MailSend, cause error) delphi.SendOutcome {
	err := fmt.Errorf("the mail could not be prepared: %w", cause)
	if ctx.Err() != nil {
		now := d.Now()
		return delphi.SendOutcome{Status: delphi.SendPending, Error: truncate(err.Error()), NextAttemptAt: now, At: now}
	}
	o := d.failure(m, err)
	if o.Status == delphi.SendFailed {
		o.Error = truncate(fmt.Sprintf("gave up after %d attempts: %v", m.Attempts, err))
	}
	return o
}

// recordTries bounds the tries of recording one outcome.
const recordTries = 5

// record stores the outcome of the attempt on the leased send m. A
// database error is retried with backoff (RecordBackoff, doubling) while
// the lease lasts: a delivery that is not recorded would be sent again
// once the lease runs out. Waits are cut short by ctx only for outcomes
// other than a delivery.
func (d *Dispatcher) record(ctx context.Context, m *delphi.MailSend, o delphi.SendOutcome) {
	wait := d.RecordBackoff
	for try := 1; ; try++ {
		err := d.Store.FinishMailSend(context.WithoutCancel(ctx), m.ID, d.Owner, o)
		if err == nil {
			return
		}
		code := delphi.ErrorCode(err)
		if code == delphi.ECONFLICT || code == delphi.ENOTFOUND || code == delphi.EINVALID {
			// The lease was lost (a delivery is recorded all the same) or
			// the send is gone: trying again changes nothing.
			d.Logger.Warn("mail send outcome after the lease was lost", "send", m.ID, "status", o.Status, "err", err)
			return
		}
		leaseEnds := m.LeaseUntil != nil && !d.Now().Add(wait).Before(*m.LeaseUntil)
		if try == recordTries || leaseEnds {
			d.Logger.Error("mail send outcome not recorded; the send will be attempted again after its lease",
				"send", m.ID, "status", o.Status, "tries", try, "err", err)
			return
		}
		d.Logger.Warn("record mail send outcome, retrying", "send", m.ID, "status", o.Status, "try", try, "err", err)
		timer := time.NewTimer(wait)
		if o.Status == delphi.SendSent {
			<-timer.C
		} else {
			select {
			case <-timer.C:
			case <-ctx.Done():
				timer.Stop()
				return
			}
		}
		wait *= 2
	}
}

func (d *Dispatcher) loadJob(ctx context.Context, j *delphi.MailJob) (*jobContext, error) {
	sv, err := d.Surveys.SurveyByID(ctx, j.SurveyID)
	if err != nil {
		return nil, err
	}
	jc := &jobContext{survey: sv, texts: map[string]delphi.MailText{}}
	if d.Rounds != nil {
		r, err := d.Rounds.Round(ctx, j.SurveyID, j.Round)
		if err == nil {
			jc.round = r
		} else if delphi.ErrorCode(err) != delphi.ENOTFOUND {
			return nil, err
		}
	}
	rm, err := d.Store.RoundMail(ctx, j.SurveyID, j.Round)
	if err == nil {
		jc.texts = rm.Mail
	} else if delphi.ErrorCode(err) != delphi.ENOTFOUND {
		return nil, err
	}
	if jc.round != nil && len(jc.round.Mail) > 0 && len(jc.texts) == 0 {
		jc.texts = jc.round.Mail
	}
	return jc, nil
}

// deliver makes one attempt at a leased send and returns its outcome.
func (d *Dispatcher) deliver(ctx context.Context, jc *jobContext, m *delphi.MailSend) delphi.SendOutcome {
	skip := func(why string) delphi.SendOutcome {
		return delphi.SendOutcome{Status: delphi.SendSkipped, Error: why, At: d.Now()}
	}
	if jc.survey.Status == delphi.SurveyClosed {
		return skip("the study is closed")
	}
	if r := jc.round; r != nil && (r.Status == delphi.RoundClosed || (r.Deadline != nil && !d.Now().Before(*r.Deadline))) {
		// A send waiting for a retry must not ask for answers the round no longer takes.
		return skip("the round is closed")
	}
	e, err := d.Experts.ExpertByID(ctx, m.SurveyID, m.ExpertID)
	if delphi.ErrorCode(err) == delphi.ENOTFOUND {
		return skip("the expert no longer exists")
	} else if err != nil {
		return d.failure(m, err)
	}
	switch {
	case e.Erased():
		return skip("the expert was erased")
	case e.DeclinedAt != nil:
		return skip("the expert declined")
	}
	kind := JobKind(m.Kind)
	if kind == delphi.MailReminder && d.Responses != nil {
		r, err := d.Responses.Response(ctx, m.SurveyID, m.Round, m.ExpertID)
		if err == nil && r.SubmittedAt != nil {
			return skip("the expert has submitted the round")
		} else if err != nil && delphi.ErrorCode(err) != delphi.ENOTFOUND {
			return d.failure(m, err)
		}
	}
	c := Content{Kind: kind, Lang: e.Language, Name: e.Name, Study: jc.survey.Definition, Round: m.Round, Custom: jc.texts[e.Language]}
	if jc.round != nil {
		c.Deadline = jc.round.Deadline
	}
	// The new link replaces the old one only once the mail carrying it has
	// been accepted: a send that fails must not leave the expert without a
	// working link.
	var hash string
	if m.IssueLink {
		var token string
		token, hash = delphi.NewAccessToken()
		c.Link = delphi.AccessLink(d.BaseURL, token)
	}
	msg, err := Render(c)
	if err != nil {
		return d.failure(m, Permanent(err))
	}
	msg.To, msg.ToName = e.Email, e.Name
	sctx, cancel := context.WithTimeout(ctx, d.SendTimeout)
	err = d.Sender.Send(sctx, msg)
	cancel()
	if err != nil {
		d.Logger.Info("mail send failed", "send", m.ID, "attempt", m.Attempts, "permanent", IsPermanent(err))
		return d.failure(m, redacted{err, e.Email})
	}
	if hash != "" {
		// The mail is out: its link is stored even if the dispatcher is
		// being stopped, or the retry would mail the expert again.
		if err := d.Experts.SetAccessToken(context.WithoutCancel(ctx), m.SurveyID, m.ExpertID, hash, d.Now()); err != nil {
			// The mail is out with a link that does not work yet: a retry
			// sends a fresh mail with a fresh link.
			d.Logger.Warn("mail sent but its link could not be stored", "send", m.ID, "err", err)
			return d.failure(m, err)
		}
	}
	return delphi.SendOutcome{Status: delphi.SendSent, At: d.Now()}
}

// failure turns an error into a retry with backoff, or a final failure
// after MaxAttempts or for a permanent error.
func (d *Dispatcher) failure(m *delphi.MailSend, err error) delphi.SendOutcome {
	now := d.Now()
	o := delphi.SendOutcome{Status: delphi.SendFailed, Error: truncate(err.Error()), At: now}
	if !IsPermanent(err) && m.Attempts < d.MaxAttempts {
		o.Status = delphi.SendPending
		o.NextAttemptAt = now.Add(d.Backoff << max(m.Attempts-1, 0))
	}
	return o
}

// redacted is a send error without the recipient's address in its text:
// SMTP errors quote it ("affected recipient(s): <…>"), and the text is
// stored with the send, where it would outlive the expert's erasure.
// errors.As and IsPermanent still see the error it wraps.
type redacted struct {
	err  error
	addr string
}

func (r redacted) Error() string {
	if r.addr == "" {
		return r.err.Error()
	}
	return regexp.MustCompile("(?i)"+regexp.QuoteMeta(r.addr)).ReplaceAllLiteralString(r.err.Error(), "(recipient)")
}

func (r redacted) Unwrap() error { return r.err }

func truncate(s string) string {
	const n = 500
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
