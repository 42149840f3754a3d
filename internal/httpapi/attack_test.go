package httpapi_test

// Attack tests (issue #7): authentication, authorisation and session attacks
// against the real routes. The route walks read app.GetRoutes(), so a route
// added later is attacked too; a route with a path parameter these tests do
// not know fails them until a value is added to atkParams.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/expertenrunde/expertenrunde/internal/auth"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/httpapi"
)

// atkSecret is the JWT secret of newEnv.
const atkSecret = "test-secret-test-secret-test-secret!"

const cosStudy = "cos-chronic-low-back-pain-example"

var atkUI = fstest.MapFS{
	"index.html":        {Data: []byte("<!doctype html><title>Expertenrunde</title>")},
	"assets/app-123.js": {Data: []byte("console.log(1)")},
	"favicon.svg":       {Data: []byte("<svg xmlns=\"http://www.w3.org/2000/svg\"/>")},
}

// fullServer builds a server with every service (panel, mail, rounds,
// participation, UI) on e's database, clock and secret, and makes it e's.
func (e *env) fullServer(opt httpapi.Options, baseURL string, logger *slog.Logger) *httpapi.Server {
	e.t.Helper()
	if opt.BodyLimit == 0 {
		opt.BodyLimit = 256 << 10
	}
	if baseURL == "" {
		baseURL = "http://befragung.example"
	}
	opt.Version = "test"
	e.srv = httpapi.New(deps(e.st, e.clock.now, e.tokens, wiring{mail: true, baseURL: baseURL, ui: atkUI, logger: logger}), opt)
	return e.srv
}

// newAttackEnv: a full server with the participation study (round 1 open)
// and both shipped studies (no rounds).
func newAttackEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	e.fullServer(httpapi.Options{}, "", nil)
	e.importStudy("participation-study.yaml", readFile(t, "testdata/participation-study.yaml"))
	e.importStudies()
	e.openRound(ptStudy, "")
	return e
}

// apiRoute is one API route as Fiber registered it.
type apiRoute struct{ Method, Path string }

func (r apiRoute) String() string { return r.Method + " " + r.Path }

// expertRoute: authenticated by the expert session, not the staff one.
func (r apiRoute) expertRoute() bool {
	return strings.HasPrefix(r.Path, "/api/v1/participation") && r.Path != "/api/v1/participation/session"
}

func (r apiRoute) unsafe() bool {
	return r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodOptions
}

// atkPublic is the allow-list of API routes that need no credentials.
var atkPublic = map[string]bool{
	"POST /api/v1/auth/login":            true,
	"POST /api/v1/participation/session": true,
	"GET /api/v1/openapi.json":           true,
}

