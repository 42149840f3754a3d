package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/auth"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/httpapi"
	"github.com/expertenrunde/expertenrunde/internal/session"
	"github.com/expertenrunde/expertenrunde/internal/store"
)

const testPassword = "a-long-enough-password"

// env is one booted API on its own database, with an admin, two coordinators
// (each assigned one study), and a researcher.
type env struct {
	t      *testing.T
	st     *store.Store
	srv    *httpapi.Server
	clock  *clock
	tokens *auth.Tokens
	users  map[string]*delphi.User
	bearer map[string]string
}

var (
	passwordMu   sync.Mutex
	passwordHash string
)

// hashOnce returns the argon2id hash of testPassword, computed once for
// the package (the tests run in parallel).
func hashOnce(t *testing.T) string {
	passwordMu.Lock()
	defer passwordMu.Unlock()
	if passwordHash == "" {
		h, err := auth.HashPassword(testPassword)
		if err != nil {
			t.Fatal(err)
		}
		passwordHash = h
	}
	return passwordHash
}

// newEnv boots the API on a fresh database; opts may change the wiring
// (e.g. wrap the store to interleave a concurrent request).
func newEnv(t *testing.T, opts ...func(*wiring)) *env {
	t.Helper()
	st := newStore(t)
	clk := newClock(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	st.Now = clk.now
	tokens, err := auth.NewTokens([]byte("test-secret-test-secret-test-secret!"), clk.now)
	if err != nil {
		t.Fatal(err)
	}
	w := wiring{users: st, responses: st, experts: st, ui: fstest.MapFS{
		"index.html":        {Data: []byte("<!doctype html><title>Expertenrunde</title>")},
		"assets/app-123.js": {Data: []byte("console.log(1)")},
	}}
	for _, o := range opts {
		o(&w)
	}
	deps := deps(st, clk.now, tokens, w)
	srv := httpapi.New(deps, httpapi.Options{BodyLimit: 256 << 10, Version: "test"})
	e := &env{t: t, st: st, srv: srv, clock: clk, tokens: tokens, users: map[string]*delphi.User{}, bearer: map[string]string{}}
	ctx := context.Background()
	for _, u := range []*delphi.User{
		{Email: "admin@example.org", Role: delphi.RoleAdmin},
		{Email: "coord-a@example.org", Role: delphi.RoleCoordinator, SurveyIDs: []string{"kleinstadtakademie-2020"}},
		{Email: "coord-b@example.org", Role: delphi.RoleCoordinator, SurveyIDs: []string{"cos-chronic-low-back-pain-example"}},
		{Email: "researcher@example.org", Role: delphi.RoleResearcher, SurveyIDs: []string{"kleinstadtakademie-2020"}},
	} {
		u.PasswordHash = hashOnce(t)
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		name := strings.Split(u.Email, "@")[0]
		e.users[name] = u
	}
	return e
}

// do sends a request through app.Test and returns status, headers and body.
func (e *env) do(req *http.Request) (int, http.Header, []byte) {
	e.t.Helper()
	resp, err := e.srv.App().Test(req, appTestTimeout)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// login logs the named user in and keeps the bearer token.
func (e *env) login(name string) string {
	e.t.Helper()
	if tok, ok := e.bearer[name]; ok {
		return tok
	}
	req := jsonReq(http.MethodPost, "/api/v1/auth/login", `{"email":"`+e.users[name].Email+`","password":"`+testPassword+`"}`)
	status, _, body := e.do(req)
	if status != 200 {
		e.t.Fatalf("login %s: %d %s", name, status, body)
	}
	var r struct{ Token string }
	if err := json.Unmarshal(body, &r); err != nil || r.Token == "" {
		e.t.Fatalf("login %s: %s", name, body)
	}
	e.bearer[name] = r.Token
	return r.Token
}

func jsonReq(method, url, body string) *http.Request {
	req := httptest.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return req
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// importStudies loads both shipped studies as admin.
func (e *env) importStudies() {
	e.t.Helper()
	for _, f := range []string{"kleinstadtakademie-2020.yaml", "core-outcome-set-example.yaml"} {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/surveys?filename="+f, strings.NewReader(readFile(e.t, "../../surveys/"+f)))
		req.Header.Set("Content-Type", "application/yaml")
		req.Header.Set("Authorization", "Bearer "+e.login("admin"))
		if status, _, body := e.do(req); status != 201 {
			e.t.Fatalf("import %s: %d %s", f, status, body)
		}
	}
}

// scenario is one row of an API test table.
type scenario struct {
	name    string
	method  string
	url     string
	as      string // user name to authenticate as (bearer); "" for none
	headers map[string]string
	body    string
	ctype   string
	status  int
	want    []string // fragments the body must contain
	notWant []string // fragments the body must not contain
}

func (e *env) run(scenarios []scenario) {
	for _, sc := range scenarios {
		e.t.Run(sc.name, func(t *testing.T) {
			var body io.Reader
			if sc.body != "" {
				body = strings.NewReader(sc.body)
			}
			req := httptest.NewRequest(sc.method, sc.url, body)
			ct := sc.ctype
			if ct == "" && sc.body != "" {
				ct = "application/json"
			}
			if ct != "" {
				req.Header.Set("Content-Type", ct)
			}
			if sc.as != "" {
				req.Header.Set("Authorization", "Bearer "+e.login(sc.as))
			}
			for k, v := range sc.headers {
				req.Header.Set(k, v)
			}
			status, _, b := e.do(req)
			if status != sc.status {
				t.Fatalf("status %d, want %d; body %s", status, sc.status, b)
			}
			for _, w := range sc.want {
				if !bytes.Contains(b, []byte(w)) {
					t.Errorf("body lacks %q: %s", w, b)
				}
			}
			for _, w := range sc.notWant {
				if bytes.Contains(b, []byte(w)) {
					t.Errorf("body contains %q: %s", w, b)
				}
			}
		})
	}
}

func TestHealthErrorsAndStatic(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.run([]scenario{
		{name: "healthz", method: "GET", url: "/healthz", status: 200, want: []string{`"status":"ok"`}},
		{name: "readyz", method: "GET", url: "/readyz", status: 200, want: []string{`"ready"`}},
		{name: "unknown api path is a JSON 404", method: "GET", url: "/api/v1/does-not-exist", status: 404, want: []string{`"code":"not_found"`}},
		{name: "unknown api path, other method", method: "DELETE", url: "/api/v1/surveys", status: 404, want: []string{`"code":"not_found"`}},
		{name: "/api is a JSON 404, not the app", method: "GET", url: "/api", status: 404, want: []string{`"code":"not_found"`}, notWant: []string{"<title>"}},
		{name: "/api/ is a JSON 404", method: "GET", url: "/api/", status: 404, want: []string{`"code":"not_found"`}, notWant: []string{"<title>"}},
		{name: "/API/ in capitals is a JSON 404", method: "GET", url: "/API/", status: 404, want: []string{`"code":"not_found"`}, notWant: []string{"<title>"}},
		{name: "/api/v2 is a JSON 404", method: "GET", url: "/api/v2/surveys", status: 404, want: []string{`"code":"not_found"`}, notWant: []string{"<title>"}},
		{name: "/apis is a client route", method: "GET", url: "/apis", status: 200, want: []string{"<title>Expertenrunde</title>"}},
		{name: "index", method: "GET", url: "/", status: 200, want: []string{"<title>Expertenrunde</title>"}},
		{name: "client route falls back to index", method: "GET", url: "/surveys/kleinstadtakademie-2020", status: 200, want: []string{"<title>Expertenrunde</title>"}},
		{name: "asset", method: "GET", url: "/assets/app-123.js", status: 200, want: []string{"console.log"}},
		{name: "missing asset is 404", method: "GET", url: "/assets/nope.js", status: 404, notWant: []string{"<title>"}},
		{name: "missing file with extension is 404", method: "GET", url: "/favicon-nope.png", status: 404},
		{name: "path traversal is 404", method: "GET", url: "/assets/..%2f..%2f..%2fetc/passwd", status: 404, notWant: []string{"root:"}},
		{name: "openapi", method: "GET", url: "/api/v1/openapi.json", status: 200, want: []string{`"openapi"`, `/api/v1/auth/login`}},
	})
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, h, _ := e.do(httptest.NewRequest("GET", "/", nil))
	csp := h.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "script-src 'self' 'unsafe-inline'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
	for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"} {
		if h.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, h.Get(k), v)
		}
	}
	if h.Get("X-Request-Id") == "" {
		t.Error("no request id")
	}
}

func TestLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.run([]scenario{
		{name: "me without auth", method: "GET", url: "/api/v1/me", status: 401, want: []string{`"code":"unauthorized"`}},
		{name: "wrong password", method: "POST", url: "/api/v1/auth/login", body: `{"email":"admin@example.org","password":"wrong-password-123"}`, status: 401, want: []string{"wrong e-mail or password"}},
		{name: "unknown user gets the same answer", method: "POST", url: "/api/v1/auth/login", body: `{"email":"nobody@example.org","password":"wrong-password-123"}`, status: 401, want: []string{"wrong e-mail or password"}},
		{name: "malformed e-mail", method: "POST", url: "/api/v1/auth/login", body: `{"email":"not-an-email","password":"x"}`, status: 422, want: []string{`"field":"email"`}},
		{name: "empty password", method: "POST", url: "/api/v1/auth/login", body: `{"email":"admin@example.org","password":""}`, status: 422, want: []string{`"field":"password"`}},
		{name: "operator injection in a value", method: "POST", url: "/api/v1/auth/login", body: `{"email":{"$gt":""},"password":"x"}`, status: 422, want: []string{`"field":"email`}},
		{name: "operator key", method: "POST", url: "/api/v1/auth/login", body: `{"email":"a@b.de","password":"x","$where":"1"}`, status: 422, want: []string{`"field":"$where"`}},
		{name: "dotted key", method: "POST", url: "/api/v1/auth/login", body: `{"email":"a@b.de","password":"x","a.b":1}`, status: 422, want: []string{`"field":"a.b"`}},
		{name: "unknown field", method: "POST", url: "/api/v1/auth/login", body: `{"email":"a@b.de","password":"x","role":"admin"}`, status: 422, want: []string{`"field":"role"`}},
		{name: "malformed JSON", method: "POST", url: "/api/v1/auth/login", body: `{"email":`, status: 400, want: []string{`"code":"bad_request"`}},
		{name: "not JSON", method: "POST", url: "/api/v1/auth/login", body: `email=a`, ctype: "application/x-www-form-urlencoded", status: 400},
		{name: "right password", method: "POST", url: "/api/v1/auth/login", body: `{"email":"Admin@Example.org","password":"` + testPassword + `"}`, status: 200, want: []string{`"token":"`, `"expires_at":"2026-11-26T09:30:00Z"`, `"role":"admin"`}, notWant: []string{"argon2", "password"}},
		{name: "me with bearer", method: "GET", url: "/api/v1/me", as: "admin", status: 200, want: []string{`"email":"admin@example.org"`}},
		{name: "garbage bearer", method: "GET", url: "/api/v1/me", headers: map[string]string{"Authorization": "Bearer x.y.z"}, status: 401},
		{name: "basic auth is not accepted", method: "GET", url: "/api/v1/me", headers: map[string]string{"Authorization": "Basic YTpi"}, status: 401},
	})
}

