package session_test

import (
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/expertenrunde/expertenrunde/internal/auth"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/session"
	"github.com/expertenrunde/expertenrunde/internal/store/storetest"
)

const ttl = session.DefaultExpertCheckTTL

// cachedFixture is the fixture with the verified expert sessions kept as
// Main keeps them.
func cachedFixture(t *testing.T, mon *event.CommandMonitor) *fixture {
	f := newMonitoredFixture(t, mon)
	f.svc.Marks, f.svc.ExpertCheckTTL = f.st, ttl
	return f
}

// consentedSession adds the expert with a link (expertWithLink), records
// their consent and returns the expert and the token of a fresh session.
func (f *fixture) consentedSession() (*delphi.Expert, string) {
	f.t.Helper()
	e, link, _ := f.expertWithLink()
	if _, err := f.st.SetConsent(f.t.Context(), study, e.ID, *f.now.Load()); err != nil {
		f.t.Fatal(err)
	}
	return e, f.exchange(link)
}

func (f *fixture) exchange(link string) string {
	f.t.Helper()
	in, err := f.svc.Exchange(f.t.Context(), link, "192.0.2.1")
	if err != nil {
		f.t.Fatal(err)
	}
	return in.Token.Token
}

// TestExpertCheckKeptWithinTheProcess: a verified session is not read
// again within the TTL, and every change this process makes to what the
// check read takes effect on the next request: a new link, a decline, a
// revoked session, a closed study, an erasure. An expert who may not write
// (no consent yet, declined) is read on every request.
func TestExpertCheckKeptWithinTheProcess(t *testing.T) {
	c := &storetest.Commands{Collections: true}
	f := cachedFixture(t, c.Monitor())
	ctx := t.Context()
	e, link, _ := f.expertWithLink()
	tok := f.exchange(link)
	check := func() ([]string, *session.Expert, error) {
		var who *session.Expert
		var err error
		cmds := c.During(func() { who, err = f.svc.Expert(ctx, session.Presented{Token: tok}) })
		return cmds, who, err
	}
	// The study's document is read once and kept while its change mark
	// holds (store.cachedSurvey on the embedded database).
	three := []string{"find expert_sessions", "find experts"}
	for i := range 2 {
		if cmds, _, err := check(); err != nil || !slices.Equal(cmds, three) {
			t.Fatalf("check %d before consent: %q, %v; want %q (read every time)", i+1, cmds, err, three)
		}
	}
	if _, err := f.st.SetConsent(ctx, study, e.ID, *f.now.Load()); err != nil {
		t.Fatal(err)
	}
	cmds, who, err := check()
	if err != nil || !slices.Equal(cmds, three) || who.Expert.ConsentAt == nil {
		t.Fatalf("the check after the consent: %q, %v; want %q and the consent", cmds, err, three)
	}
	if who.Expert.Email != "" || who.Expert.Name != "" {
		t.Errorf("the kept expert %+v holds identity fields", who.Expert)
	}
	f.advance(ttl - time.Millisecond)
	if cmds, who, err := check(); err != nil || len(cmds) != 0 || who.Expert.ID != e.ID {
		t.Fatalf("within the TTL: %q, %v; want no database call", cmds, err)
	}
	f.advance(time.Millisecond)
	if cmds, _, err := check(); err != nil || !slices.Equal(cmds, three) {
		t.Fatalf("at the TTL: %q, %v; want %q", cmds, err, three)
	}

	// A decline: read at once; not kept while declined; kept again once
	// the coordinator takes it back.
	if _, err := f.st.SetDeclined(ctx, study, e.ID, *f.now.Load()); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if cmds, who, err := check(); err != nil || len(cmds) != len(three) || who.Expert.DeclinedAt == nil {
			t.Fatalf("check %d after the decline: %q, %v; want the decline read", i+1, cmds, err)
		}
	}
	if _, err := f.st.ClearDeclined(ctx, study, e.ID); err != nil {
		t.Fatal(err)
	}
	if _, who, err := check(); err != nil || who.Expert.DeclinedAt != nil {
		t.Fatalf("after the decline was taken back: %v, %+v", err, who)
	}
	if cmds, _, err := check(); err != nil || len(cmds) != 0 {
		t.Fatalf("kept again: %q, %v", cmds, err)
	}

	// A new link ends the session on the next request.
	newLink, newHash := delphi.NewAccessToken()
	if err := f.st.SetAccessToken(ctx, study, e.ID, newHash, *f.now.Load()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := check(); delphi.ErrorMessage(err) != "this link is no longer valid" {
		t.Fatalf("after a new link: %v, want the link no longer valid", err)
	}

	// A revoked session ends on the next request.
	tok = f.exchange(newLink)
	if _, _, err := check(); err != nil {
		t.Fatal(err)
	}
	if cmds, _, err := check(); err != nil || len(cmds) != 0 {
		t.Fatalf("the new session kept: %q, %v", cmds, err)
	}
	sessionID := mustClaims(t, f, tok).SessionID
	if err := f.st.RevokeExpertSession(ctx, sessionID, *f.now.Load()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := check(); delphi.ErrorCode(err) != delphi.EUNAUTHORIZED {
		t.Fatalf("after the session was revoked: %v, want unauthorized", err)
	}

	// A closed study ends it on the next request.
	tok = f.exchange(newLink)
	if _, _, err := check(); err != nil {
		t.Fatal(err)
	}
	sv, err := f.st.SurveyByID(ctx, study)
	if err != nil {
		t.Fatal(err)
	}
	changed := *sv.Definition // a new revision, closed
	changed.Title = delphi.Text{delphi.LangDE: "Geschlossen"}
	if _, _, err := f.st.PutSurvey(ctx, &delphi.Survey{Definition: &changed, Status: delphi.SurveyClosed}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := check(); delphi.ErrorCode(err) != delphi.ENOTFOUND {
		t.Fatalf("after the study was closed: %v, want not found", err)
	}
	if _, _, err := f.st.PutSurvey(ctx, &delphi.Survey{Definition: sv.Definition, Status: delphi.SurveyActive}); err != nil {
		t.Fatal(err)
	}

	// An erasure ends it on the next request.
	if _, _, err := check(); err != nil {
		t.Fatalf("the study open again: %v", err)
	}
	if cmds, _, err := check(); err != nil || len(cmds) != 0 {
		t.Fatalf("kept before the erasure: %q, %v", cmds, err)
	}
	if err := f.st.EraseExpert(ctx, study, e.ID, *f.now.Load()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := check(); delphi.ErrorCode(err) != delphi.EUNAUTHORIZED {
		t.Fatalf("after the erasure: %v, want unauthorized", err)
	}
}

func mustClaims(t *testing.T, f *fixture, tok string) *auth.Claims {
	t.Helper()
	claims, err := f.svc.Tokens.Parse(tok, auth.AudienceExpert)
	if err != nil {
		t.Fatal(err)
	}
	return claims
}

// TestExpertCheckOnAnotherInstance: two instances on one database (two
// stores, two services, one clock). A change made through one ends the
// session there on the next request, and on the other once its kept check
// is ExpertCheckTTL old, never later: the bound docs/SECURITY.md states.
func TestExpertCheckOnAnotherInstance(t *testing.T) {
	a := cachedFixture(t, nil)
	ctx := t.Context()
	other := storetest.OtherInstance(t, a.st)
	// The same keys and clock, its own store and kept checks.
	b := session.Service{
		Users: other, Sessions: other, Experts: other, ExpertSessions: other, Surveys: other, Limiter: other,
		Tokens: a.svc.Tokens, Slots: a.svc.Slots, Now: a.svc.Now, Marks: other, ExpertCheckTTL: ttl,
	}
	e, tok := a.consentedSession()
	expert := func(svc *session.Service) error {
		_, err := svc.Expert(ctx, session.Presented{Token: tok})
		return err
	}
	for _, svc := range []*session.Service{a.svc, &b} {
		if err := expert(svc); err != nil {
			t.Fatal(err)
		}
	}
	a.advance(time.Second) // both checks are a second old
	newLink, newHash := delphi.NewAccessToken()
	if err := a.st.SetAccessToken(ctx, study, e.ID, newHash, *a.now.Load()); err != nil {
		t.Fatal(err)
	}
	if err := expert(a.svc); delphi.ErrorCode(err) != delphi.EUNAUTHORIZED {
		t.Errorf("the instance that renewed the link: %v, want unauthorized at once", err)
	}
	if err := expert(&b); err != nil {
		t.Errorf("the other instance within the TTL: %v (the documented delay)", err)
	}
	a.advance(ttl - time.Second)
	if err := expert(&b); delphi.ErrorCode(err) != delphi.EUNAUTHORIZED {
		t.Errorf("the other instance after the TTL: %v, want unauthorized", err)
	}

	// The same for an erasure, and nothing of the identity in what the
	// other instance returned meanwhile.
	tok = a.exchange(newLink)
	if err := expert(&b); err != nil {
		t.Fatal(err)
	}
	if err := a.st.EraseExpert(ctx, study, e.ID, *a.now.Load()); err != nil {
		t.Fatal(err)
	}
	who, err := b.Expert(ctx, session.Presented{Token: tok})
	if err != nil || who.Expert.Email != "" || who.Expert.Name != "" {
		t.Errorf("the other instance within the TTL after the erasure: %v, %+v; want the kept pseudonymous expert", err, who)
	}
	a.advance(ttl)
	if err := expert(&b); delphi.ErrorCode(err) != delphi.EUNAUTHORIZED {
		t.Errorf("the other instance after the TTL: %v, want unauthorized", err)
	}
}