// apiRoutes lists every /api/v1 route of the server once per method.
func apiRoutes(t *testing.T, srv *httpapi.Server) []apiRoute {
	t.Helper()
	seen := map[string]bool{}
	var out []apiRoute
	for _, r := range srv.App().GetRoutes(true) {
		switch r.Method {
		case "HEAD", "CONNECT", "OPTIONS", "TRACE":
			continue
		}
		if !strings.HasPrefix(r.Path, "/api/v1/") {
			continue
		}
		ar := apiRoute{r.Method, r.Path}
		if seen[ar.String()] {
			continue
		}
		seen[ar.String()] = true
		out = append(out, ar)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	if len(out) < 40 {
		t.Fatalf("only %d API routes found; the walk would prove little", len(out))
	}
	for k := range atkPublic {
		if !seen[k] {
			t.Errorf("the public allow-list names %s, which is not a route", k)
		}
	}
	return out
}

var atkParamRE = regexp.MustCompile(`:([A-Za-z_]+)|\{([A-Za-z_]+)\}`)

// fill substitutes the path parameters (Fiber :p or OpenAPI {p}) of path.
func fill(t *testing.T, path string, vals map[string]string) string {
	t.Helper()
	return atkParamRE.ReplaceAllStringFunc(path, func(m string) string {
		name := strings.Trim(m, ":{}")
		v, ok := vals[name]
		if !ok {
			t.Fatalf("route %s: the attack tests have no value for the parameter %q; add one", path, name)
		}
		return url.PathEscape(v)
	})
}

// atkReq sends a request with optional bearer token, headers and cookies.
func (e *env) atkReq(method, target, bearer, ctype string, body []byte, hdr map[string]string, cookies ...*http.Cookie) (int, http.Header, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	return e.do(req)
}

func cookieMap(h http.Header) map[string]*http.Cookie {
	out := map[string]*http.Cookie{}
	for _, c := range (&http.Response{Header: h}).Cookies() {
		out[c.Name] = c
	}
	return out
}

// loginCookies logs a staff user in and returns the session and CSRF cookies.
func (e *env) loginCookies(name string) (sess, csrf *http.Cookie) {
	e.t.Helper()
	s, h, b := e.do(jsonReq("POST", "/api/v1/auth/login", `{"email":"`+e.users[name].Email+`","password":"`+testPassword+`"}`))
	if s != 200 {
		e.t.Fatalf("login %s: %d %s", name, s, b)
	}
	c := cookieMap(h)
	if c["er_session"] == nil || c["er_csrf"] == nil {
		e.t.Fatalf("login cookies: %v", h.Values("Set-Cookie"))
	}
	return c["er_session"], c["er_csrf"]
}

// expertCookies exchanges x's link and returns the expert cookies.
func (e *env) expertCookies(x *expert) (sess, csrf *http.Cookie) {
	e.t.Helper()
	s, h, b := e.do(jsonReq("POST", "/api/v1/participation/session", `{"token":"`+x.token+`"}`))
	if s != 200 {
		e.t.Fatalf("session: %d %s", s, b)
	}
	c := cookieMap(h)
	if c["er_expert"] == nil || c["er_expert_csrf"] == nil {
		e.t.Fatalf("expert cookies: %v", h.Values("Set-Cookie"))
	}
	return c["er_expert"], c["er_expert_csrf"]
}

// ---------------------------------------------------------------- credentials on every route

// TestAttackEveryRouteNeedsCredentials walks every API route: without
// credentials, with garbage ones, with an expert token on staff routes and
// a staff token on expert routes, each answers 401 unless it is on the
// public allow-list.
func TestAttackEveryRouteNeedsCredentials(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t)
	x := e.addExpert(ptStudy, "wiss")
	expertJWT := e.session(x)
	staffJWT := e.login("admin")
	staffCookie, _ := e.loginCookies("admin")
	expertCookie, _ := e.expertCookies(x)
	vals := map[string]string{"id": ptStudy, "n": "1", "expertId": x.ID, "itemId": "r1", "argumentId": "no-such-argument", "sid": "no-such-suggestion"}
	routes := apiRoutes(t, e.srv)
	for _, r := range routes {
		if atkPublic[r.String()] {
			continue
		}
		target := fill(t, r.Path, vals)
		attempts := map[string]func() (int, http.Header, []byte){
			"no credentials": func() (int, http.Header, []byte) { return e.atkReq(r.Method, target, "", "", nil, nil) },
			"garbage bearer": func() (int, http.Header, []byte) { return e.atkReq(r.Method, target, "garbage", "", nil, nil) },
			"Basic auth": func() (int, http.Header, []byte) {
				return e.atkReq(r.Method, target, "", "", nil, map[string]string{"Authorization": "Basic YWRtaW46eA=="})
			},
			"garbage cookies": func() (int, http.Header, []byte) {
				return e.atkReq(r.Method, target, "", "", nil, nil, &http.Cookie{Name: "er_session", Value: "x.y.z"}, &http.Cookie{Name: "er_expert", Value: "x.y.z"})
			},
		}
		if r.expertRoute() {
			attempts["staff bearer on an expert route"] = func() (int, http.Header, []byte) { return e.atkReq(r.Method, target, staffJWT, "", nil, nil) }
			attempts["staff cookie on an expert route"] = func() (int, http.Header, []byte) {
				return e.atkReq(r.Method, target, "", "", nil, nil, staffCookie)
			}
			attempts["staff JWT in the expert cookie"] = func() (int, http.Header, []byte) {
				return e.atkReq(r.Method, target, "", "", nil, nil, &http.Cookie{Name: "er_expert", Value: staffJWT})
			}
		} else {
			attempts["expert bearer on a staff route"] = func() (int, http.Header, []byte) { return e.atkReq(r.Method, target, expertJWT, "", nil, nil) }
			attempts["expert cookie on a staff route"] = func() (int, http.Header, []byte) {
				return e.atkReq(r.Method, target, "", "", nil, nil, expertCookie)
			}
			attempts["expert JWT in the staff cookie"] = func() (int, http.Header, []byte) {
				return e.atkReq(r.Method, target, "", "", nil, nil, &http.Cookie{Name: "er_session", Value: expertJWT})
			}
		}
		for name, try := range attempts {
			s, h, b := try()
			if s != 401 || !bytes.Contains(b, []byte(`"code":"unauthorized"`)) || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
				t.Errorf("%s, %s: %d %s, want a JSON 401", r, name, s, b)
			}
		}
	}
	// The control: the same tokens do work where they belong.
	if s, _ := e.call("GET", "/api/v1/participation", expertJWT, ""); s != 200 {
		t.Errorf("control: the expert token is rejected on its own route: %d", s)
	}
	if s, _ := e.call("GET", "/api/v1/surveys/"+ptStudy+"/experts", staffJWT, ""); s != 200 {
		t.Errorf("control: the staff token is rejected on a staff route: %d", s)
	}
}

// ---------------------------------------------------------------- JWT attacks on real routes