func TestTokenExpiryAndForgery(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.login("admin")
	me := func(tok string) int {
		req := httptest.NewRequest("GET", "/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		status, _, _ := e.do(req)
		return status
	}
	if me(tok) != 200 {
		t.Fatal("fresh token rejected")
	}
	// A token signed with another key, for the same user and session id.
	claims, err := e.tokens.Parse(tok, auth.AudienceStaff)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := auth.NewTokens([]byte("another-secret-another-secret-another"), e.clock.now)
	forged, _, _ := other.Issue(auth.AudienceStaff, claims.Subject, claims.SessionID, "", time.Hour)
	if s := me(forged); s != 401 {
		t.Errorf("forged token: %d", s)
	}
	// alg none with the same claims.
	parts := strings.Split(tok, ".")
	none := "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + parts[1] + "."
	if s := me(none); s != 401 {
		t.Errorf("alg none: %d", s)
	}
	// An expert-audience token is not a staff token.
	expert, _, _ := e.tokens.Issue(auth.AudienceExpert, claims.Subject, claims.SessionID, "kleinstadtakademie-2020", time.Hour)
	if s := me(expert); s != 401 {
		t.Errorf("expert token on a staff route: %d", s)
	}
	e.clock.add(31 * time.Minute)
	if s := me(tok); s != 401 {
		t.Errorf("expired token: %d", s)
	}
}

func TestCookieSessionCSRFAndLogout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	status, h, body := e.do(jsonReq("POST", "/api/v1/auth/login", `{"email":"admin@example.org","password":"`+testPassword+`"}`))
	if status != 200 {
		t.Fatalf("login: %d %s", status, body)
	}
	cookies := map[string]*http.Cookie{}
	for _, c := range (&http.Response{Header: h}).Cookies() {
		cookies[c.Name] = c
	}
	sess, csrf := cookies["er_session"], cookies["er_csrf"]
	if sess == nil || csrf == nil {
		t.Fatalf("cookies missing: %v", h.Values("Set-Cookie"))
	}
	if !sess.HttpOnly || sess.SameSite != http.SameSiteStrictMode || csrf.HttpOnly {
		t.Errorf("cookie flags: session %+v csrf %+v", sess, csrf)
	}
	withCookies := func(req *http.Request) *http.Request {
		req.AddCookie(&http.Cookie{Name: "er_session", Value: sess.Value})
		req.AddCookie(&http.Cookie{Name: "er_csrf", Value: csrf.Value})
		return req
	}
	if s, _, b := e.do(withCookies(httptest.NewRequest("GET", "/api/v1/me", nil))); s != 200 {
		t.Fatalf("me with cookie: %d %s", s, b)
	}
	if s, _, _ := e.do(withCookies(httptest.NewRequest("POST", "/api/v1/auth/logout", nil))); s != 403 {
		t.Errorf("logout without CSRF header: %d, want 403", s)
	}
	req := withCookies(httptest.NewRequest("POST", "/api/v1/auth/logout", nil))
	req.Header.Set("X-CSRF-Token", "forged")
	if s, _, _ := e.do(req); s != 403 {
		t.Errorf("logout with a wrong CSRF token: %d, want 403", s)
	}
	req = withCookies(httptest.NewRequest("POST", "/api/v1/auth/logout", nil))
	req.Header.Set("X-CSRF-Token", csrf.Value)
	if s, h, _ := e.do(req); s != 204 || !strings.Contains(strings.Join(h.Values("Set-Cookie"), ";"), "er_session=;") {
		t.Errorf("logout: %d, cookies %v", s, h.Values("Set-Cookie"))
	}
	if s, _, _ := e.do(withCookies(httptest.NewRequest("GET", "/api/v1/me", nil))); s != 401 {
		t.Errorf("session still valid after logout: %d", s)
	}
}

