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

// TestSaveRequestMakesTwoDatabaseCalls: a whole save request as the API
// serves it, the expert's session check (session.Service.Expert, built as
// Main builds it) and the save, makes two database calls once the process
// has checked the session and written the response: the fresh read of the
// round's state (the close guard) and the write. The first request of a
// session reads the session, the expert and the study as well, and the
// first save of a response reads or inserts it.
func TestSaveRequestMakesTwoDatabaseCalls(t *testing.T) {
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
	want := []string{"find", "update"}
	for i, item := range []string{"q1", "q2", "q3", "q1"} {
		if got := request(item, 4, i+2); !slices.Equal(got, want) {
			t.Errorf("request %d: %q, want %q (the round's state, the write)", i+2, got, want)
		}
		f.now = f.now.Add(time.Second)
	}
	// Past the TTL the session is checked again: three reads more.
	f.now = f.now.Add(session.DefaultExpertCheckTTL)
	if got := request("q2", 5, 9); len(got) != 5 {
		t.Errorf("the request past the TTL: %q, want the three reads of the check and the two calls of the save", got)
	}
	r, err := f.st.Response(ctx, p.Survey.ID, 1, p.Expert.ID)
	must(t, err)
	if r.Answers["q1"].Seq != 5 || r.Answers["q2"].Seq != 9 || r.Answers["q3"].Seq != 4 {
		t.Errorf("stored %+v", r.Answers)
	}
}