func atkSign(t *testing.T, m jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestAttackJWTOnRealRoutes forges, ages and misdirects staff and expert
// tokens and sends them as bearer and as cookie to real routes; each must
// be 401, while the correctly signed control passes.
func TestAttackJWTOnRealRoutes(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t)
	x := e.addExpert(ptStudy, "wiss")
	k := e.addExpert(ks, "planungspraxis")
	xTok, kTok := e.session(x), e.session(k)
	xc, err := e.tokens.Parse(xTok, auth.AudienceExpert)
	if err != nil {
		t.Fatal(err)
	}
	kc, err := e.tokens.Parse(kTok, auth.AudienceExpert)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := e.tokens.Parse(e.login("admin"), auth.AudienceStaff)
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.now().Unix()
	secret := []byte(atkSecret)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})

	staffClaims := func() jwt.MapClaims {
		return jwt.MapClaims{"sid": sc.SessionID, "iss": auth.Issuer, "sub": sc.Subject, "aud": []string{auth.AudienceStaff},
			"iat": now, "nbf": now, "exp": now + 600}
	}
	expertClaims := func() jwt.MapClaims {
		return jwt.MapClaims{"sid": xc.SessionID, "survey": ptStudy, "iss": auth.Issuer, "sub": x.ID, "aud": []string{auth.AudienceExpert},
			"iat": now, "nbf": now, "exp": now + 600}
	}
	with := func(c jwt.MapClaims, kv ...any) jwt.MapClaims {
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(c, kv[i].(string))
			} else {
				c[kv[i].(string)] = kv[i+1]
			}
		}
		return c
	}
	// attacks builds the forged tokens from a claims constructor.
	attacks := func(claims func() jwt.MapClaims, otherAud string) map[string]string {
		tampered := atkSign(t, jwt.SigningMethodHS256, secret, claims())
		parts := strings.Split(tampered, ".")
		payload, _ := json.Marshal(with(claims(), "exp", now+86400*365))
		tampered = parts[0] + "." + base64URL(payload) + "." + parts[2]
		return map[string]string{
			"alg none":                           atkSign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims()),
			"alg none, empty signature, header":  base64URL([]byte(`{"alg":"NONE","typ":"JWT"}`)) + "." + base64URL(mustJSON(claims())) + ".",
			"RS256 (HS/RS confusion)":            atkSign(t, jwt.SigningMethodRS256, rsaKey, claims()),
			"HS256 keyed with an RSA public key": atkSign(t, jwt.SigningMethodHS256, pubPEM, claims()),
			"HS512 with the right secret":        atkSign(t, jwt.SigningMethodHS512, secret, claims()),
			"wrong key":                          atkSign(t, jwt.SigningMethodHS256, []byte("another-secret-another-secret-xx"), claims()),
			"payload changed after signing":      tampered,
			"expired":                            atkSign(t, jwt.SigningMethodHS256, secret, with(claims(), "iat", now-1200, "nbf", now-1200, "exp", now-1)),
			"no expiry":                          atkSign(t, jwt.SigningMethodHS256, secret, with(claims(), "exp", nil)),
			"not yet valid":                      atkSign(t, jwt.SigningMethodHS256, secret, with(claims(), "nbf", now+3600)),
			"issued in the future":               atkSign(t, jwt.SigningMethodHS256, secret, with(claims(), "iat", now+3600)),
			"wrong audience":                     atkSign(t, jwt.SigningMethodHS256, secret, with(claims(), "aud", []string{otherAud})),
			"no audience":                        atkSign(t, jwt.SigningMethodHS256, secret, with(claims(), "aud", nil)),
			"wrong issuer":                       atkSign(t, jwt.SigningMethodHS256, secret, with(claims(), "iss", "someone-else")),
			"unknown session":                    atkSign(t, jwt.SigningMethodHS256, secret, with(claims(), "sid", "0000")),
			"no session":                         atkSign(t, jwt.SigningMethodHS256, secret, with(claims(), "sid", nil)),
		}
	}
	staffAttacks := attacks(staffClaims, auth.AudienceExpert)
	// Correctly signed, but the subject is another user of the session.
	staffAttacks["another user's id on this session"] = atkSign(t, jwt.SigningMethodHS256, secret, with(staffClaims(), "sub", e.users["coord-b"].ID))
	expertAttacks := attacks(expertClaims, auth.AudienceStaff)
	// Correctly signed tokens for another study or expert on a real session.
	expertAttacks["own session, other study"] = atkSign(t, jwt.SigningMethodHS256, secret, with(expertClaims(), "survey", ks))
	expertAttacks["own session, other expert"] = atkSign(t, jwt.SigningMethodHS256, secret, with(expertClaims(), "sub", k.ID))
	expertAttacks["other study's session, this study"] = atkSign(t, jwt.SigningMethodHS256, secret, with(expertClaims(), "sid", kc.SessionID))
	expertAttacks["no study"] = atkSign(t, jwt.SigningMethodHS256, secret, with(expertClaims(), "survey", nil))

	staffRoutes := []string{"/api/v1/me", "/api/v1/surveys/" + ptStudy + "/rounds", "/api/v1/surveys/" + ptStudy + "/experts/" + x.ID}
	expertRoutes := []string{"/api/v1/participation"}
	check := func(kind string, routes []string, cookie string, toks map[string]string, control string) {
		for _, path := range routes {
			for _, via := range []string{"bearer", "cookie"} {
				send := func(tok string) (int, []byte) {
					if via == "bearer" {
						s, _, b := e.atkReq("GET", path, tok, "", nil, nil)
						return s, b
					}
					s, _, b := e.atkReq("GET", path, "", "", nil, nil, &http.Cookie{Name: cookie, Value: tok})
					return s, b
				}
				if s, b := send(control); s != 200 {
					t.Fatalf("%s control on %s via %s: %d %s", kind, path, via, s, b)
				}
				for name, tok := range toks {
					if s, b := send(tok); s != 401 {
						t.Errorf("%s token %q on %s via %s: %d %s, want 401", kind, name, path, via, s, b)
					}
				}
			}
		}
	}
	check("staff", staffRoutes, "er_session", staffAttacks, atkSign(t, jwt.SigningMethodHS256, secret, staffClaims()))
	check("expert", expertRoutes, "er_expert", expertAttacks, atkSign(t, jwt.SigningMethodHS256, secret, expertClaims()))

	// Writes with forged expert tokens store nothing.
	for name, tok := range expertAttacks {
		if s, b := e.call("PUT", "/api/v1/participation/answers/r1", tok, `{"value":3,"seq":1}`); s != 401 {
			t.Errorf("expert token %q saving an answer: %d %s", name, s, b)
		}
	}
	if _, err := e.st.Response(context.Background(), ptStudy, 1, x.ID); delphi.ErrorCode(err) != delphi.ENOTFOUND {
		t.Errorf("a forged token stored a response: %v", err)
	}
}

