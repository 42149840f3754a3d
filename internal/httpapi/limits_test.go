package httpapi_test

import (
	"bytes"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

// parallel sends n requests at once (body(i) to path) and returns how many
// got each status. Safe for goroutines: no t.Fatal inside.
func (e *env) parallel(t *testing.T, n int, path string, body func(i int) string) map[int]int {
	t.Helper()
	return e.parallelRequests(t, n, func(i int) *http.Request { return jsonReq("POST", path, body(i)) })
}

// parallelRequests sends the n requests req(i) at once and returns how
// many got each status. Safe for goroutines: no t.Fatal inside.
func (e *env) parallelRequests(t *testing.T, n int, req func(i int) *http.Request) map[int]int {
	t.Helper()
	var mu sync.Mutex
	got := map[int]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			resp, err := e.srv.App().Test(req(i), -1)
			if err != nil {
				t.Errorf("request %d: %v", i, err)
				return
			}
			resp.Body.Close()
			mu.Lock()
			got[resp.StatusCode]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	return got
}

// TestLoginRateLimitUnderParallelRequests: 30 wrong passwords for one
// account at once are at most 5 password checks (401); the rest are refused
// before any check (429, or 503 when no password slot came free in time).
// Once 5 failed, the right password is refused too.
func TestLoginRateLimitUnderParallelRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	got := e.parallel(t, 30, "/api/v1/auth/login", func(int) string {
		return `{"email":"coord-a@example.org","password":"wrong-password-123"}`
	})
	if got[401] > 5 || got[401] < 1 || got[401]+got[429]+got[503] != 30 {
		t.Fatalf("30 parallel wrong logins: %v; want at most 5 × 401, the rest 429 or 503", got)
	}
	failed := got[401]
	for failed < 5 { // 503s took their reservation back: fill the account's five
		s, _, b := e.do(jsonReq("POST", "/api/v1/auth/login", `{"email":"coord-a@example.org","password":"wrong-password-123"}`))
		if s != 401 {
			t.Fatalf("wrong login %d after the parallel ones: %d %s", failed+1, s, b)
		}
		failed++
	}
	s, h, b := e.do(jsonReq("POST", "/api/v1/auth/login", `{"email":"coord-a@example.org","password":"`+testPassword+`"}`))
	if s != 429 || h.Get("Retry-After") == "" {
		t.Fatalf("the right password after 5 failures: %d %q %s", s, h.Get("Retry-After"), b)
	}
	ctx := t.Context()
	if n, err := e.st.Attempts(ctx, "login:email:coord-a@example.org", e.clock.now(), 10*time.Minute); err != nil || n != 5 {
		t.Errorf("account attempts = %d, %v; want 5", n, err)
	}
	if n, err := e.st.Attempts(ctx, "login:ip:0.0.0.0", e.clock.now(), 10*time.Minute); err != nil || n != 5 {
		t.Errorf("IP attempts = %d, %v; want 5 (refused requests take their reservation back)", n, err)
	}
}

// TestLoginSuccessDoesNotCountAgainstTheIP: a right password takes its
// reservation back, so many logins from one office stay possible.
func TestLoginSuccessDoesNotCountAgainstTheIP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := range 3 {
		if s, _, b := e.do(jsonReq("POST", "/api/v1/auth/login", `{"email":"admin@example.org","password":"`+testPassword+`"}`)); s != 200 {
			t.Fatalf("login %d: %d %s", i+1, s, b)
		}
	}
	if n, err := e.st.Attempts(t.Context(), "login:ip:0.0.0.0", e.clock.now(), 10*time.Minute); err != nil || n != 0 {
		t.Fatalf("IP attempts after 3 good logins = %d, %v", n, err)
	}
}

// TestLoginWhenPasswordSlotsAreBusy: with every password slot taken, a
// login waits briefly and then answers 503 with Retry-After, having checked
// nothing: its reservation is taken back. Once a slot is free it works.
func TestLoginWhenPasswordSlotsAreBusy(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	release := e.srv.HoldPasswordSlots()
	s, h, b := e.do(jsonReq("POST", "/api/v1/auth/login", `{"email":"admin@example.org","password":"`+testPassword+`"}`))
	release()
	if s != 503 || h.Get("Retry-After") != "1" || !bytes.Contains(b, []byte(`"code":"unavailable"`)) {
		t.Fatalf("login with no password slot: %d %q %s; want 503, Retry-After 1", s, h.Get("Retry-After"), b)
	}
	for _, key := range []string{"login:email:admin@example.org", "login:ip:0.0.0.0"} {
		if n, err := e.st.Attempts(t.Context(), key, e.clock.now(), 10*time.Minute); err != nil || n != 0 {
			t.Errorf("%s attempts after the 503 = %d, %v; want 0", key, n, err)
		}
	}
	if s, _, b := e.do(jsonReq("POST", "/api/v1/auth/login", `{"email":"admin@example.org","password":"`+testPassword+`"}`)); s != 200 {
		t.Fatalf("login with a free slot: %d %s", s, b)
	}
}

// TestParticipationSessionRateLimitUnderParallelRequests: 60 link guesses
// from one IP at once are at most 20 checks (404); the rest are 429, and
// then a valid link is refused too.
func TestParticipationSessionRateLimitUnderParallelRequests(t *testing.T) {
	t.Parallel()
	e := ptEnv(t)
	x := e.addExpert(ptStudy, "wiss")
	got := e.parallel(t, 60, "/api/v1/participation/session", func(i int) string {
		return fmt.Sprintf(`{"token":"guess-%d"}`, i)
	})
	if got[404] > 20 || got[404]+got[429] != 60 {
		t.Fatalf("60 parallel link guesses: %v; want at most 20 × 404, the rest 429", got)
	}
	for n := got[404]; n < 20; n++ {
		if s, b := e.call("POST", "/api/v1/participation/session", "", `{"token":"guess-more"}`); s != 404 {
			t.Fatalf("guess %d after the parallel ones: %d %s", n+1, s, b)
		}
	}
	if s, b := e.call("POST", "/api/v1/participation/session", "", `{"token":"`+x.token+`"}`); s != 429 {
		t.Fatalf("a valid link after 20 failures: %d %s", s, b)
	}
}

// TestParticipationSessionSuccessDoesNotCount: valid links take their
// reservation back.
func TestParticipationSessionSuccessDoesNotCount(t *testing.T) {
	t.Parallel()
	e := ptEnv(t)
	x := e.addExpert(ptStudy, "wiss")
	for i := range 25 {
		if s, b := e.call("POST", "/api/v1/participation/session", "", `{"token":"`+x.token+`"}`); s != 200 {
			t.Fatalf("exchange %d: %d %s", i+1, s, b)
		}
	}
	if n, err := e.st.Attempts(t.Context(), "token:ip:0.0.0.0", e.clock.now(), 10*time.Minute); err != nil || n != 0 {
		t.Fatalf("IP attempts after 25 valid links = %d, %v", n, err)
	}
}
