package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/store"
)

// mailTests are the MailStore part of the suite, run by RunContract.
var mailTests = []struct {
	name string
	fn   func(t *testing.T, s *store.Store)
}{
	{"MailSends", testMailSends},
	{"MailLeaseConcurrent", testMailLeaseConcurrent},
	{"MailDeliveryRecordedOnce", testMailDeliveryRecordedOnce},
	{"Idempotency", testIdempotency},
}

func testMailSends(t *testing.T, s *store.Store) {
	ctx := t.Context()
	clk := newClock(s)
	now := clk.Now()
	sends := []*delphi.MailSend{
		{SurveyID: "s1", Round: 1, ExpertID: "a", Kind: "invite", IssueLink: true},
		{SurveyID: "s1", Round: 1, ExpertID: "b", Kind: "invite"},
	}
	j := &delphi.MailJob{SurveyID: "s1", Round: 1, Kind: "invite", CreatedBy: "u"}
	created, err := s.CreateMailJob(ctx, j, sends)
	must(t, err)
	if len(created) != 2 || j.Queued != 2 || j.Status != delphi.JobRunning || created[0] != "s1#1#a#invite" {
		t.Fatalf("CreateMailJob: %v %+v", created, j)
	}
	// The same sends again: none created, the job is done at once.
	j2 := &delphi.MailJob{SurveyID: "s1", Round: 1, Kind: "invite"}
	created, err = s.CreateMailJob(ctx, j2, sends)
	must(t, err)
	if len(created) != 0 || j2.Status != delphi.JobDone {
		t.Fatalf("second CreateMailJob: %v %+v", created, j2)
	}
	running, err := s.RunningMailJobs(ctx)
	must(t, err)
	if len(running) != 1 || running[0].ID != j.ID {
		t.Fatalf("RunningMailJobs = %v", running)
	}

	m, err := s.LeaseMailSend(ctx, "s1#1#a#invite", "p1", now, time.Minute)
	must(t, err)
	if m.Status != delphi.SendSending || m.Attempts != 1 || m.LeaseOwner != "p1" || !m.IssueLink {
		t.Fatalf("leased: %+v", m)
	}
	_, err = s.LeaseMailSend(ctx, "s1#1#a#invite", "p2", now, time.Minute)
	wantCode(t, err, delphi.ECONFLICT)
	wantCode(t, s.FinishMailSend(ctx, "s1#1#a#invite", "p2", delphi.SendOutcome{Status: delphi.SendSent, At: now}), delphi.ECONFLICT)
	must(t, s.FinishMailSend(ctx, "s1#1#a#invite", "p1", delphi.SendOutcome{Status: delphi.SendPending, Error: "421 busy", NextAttemptAt: now.Add(time.Minute), At: now}))
	_, err = s.LeaseMailSend(ctx, "s1#1#a#invite", "p1", now, time.Minute)
	wantCode(t, err, delphi.ECONFLICT) // not due yet
	m, err = s.LeaseMailSend(ctx, "s1#1#a#invite", "p2", now.Add(time.Minute), time.Minute)
	must(t, err)
	if m.Attempts != 2 || m.Error != "421 busy" {
		t.Fatalf("second lease: %+v", m)
	}
	must(t, s.FinishMailSend(ctx, "s1#1#a#invite", "p2", delphi.SendOutcome{Status: delphi.SendFailed, Error: "550 no such user", At: now}))

	// A lease expires: another owner may take the send.
	_, err = s.LeaseMailSend(ctx, "s1#1#b#invite", "crashed", now, time.Minute)
	must(t, err)
	_, err = s.LeaseMailSend(ctx, "s1#1#b#invite", "p1", now.Add(30*time.Second), time.Minute)
	wantCode(t, err, delphi.ECONFLICT)
	m, err = s.LeaseMailSend(ctx, "s1#1#b#invite", "p1", now.Add(2*time.Minute), time.Minute)
	must(t, err)
	if m.Attempts != 2 || m.LeaseOwner != "p1" {
		t.Fatalf("taken over: %+v", m)
	}
	wantCode(t, s.FinishMailSend(ctx, "s1#1#b#invite", "crashed", delphi.SendOutcome{Status: delphi.SendSent, At: now}), delphi.ECONFLICT)
	must(t, s.FinishMailSend(ctx, "s1#1#b#invite", "p1", delphi.SendOutcome{Status: delphi.SendSent, At: now.Add(2 * time.Minute)}))

	list, err := s.ListMailSends(ctx, "s1", 1)
	must(t, err)
	if len(list) != 2 || list[0].Status != delphi.SendFailed || list[0].Error != "550 no such user" || list[1].Status != delphi.SendSent || list[1].SentAt == nil {
		t.Fatalf("ListMailSends = %+v, %+v", list[0], list[1])
	}
	must(t, s.SetMailJobStatus(ctx, j.ID, delphi.JobDone))
	n, err := s.RetryFailedMailSends(ctx, "s1", 1, now.Add(time.Hour))
	must(t, err)
	m, err = s.MailSend(ctx, "s1#1#a#invite")
	must(t, err)
	job, err := s.MailJob(ctx, j.ID)
	must(t, err)
	if n != 1 || m.Status != delphi.SendPending || m.Attempts != 0 || job.Status != delphi.JobRunning {
		t.Fatalf("after retry: %d %+v job %s", n, m, job.Status)
	}
	must(t, s.ScrubMailSends(ctx, "s1", "a"))
	list, err = s.ListMailSends(ctx, "s1", 0)
	must(t, err)
	if list[0].Error != "" { // pending again after the reset: no error shown
		t.Fatalf("error after reset: %q", list[0].Error)
	}
	_, err = s.MailSend(ctx, "nope")
	wantCode(t, err, delphi.ENOTFOUND)
	wantCode(t, s.SetMailJobStatus(ctx, "nope", delphi.JobDone), delphi.ENOTFOUND)
}