func base64URL(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// ---------------------------------------------------------------- cross-study access on every route

// atkBody is a request body that would succeed if the caller were allowed:
// a refusal is then the authorisation's doing, not the body's.
func atkBody(t *testing.T, r apiRoute, future string) (ctype string, body []byte, query string) {
	t.Helper()
	j := func(s string) (string, []byte, string) { return "application/json", []byte(s), "" }
	switch r.String() {
	case "POST /api/v1/surveys/:id/experts":
		return j(`{"name":"Mallory","email":"mallory@evil.example","group":"patients","language":"de"}`)
	case "PATCH /api/v1/surveys/:id/experts/:expertId":
		return j(`{"name":"Mallory","email":"mallory@evil.example","notes":"owned"}`)
	case "POST /api/v1/surveys/:id/experts/import":
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		fw, _ := w.CreateFormFile("file", "panel.csv")
		fmt.Fprint(fw, "Name;E-Mail;Organisation;Gruppe;Sprache\r\nMallory;mallory2@evil.example;Evil;patients;de\r\n")
		_ = w.Close()
		return w.FormDataContentType(), buf.Bytes(), "?dry_run=false&skip_invalid=true"
	case "POST /api/v1/surveys/:id/rounds", "PATCH /api/v1/surveys/:id/rounds/:n":
		return j(`{"deadline":"` + future + `"}`)
	case "POST /api/v1/surveys/:id/rounds/:n/reopen":
		return j(`{"reason":"attack","deadline":"` + future + `"}`)
	case "PUT /api/v1/surveys/:id/rounds/:n/mail":
		return j(`{"de":{"subject":"pwned","intro":"pwned"}}`)
	case "POST /api/v1/surveys/:id/rounds/:n/invitations", "POST /api/v1/surveys/:id/rounds/:n/reminders":
		return j(`{"min_interval_hours":0}`)
	case "PATCH /api/v1/users/:id":
		return j(`{"role":"admin","survey_ids":["` + cosStudy + `"]}`)
	}
	return "", nil, ""
}

// studyModeRoutes answer 409 for a study without the option they serve
// (round 0, the real-time mode), also to the study's own staff.
var studyModeRoutes = map[string]bool{
	"/api/v1/surveys/:id/curation":         true,
	"/api/v1/surveys/:id/results/realtime": true,
}

// TestAttackCrossStudyEveryRoute: coordinator A (and researcher A) on every
// route with a study id, given study B's id and B's expert, round and item:
// 404 (403 where the role is wrong), no data of B in the answer, and B is
// unchanged afterwards. Coordinator A cannot reach B's expert through A's
// own study either.
func TestAttackCrossStudyEveryRoute(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t)
	future := e.ts(10 * 24 * time.Hour)
	// Study B (cos) with an expert, a link, round 1 open and mail texts.
	victim := decode[expertOut](t, e.staff("POST", "/api/v1/surveys/"+cosStudy+"/experts", "admin",
		`{"name":"Victim Person","email":"victim@b.example","organisation":"Secret Org","group":"patients","language":"de","notes":"private note"}`, 201))
	link := decode[struct{ Link string }](t, e.staff("POST", "/api/v1/surveys/"+cosStudy+"/experts/"+victim.ID+"/link", "admin", "", 200)).Link
	victimToken := link[strings.LastIndex(link, "/p/")+3:]
	e.openRound(cosStudy, "")
	e.staff("PUT", "/api/v1/surveys/"+cosStudy+"/rounds/1/mail", "admin", `{"de":{"subject":"Original subject","intro":"Original intro"}}`, 200)
	// An expert of A's study, for the expert-id swap.
	own := decode[expertOut](t, e.staff("POST", "/api/v1/surveys/"+ks+"/experts", "admin",
		`{"name":"Own Expert","email":"own@a.example","group":"planungspraxis","language":"de"}`, 201))

	secrets := []string{"victim@b.example", "Victim Person", "Secret Org", "private note", victim.Pseudonym, "Original subject", "Original intro", victimToken}
	bVals := map[string]string{"id": cosStudy, "n": "1", "expertId": victim.ID, "itemId": "pain", "argumentId": "no-such-argument", "sid": "no-such-suggestion"}
	routes := apiRoutes(t, e.srv)

	// The control: an admin reads every GET route of B (so a 404 below is
	// the authorisation's doing, not a missing round or expert).
	for _, r := range routes {
		if r.Method != "GET" || !strings.Contains(r.Path, "/surveys/:id") || strings.HasSuffix(r.Path, "/transitions") {
			continue
		}
		s, _, b := e.atkReq("GET", fill(t, r.Path, bVals), e.login("admin"), "", nil, nil)
		if s == 409 && studyModeRoutes[r.Path] {
			continue // B has no round 0 and runs in rounds: the route answers so for its own staff
		}
		if s != 200 {
			t.Errorf("control: admin %s on study B: %d %.200s", r, s, b)
		}
	}

	attacked := 0
	for _, who := range []string{"coord-a", "researcher"} {
		for _, r := range routes {
			if !strings.Contains(r.Path, ":id") {
				continue
			}
			attacked++
			ctype, body, query := atkBody(t, r, future)
			s, _, b := e.atkReq(r.Method, fill(t, r.Path, bVals)+query, e.login(who), ctype, body, nil)
			want := []int{404}
			switch {
			case strings.HasPrefix(r.Path, "/api/v1/users/"):
				want = []int{403} // admins only
			case who == "researcher":
				want = []int{403, 404} // the role check comes first on writer routes
			}
			if !containsInt(want, s) {
				t.Errorf("%s: %s on study B: %d %.300s, want %v", who, r, s, b, want)
			}
			for _, sec := range secrets {
				if bytes.Contains(b, []byte(sec)) {
					t.Errorf("%s: %s on study B leaks %q: %.300s", who, r, sec, b)
				}
			}
		}
	}
	if attacked < 2*30 {
		t.Fatalf("only %d attacks on routes with a study id", attacked)
	}

	// B's expert through A's own study: 404 as well, for A's coordinator
	// and even for the admin (the expert is not in that study).
	aVals := map[string]string{"id": ks, "n": "1", "expertId": victim.ID}
	for _, who := range []string{"coord-a", "admin"} {
		for _, r := range routes {
			if !strings.Contains(r.Path, ":expertId") {
				continue
			}
			ctype, body, _ := atkBody(t, r, future)
			s, _, b := e.atkReq(r.Method, fill(t, r.Path, aVals), e.login(who), ctype, body, nil)
			if s != 404 {
				t.Errorf("%s: %s with B's expert under study A: %d %.300s", who, r, s, b)
			}
			for _, sec := range secrets {
				if bytes.Contains(b, []byte(sec)) {
					t.Errorf("%s: %s with B's expert under A leaks %q", who, r, sec)
				}
			}
		}
	}
	// Nonexistent and invisible studies answer alike: existence is not revealed.
	_, _, hidden := e.atkReq("GET", "/api/v1/surveys/"+cosStudy+"/rounds", e.login("coord-a"), "", nil, nil)
	_, _, missing := e.atkReq("GET", "/api/v1/surveys/no-such-study/rounds", e.login("coord-a"), "", nil, nil)
	if string(bytes.ReplaceAll(hidden, []byte(cosStudy), []byte("X"))) != string(bytes.ReplaceAll(missing, []byte("no-such-study"), []byte("X"))) {
		t.Errorf("an invisible study answers unlike a missing one:\n%s\n%s", hidden, missing)
	}

	// B is unchanged: identity, link, round, texts, panel, audit.
	got := e.staff("GET", "/api/v1/surveys/"+cosStudy+"/experts/"+victim.ID, "admin", "", 200)
	for _, want := range []string{"victim@b.example", "Victim Person", "private note", `"status":"active"`} {
		if !bytes.Contains(got, []byte(want)) {
			t.Errorf("B's expert changed: lacks %q: %s", want, got)
		}
	}
	if s, b := e.call("POST", "/api/v1/participation/session", "", `{"token":"`+victimToken+`"}`); s != 200 {
		t.Errorf("B's link stopped working (re-issued by an attack?): %d %s", s, b)
	}
	panel := e.staff("GET", "/api/v1/surveys/"+cosStudy+"/experts", "admin", "", 200)
	if bytes.Contains(panel, []byte("mallory")) || !bytes.Contains(panel, []byte(`"total":1`)) {
		t.Errorf("B's panel changed: %s", panel)
	}
	rounds := e.staff("GET", "/api/v1/surveys/"+cosStudy+"/rounds", "admin", "", 200)
	if !bytes.Contains(rounds, []byte(`"status":"open"`)) || bytes.Contains(rounds, []byte(`"number":2`)) {
		t.Errorf("B's rounds changed: %s", rounds)
	}
	if texts := e.staff("GET", "/api/v1/surveys/"+cosStudy+"/rounds/1/mail", "admin", "", 200); bytes.Contains(texts, []byte("pwned")) {
		t.Errorf("B's mail texts changed: %s", texts)
	}
	if inv := e.staff("GET", "/api/v1/surveys/"+cosStudy+"/rounds/1/invitations", "admin", "", 200); !bytes.Contains(inv, []byte(`"jobs":[]`)) {
		t.Errorf("mail was queued for B: %s", inv)
	}
	entries, err := e.st.ListAudit(context.Background(), "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range entries {
		if a.ActorID == e.users["coord-a"].ID || a.ActorID == e.users["researcher"].ID {
			t.Errorf("the attack left an audit entry: %+v", a)
		}
	}
	me := e.staff("GET", "/api/v1/me", "coord-a", "", 200)
	if !bytes.Contains(me, []byte(`"role":"coordinator"`)) || bytes.Contains(me, []byte(cosStudy)) {
		t.Errorf("coordinator A changed their own account: %s", me)
	}
	if s, _ := e.call("GET", "/api/v1/surveys/"+ks+"/experts/"+own.ID, e.login("coord-a"), ""); s != 200 {
		t.Errorf("control: coordinator A cannot read A's own expert: %d", s)
	}
}