func TestCookieRenewedPastHalfLife(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, h, _ := e.do(jsonReq("POST", "/api/v1/auth/login", `{"email":"admin@example.org","password":"`+testPassword+`"}`))
	var sess string
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == "er_session" {
			sess = c.Value
		}
	}
	e.clock.add(20 * time.Minute)
	req := httptest.NewRequest("GET", "/api/v1/me", nil)
	req.AddCookie(&http.Cookie{Name: "er_session", Value: sess})
	_, h, _ = e.do(req)
	var renewed string
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == "er_session" {
			renewed = c.Value
		}
	}
	if renewed == "" || renewed == sess {
		t.Fatal("cookie not renewed past half its lifetime")
	}
	e.clock.add(25 * time.Minute) // the old token has expired, the renewed one has not
	req = httptest.NewRequest("GET", "/api/v1/me", nil)
	req.AddCookie(&http.Cookie{Name: "er_session", Value: renewed})
	if s, _, b := e.do(req); s != 200 {
		t.Fatalf("renewed cookie rejected: %d %s", s, b)
	}
}

func TestLoginRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bad := `{"email":"coord-a@example.org","password":"wrong-password-123"}`
	for i := 0; i < 5; i++ {
		if s, _, _ := e.do(jsonReq("POST", "/api/v1/auth/login", bad)); s != 401 {
			t.Fatalf("attempt %d: %d", i+1, s)
		}
	}
	s, h, b := e.do(jsonReq("POST", "/api/v1/auth/login", `{"email":"coord-a@example.org","password":"`+testPassword+`"}`))
	if s != 429 || h.Get("Retry-After") == "" || !bytes.Contains(b, []byte(`"code":"rate_limited"`)) {
		t.Fatalf("6th attempt, even with the right password: %d %v %s", s, h.Get("Retry-After"), b)
	}
	// Another account from the same IP is not locked by this account's failures.
	if s, _, _ := e.do(jsonReq("POST", "/api/v1/auth/login", `{"email":"admin@example.org","password":"`+testPassword+`"}`)); s != 200 {
		t.Errorf("other account: %d", s)
	}
	// After the window, the account can log in again.
	e.clock.add(11 * time.Minute)
	if s, _, b := e.do(jsonReq("POST", "/api/v1/auth/login", `{"email":"coord-a@example.org","password":"`+testPassword+`"}`)); s != 200 {
		t.Errorf("after the window: %d %s", s, b)
	}
}

