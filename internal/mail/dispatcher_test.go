package mail_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/store"
)

// finishFault wraps the real store and lets a test step in when a
// delivery is recorded (FinishMailSend with SendSent), for fault injection.
type finishFault struct {
	*store.Store
	mu     sync.Mutex
	onSent func(id, owner string) error // nil: pass through; non-nil error: fail instead of recording
	calls  int                          // FinishMailSend calls with SendSent
}

func (s *finishFault) FinishMailSend(ctx context.Context, id, owner string, o delphi.SendOutcome) error {
	if o.Status == delphi.SendSent {
		s.mu.Lock()
		s.calls++
		hook := s.onSent
		s.mu.Unlock()
		if hook != nil {
			if err := hook(id, owner); err != nil {
				return err
			}
		}
	}
	return s.Store.FinishMailSend(ctx, id, owner, o)
}

// TestDeliveryRecordedAfterADatabaseError: the SMTP server accepted the
// mail but recording it failed once. The dispatcher records it again, so
// the expert is not mailed a second time when the lease runs out.
func TestDeliveryRecordedAfterADatabaseError(t *testing.T) {
	f := newFixture(t, 1)
	ctx := context.Background()
	j := f.enqueue(t, delphi.MailInvite)
	failures := 1
	st := &finishFault{Store: f.st}
	st.onSent = func(string, string) error {
		if failures == 0 {
			return nil
		}
		failures--
		return delphi.Errorf(delphi.EUNAVAILABLE, "the database is unavailable (injected)")
	}
	d := f.dispatcher("a")
	d.Store = st
	d.RecordBackoff = time.Millisecond

	if _, err := d.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	f.clk.Add(4 * time.Minute) // a lease not recorded as finished would have run out
	runUntilDone(t, f, d, j.ID, 3)

	if n := len(f.smtp.To(f.experts[0].Email)); n != 1 {
		t.Fatalf("the expert got %d messages, want 1", n)
	}
	m, err := f.st.MailSend(ctx, j.SendIDs[0])
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != delphi.SendSent || m.Attempts != 1 || m.SentAt == nil || st.calls != 2 {
		t.Fatalf("send %+v after %d tries to record it; want sent after 1 attempt and 2 tries", m, st.calls)
	}
}

// TestDeliveryRecordedAfterTheLeaseWasLost: while the dispatcher records a
// delivery, its lease has run out and another process has taken the send
// (and crashed before sending). The delivery still counts: when that
// lease runs out too, nobody sends the mail again.
func TestDeliveryRecordedAfterTheLeaseWasLost(t *testing.T) {
	f := newFixture(t, 1)
	ctx := context.Background()
	j := f.enqueue(t, delphi.MailInvite)
	st := &finishFault{Store: f.st}
	var once sync.Once
	st.onSent = func(id, owner string) (err error) {
		once.Do(func() {
			_, err = f.st.LeaseMailSend(ctx, id, "crashed", f.clk.Now().Add(4*time.Minute), 3*time.Minute)
		})
		return err
	}
	d := f.dispatcher("a")
	d.Store = st
	d.RecordBackoff = time.Millisecond

	if _, err := d.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	f.clk.Add(8 * time.Minute) // the crashed process's lease has run out as well
	runUntilDone(t, f, d, j.ID, 3)

	if n := len(f.smtp.To(f.experts[0].Email)); n != 1 {
		t.Fatalf("the expert got %d messages, want 1", n)
	}
	m, err := f.st.MailSend(ctx, j.SendIDs[0])
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != delphi.SendSent || m.SentAt == nil {
		t.Fatalf("send %+v, want sent", m)
	}
}

// brokenJob queues a job whose study does not exist, so loading the job
// fails, with one send per expert id.
func brokenJob(t *testing.T, f *fixture, experts ...string) *delphi.MailJob {
	t.Helper()
	var sends []*delphi.MailSend
	for _, e := range experts {
		sends = append(sends, &delphi.MailSend{SurveyID: "gone", Round: 1, ExpertID: e, Kind: delphi.MailInvite, IssueLink: true})
	}
	j := &delphi.MailJob{SurveyID: "gone", Round: 1, Kind: delphi.MailInvite, CreatedBy: "u1"}
	if _, err := f.st.CreateMailJob(context.Background(), j, sends); err != nil {
		t.Fatal(err)
	}
	return j
}

// TestOneBrokenJobDoesNotStopTheOthers: a job that cannot be loaded has its
// error recorded on its sends, and the pass goes on with the next job.
func TestOneBrokenJobDoesNotStopTheOthers(t *testing.T) {
	f := newFixture(t, 2)
	ctx := context.Background()
	broken := brokenJob(t, f, "x")
	f.clk.Add(time.Second) // the broken job is the older one, so it comes first
	j := f.enqueue(t, delphi.MailInvite)

	if _, err := f.dispatcher("a").RunOnce(ctx); err != nil {
		t.Fatalf("the pass failed: %v", err)
	}
	if n := len(f.smtp.Messages()); n != 2 {
		t.Fatalf("%d messages after one pass, want 2", n)
	}
	if n := len(sendsByStatus(t, f)[delphi.SendSent]); n != 2 || len(j.SendIDs) != 2 {
		t.Fatalf("%d of the good job's sends recorded as sent, want 2", n)
	}
	m, err := f.st.MailSend(ctx, broken.SendIDs[0])
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != delphi.SendPending || m.Attempts != 1 || !strings.Contains(m.Error, "could not be prepared") ||
		!m.NextAttemptAt.Equal(f.clk.Now().Add(time.Minute)) {
		t.Fatalf("the broken job's send: %+v", m)
	}
}

// TestBrokenJobGivesUpAfterMaxAttempts: a job that keeps failing to load is
// not retried forever; its sends fail after MaxAttempts, with backoff
// between attempts, each send counting its own attempts.
func TestBrokenJobGivesUpAfterMaxAttempts(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	j := brokenJob(t, f, "x", "y")
	d := f.dispatcher("a")
	var waits []time.Duration
	for range 6 {
		next, err := d.RunOnce(ctx)
		if err != nil {
			t.Errorf("pass %d: %v", len(waits)+1, err)
		}
		if got, err := f.st.MailJob(ctx, j.ID); err != nil || got.Status == delphi.JobDone {
			break
		}
		if !next.IsZero() {
			waits = append(waits, next.Sub(f.clk.Now()))
			f.clk.Add(next.Sub(f.clk.Now()))
		}
	}
	if want := []time.Duration{time.Minute, 2 * time.Minute}; !slices.Equal(waits, want) {
		t.Errorf("waits between attempts %v, want %v", waits, want)
	}
	for _, id := range j.SendIDs {
		m, err := f.st.MailSend(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if m.Status != delphi.SendFailed || m.Attempts != 3 || !strings.HasPrefix(m.Error, "gave up after 3 attempts: the mail could not be prepared: ") {
			t.Errorf("send %s: status %s, attempts %d, error %q", id, m.Status, m.Attempts, m.Error)
		}
	}
	if got, err := f.st.MailJob(ctx, j.ID); err != nil || got.Status != delphi.JobDone {
		t.Fatalf("job %+v %v, want done", got, err)
	}
}