func containsInt(xs []int, v int) bool {
	for _, x := range xs {
		if x == v {
			return true
		}
	}
	return false
}

// TestAttackResearcherCannotReadContactData: on the researcher's own study,
// every route of the panel, its exports and links, and the mail (whose
// failures name experts) is 403, and no contact data is in the answer.
func TestAttackResearcherCannotReadContactData(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t)
	x := decode[expertOut](t, e.staff("POST", "/api/v1/surveys/"+ks+"/experts", "admin",
		`{"name":"Erika Kontakt","email":"erika@contact.example","organisation":"Kontakt GmbH","group":"planungspraxis","language":"de"}`, 201))
	e.openRound(ks, "")
	vals := map[string]string{"id": ks, "n": "1", "expertId": x.ID, "itemId": "no-such-item", "argumentId": "no-such-argument", "sid": "no-such-suggestion"}
	future := e.ts(10 * 24 * time.Hour)
	n := 0
	for _, r := range apiRoutes(t, e.srv) {
		if !strings.HasPrefix(r.Path, "/api/v1/surveys/:id/") {
			continue
		}
		contact := strings.Contains(r.Path, "/experts") || strings.Contains(r.Path, "/invitations") ||
			strings.Contains(r.Path, "/reminders") || strings.Contains(r.Path, "/mail")
		ctype, body, query := atkBody(t, r, future)
		s, _, b := e.atkReq(r.Method, fill(t, r.Path, vals)+query, e.login("researcher"), ctype, body, nil)
		if contact {
			n++
			if s != 403 {
				t.Errorf("researcher: %s: %d, want 403", r, s)
			}
		}
		for _, sec := range []string{"erika@contact.example", "Erika Kontakt", "Kontakt GmbH", "/p/"} {
			if bytes.Contains(b, []byte(sec)) {
				t.Errorf("researcher: %s leaks %q", r, sec)
			}
		}
	}
	if n < 15 {
		t.Fatalf("only %d contact-data routes found", n)
	}
	// The expert's identity and link are untouched.
	got := e.staff("GET", "/api/v1/surveys/"+ks+"/experts/"+x.ID, "admin", "", 200)
	if !bytes.Contains(got, []byte("erika@contact.example")) || bytes.Contains(got, []byte("link_issued_at")) {
		t.Errorf("the researcher's requests changed the expert: %s", got)
	}
}

