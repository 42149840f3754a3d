package mail_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/config"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/mail"
	"github.com/expertenrunde/expertenrunde/internal/mail/mailtest"
	"github.com/expertenrunde/expertenrunde/internal/store"
	"github.com/expertenrunde/expertenrunde/internal/store/storetest"
	"github.com/expertenrunde/expertenrunde/internal/survey"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// clock is a settable clock shared by store and dispatcher.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	st      *store.Store
	clk     *clock
	smtp    *mailtest.Server
	experts []*delphi.Expert
	survey  *delphi.Survey
}

const surveyID = "kleinstadtakademie-2020"

func definition(t testing.TB) *delphi.Definition {
	t.Helper()
	b, err := os.ReadFile("../../surveys/kleinstadtakademie-2020.yaml")
	if err != nil {
		t.Fatal(err)
	}
	def, err := survey.Parse("kleinstadtakademie-2020.yaml", b)
	if err != nil {
		t.Fatal(err)
	}
	return def
}

// newFixture opens a fresh database with the study and n experts
// (alternating German and English).
func newFixture(t *testing.T, n int) *fixture {
	t.Helper()
	ctx := context.Background()
	st := storetest.NewStore(t, "mail")
	clk := &clock{t: time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)}
	st.Now = clk.Now
	sv, _, err := st.PutSurvey(ctx, &delphi.Survey{Definition: definition(t)})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st, clk: clk, smtp: mailtest.NewServer(t), survey: sv}
	f.addExperts(t, n)
	return f
}

// addExperts adds n experts to the panel (alternating German and English).
func (f *fixture) addExperts(t *testing.T, n int) {
	t.Helper()
	groups := f.survey.Definition.Groups
	for range n {
		i := len(f.experts)
		e := &delphi.Expert{SurveyID: surveyID, Name: fmt.Sprintf("Person %d", i), Email: fmt.Sprintf("p%d@example.org", i),
			Group: groups[i%len(groups)].ID, Language: []string{"de", "en"}[i%2]}
		if err := f.st.CreateExpert(context.Background(), e); err != nil {
			t.Fatal(err)
		}
		f.experts = append(f.experts, e)
	}
}

func (f *fixture) dispatcher(owner string) *mail.Dispatcher {
	return &mail.Dispatcher{
		Store: f.st, Experts: f.st, Surveys: f.st, Sender: mail.NewSender(f.smtp.Config()),
		BaseURL: "https://befragung.example/", Now: f.clk.Now, Owner: owner,
		Backoff: time.Minute, Lease: 3 * time.Minute, MaxAttempts: 3, Poll: 20 * time.Millisecond,
	}
}

// enqueue creates a job for the planned sends of kind.
func (f *fixture) enqueue(t *testing.T, kind string) *delphi.MailJob {
	t.Helper()
	ctx := context.Background()
	experts, err := f.st.ListExperts(ctx, surveyID)
	if err != nil {
		t.Fatal(err)
	}
	sends, err := f.st.ListMailSends(ctx, surveyID, 0)
	if err != nil {
		t.Fatal(err)
	}
	planned, skipped := mail.PlanSends(mail.PlanInput{SurveyID: surveyID, Round: 1, Kind: kind, Now: f.clk.Now(), Experts: experts, Sends: sends})
	j := &delphi.MailJob{SurveyID: surveyID, Round: 1, Kind: kind, Skipped: skipped, CreatedBy: "u1"}
	if _, err := f.st.CreateMailJob(ctx, j, planned); err != nil {
		t.Fatal(err)
	}
	return j
}

// runUntilDone runs passes (advancing the clock past backoffs) until the
// job is done; at most max passes.
func runUntilDone(t *testing.T, f *fixture, d *mail.Dispatcher, jobID string, maxPasses int) *delphi.MailJob {
	t.Helper()
	ctx := context.Background()
	for range maxPasses {
		next, err := d.RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		j, err := f.st.MailJob(ctx, jobID)
		if err != nil {
			t.Fatal(err)
		}
		if j.Status == delphi.JobDone {
			return j
		}
		if !next.IsZero() && next.After(f.clk.Now()) {
			f.clk.Add(next.Sub(f.clk.Now()))
		}
	}
	t.Fatalf("job %s not done after %d passes", jobID, maxPasses)
	return nil
}

