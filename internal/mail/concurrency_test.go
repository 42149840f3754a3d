package mail_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/mail"
)

// wait bounds how long a test waits for something that must happen, so a
// broken dispatcher fails the test instead of hanging it: a safety net far
// above what a loaded machine under -race needs, never a measure of speed.
const wait = 5 * time.Minute

// runPass runs one pass of d in the background and returns its result.
// When the test ends, the held messages are released and the pass waited
// for, so it never outlives the database.
func runPass(t *testing.T, d *mail.Dispatcher, release func()) (result func() error) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := d.RunOnce(context.Background())
		done <- err
	}()
	result = sync.OnceValue(func() error { return <-done })
	t.Cleanup(func() {
		release()
		_ = result()
	})
	return result
}

// eventually waits until cond holds; the test fails if it does not within
// wait.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not the case after %s", what, wait)
		}
		time.Sleep(time.Millisecond)
	}
}

// dispatcherGoroutines returns the stacks of the goroutines that run a
// method of a Dispatcher.
func dispatcherGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "mail.(*Dispatcher).") {
			out = append(out, g)
		}
	}
	return out
}

// TestConcurrentDeliveries: with Concurrency n and an SMTP server that
// holds each message until released, n deliveries are in flight at once,
// and no more sends than that are leased meanwhile.
func TestConcurrentDeliveries(t *testing.T) {
	for _, n := range []int{1, 4} {
		t.Run(fmt.Sprintf("concurrency %d", n), func(t *testing.T) {
			f := newFixture(t, 8)
			j := f.enqueue(t, delphi.MailInvite)
			d := f.dispatcher("a")
			d.Concurrency = n
			release := f.smtp.Hold()
			result := runPass(t, d, release)

			if !f.smtp.WaitHeld(n, wait) {
				t.Fatalf("at most %d messages held at the SMTP server at once, want %d", f.smtp.MaxHeld(), n)
			}
			if got := len(sendsByStatus(t, f)[delphi.SendSending]); got != n {
				t.Fatalf("%d sends leased with %d deliveries in flight, want %d", got, n, n)
			}
			release()
			if err := result(); err != nil {
				t.Fatal(err)
			}
			if got := f.smtp.MaxHeld(); got != n {
				t.Errorf("%d messages were held at once, want at most %d", got, n)
			}
			if got := len(sendsByStatus(t, f)[delphi.SendSent]); got != 8 || len(f.smtp.Messages()) != 8 {
				t.Fatalf("%d sends recorded as sent, %d messages after the pass; want 8 and 8", got, len(f.smtp.Messages()))
			}
			runUntilDone(t, f, d, j.ID, 2)
		})
	}
}

