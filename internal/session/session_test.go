package session_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/auth"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/session"
	"github.com/expertenrunde/expertenrunde/internal/store"
	"github.com/expertenrunde/expertenrunde/internal/store/storetest"
	"github.com/expertenrunde/expertenrunde/internal/survey"
	"go.mongodb.org/mongo-driver/v2/event"
)

// The sign-in tests call the service directly on the real embedded
// database: one FerretDB instance for the package, one database per test.
func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

const (
	password = "correct-horse-battery"
	email    = "coord@example.org"
	study    = "kleinstadtakademie-2020"
)

var (
	hashOnce sync.Once
	hash     string
)

// fixture is a sign-in service on a fresh database with one coordinator
// (email, password) and a settable clock.
type fixture struct {
	t   *testing.T
	st  *store.Store
	svc *session.Service
	now atomic.Pointer[time.Time]
}

// newFixture builds the service as Main does, except for the password
// slots: their wait is long enough that no check here is ever refused for
// want of a slot, so the counts below are exact.
func newFixture(t *testing.T) *fixture { return newMonitoredFixture(t, nil) }

// newMonitoredFixture is newFixture with the driver reporting every
// command to mon.
func newMonitoredFixture(t *testing.T, mon *event.CommandMonitor) *fixture {
	f := &fixture{t: t, st: storetest.NewMonitoredStore(t, "session", mon)}
	start := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	f.now.Store(&start)
	clock := func() time.Time { return *f.now.Load() }
	f.st.Now = clock
	tokens, err := auth.NewTokens([]byte("test-secret-test-secret-test-secret!"), clock)
	if err != nil {
		t.Fatal(err)
	}
	f.svc = &session.Service{
		Users: f.st, Sessions: f.st, Experts: f.st, ExpertSessions: f.st, Surveys: f.st, Limiter: f.st,
		Tokens: tokens, Slots: session.NewSlots(0, 10*time.Minute), Now: clock,
	}
	hashOnce.Do(func() {
		if hash, err = auth.HashPassword(password); err != nil {
			t.Fatal(err)
		}
	})
	if err := f.st.CreateUser(t.Context(), &delphi.User{Email: email, Role: delphi.RoleCoordinator, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) advance(d time.Duration) {
	t := f.now.Load().Add(d)
	f.now.Store(&t)
}

// attempts is the limiter's count of key in the login window.
func (f *fixture) attempts(key string) int {
	f.t.Helper()
	n, err := f.st.Attempts(f.t.Context(), key, *f.now.Load(), session.LoginWindow)
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

// expertWithLink imports the demo study and adds one expert with a
// personal link; it returns the expert, the link token and its hash.
func (f *fixture) expertWithLink() (e *delphi.Expert, link, linkHash string) {
	f.t.Helper()
	ctx := f.t.Context()
	data, err := os.ReadFile("../../surveys/" + study + ".yaml")
	if err != nil {
		f.t.Fatal(err)
	}
	def, err := survey.Parse(study+".yaml", data)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, _, err := f.st.PutSurvey(ctx, &delphi.Survey{Definition: def}); err != nil {
		f.t.Fatal(err)
	}
	e = &delphi.Expert{SurveyID: study, Name: "Expertin", Email: "expertin@example.org", Group: def.Groups[0].ID, Language: delphi.LangDE}
	if err := f.st.CreateExpert(ctx, e); err != nil {
		f.t.Fatal(err)
	}
	link, linkHash = delphi.NewAccessToken()
	if err := f.st.SetAccessToken(ctx, study, e.ID, linkHash, *f.now.Load()); err != nil {
		f.t.Fatal(err)
	}
	return e, link, linkHash
}

// parallel runs n calls at once and counts their error codes ("" for
// success).
func parallel(n int, call func(i int) error) map[string]int {
	var mu sync.Mutex
	got := map[string]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			err := call(i)
			mu.Lock()
			got[delphi.ErrorCode(err)]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	return got
}

// TestLoginWrongPasswordCounts: each wrong password counts once against
// the account and the client; the sixth attempt on the account is refused
// before any check, even with the right password, with the time until the
// oldest attempt leaves the window; a right password forgets the account's
// failures and does not count against the client.
func TestLoginWrongPasswordCounts(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	account, client := "login:email:"+email, "login:ip:192.0.2.1"
	for i := 1; i <= session.MaxFailuresPerAccount; i++ {
		_, err := f.svc.Login(ctx, session.Credentials{Email: email, Password: "wrong-password", Client: "192.0.2.1"})
		if delphi.ErrorCode(err) != delphi.EUNAUTHORIZED || delphi.ErrorMessage(err) != delphi.LoginFailed().Message {
			t.Fatalf("wrong password %d: %v", i, err)
		}
		if a, c := f.attempts(account), f.attempts(client); a != i || c != i {
			t.Fatalf("after wrong password %d: account %d, client %d attempts; want %d each", i, a, c, i)
		}
	}
	_, err := f.svc.Login(ctx, session.Credentials{Email: " Coord@Example.org ", Password: password, Client: "192.0.2.2"})
	var de *delphi.Error
	if delphi.ErrorCode(err) != delphi.ERATELIMIT || !errors.As(err, &de) || de.RetryAfter != 601 {
		t.Fatalf("the right password after %d failures: %v; want rate_limited, retry after 601 s", session.MaxFailuresPerAccount, err)
	}
	if n := f.attempts("login:ip:192.0.2.2"); n != 0 {
		t.Errorf("the refused attempt counts %d against its client; want 0 (taken back)", n)
	}

	// After the window: two wrong passwords, then the right one.
	f.advance(session.LoginWindow + time.Minute)
	for range 2 {
		if _, err := f.svc.Login(ctx, session.Credentials{Email: email, Password: "wrong-password", Client: "192.0.2.1"}); delphi.ErrorCode(err) != delphi.EUNAUTHORIZED {
			t.Fatalf("wrong password after the window: %v", err)
		}
	}
	in, err := f.svc.Login(ctx, session.Credentials{Email: email, Password: password, Client: "192.0.2.1"})
	if err != nil {
		t.Fatalf("the right password after the window: %v", err)
	}
	if in.User.Email != email || in.Session.UserID != in.User.ID || in.Token.Token == "" || in.Token.CSRF == "" ||
		!in.Token.ExpiresAt.Equal(f.now.Load().Add(30*time.Minute)) {
		t.Errorf("login: user %s, session of %s, token %q, CSRF %q, expires %v", in.User.Email, in.Session.UserID, in.Token.Token, in.Token.CSRF, in.Token.ExpiresAt)
	}
	if a, c := f.attempts(account), f.attempts(client); a != 0 || c != 2 {
		t.Errorf("after the right password: account %d, client %d attempts; want 0 and 2", a, c)
	}
	who, err := f.svc.Staff(ctx, session.Presented{Token: in.Token.Token})
	if err != nil || who.User.ID != in.User.ID {
		t.Fatalf("the new token: %v", err)
	}
	if err := f.svc.Logout(ctx, in.Session.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Staff(ctx, session.Presented{Token: in.Token.Token}); delphi.ErrorCode(err) != delphi.EUNAUTHORIZED {
		t.Errorf("the token after logout: %v; want unauthorized", err)
	}
}

// TestLoginLimitsHoldUnderParallelCalls: 30 wrong passwords for one
// account at once, from 30 clients, are exactly 5 password checks; 40
// wrong logins for 40 accounts at once from one client are exactly 20. The
// rest are refused before any check, and the store holds exactly the
// limit's attempts.
func TestLoginLimitsHoldUnderParallelCalls(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	got := parallel(30, func(i int) error {
		_, err := f.svc.Login(ctx, session.Credentials{Email: email, Password: "wrong-password", Client: fmt.Sprintf("192.0.2.%d", i)})
		return err
	})
	if got[delphi.EUNAUTHORIZED] != session.MaxFailuresPerAccount || got[delphi.ERATELIMIT] != 30-session.MaxFailuresPerAccount {
		t.Errorf("30 parallel wrong passwords for one account: %v; want 5 unauthorized, 25 rate_limited", got)
	}
	if n := f.attempts("login:email:" + email); n != session.MaxFailuresPerAccount {
		t.Errorf("account attempts = %d, want %d", n, session.MaxFailuresPerAccount)
	}

	got = parallel(40, func(i int) error {
		_, err := f.svc.Login(ctx, session.Credentials{Email: fmt.Sprintf("guess%d@example.org", i), Password: "wrong-password", Client: "198.51.100.7"})
		return err
	})
	if got[delphi.EUNAUTHORIZED] != session.MaxFailuresPerClient || got[delphi.ERATELIMIT] != 40-session.MaxFailuresPerClient {
		t.Errorf("40 parallel wrong logins from one client: %v; want 20 unauthorized, 20 rate_limited", got)
	}
	if n := f.attempts("login:ip:198.51.100.7"); n != session.MaxFailuresPerClient {
		t.Errorf("client attempts = %d, want %d", n, session.MaxFailuresPerClient)
	}
	// Refused logins took their reservation on the account back.
	counted := 0
	for i := range 40 {
		counted += f.attempts(fmt.Sprintf("login:email:guess%d@example.org", i))
	}
	if counted != session.MaxFailuresPerClient {
		t.Errorf("attempts over the 40 accounts = %d, want %d", counted, session.MaxFailuresPerClient)
	}
}

// TestLoginWhenPasswordSlotsAreBusy: with every slot held, a login is
// refused with EUNAVAILABLE and RetryAfter 1 after the slot wait, having
// counted nothing.
func TestLoginWhenPasswordSlotsAreBusy(t *testing.T) {
	f := newFixture(t)
	f.svc.Slots = session.NewSlots(1, time.Millisecond)
	release := f.svc.Slots.HoldAll()
	_, err := f.svc.Login(t.Context(), session.Credentials{Email: email, Password: password, Client: "192.0.2.1"})
	release()
	var de *delphi.Error
	if delphi.ErrorCode(err) != delphi.EUNAVAILABLE || !errors.As(err, &de) || de.RetryAfter != 1 {
		t.Fatalf("login with no free slot: %v; want unavailable, retry after 1 s", err)
	}
	if a, c := f.attempts("login:email:"+email), f.attempts("login:ip:192.0.2.1"); a != 0 || c != 0 {
		t.Errorf("after the refusal: account %d, client %d attempts; want 0", a, c)
	}
	if _, err := f.svc.Login(t.Context(), session.Credentials{Email: email, Password: password, Client: "192.0.2.1"}); err != nil {
		t.Fatalf("login with a free slot: %v", err)
	}
}

// TestExchangeRefusedPastTheLimit: 30 link guesses at once from one client
// are exactly 20 lookups (not_found); the rest and then a valid link from
// that client are refused; a valid link from another client is exchanged
// for a session of its expert, and counts nothing; after the window the
// first client's valid link works again.
func TestExchangeRefusedPastTheLimit(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	e, link, linkHash := f.expertWithLink()

	got := parallel(30, func(i int) error {
		_, err := f.svc.Exchange(ctx, fmt.Sprintf("guess-%d", i), "192.0.2.1")
		return err
	})
	if got[delphi.ENOTFOUND] != session.MaxLinksPerClient || got[delphi.ERATELIMIT] != 30-session.MaxLinksPerClient {
		t.Errorf("30 parallel link guesses: %v; want 20 not_found, 10 rate_limited", got)
	}
	if _, err := f.svc.Exchange(ctx, link, "192.0.2.1"); delphi.ErrorCode(err) != delphi.ERATELIMIT {
		t.Errorf("a valid link past the limit: %v; want rate_limited", err)
	}
	in, err := f.svc.Exchange(ctx, " "+link+" ", "192.0.2.2")
	if err != nil {
		t.Fatalf("a valid link from another client: %v", err)
	}
	if in.Session.ExpertID != e.ID || in.Session.SurveyID != study || in.Session.TokenHash != linkHash {
		t.Errorf("session of expert %s in %s with hash %s", in.Session.ExpertID, in.Session.SurveyID, in.Session.TokenHash)
	}
	if n := f.attempts("token:ip:192.0.2.2"); n != 0 {
		t.Errorf("a valid link counts %d, want 0", n)
	}
	who, err := f.svc.Expert(ctx, session.Presented{Token: in.Token.Token})
	if err != nil || who.Expert.ID != e.ID || who.Survey.ID != study {
		t.Fatalf("the expert token: %v", err)
	}
	f.advance(session.LinkWindow + time.Minute)
	if _, err := f.svc.Exchange(ctx, link, "192.0.2.1"); err != nil {
		t.Errorf("the valid link after the window: %v", err)
	}
}

// TestExpertCheckReadsThreeDocuments: the check every expert request
// makes reads the session, the expert and the study (three finds by _id,
// no identity, no link document), and still ends the session when the
// link is re-issued or the expert erased.
func TestExpertCheckReadsThreeDocuments(t *testing.T) {
	var mu sync.Mutex
	var on bool
	var cmds []string
	mon := &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		mu.Lock()
		defer mu.Unlock()
		if on {
			col, _ := e.Command.Lookup(e.CommandName).StringValueOK()
			cmds = append(cmds, e.CommandName+" "+col)
		}
	}}
	f := newMonitoredFixture(t, mon)
	ctx := t.Context()
	e, link, _ := f.expertWithLink()
	in, err := f.svc.Exchange(ctx, link, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	check := func() (*session.Expert, []string, error) {
		mu.Lock()
		on, cmds = true, nil
		mu.Unlock()
		who, err := f.svc.Expert(ctx, session.Presented{Token: in.Token.Token})
		mu.Lock()
		defer mu.Unlock()
		on = false
		return who, slices.Clone(cmds), err
	}
	who, got, err := check()
	if err != nil {
		t.Fatal(err)
	}
	// The study's document, which the exchange read, is kept on the
	// embedded database while its change mark holds (store.cachedSurvey);
	// on MongoDB it is a third find.
	want := []string{"find expert_sessions", "find experts"}
	if !slices.Equal(got, want) {
		t.Errorf("an expert check sent %q, want %q", got, want)
	}
	if who.Expert.ID != e.ID || who.Expert.Pseudonym == "" || who.Expert.Email != "" {
		t.Errorf("the checked expert %+v: want the pseudonymous expert without identity", who.Expert)
	}

	newLink, newHash := delphi.NewAccessToken()
	if err := f.st.SetAccessToken(ctx, study, e.ID, newHash, *f.now.Load()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := check(); delphi.ErrorCode(err) != delphi.EUNAUTHORIZED || delphi.ErrorMessage(err) != "this link is no longer valid" {
		t.Errorf("after a new link: %v, want unauthorized, the link no longer valid", err)
	}
	if in, err = f.svc.Exchange(ctx, newLink, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := check(); err != nil {
		t.Fatalf("a session of the new link: %v", err)
	}
	if err := f.st.EraseExpert(ctx, study, e.ID, *f.now.Load()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := check(); delphi.ErrorCode(err) != delphi.EUNAUTHORIZED {
		t.Errorf("after the erasure: %v, want unauthorized", err)
	}
}