func sendsByStatus(t *testing.T, f *fixture) map[string][]*delphi.MailSend {
	t.Helper()
	sends, err := f.st.ListMailSends(context.Background(), surveyID, 1)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]*delphi.MailSend{}
	for _, m := range sends {
		out[m.Status] = append(out[m.Status], m)
	}
	return out
}

var linkRE = regexp.MustCompile(`https://befragung\.example/p/([A-Za-z0-9_-]{43})`)

func TestInvitationsDelivered(t *testing.T) {
	f := newFixture(t, 4)
	ctx := context.Background()
	if err := f.st.PutRoundMail(ctx, &delphi.RoundMail{SurveyID: surveyID, Round: 1, Mail: map[string]delphi.MailText{
		"de": {Subject: "Ihre Einladung <Runde 1>", Intro: "Liebe Expertinnen & Experten,\n\nes geht los. <script>alert(1)</script>"},
	}}); err != nil {
		t.Fatal(err)
	}
	j := f.enqueue(t, delphi.MailInvite)
	if j.Queued != 4 {
		t.Fatalf("queued %d, want 4", j.Queued)
	}
	runUntilDone(t, f, f.dispatcher("a"), j.ID, 5)

	msgs := f.smtp.Messages()
	if len(msgs) != 4 {
		t.Fatalf("%d messages, want 4", len(msgs))
	}
	for _, e := range f.experts {
		got := f.smtp.To(e.Email)
		if len(got) != 1 {
			t.Fatalf("%s got %d messages", e.Email, len(got))
		}
		m := got[0]
		if e.Language == "de" {
			if m.Subject != "Ihre Einladung <Runde 1>" || !strings.Contains(m.Text, "Guten Tag "+e.Name) || !strings.Contains(m.Text, "es geht los.") {
				t.Errorf("German mail: subject %q\n%s", m.Subject, m.Text)
			}
			if !strings.Contains(m.HTML, "&lt;script&gt;") || strings.Contains(m.HTML, "<script>") || !strings.Contains(m.HTML, "Expertinnen &amp; Experten") {
				t.Errorf("HTML not escaped: %s", m.HTML)
			}
			if !strings.Contains(m.Text, "befragung@kleinstadtakademie.example") {
				t.Errorf("no contact in German mail: %s", m.Text)
			}
		} else {
			if !strings.HasPrefix(m.Subject, "Invitation: Expert survey on the content") || !strings.Contains(m.Text, "Dear "+e.Name) || !strings.Contains(m.HTML, `lang="en"`) {
				t.Errorf("English mail: subject %q\n%s", m.Subject, m.Text)
			}
		}
		if m.Text == "" || m.HTML == "" {
			t.Fatalf("missing text or HTML part")
		}
		tm, hm := linkRE.FindStringSubmatch(m.Text), linkRE.FindStringSubmatch(m.HTML)
		if tm == nil || hm == nil || tm[1] != hm[1] {
			t.Fatalf("link missing or different in text and HTML:\n%s\n%s", m.Text, m.HTML)
		}
		owner, err := f.st.ExpertByTokenHash(ctx, delphi.HashAccessToken(tm[1]))
		if err != nil || owner.ID != e.ID {
			t.Fatalf("the mailed link resolves to %v, %v; want %s", owner, err, e.ID)
		}
	}
	if n := len(sendsByStatus(t, f)[delphi.SendSent]); n != 4 {
		t.Fatalf("%d sends recorded as sent, want 4", n)
	}

	// Pressing send again queues nobody and sends nothing.
	again := f.enqueue(t, delphi.MailInvite)
	if again.Queued != 0 || again.Skipped[mail.SkipAlreadyInvited] != 4 || again.Status != delphi.JobDone {
		t.Fatalf("second job: %+v", again)
	}
	if _, err := f.dispatcher("a").RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(f.smtp.Messages()); n != 4 {
		t.Fatalf("%d messages after pressing send twice, want 4", n)
	}
}