func TestLoginRateLimitPerIP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := 0; i < 20; i++ {
		body := `{"email":"guess` + string(rune('a'+i)) + `@example.org","password":"wrong-password-123"}`
		if s, _, _ := e.do(jsonReq("POST", "/api/v1/auth/login", body)); s != 401 {
			t.Fatalf("attempt %d: %d", i+1, s)
		}
	}
	if s, _, _ := e.do(jsonReq("POST", "/api/v1/auth/login", `{"email":"admin@example.org","password":"`+testPassword+`"}`)); s != 429 {
		t.Fatalf("21st attempt from one IP: %d, want 429", s)
	}
}

func TestSurveys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.importStudies()
	ksa := readFile(t, "../../surveys/kleinstadtakademie-2020.yaml")
	e.run([]scenario{
		{name: "admin lists all", method: "GET", url: "/api/v1/surveys", as: "admin", status: 200, want: []string{"kleinstadtakademie-2020", "cos-chronic-low-back-pain-example", `"item_count":`}},
		{name: "coordinator lists own only", method: "GET", url: "/api/v1/surveys", as: "coord-a", status: 200, want: []string{"kleinstadtakademie-2020"}, notWant: []string{"cos-chronic-low-back-pain-example"}},
		{name: "coordinator reads own study", method: "GET", url: "/api/v1/surveys/kleinstadtakademie-2020", as: "coord-a", status: 200, want: []string{`"definition":`, `"sections":`, "Themen", `"rule_text":{"de":"Konsens, wenn`, `"en":"Consensus when`}},
		{name: "coordinator reading another's study gets 404", method: "GET", url: "/api/v1/surveys/cos-chronic-low-back-pain-example", as: "coord-a", status: 404, want: []string{`"code":"not_found"`}},
		{name: "unknown study 404", method: "GET", url: "/api/v1/surveys/nope", as: "admin", status: 404},
		{name: "researcher reads assigned study", method: "GET", url: "/api/v1/surveys/kleinstadtakademie-2020", as: "researcher", status: 200},
		{name: "researcher may not upload", method: "POST", url: "/api/v1/surveys", as: "researcher", ctype: "application/yaml", body: ksa, status: 403, want: []string{`"code":"forbidden"`}},
		{name: "coordinator may not overwrite another's study", method: "POST", url: "/api/v1/surveys", as: "coord-b", ctype: "application/yaml", body: ksa, status: 404},
		{name: "re-import unchanged is 200", method: "POST", url: "/api/v1/surveys", as: "coord-a", ctype: "application/yaml", body: ksa, status: 200, want: []string{`"revision":1`}},
		{name: "changed import is a new revision", method: "POST", url: "/api/v1/surveys", as: "coord-a", ctype: "application/yaml", body: strings.Replace(ksa, "version: ", "version: changed-", 1), status: 201, want: []string{`"revision":2`}},
		{name: "invalid YAML names line and column", method: "POST", url: "/api/v1/surveys?filename=bad.yaml", as: "admin", ctype: "application/yaml", body: "id: x\n  bad: [", status: 422, want: []string{`"code":"invalid"`, `"line":`, `"column":`}},
		{name: "empty upload", method: "POST", url: "/api/v1/surveys", as: "admin", ctype: "application/yaml", status: 422, want: []string{`"field":"file"`}},
		{name: "no auth", method: "GET", url: "/api/v1/surveys", status: 401},
	})
}

