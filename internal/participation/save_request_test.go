package participation_test

import (
	"slices"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/auth"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/participation"
	"github.com/expertenrunde/expertenrunde/internal/session"
	"github.com/expertenrunde/expertenrunde/internal/store/storetest"
)

// TestSaveRequestMakesOneDatabaseCall: a whole save request as the API
// serves it, the expert's session check (session.Service.Expert, built as
// Main builds it) and the save, makes one database call on the embedded
// database once the process has checked the session, read the round and
// written the response: the write. The round's state is kept while its
// change mark holds (this process is the only writer: store.cachedRound);
// a change of the round is read again on the next request. The first
// request of a session reads the session, the expert and the study as
// well, and the first save of a response reads or inserts it.
func TestSaveRequestMakesOneDatabaseCall(t *testing.T) {
	c := &storetest.Commands{}
	f := newFixture(t, c)
	ctx := t.Context()
	p := f.participant(t, "request")
	link, hash := delphi.NewAccessToken()
	must(t, f.st.SetAccessToken(ctx, p.Survey.ID, p.Expert.ID, hash, f.now))
	clock := func() time.Time { return f.now }
	tokens, err := auth.NewTokens([]byte("test-secret-test-secret-test-secret!"), clock)
	must(t, err)
	signIn := &session.Service{
		Users: f.st, Sessions: f.st, Experts: f.st, ExpertSessions: f.st, Surveys: f.st, Limiter: f.st,
		Tokens: tokens, Now: clock, Marks: f.st, ExpertCheckTTL: session.DefaultExpertCheckTTL,
	}
	in, err := signIn.Exchange(ctx, link, "192.0.2.1")
	must(t, err)
	request := func(item string, v, seq int) []string {
		return c.During(func() {
			who, err := signIn.Expert(ctx, session.Presented{Token: in.Token.Token})
			must(t, err)
			res, err := f.svc.Save(ctx, participation.Participant{Expert: who.Expert, Survey: who.Survey}, item, answer(item, v, seq).AnswerInput)
			must(t, err)
			if !res.Applied {
				t.Fatalf("save %s seq %d not applied", item, seq)
			}
		})
	}
	t.Logf("the first request: %q", request("q1", 3, 1))
	want := []string{"update"}
	for i, item := range []string{"q1", "q2", "q3", "q1"} {
		if got := request(item, 4, i+2); !slices.Equal(got, want) {
			t.Errorf("request %d: %q, want %q (the write)", i+2, got, want)
		}
		f.now = f.now.Add(time.Second)
	}
	// A change of the round (here a write that changes nothing) is read
	// again on the next save, and kept after it.
	_, err = f.st.UpdateRound(ctx, p.Survey.ID, 1, func(*delphi.Round) error { return nil })
	must(t, err)
	if got := request("q3", 4, 6); !slices.Equal(got, []string{"find", "update"}) {
		t.Errorf("the request after the round was written: %q, want the round's state read again and the write", got)
	}
	if got := request("q3", 4, 7); !slices.Equal(got, want) {
		t.Errorf("the request after that: %q, want %q", got, want)
	}
	// Past the TTL the session is checked again: the session and the
	// expert are read; the study is kept while its mark holds.
	f.now = f.now.Add(session.DefaultExpertCheckTTL)
	if got := request("q2", 5, 9); !slices.Equal(got, []string{"find", "find", "update"}) {
		t.Errorf("the request past the TTL: %q, want the two reads of the check and the write", got)
	}
	r, err := f.st.Response(ctx, p.Survey.ID, 1, p.Expert.ID)
	must(t, err)
	if r.Answers["q1"].Seq != 5 || r.Answers["q2"].Seq != 9 || r.Answers["q3"].Seq != 7 {
		t.Errorf("stored %+v", r.Answers)
	}
}