func TestSameSendsCreatedTwiceConcurrently(t *testing.T) {
	f := newFixture(t, 10)
	var wg sync.WaitGroup
	queued := make([]int, 4)
	for i := range queued {
		wg.Go(func() { queued[i] = f.enqueue(t, delphi.MailInvite).Queued })
	}
	wg.Wait()
	total := 0
	for _, q := range queued {
		total += q
	}
	if total != 10 {
		t.Fatalf("concurrent jobs queued %v sends in total, want 10", queued)
	}
}

func TestRestartMidJobSendsEachOnce(t *testing.T) {
	f := newFixture(t, 8)
	j := f.enqueue(t, delphi.MailInvite)
	ctx := context.Background()

	// A crashed process holds the lease of one send.
	crashed := j.SendIDs[7]
	if _, err := f.st.LeaseMailSend(ctx, crashed, "crashed", f.clk.Now(), 3*time.Minute); err != nil {
		t.Fatal(err)
	}

	// Dispatcher a runs in the background and is stopped after 3 messages.
	a := f.dispatcher("a")
	a.Start()
	f.smtp.WaitFor(3, wait)
	stopCtx, cancel := context.WithTimeout(ctx, wait)
	if err := a.Stop(stopCtx); err != nil {
		t.Fatal(err)
	}
	cancel()
	if n := len(f.smtp.Messages()); n < 3 || n > 7 {
		t.Fatalf("%d messages before the restart", n)
	}

	// Dispatcher b (the restarted process) finishes the rest, but not the
	// send leased by the crashed process while its lease lasts.
	b := f.dispatcher("b")
	if _, err := b.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(f.smtp.Messages()); n != 7 {
		t.Fatalf("%d messages with one send leased elsewhere, want 7", n)
	}
	m, err := f.st.MailSend(ctx, crashed)
	if err != nil || m.Status != delphi.SendSending {
		t.Fatalf("leased send: %+v %v", m, err)
	}
	f.clk.Add(4 * time.Minute) // the lease expires
	runUntilDone(t, f, b, j.ID, 3)
	for _, e := range f.experts {
		if n := len(f.smtp.To(e.Email)); n != 1 {
			t.Errorf("%s got %d messages, want 1", e.Email, n)
		}
	}
}

func TestRejectedRecipientFailsAndRetrySucceeds(t *testing.T) {
	f := newFixture(t, 2)
	ctx := context.Background()
	// Each expert already has a working link; a failed send must not replace it.
	oldToken, oldHash := delphi.NewAccessToken()
	if err := f.st.SetAccessToken(ctx, surveyID, f.experts[0].ID, oldHash, f.clk.Now()); err != nil {
		t.Fatal(err)
	}
	f.smtp.SetMode(mailtest.RejectRcpt)
	j := f.enqueue(t, delphi.MailInvite)
	runUntilDone(t, f, f.dispatcher("a"), j.ID, 5)
	failed := sendsByStatus(t, f)[delphi.SendFailed]
	if len(failed) != 2 {
		t.Fatalf("%d failed sends, want 2", len(failed))
	}
	for _, m := range failed {
		if !strings.Contains(m.Error, "550") || !strings.Contains(m.Error, "no such user") || m.Attempts != 1 {
			t.Errorf("a permanent rejection: attempts %d, error %q", m.Attempts, m.Error)
		}
		// The SMTP error quotes the address; the stored text must not.
		if strings.Contains(m.Error, "@example.org") || !strings.Contains(m.Error, "(recipient)") {
			t.Errorf("the stored error holds the address: %q", m.Error)
		}
	}
	if len(f.smtp.Messages()) != 0 {
		t.Fatal("a rejected message was captured")
	}
	if e, err := f.st.ExpertByTokenHash(ctx, delphi.HashAccessToken(oldToken)); err != nil || e.ID != f.experts[0].ID {
		t.Fatalf("the expert's link stopped working after a failed send: %v", err)
	}

	f.smtp.SetMode(mailtest.OK)
	n, err := f.st.RetryFailedMailSends(ctx, surveyID, 1, f.clk.Now())
	if err != nil || n != 2 {
		t.Fatalf("retry: %d %v", n, err)
	}
	runUntilDone(t, f, f.dispatcher("a"), j.ID, 5)
	if got := sendsByStatus(t, f); len(got[delphi.SendSent]) != 2 || len(f.smtp.Messages()) != 2 {
		t.Fatalf("after retry: %d sent, %d messages", len(got[delphi.SendSent]), len(f.smtp.Messages()))
	}
}