// TestSurveyUploadHints: the problems that teach reach the API with the
// field path, line and column the CLI prints; a study with sparse labels
// and group_min_n is stored, its unlabelled points without a label.
func TestSurveyUploadHints(t *testing.T) {
	e := newEnv(t)
	sparse := readFile(t, "../../surveys/testdata/valid/sparse-labels.yaml")
	up := func(name, body string, status int, want ...string) scenario {
		return scenario{name: name, method: "POST", url: "/api/v1/surveys?filename=s.yaml", as: "admin", ctype: "application/yaml", body: body, status: status, want: want}
	}
	e.run([]scenario{
		up("a share for a percentage", strings.Replace(sparse, "min_percent: 70", "min_percent: 0.7", 1), 422,
			`{"field":"consensus.agreement.min_percent","line":30,"column":28,"message":"min_percent is in percent: 0.7 means 0.7 %; did you mean 70?"}`),
		up("a percent sign", strings.Replace(sparse, "min_percent: 70", "min_percent: 70%", 1), 422,
			`"field":"consensus.agreement.min_percent"`, `without \"%\"`),
		up("or for any", strings.Replace(sparse, "  agreement: {min_percent: 70}", "  or:\n    - agreement: {min_percent: 70}\n    - iqr: {max: 1}", 1), 422,
			`{"field":"consensus.or","line":30,"column":3,"message":"unknown key \"or\"; did you mean \"any\"?"}`),
		up("n >= 8 inside all", strings.Replace(sparse, "  agreement: {min_percent: 70}", "  all:\n    - agreement: {min_percent: 70}\n    - n >= 8", 1), 422,
			`"field":"consensus.all[1]","line":32`, `write min_n: 8 next to all:`),
		up("points as text", strings.Replace(sparse, "points: {from: 1, to: 7}", "points: [1..7]", 1), 422,
			`"field":"scales[0].points","line":10,"column":13`, `write {from: 1, to: 7}`),
		up("sparse labels and group_min_n", sparse, 201, `"revision":1`),
		{name: "the stored study", method: "GET", url: "/api/v1/surveys/sparse", as: "admin", status: 200,
			want: []string{`"points":[{"value":1,"label":{"en":"strongly disagree"}},{"value":2},{"value":3},{"value":4,"label":{"en":"neither"}}`, `"min_n":8,"group_min_n":3`, `in each group at least 3`}},
	})
}

func TestSurveyMultipartUploadAssignsCoordinator(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "core-outcome-set-example.yaml")
	fw.Write([]byte(readFile(t, "../../surveys/core-outcome-set-example.yaml")))
	mw.Close()
	req := httptest.NewRequest("POST", "/api/v1/surveys", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+e.login("coord-b"))
	if s, _, b := e.do(req); s != 201 {
		t.Fatalf("multipart upload: %d %s", s, b)
	}
	// A coordinator importing a new study is assigned to it; the audit log has it.
	e.run([]scenario{
		{name: "me lists the new study", method: "GET", url: "/api/v1/me", as: "coord-b", status: 200, want: []string{"cos-chronic-low-back-pain-example"}},
		{name: "audit has the import", method: "GET", url: "/api/v1/audit", as: "admin", status: 200, want: []string{`"action":"survey.import"`, `"survey_id":"cos-chronic-low-back-pain-example"`}},
		{name: "coordinator may not read the audit log", method: "GET", url: "/api/v1/audit", as: "coord-b", status: 403},
	})
}