// TestAttackExpertCannotReachOthers: an expert's id comes from the session
// only; ids in the query, another study's items and the other expert's
// answers are out of reach.
func TestAttackExpertCannotReachOthers(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t)
	e.openRound(ks, "")
	a := e.addExpert(ptStudy, "wiss")
	b := e.addExpert(ptStudy, "praxis")
	k := e.addExpert(ks, "planungspraxis")
	for _, x := range []*expert{a, b, k} {
		e.expertCall(x, "POST", "/api/v1/participation/consent", "", 200)
	}
	e.expertCall(a, "PUT", "/api/v1/participation/answers/r1", `{"value":5,"comment":"A-private-comment","seq":1}`, 200)
	for _, q := range []string{"", "?expert_id=" + a.ID, "?expertId=" + a.ID, "?survey_id=" + ks, "?pseudonym=" + a.Pseudonym, "?sid=x"} {
		body := e.expertCall(b, "GET", "/api/v1/participation"+q, "", 200)
		if bytes.Contains(body, []byte("A-private-comment")) || bytes.Contains(body, []byte(a.Pseudonym)) || bytes.Contains(body, []byte(a.ID)) {
			t.Errorf("expert B sees A's data with %q: %.300s", q, body)
		}
		if !bytes.Contains(body, []byte(`"pseudonym":"`+b.Pseudonym+`"`)) {
			t.Errorf("expert B with %q does not see B: %.200s", q, body)
		}
	}
	// B overwriting "A's" answer with a high seq changes only B's own.
	e.expertCall(b, "PUT", "/api/v1/participation/answers/r1?expert_id="+a.ID, `{"value":1,"comment":"B","seq":99}`, 200)
	ra, err := e.st.Response(context.Background(), ptStudy, 1, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := ra.Answers["r1"]; got.Comment != "A-private-comment" || got.Seq != 1 {
		t.Errorf("A's answer changed: %+v", got)
	}
	// Items of another study's round are unknown to the session's study.
	e.expertCall(a, "PUT", "/api/v1/participation/answers/T01", `{"value":{"wichtigkeit":5,"umsetzbarkeit":5},"seq":1}`, 404)
	e.expertCall(k, "PUT", "/api/v1/participation/answers/r1", `{"value":5,"seq":1}`, 404)
	kBody := e.expertCall(k, "GET", "/api/v1/participation", "", 200)
	if bytes.Contains(kBody, []byte(ptStudy)) || bytes.Contains(kBody, []byte("A-private-comment")) {
		t.Errorf("expert of another study sees this one: %.300s", kBody)
	}
	// Expert tokens reach no staff data about anyone (the route walk covers
	// every route; here the ones that carry an expert id).
	for _, p := range []string{"/api/v1/surveys/" + ptStudy + "/experts/" + a.ID, "/api/v1/surveys/" + ptStudy + "/rounds/1/results", "/api/v1/surveys/" + ptStudy + "/export.json"} {
		if s, body := e.call("GET", p, b.jwt, ""); s != 401 || bytes.Contains(body, []byte("A-private-comment")) {
			t.Errorf("expert token on %s: %d %.200s", p, s, body)
		}
	}
}