func testMailLeaseConcurrent(t *testing.T, s *store.Store) {
	ctx := t.Context()
	now := newClock(s).Now()
	j := &delphi.MailJob{SurveyID: "s1", Round: 1, Kind: "invite"}
	_, err := s.CreateMailJob(ctx, j, []*delphi.MailSend{{SurveyID: "s1", Round: 1, ExpertID: "a", Kind: "invite"}})
	must(t, err)
	const workers = 12
	wins := make([]bool, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			_, err := s.LeaseMailSend(ctx, j.SendIDs[0], string(rune('a'+i)), now, time.Minute)
			wins[i] = err == nil
			if err != nil && delphi.ErrorCode(err) != delphi.ECONFLICT {
				t.Errorf("lease: %v", err)
			}
		})
	}
	wg.Wait()
	n := 0
	for _, w := range wins {
		if w {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d concurrent leases succeeded, want 1", n)
	}
}

// testMailDeliveryRecordedOnce: recording a delivery may be retried, and a
// delivery reported after the lease ran out still makes the send sent, so
// no later lease sends it again.
func testMailDeliveryRecordedOnce(t *testing.T, s *store.Store) {
	ctx := t.Context()
	now := newClock(s).Now()
	j := &delphi.MailJob{SurveyID: "s1", Round: 1, Kind: "invite"}
	_, err := s.CreateMailJob(ctx, j, []*delphi.MailSend{
		{SurveyID: "s1", Round: 1, ExpertID: "a", Kind: "invite"},
		{SurveyID: "s1", Round: 1, ExpertID: "b", Kind: "invite"},
	})
	must(t, err)
	a, b := "s1#1#a#invite", "s1#1#b#invite"

	// A retry of a recorded delivery (its first answer was lost) is a no-op.
	_, err = s.LeaseMailSend(ctx, a, "p1", now, time.Minute)
	must(t, err)
	sent := delphi.SendOutcome{Status: delphi.SendSent, At: now.Add(time.Second)}
	must(t, s.FinishMailSend(ctx, a, "p1", sent))
	must(t, s.FinishMailSend(ctx, a, "p1", sent))
	m, err := s.MailSend(ctx, a)
	must(t, err)
	if m.Status != delphi.SendSent || m.Attempts != 1 || m.SentAt == nil || !m.SentAt.Equal(sent.At) {
		t.Fatalf("after recording the delivery twice: %+v", m)
	}

	// p1's lease runs out while it records a delivery; p2 has taken the
	// send meanwhile. The delivery is recorded all the same.
	_, err = s.LeaseMailSend(ctx, b, "p1", now, time.Minute)
	must(t, err)
	_, err = s.LeaseMailSend(ctx, b, "p2", now.Add(2*time.Minute), time.Minute)
	must(t, err)
	late := delphi.SendOutcome{Status: delphi.SendSent, At: now.Add(2 * time.Minute)}
	wantCode(t, s.FinishMailSend(ctx, b, "p1", late), delphi.ECONFLICT)
	m, err = s.MailSend(ctx, b)
	must(t, err)
	if m.Status != delphi.SendSent || m.SentAt == nil || !m.SentAt.Equal(late.At) || m.LeaseOwner != "" {
		t.Fatalf("a delivery reported after the lease was lost: %+v", m)
	}
	// p2's own outcome is stored but does not undo the delivery; nobody
	// may lease the send again.
	must(t, s.FinishMailSend(ctx, b, "p2", delphi.SendOutcome{Status: delphi.SendPending, Error: "421 busy", NextAttemptAt: now.Add(3 * time.Minute), At: now.Add(2 * time.Minute)}))
	_, err = s.LeaseMailSend(ctx, b, "p3", now.Add(time.Hour), time.Minute)
	wantCode(t, err, delphi.ECONFLICT)
	n, err := s.RetryFailedMailSends(ctx, "s1", 1, now.Add(time.Hour))
	must(t, err)
	list, err := s.ListMailSends(ctx, "s1", 1)
	must(t, err)
	if n != 0 || len(list) != 2 || list[0].Status != delphi.SendSent || list[1].Status != delphi.SendSent || list[1].Error != "" || list[1].SentAt == nil {
		t.Fatalf("retried %d; ListMailSends = %+v, %+v", n, list[0], list[1])
	}
}