func TestUsers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.run([]scenario{
		{name: "admin creates a researcher", method: "POST", url: "/api/v1/users", as: "admin", body: `{"email":"New@Example.org","name":"Neu","role":"researcher","password":"twelve-chars!","survey_ids":["kleinstadtakademie-2020"]}`, status: 201, want: []string{`"email":"new@example.org"`}, notWant: []string{"argon2", "twelve-chars"}},
		{name: "duplicate e-mail", method: "POST", url: "/api/v1/users", as: "admin", body: `{"email":"new@example.org","role":"researcher","password":"twelve-chars!"}`, status: 409, want: []string{`"code":"conflict"`}},
		{name: "short password", method: "POST", url: "/api/v1/users", as: "admin", body: `{"email":"x@example.org","role":"researcher","password":"short"}`, status: 422, want: []string{`"field":"password"`}},
		{name: "bad role", method: "POST", url: "/api/v1/users", as: "admin", body: `{"email":"x@example.org","role":"king","password":"twelve-chars!"}`, status: 422, want: []string{`"field":"role"`}},
		{name: "missing role", method: "POST", url: "/api/v1/users", as: "admin", body: `{"email":"x@example.org","password":"twelve-chars!"}`, status: 422, want: []string{`"field":"role"`}},
		{name: "coordinator may not create users", method: "POST", url: "/api/v1/users", as: "coord-a", body: `{"email":"y@example.org","role":"admin","password":"twelve-chars!"}`, status: 403},
		{name: "list", method: "GET", url: "/api/v1/users", as: "admin", status: 200, want: []string{"new@example.org", "coord-a@example.org"}, notWant: []string{"argon2"}},
		{name: "patch unknown user", method: "PATCH", url: "/api/v1/users/nope", as: "admin", body: `{"role":"admin"}`, status: 404},
	})
	// A password reset ends the account's sessions.
	coordTok := e.login("coord-a")
	e.run([]scenario{
		{name: "session works before the reset", method: "GET", url: "/api/v1/me", as: "coord-a", status: 200},
		{name: "reset coord-a's password", method: "PATCH", url: "/api/v1/users/" + e.users["coord-a"].ID, as: "admin", body: `{"password":"another-long-password"}`, status: 200},
		{name: "old session ends with the reset", method: "GET", url: "/api/v1/me", headers: map[string]string{"Authorization": "Bearer " + coordTok}, status: 401},
	})
	// Promote coord-a's assignment through PATCH, then check visibility follows.
	id := e.users["coord-b"].ID
	e.run([]scenario{
		{name: "patch assignments", method: "PATCH", url: "/api/v1/users/" + id, as: "admin", body: `{"survey_ids":["kleinstadtakademie-2020"]}`, status: 200, want: []string{`"survey_ids":["kleinstadtakademie-2020"]`}},
		{name: "e-mail cannot change", method: "PATCH", url: "/api/v1/users/" + id, as: "admin", body: `{"email":"z@example.org"}`, status: 422, want: []string{`"field":"email"`}},
	})
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Through a real listener: the limit is enforced while reading the request.
	if err := e.srv.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer e.srv.Shutdown()
	// Announce a 300 KiB body (the limit is 256 KiB) and read the answer
	// before sending it, as a client would see it.
	conn, err := net.Dial("tcp", e.srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", 300<<10)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 413 || !bytes.Contains(b, []byte(`"code":"too_large"`)) {
		t.Fatalf("oversized body: %d %s", resp.StatusCode, b)
	}
}

func TestReadyzWhenDatabaseIsDown(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	emb, err := store.StartEmbedded(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), emb.URI(), "readyz", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(context.Background())
	tokens, _ := auth.NewTokens([]byte("test-secret-test-secret-test-secret!"), nil)
	srv := httpapi.New(httpapi.Deps{Surveys: st, Audit: st, DB: st,
		SignIn: &session.Service{Users: st, Sessions: st, Limiter: st, Tokens: tokens}}, httpapi.Options{BodyLimit: 1 << 20})
	get := func() (int, []byte) {
		resp, err := srv.App().Test(httptest.NewRequest("GET", "/readyz", nil), appTestTimeout)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	if s, b := get(); s != 200 {
		t.Fatalf("up: %d %s", s, b)
	}
	if err := emb.Close(); err != nil {
		t.Fatal(err)
	}
	if s, b := get(); s != 503 || !bytes.Contains(b, []byte(`"code":"unavailable"`)) {
		t.Fatalf("down: %d %s", s, b)
	}
	if s, _ := func() (int, []byte) {
		resp, err := srv.App().Test(httptest.NewRequest("GET", "/healthz", nil), appTestTimeout)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, nil
	}(); s != 200 {
		t.Errorf("healthz must stay 200 while the DB is down: %d", s)
	}
}