func TestDroppedConnectionRetriesWithBackoff(t *testing.T) {
	f := newFixture(t, 1)
	ctx := context.Background()
	f.smtp.SetMode(mailtest.CloseConn)
	j := f.enqueue(t, delphi.MailInvite)
	d := f.dispatcher("a")
	start := f.clk.Now()

	if _, err := d.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	m, _ := f.st.MailSend(ctx, j.SendIDs[0])
	if m.Status != delphi.SendPending || m.Attempts != 1 || m.Error == "" || !m.NextAttemptAt.Equal(start.Add(time.Minute)) {
		t.Fatalf("after the 1st attempt: %+v", m)
	}
	// Not due yet: nothing happens.
	f.clk.Add(30 * time.Second)
	if _, err := d.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if m2, _ := f.st.MailSend(ctx, j.SendIDs[0]); m2.Attempts != 1 {
		t.Fatalf("retried before the backoff: %+v", m2)
	}
	f.clk.Add(30 * time.Second)
	if _, err := d.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	m, _ = f.st.MailSend(ctx, j.SendIDs[0])
	if m.Status != delphi.SendPending || m.Attempts != 2 || !m.NextAttemptAt.Equal(f.clk.Now().Add(2*time.Minute)) {
		t.Fatalf("after the 2nd attempt (backoff doubles): %+v", m)
	}
	f.clk.Add(2 * time.Minute)
	if _, err := d.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	m, _ = f.st.MailSend(ctx, j.SendIDs[0])
	if m.Status != delphi.SendFailed || m.Attempts != 3 || m.Error == "" {
		t.Fatalf("after the 3rd attempt: %+v", m)
	}

	f.smtp.SetMode(mailtest.OK)
	if _, err := f.st.RetryFailedMailSends(ctx, surveyID, 1, f.clk.Now()); err != nil {
		t.Fatal(err)
	}
	runUntilDone(t, f, d, j.ID, 3)
	if len(f.smtp.Messages()) != 1 {
		t.Fatalf("%d messages after the retry, want 1", len(f.smtp.Messages()))
	}
}

// A connection that fails after the server accepted the message (go-mail's
// RSET and QUIT get no answer) counts as a delivery: the mail is not sent
// again.
func TestFailureAfterAcceptanceIsADelivery(t *testing.T) {
	f := newFixture(t, 1)
	ctx := context.Background()
	f.smtp.SetMode(mailtest.DropAfterData)
	j := f.enqueue(t, delphi.MailInvite)
	d := f.dispatcher("a")
	for range 3 {
		if _, err := d.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		f.clk.Add(10 * time.Minute)
	}
	m, err := f.st.MailSend(ctx, j.SendIDs[0])
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != delphi.SendSent || m.Attempts != 1 || len(f.smtp.Messages()) != 1 {
		t.Fatalf("send %+v, %d messages", m, len(f.smtp.Messages()))
	}
}

func TestSMTPNotConfigured(t *testing.T) {
	f := newFixture(t, 1)
	j := f.enqueue(t, delphi.MailInvite)
	d := f.dispatcher("a")
	d.Sender = mail.NewSender(config.SMTP{})
	runUntilDone(t, f, d, j.ID, 3)
	failed := sendsByStatus(t, f)[delphi.SendFailed]
	if len(failed) != 1 || !strings.Contains(failed[0].Error, "SMTP is not configured") {
		t.Fatalf("failed = %+v", failed)
	}
}