// ---------------------------------------------------------------- CSRF on every unsafe route

// TestAttackCSRFOnEveryUnsafeRoute: every state-changing route refuses a
// cookie session without the CSRF header, with a forged one, and with the
// CSRF token of another session (staff and expert alike).
func TestAttackCSRFOnEveryUnsafeRoute(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t)
	x := e.addExpert(ptStudy, "wiss")
	y := e.addExpert(ptStudy, "praxis")
	sess, csrf := e.loginCookies("admin")
	_, otherCSRF := e.loginCookies("coord-a")
	esess, ecsrf := e.expertCookies(x)
	_, eOther := e.expertCookies(y)
	future := e.ts(10 * 24 * time.Hour)
	vals := map[string]string{"id": ptStudy, "n": "1", "expertId": x.ID, "itemId": "r1", "argumentId": "no-such-argument", "sid": "no-such-suggestion"}

	// The controls: the cookies work with the right header.
	if s, _, b := e.atkReq("PUT", "/api/v1/surveys/"+ptStudy+"/rounds/1/mail", "", "application/json", []byte(`{"de":{"subject":"ok"}}`),
		map[string]string{"X-CSRF-Token": csrf.Value}, sess, csrf); s != 200 {
		t.Fatalf("staff control: %d %s", s, b)
	}
	if s, _, b := e.atkReq("POST", "/api/v1/participation/consent", "", "", nil, map[string]string{"X-CSRF-Token": ecsrf.Value}, esess, ecsrf); s != 200 {
		t.Fatalf("expert control: %d %s", s, b)
	}
	n := 0
	for _, r := range apiRoutes(t, e.srv) {
		if !r.unsafe() || atkPublic[r.String()] {
			continue
		}
		n++
		cookies, good, other := []*http.Cookie{sess, csrf}, csrf.Value, otherCSRF.Value
		if r.expertRoute() {
			cookies, good, other = []*http.Cookie{esess, ecsrf}, ecsrf.Value, eOther.Value
		}
		ctype, body, query := atkBody(t, r, future)
		if r.expertRoute() && strings.Contains(r.Path, "/answers/") {
			ctype, body = "application/json", []byte(`{"value":4,"seq":1}`)
		}
		for name, hdr := range map[string]map[string]string{
			"no header":                nil,
			"forged header":            {"X-CSRF-Token": "forged"},
			"another session's token":  {"X-CSRF-Token": other},
			"token in another header":  {"X-XSRF-Token": good},
			"the session cookie value": {"X-CSRF-Token": cookies[0].Value},
		} {
			s, _, b := e.atkReq(r.Method, fill(t, r.Path, vals)+query, "", ctype, body, hdr, cookies...)
			if s != 403 || !bytes.Contains(b, []byte("CSRF")) {
				t.Errorf("%s with %s: %d %.200s, want 403 (CSRF)", r, name, s, b)
			}
		}
	}
	if n < 20 {
		t.Fatalf("only %d unsafe routes found", n)
	}
	// Nothing happened: the admin's session is alive, the expert has not declined.
	if s, _, _ := e.atkReq("GET", "/api/v1/me", "", "", nil, nil, sess); s != 200 {
		t.Errorf("the staff session ended without a valid CSRF token: %d", s)
	}
	if body := e.expertCall(x, "GET", "/api/v1/participation", "", 200); bytes.Contains(body, []byte(`"state":"declined"`)) {
		t.Errorf("the expert was declined without a CSRF token")
	}
}

// ---------------------------------------------------------------- existence and timing