// TestTwoDispatchersDeliverConcurrentlyEachOnce: two instances, each with
// 4 deliveries in flight, work through the same two jobs at once. Every
// expert gets one message.
func TestTwoDispatchersDeliverConcurrentlyEachOnce(t *testing.T) {
	f := newFixture(t, 6)
	ctx := context.Background()
	j1 := f.enqueue(t, delphi.MailInvite)
	f.addExperts(t, 6)
	j2 := f.enqueue(t, delphi.MailInvite)
	if j1.Queued != 6 || j2.Queued != 6 {
		t.Fatalf("jobs of %d and %d sends, want 6 and 6", j1.Queued, j2.Queued)
	}
	a, b := f.dispatcher("a"), f.dispatcher("b")
	a.Concurrency, b.Concurrency = 4, 4
	release := f.smtp.Hold()
	resultA, resultB := runPass(t, a, release), runPass(t, b, release)

	if !f.smtp.WaitHeld(8, wait) {
		t.Fatalf("at most %d messages held at once, want 8 (4 per dispatcher)", f.smtp.MaxHeld())
	}
	if got := len(sendsByStatus(t, f)[delphi.SendSending]); got != 8 {
		t.Fatalf("%d sends leased with 8 deliveries in flight, want 8", got)
	}
	release()
	if err := errors.Join(resultA(), resultB()); err != nil {
		t.Fatal(err)
	}
	for pass := 0; ; pass++ {
		done := true
		for _, id := range []string{j1.ID, j2.ID} {
			j, err := f.st.MailJob(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			done = done && j.Status == delphi.JobDone
		}
		if done {
			break
		}
		if pass == 3 {
			t.Fatalf("jobs not done after %d more passes", pass)
		}
		noHold := func() {}
		if err := errors.Join(runPass(t, a, noHold)(), runPass(t, b, noHold)()); err != nil {
			t.Fatal(err)
		}
	}

	if got := f.smtp.MaxHeld(); got > 8 {
		t.Errorf("%d messages held at once, want at most 8", got)
	}
	for _, e := range f.experts {
		if n := len(f.smtp.To(e.Email)); n != 1 {
			t.Errorf("%s got %d messages, want 1", e.Email, n)
		}
	}
	if n := len(f.smtp.Messages()); n != 12 {
		t.Errorf("%d messages, want 12", n)
	}
	for _, m := range sendsByStatus(t, f)[delphi.SendSent] {
		if m.Attempts != 1 {
			t.Errorf("send %s: %d attempts, want 1", m.ID, m.Attempts)
		}
	}
	if n := len(sendsByStatus(t, f)[delphi.SendSent]); n != 12 {
		t.Errorf("%d sends recorded as sent, want 12", n)
	}
}

// TestStopDuringConcurrentDeliveries: Stop, called while 4 deliveries are
// in flight, returns only after they ended and were recorded, even when
// its context ends first; it leases nothing more, leaves no send leased and
// no goroutine behind, and the next instance sends the rest, each once.
func TestStopDuringConcurrentDeliveries(t *testing.T) {
	for _, tc := range []struct {
		name    string
		timeout bool // Stop's context has ended
	}{{"in time", false}, {"timed out", true}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 8)
			ctx := context.Background()
			j := f.enqueue(t, delphi.MailInvite)
			a := f.dispatcher("a")
			a.Concurrency = 4
			release := f.smtp.Hold()
			a.Start()
			t.Cleanup(func() { // before the server and the database close
				release()
				_ = a.Stop(context.Background())
			})
			if !f.smtp.WaitHeld(4, wait) {
				t.Fatalf("at most %d messages held at once, want 4", f.smtp.MaxHeld())
			}

			stopCtx, cancel := context.WithTimeout(ctx, wait)
			defer cancel()
			if tc.timeout {
				cancel()
			}
			stopped := make(chan error, 1)
			go func() { stopped <- a.Stop(stopCtx) }()
			eventually(t, "the dispatcher is stopping", a.Stopping)
			select {
			case err := <-stopped:
				t.Fatalf("Stop returned (%v) with 4 deliveries in flight", err)
			default:
			}
			release()
			if err := <-stopped; (err != nil) != tc.timeout {
				t.Fatalf("Stop: %v", err)
			}
			eventually(t, "no dispatcher goroutine left", func() bool { return len(dispatcherGoroutines()) == 0 })

			sends := sendsByStatus(t, f)
			if len(sends[delphi.SendSending]) != 0 {
				t.Fatalf("%d sends still leased after Stop", len(sends[delphi.SendSending]))
			}
			if len(sends[delphi.SendSent]) != 4 || len(sends[delphi.SendPending]) != 4 || len(f.smtp.Messages()) != 4 {
				t.Fatalf("%d sent, %d pending, %d messages after Stop; want the 4 in flight sent and 4 pending",
					len(sends[delphi.SendSent]), len(sends[delphi.SendPending]), len(f.smtp.Messages()))
			}
			for _, m := range sends[delphi.SendPending] {
				if m.Attempts != 0 {
					t.Errorf("send %s was attempted (%d) after Stop was called", m.ID, m.Attempts)
				}
			}
			// The links mailed in flight work: their record outlived the stop.
			for _, msg := range f.smtp.Messages() {
				m := linkRE.FindStringSubmatch(msg.Text)
				if m == nil {
					t.Fatalf("no link in the mail to %v", msg.To)
				}
				if e, err := f.st.ExpertByTokenHash(ctx, delphi.HashAccessToken(m[1])); err != nil || e.Email != msg.To[0] {
					t.Errorf("the link mailed to %v resolves to %v, %v", msg.To, e, err)
				}
			}

			runUntilDone(t, f, f.dispatcher("b"), j.ID, 3)
			for _, e := range f.experts {
				if n := len(f.smtp.To(e.Email)); n != 1 {
					t.Errorf("%s got %d messages, want 1", e.Email, n)
				}
			}
		})
	}
}