func testIdempotency(t *testing.T, s *store.Store) {
	ctx := t.Context()
	now := time.Date(2026, 1, 26, 10, 0, 0, 0, time.UTC)
	stored, fresh, err := s.BeginIdempotent(ctx, "k|u", "fp1", now)
	must(t, err)
	if !fresh || stored != nil {
		t.Fatalf("first Begin: %v %v", stored, fresh)
	}
	stored, fresh, err = s.BeginIdempotent(ctx, "k|u", "fp1", now)
	must(t, err)
	if fresh || stored.Done {
		t.Fatalf("Begin while in flight: %+v %v", stored, fresh)
	}
	must(t, s.FinishIdempotent(ctx, "k|u", 202, []byte(`{"job":1}`)))
	stored, fresh, err = s.BeginIdempotent(ctx, "k|u", "fp2", now)
	must(t, err)
	if fresh || !stored.Done || stored.Status != 202 || string(stored.Body) != `{"job":1}` || stored.Fingerprint != "fp1" {
		t.Fatalf("Begin after Finish: %+v %v", stored, fresh)
	}
	// An abandoned key can be used again; a stale unfinished one is taken over.
	_, _, err = s.BeginIdempotent(ctx, "k2|u", "fp", now)
	must(t, err)
	must(t, s.AbandonIdempotent(ctx, "k2|u"))
	_, fresh, err = s.BeginIdempotent(ctx, "k2|u", "fp", now)
	must(t, err)
	if !fresh {
		t.Fatal("abandoned key not free")
	}
	_, fresh, err = s.BeginIdempotent(ctx, "k2|u", "fp", now.Add(10*time.Minute))
	must(t, err)
	if !fresh {
		t.Fatal("stale key not taken over")
	}
}