// TestAttackLinkErrorsRevealNothing: unknown, replaced, erased and closed-
// study links all answer the same 404 body; so do a wrong password and an
// unknown account at login, which take comparable time (argon2 dummy).
//
// Not parallel: it measures the process's allocations (argon2id's 19 MiB
// per check), which other tests' logins would add to.
func TestAttackLinkErrorsRevealNothing(t *testing.T) {
	e := newAttackEnv(t)
	replaced := e.addExpert(ptStudy, "wiss")
	oldToken := replaced.token
	e.staff("POST", "/api/v1/surveys/"+ptStudy+"/experts/"+replaced.ID+"/link", "admin", "", 200)
	erased := e.addExpert(ptStudy, "wiss")
	e.staff("DELETE", "/api/v1/surveys/"+ptStudy+"/experts/"+erased.ID, "admin", "", 204)
	closed := e.addExpert(cosStudy, "patients")
	sv, err := e.st.SurveyByID(context.Background(), cosStudy)
	if err != nil {
		t.Fatal(err)
	}
	def := *sv.Definition
	def.Version = "closed"
	if _, _, err := e.st.PutSurvey(context.Background(), &delphi.Survey{Definition: &def, Status: delphi.SurveyClosed}); err != nil {
		t.Fatal(err)
	}
	unknown, _ := delphi.NewAccessToken()
	bodies := map[string]string{}
	for name, tok := range map[string]string{"unknown": unknown, "replaced": oldToken, "erased": erased.token, "closed study": closed.token, "garbage": "../../etc/passwd"} {
		s, b := e.call("POST", "/api/v1/participation/session", "", `{"token":"`+tok+`"}`)
		if s != 404 {
			t.Errorf("%s link: %d %s", name, s, b)
		}
		bodies[name] = string(b)
	}
	for name, b := range bodies {
		if b != bodies["unknown"] {
			t.Errorf("the %s link answers %s, an unknown one %s", name, b, bodies["unknown"])
		}
	}
	// Login: same status and body for a wrong password and an unknown
	// account, and the same work: an unknown account's password is checked
	// against a dummy argon2id hash, so that its answer takes as long as a
	// known account's. The work is measured in bytes allocated, not in
	// time, so a loaded machine cannot change the result: argon2id with the
	// parameters of internal/auth allocates its 19 MiB per check.
	const argonBytes = 19 << 20
	wrong := func(email string) (int, string, uint64) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		s, b := e.call("POST", "/api/v1/auth/login", "", `{"email":"`+email+`","password":"wrong-password-123"}`)
		runtime.ReadMemStats(&after)
		return s, string(b), after.TotalAlloc - before.TotalAlloc
	}
	for i := range 2 {
		s1, b1, known := wrong("admin@example.org")
		s2, b2, unknown := wrong(fmt.Sprintf("nobody%d@example.org", i))
		if s1 != 401 || s1 != s2 || b1 != b2 {
			t.Fatalf("wrong password %d %s, unknown account %d %s", s1, b1, s2, b2)
		}
		if known < argonBytes || unknown < argonBytes {
			t.Errorf("a wrong password allocated %d MiB, an unknown account %d MiB; want both at least argon2's %d MiB: the account's existence shows in the timing",
				known>>20, unknown>>20, argonBytes>>20)
		}
	}
}

// TestAttackRevocationTakesEffectAtOnce: a token issued before an admin
// takes a study away, demotes its holder or disables the account grants
// nothing more on the next request; an erased expert's open session ends
// with the erasure.
func TestAttackRevocationTakesEffectAtOnce(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t)
	tok := e.login("coord-a")
	if s, _ := e.call("GET", "/api/v1/surveys/"+ks+"/experts", tok, ""); s != 200 {
		t.Fatalf("control: %d", s)
	}
	e.staff("PATCH", "/api/v1/users/"+e.users["coord-a"].ID, "admin", `{"role":"researcher"}`, 200)
	if s, _ := e.call("GET", "/api/v1/surveys/"+ks+"/experts", tok, ""); s != 403 {
		t.Errorf("demoted to researcher, the old token still reads the panel: %d", s)
	}
	e.staff("PATCH", "/api/v1/users/"+e.users["coord-a"].ID, "admin", `{"survey_ids":[]}`, 200)
	if s, _ := e.call("GET", "/api/v1/surveys/"+ks, tok, ""); s != 404 {
		t.Errorf("unassigned, the old token still reads the study: %d", s)
	}
	// A disabled account's token and cookie, bearer and cookie alike.
	btok := e.login("coord-b")
	bsess, _ := e.loginCookies("coord-b")
	if s, _ := e.call("GET", "/api/v1/surveys/"+cosStudy, btok, ""); s != 200 {
		t.Fatalf("control: coordinator B: %d", s)
	}
	e.staff("POST", "/api/v1/users/"+e.users["coord-b"].ID+"/disable", "admin", "", 200)
	if s, b := e.call("GET", "/api/v1/surveys/"+cosStudy, btok, ""); s != 401 {
		t.Errorf("disabled, the old token still reads the study: %d %s", s, b)
	}
	if s, _, b := e.atkReq("GET", "/api/v1/me", "", "", nil, nil, bsess); s != 401 {
		t.Errorf("disabled, the old cookie still works: %d %s", s, b)
	}
	x := e.addExpert(ptStudy, "wiss")
	e.session(x)
	e.expertCall(x, "GET", "/api/v1/participation", "", 200)
	e.staff("DELETE", "/api/v1/surveys/"+ptStudy+"/experts/"+x.ID, "admin", "", 204)
	if s, b := e.call("GET", "/api/v1/participation", x.jwt, ""); s != 401 {
		t.Errorf("the erased expert's session goes on: %d %s", s, b)
	}
}