func TestSkipsErasedAndDeclinedAtSendTime(t *testing.T) {
	f := newFixture(t, 3)
	ctx := context.Background()
	j := f.enqueue(t, delphi.MailInvite)
	if err := f.st.EraseExpert(ctx, surveyID, f.experts[0].ID, f.clk.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.SetDeclined(ctx, surveyID, f.experts[1].ID, f.clk.Now()); err != nil {
		t.Fatal(err)
	}
	runUntilDone(t, f, f.dispatcher("a"), j.ID, 3)
	if got := sendsByStatus(t, f); len(got[delphi.SendSkipped]) != 2 || len(got[delphi.SendSent]) != 1 {
		t.Fatalf("statuses: %v", got)
	}
	if msgs := f.smtp.Messages(); len(msgs) != 1 || msgs[0].To[0] != f.experts[2].Email {
		t.Fatalf("messages: %+v", msgs)
	}
}

func TestKeepLinks(t *testing.T) {
	f := newFixture(t, 2)
	ctx := context.Background()
	_, hash := delphi.NewAccessToken()
	if err := f.st.SetAccessToken(ctx, surveyID, f.experts[0].ID, hash, f.clk.Now()); err != nil {
		t.Fatal(err)
	}
	experts, _ := f.st.ListExperts(ctx, surveyID)
	planned, _ := mail.PlanSends(mail.PlanInput{SurveyID: surveyID, Round: 1, Kind: delphi.MailInvite, KeepLinks: true, Now: f.clk.Now(), Experts: experts})
	j := &delphi.MailJob{SurveyID: surveyID, Round: 1, Kind: delphi.MailInvite, KeepLinks: true}
	if _, err := f.st.CreateMailJob(ctx, j, planned); err != nil {
		t.Fatal(err)
	}
	runUntilDone(t, f, f.dispatcher("a"), j.ID, 3)
	kept := f.smtp.To(f.experts[0].Email)[0]
	fresh := f.smtp.To(f.experts[1].Email)[0]
	if linkRE.MatchString(kept.Text) || !strings.Contains(kept.Text, "früheren E-Mail") {
		t.Errorf("expert with a link got a new one:\n%s", kept.Text)
	}
	if !linkRE.MatchString(fresh.Text) {
		t.Errorf("expert without a link got none:\n%s", fresh.Text)
	}
	if _, err := f.st.ExpertByTokenHash(ctx, hash); err != nil {
		t.Errorf("the kept link stopped working: %v", err)
	}
}

// TestNoMailForAClosedRound: a send still pending when its round has passed
// its deadline (invitation or reminder alike) is skipped, not delivered.
func TestNoMailForAClosedRound(t *testing.T) {
	f := newFixture(t, 2)
	ctx := context.Background()
	deadline := f.clk.Now().Add(time.Hour)
	if err := f.st.CreateRound(ctx, &delphi.Round{SurveyID: surveyID, Number: 1, Status: delphi.RoundOpen, Deadline: &deadline}); err != nil {
		t.Fatal(err)
	}
	j := f.enqueue(t, delphi.MailInvite)
	f.clk.Add(2 * time.Hour) // the deadline passes before the dispatcher runs
	d := f.dispatcher("a")
	d.Rounds = f.st
	runUntilDone(t, f, d, j.ID, 5)
	skipped := sendsByStatus(t, f)[delphi.SendSkipped]
	if len(skipped) != 2 || len(f.smtp.Messages()) != 0 {
		t.Fatalf("%d skipped, %d messages; want 2 skipped and none sent", len(skipped), len(f.smtp.Messages()))
	}
	if !strings.Contains(skipped[0].Error, "round is closed") {
		t.Errorf("skip reason %q", skipped[0].Error)
	}
}
