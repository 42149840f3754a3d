package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/expertenrunde/expertenrunde/internal/auth"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

const ptStudy = "pt-study"

// importStudy imports a study file's text as admin and returns its id.
func (e *env) importStudy(name, text string) {
	e.t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/surveys?filename="+name, strings.NewReader(text))
	req.Header.Set("Content-Type", "application/yaml")
	req.Header.Set("Authorization", "Bearer "+e.login("admin"))
	if status, _, body := e.do(req); status != 201 {
		e.t.Fatalf("import %s: %d %s", name, status, body)
	}
}

// expert is a panel member created through the store, with their link token.
type expert struct {
	*delphi.Expert
	token string
	jwt   string
}

var expertSeq atomic.Int64

// addExpert creates an expert with a personal link in surveyID.
func (e *env) addExpert(surveyID, group string) *expert {
	e.t.Helper()
	x := &delphi.Expert{SurveyID: surveyID, Group: group, Language: "de", Name: "Expert", Email: fmt.Sprintf("x%d@example.org", expertSeq.Add(1))}
	ctx := context.Background()
	if err := e.st.CreateExpert(ctx, x); err != nil {
		e.t.Fatal(err)
	}
	tok, hash := delphi.NewAccessToken()
	if err := e.st.SetAccessToken(ctx, surveyID, x.ID, hash, e.clock.now()); err != nil {
		e.t.Fatal(err)
	}
	return &expert{Expert: x, token: tok}
}

// session exchanges the expert's link token and keeps the JWT.
func (e *env) session(x *expert) string {
	e.t.Helper()
	status, _, body := e.do(jsonReq("POST", "/api/v1/participation/session", `{"token":"`+x.token+`"}`))
	if status != 200 {
		e.t.Fatalf("session: %d %s", status, body)
	}
	var r struct{ Token string }
	if err := json.Unmarshal(body, &r); err != nil || r.Token == "" {
		e.t.Fatalf("session: %s", body)
	}
	x.jwt = r.Token
	return r.Token
}

// call sends a request with a bearer token (staff or expert) and returns
// status and body.
func (e *env) call(method, url, bearer, body string) (int, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, url, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	status, _, b := e.do(req)
	return status, b
}

// staff calls as the named staff user and fails the test on another status.
func (e *env) staff(method, url, as, body string, want int) []byte {
	e.t.Helper()
	status, b := e.call(method, url, e.login(as), body)
	if status != want {
		e.t.Fatalf("%s %s as %s: %d, want %d; %s", method, url, as, status, want, b)
	}
	return b
}

// expertCall calls as the expert and fails the test on another status.
func (e *env) expertCall(x *expert, method, url, body string, want int) []byte {
	e.t.Helper()
	if x.jwt == "" {
		e.session(x)
	}
	status, b := e.call(method, url, x.jwt, body)
	if status != want {
		e.t.Fatalf("%s %s as expert %s: %d, want %d; %s", method, url, x.Pseudonym, status, want, b)
	}
	return b
}

func (e *env) ts(d time.Duration) string { return e.clock.now().Add(d).UTC().Format(time.RFC3339) }

// openRound creates (or prepares) and opens the next round of a study as admin.
func (e *env) openRound(surveyID, prepareBody string) int {
	e.t.Helper()
	if prepareBody == "" {
		prepareBody = `{"deadline":"` + e.ts(7*24*time.Hour) + `"}`
	}
	var r struct{ Number int }
	if err := json.Unmarshal(e.staff("POST", "/api/v1/surveys/"+surveyID+"/rounds", "admin", prepareBody, 201), &r); err != nil {
		e.t.Fatal(err)
	}
	e.staff("POST", fmt.Sprintf("/api/v1/surveys/%s/rounds/%d/open", surveyID, r.Number), "admin", "", 200)
	return r.Number
}

// ptEnv is an env with the participation test study imported and round 1 open.
func ptEnv(t *testing.T) *env {
	e := newEnv(t)
	e.importStudy("participation-study.yaml", readFile(t, "testdata/participation-study.yaml"))
	e.openRound(ptStudy, "")
	return e
}

func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

type roundOut struct {
	Number     int
	Status     string
	SnapshotAt *time.Time `json:"snapshot_at"`
	Origins    map[string]int
	Items      []delphi.RoundItem
	History    []delphi.RoundEvent
	Responses  *struct{ Opened, Started, Submitted int }
}

func TestRoundLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.importStudies()
	const ks = "/api/v1/surveys/kleinstadtakademie-2020/rounds"
	future, past := e.ts(14*24*time.Hour), e.ts(-time.Hour)
	e.run([]scenario{
		{name: "no rounds yet", method: "GET", url: ks, as: "researcher", status: 200, want: []string{`"rounds":[]`, `"time_zone":"Europe/Berlin"`, `"planned":3`}},
		{name: "researcher may not create", method: "POST", url: ks, as: "researcher", body: `{}`, status: 403},
		{name: "other coordinator sees 404", method: "GET", url: ks, as: "coord-b", status: 404},
		{name: "other coordinator cannot create", method: "POST", url: ks, as: "coord-b", body: `{}`, status: 404},
		{name: "no auth", method: "GET", url: ks, status: 401},
		{name: "round 1 takes no new items", method: "POST", url: ks, as: "coord-a", body: `{"deadline":"` + future + `","new_items":[{"section_id":"themen","item":{"id":"X1","type":"rating"}}]}`, status: 422, want: []string{`"field":"new_items"`}},
		{name: "deadline before opening", method: "POST", url: ks, as: "coord-a", body: `{"opens_at":"` + future + `","deadline":"` + past + `"}`, status: 422, want: []string{`"field":"deadline"`}},
		{name: "unknown field", method: "POST", url: ks, as: "coord-a", body: `{"dead_line":"x"}`, status: 422, want: []string{`"field":"dead_line"`}},
		{name: "round 1 needs a deadline", method: "POST", url: ks, as: "coord-a", body: `{}`, status: 422, want: []string{`"field":"deadline"`}},
		{name: "round 1 needs a future deadline", method: "POST", url: ks, as: "coord-a", body: `{"deadline":"` + past + `"}`, status: 422, want: []string{`"field":"deadline"`}},
		{name: "nothing was created", method: "GET", url: ks, as: "coord-a", status: 200, want: []string{`"rounds":[]`}},
		{name: "create round 1", method: "POST", url: ks, as: "coord-a", body: `{"deadline":"` + future + `"}`, status: 201, want: []string{`"number":1`, `"status":"draft"`, `"origins":{"initial":`}},
		{name: "a draft's deadline may move into the past", method: "PATCH", url: ks + "/1", as: "coord-a", body: `{"deadline":"` + past + `"}`, status: 200},
		{name: "round 2 needs round 1 closed", method: "POST", url: ks, as: "coord-a", body: `{"deadline":"` + future + `"}`, status: 409},
		{name: "close a draft", method: "POST", url: ks + "/1/close", as: "coord-a", status: 409},
		{name: "open with a past deadline", method: "POST", url: ks + "/1/open", as: "coord-a", status: 422, want: []string{`"field":"deadline","reason":"deadline_past"`}},
		{name: "researcher may not open", method: "POST", url: ks + "/1/open", as: "researcher", status: 403},
		{name: "patch the deadline of a draft", method: "PATCH", url: ks + "/1", as: "coord-a", body: `{"deadline":"` + future + `"}`, status: 200, want: []string{`"deadline":"` + future + `"`}},
		{name: "patch without fields", method: "PATCH", url: ks + "/1", as: "coord-a", body: `{}`, status: 422},
		{name: "open", method: "POST", url: ks + "/1/open", as: "coord-a", status: 200, want: []string{`"status":"open"`, `"opened_at":`, `"action":"open"`}},
		{name: "open twice", method: "POST", url: ks + "/1/open", as: "coord-a", status: 409},
		{name: "an open round's deadline cannot move into the past", method: "PATCH", url: ks + "/1", as: "coord-a", body: `{"deadline":"` + past + `"}`, status: 422, want: []string{`"field":"deadline","reason":"deadline_past"`}},
		{name: "reopen an open round", method: "POST", url: ks + "/1/reopen", as: "coord-a", body: `{"reason":"x"}`, status: 409},
		{name: "round list", method: "GET", url: ks, as: "researcher", status: 200, want: []string{`"status":"open"`}},
		{name: "unknown round", method: "GET", url: ks + "/7", as: "admin", status: 404},
		{name: "round zero", method: "GET", url: ks + "/0", as: "admin", status: 404},
		{name: "close", method: "POST", url: ks + "/1/close", as: "coord-a", status: 200, want: []string{`"status":"closed"`, `"snapshot_at":`, `"action":"close"`}},
		{name: "close twice is harmless", method: "POST", url: ks + "/1/close", as: "coord-a", status: 200, want: []string{`"status":"closed"`}},
		{name: "reopen needs a reason", method: "POST", url: ks + "/1/reopen", as: "coord-a", body: `{"reason":"  "}`, status: 422, want: []string{`"field":"reason"`}},
		{name: "reopen", method: "POST", url: ks + "/1/reopen", as: "coord-a", body: `{"reason":"two experts asked for more time"}`, status: 200, want: []string{`"status":"open"`, `"reason":"two experts asked for more time"`}},
		{name: "the reason is in the audit log", method: "GET", url: "/api/v1/audit?survey_id=kleinstadtakademie-2020", as: "admin", status: 200, want: []string{`"action":"round.reopen"`, `two experts asked for more time`, `"action":"round.close"`}},
		{name: "the old snapshot stays while reopened", method: "GET", url: ks + "/1", as: "researcher", status: 200, want: []string{`"snapshot_at":`, `"responses":{"opened":0`}},
		{name: "close again", method: "POST", url: ks + "/1/close", as: "coord-a", status: 200, want: []string{`"status":"closed"`}},
		{name: "a closed round says what each carry-over mode takes along", method: "GET", url: ks, as: "researcher", status: 200, want: []string{`"carry_over":{"all":`, `"no_consensus":`}},
		{name: "changed item not carried", method: "POST", url: ks, as: "coord-a", body: `{"deadline":"` + future + `","carry_over":{"mode":"chosen","items":["T01"]},"changed_items":[{"item_id":"T02","text":{"de":"a","en":"b"},"reason":"r"}]}`, status: 422, want: []string{`"field":"changed_items[0].item_id"`}},
		{name: "changed item needs a reason", method: "POST", url: ks, as: "coord-a", body: `{"deadline":"` + future + `","changed_items":[{"item_id":"T01","text":{"de":"a","en":"b"},"reason":""}]}`, status: 422, want: []string{`"field":"changed_items[0].reason"`}},
		{name: "changed item needs every language", method: "POST", url: ks, as: "coord-a", body: `{"deadline":"` + future + `","changed_items":[{"item_id":"T01","text":{"de":"a"},"reason":"r"}]}`, status: 422, want: []string{`"field":"changed_items[0].text.en"`}},
		{name: "chosen item unknown", method: "POST", url: ks, as: "coord-a", body: `{"deadline":"` + future + `","carry_over":{"mode":"chosen","items":["NOPE"]}}`, status: 422, want: []string{`"field":"carry_over.items[0]"`}},
		{name: "bad carry-over mode", method: "POST", url: ks, as: "coord-a", body: `{"deadline":"` + future + `","carry_over":{"mode":"some"}}`, status: 422, want: []string{`"field":"carry_over.mode"`}},
		{name: "new item lacks English", method: "POST", url: ks, as: "coord-a", body: `{"deadline":"` + future + `","new_items":[{"section_id":"themen","item":{"id":"T99","type":"rating","scale":"wichtigkeit","text":{"de":"Neu"}}}]}`, status: 422, want: []string{`"field":"new_items[0].item.text.en"`}},
		{name: "new item with an unknown scale", method: "POST", url: ks, as: "coord-a", body: `{"deadline":"` + future + `","new_items":[{"section_id":"themen","item":{"id":"T99","type":"rating","scale":"nope","text":{"de":"Neu","en":"New"}}}]}`, status: 422, want: []string{`"field":"new_items[0].item.scale"`}},
		{name: "new item reuses an id", method: "POST", url: ks, as: "coord-a", body: `{"deadline":"` + future + `","new_items":[{"section_id":"themen","item":{"id":"T01","type":"rating","scale":"wichtigkeit","text":{"de":"Neu","en":"New"}}}]}`, status: 422, want: []string{`"field":"new_items[0].item.id"`}},
		{name: "new item in an unknown section", method: "POST", url: ks, as: "coord-a", body: `{"deadline":"` + future + `","new_items":[{"section_id":"nope","item":{"id":"T99","type":"rating","scale":"wichtigkeit","text":{"de":"Neu","en":"New"}}}]}`, status: 422, want: []string{`"field":"new_items[0].section_id"`}},
		{name: "new item of an unknown type", method: "POST", url: ks, as: "coord-a", body: `{"deadline":"` + future + `","new_items":[{"section_id":"themen","item":{"id":"T99","type":"essay","text":{"de":"Neu","en":"New"}}}]}`, status: 422, want: []string{`"field":"new_items[0].item.type"`}},
		{name: "new ranking with top_k too large", method: "POST", url: ks, as: "coord-a", body: `{"deadline":"` + future + `","new_items":[{"section_id":"themen","item":{"id":"T99","type":"ranking","top_k":2,"text":{"de":"Neu","en":"New"},"options":[{"id":"a","label":{"de":"A","en":"A"}},{"id":"b","label":{"de":"B","en":"B"}}]}}]}`, status: 422, want: []string{`"field":"new_items[0].item.top_k"`}},
	})

	// Prepare round 2: T01 and T02 carried (chosen), T02 reworded, one new item.
	body := `{"deadline":"` + future + `","carry_over":{"mode":"chosen","items":["T01","T02"]},
		"changed_items":[{"item_id":"T02","text":{"de":"Demokratiebildung (neu formuliert)","en":"Democracy education (reworded)"},"reason":"clearer wording"}],
		"new_items":[{"section_id":"themen","item":{"id":"T99","type":"rating","scale":"wichtigkeit","text":{"de":"Neues Thema","en":"New topic"}},"reason":"from round 1 comments"}]}`
	r2 := decode[roundOut](t, e.staff("POST", ks, "coord-a", body, 201))
	if r2.Number != 2 || r2.Status != delphi.RoundDraft || r2.Origins[delphi.OriginCarried] != 1 || r2.Origins[delphi.OriginChanged] != 1 || r2.Origins[delphi.OriginNew] != 1 {
		t.Fatalf("round 2: %+v", r2)
	}
	var ids []string
	for _, ri := range r2.Items {
		ids = append(ids, ri.Item.ID+"/"+ri.Origin)
	}
	if want := []string{"T01/carried", "T02/changed", "T99/new"}; !slices.Equal(ids, want) {
		t.Fatalf("round 2 items %v, want %v", ids, want)
	}
	if r2.Items[1].Reason != "clearer wording" || r2.Items[1].Item.Text["en"] != "Democracy education (reworded)" {
		t.Fatalf("changed item: %+v", r2.Items[1])
	}
	if b := e.staff("GET", ks, "coord-a", "", 200); bytes.Contains(b, []byte(`"carry_over":{`)) {
		t.Fatalf("round 1 still offers carry-over counts once round 2 exists: %s", b)
	}
	e.run([]scenario{
		{name: "only the latest round can be reopened", method: "POST", url: ks + "/1/reopen", as: "coord-a", body: `{"reason":"late"}`, status: 409},
		{name: "a third round needs round 2 closed", method: "POST", url: ks, as: "coord-a", body: `{"deadline":"` + future + `"}`, status: 409},
		{name: "the audit log has the preparation", method: "GET", url: "/api/v1/audit?survey_id=kleinstadtakademie-2020", as: "admin", status: 200, want: []string{`"action":"round.create"`, `"changed":["T02"]`, `"new":["T99"]`}},
	})
}

// TestCarryOverNoConsensus: by default items with consensus (in or out)
// stay behind, the others and non-rating items go on; text items never.
func TestCarryOverNoConsensus(t *testing.T) {
	t.Parallel()
	e := ptEnv(t)
	// Four experts agree on r1 (consensus in: 100 % at 4–5, IQR ≤ 1) and on
	// both criteria of m1; they disagree on r2.
	vals := []struct{ r1, r2 int }{{5, 1}, {5, 5}, {4, 2}, {5, 4}}
	for i, v := range vals {
		x := e.addExpert(ptStudy, "wiss")
		e.expertCall(x, "POST", "/api/v1/participation/consent", "", 200)
		e.expertCall(x, "PUT", "/api/v1/participation/answers/r1", fmt.Sprintf(`{"value":%d,"seq":1}`, v.r1), 200)
		e.expertCall(x, "PUT", "/api/v1/participation/answers/r2", fmt.Sprintf(`{"value":%d,"seq":1}`, v.r2), 200)
		e.expertCall(x, "PUT", "/api/v1/participation/answers/m1", `{"value":{"imp":5,"feas":3},"seq":1}`, 200)
		e.expertCall(x, "PUT", "/api/v1/participation/answers/t1", fmt.Sprintf(`{"value":"idea %d","seq":1}`, i), 200)
		e.expertCall(x, "POST", "/api/v1/participation/submit", "", 200)
	}
	e.staff("POST", "/api/v1/surveys/"+ptStudy+"/rounds/1/close", "admin", "", 200)
	r2 := decode[roundOut](t, e.staff("POST", "/api/v1/surveys/"+ptStudy+"/rounds", "admin", `{"deadline":"`+e.ts(time.Hour)+`"}`, 201))
	var ids []string
	for _, ri := range r2.Items {
		ids = append(ids, ri.Item.ID)
	}
	if want := []string{"r2", "s1", "c1", "k1", "k2", "n1"}; !slices.Equal(ids, want) {
		t.Fatalf("carried %v, want %v", ids, want)
	}
}

func TestParticipationSessionAndScope(t *testing.T) {
	t.Parallel()
	e := ptEnv(t)
	e.importStudies()
	a := e.addExpert(ptStudy, "wiss")
	b := e.addExpert(ptStudy, "praxis")
	k := e.addExpert("kleinstadtakademie-2020", "planungspraxis")

	// The exchange sets HttpOnly, SameSite=Strict cookies apart from staff's.
	status, h, body := e.do(jsonReq("POST", "/api/v1/participation/session", `{"token":"`+a.token+`"}`))
	if status != 200 {
		t.Fatalf("session: %d %s", status, body)
	}
	cookies := map[string]*http.Cookie{}
	for _, c := range (&http.Response{Header: h}).Cookies() {
		cookies[c.Name] = c
	}
	sess, csrf := cookies["er_expert"], cookies["er_expert_csrf"]
	if sess == nil || csrf == nil || !sess.HttpOnly || sess.SameSite != http.SameSiteStrictMode || csrf.HttpOnly || cookies["er_session"] != nil {
		t.Fatalf("cookies: %v", h.Values("Set-Cookie"))
	}
	a.jwt = decode[struct{ Token string }](t, body).Token
	e.session(b)

	staffTok := e.login("admin")
	e.run([]scenario{
		{name: "unknown token", method: "POST", url: "/api/v1/participation/session", body: `{"token":"nope"}`, status: 404, want: []string{"this link is not valid"}},
		{name: "empty token", method: "POST", url: "/api/v1/participation/session", body: `{"token":""}`, status: 404, want: []string{"this link is not valid"}},
		{name: "unknown field", method: "POST", url: "/api/v1/participation/session", body: `{"token":"x","expert_id":"y"}`, status: 422},
		{name: "expert token on a staff route", method: "GET", url: "/api/v1/me", headers: map[string]string{"Authorization": "Bearer " + a.jwt}, status: 401},
		{name: "expert token on the study list", method: "GET", url: "/api/v1/surveys", headers: map[string]string{"Authorization": "Bearer " + a.jwt}, status: 401},
		{name: "expert token on the rounds", method: "GET", url: "/api/v1/surveys/" + ptStudy + "/rounds", headers: map[string]string{"Authorization": "Bearer " + a.jwt}, status: 401},
		{name: "staff token on participation", method: "GET", url: "/api/v1/participation", headers: map[string]string{"Authorization": "Bearer " + staffTok}, status: 401},
		{name: "staff token cannot save", method: "PUT", url: "/api/v1/participation/answers/r1", headers: map[string]string{"Authorization": "Bearer " + staffTok}, body: `{"value":3,"seq":1}`, status: 401},
		{name: "no token", method: "GET", url: "/api/v1/participation", status: 401},
		{name: "expert A sees A only", method: "GET", url: "/api/v1/participation", headers: map[string]string{"Authorization": "Bearer " + a.jwt}, status: 200,
			want: []string{`"pseudonym":"` + a.Pseudonym + `"`, `"id":"pt-study"`}, notWant: []string{b.Pseudonym, b.ID, a.Email, "kleinstadt"}},
		{name: "expert B sees B only", method: "GET", url: "/api/v1/participation", headers: map[string]string{"Authorization": "Bearer " + b.jwt}, status: 200,
			want: []string{`"pseudonym":"` + b.Pseudonym + `"`}, notWant: []string{a.Pseudonym, a.ID}},
	})

	// A token whose claims point at another study or expert is refused:
	// the session binds both (forged with the real secret, as a worst case).
	claims, err := e.tokens.Parse(a.jwt, auth.AudienceExpert)
	if err != nil {
		t.Fatal(err)
	}
	otherStudy, _, _ := e.tokens.Issue(auth.AudienceExpert, a.ID, claims.SessionID, "kleinstadtakademie-2020", time.Hour)
	otherExpert, _, _ := e.tokens.Issue(auth.AudienceExpert, k.ID, claims.SessionID, "kleinstadtakademie-2020", time.Hour)
	asB, _, _ := e.tokens.Issue(auth.AudienceExpert, b.ID, claims.SessionID, ptStudy, time.Hour)
	for name, tok := range map[string]string{"other study": otherStudy, "other study's expert": otherExpert, "other expert": asB} {
		if s, body := e.call("GET", "/api/v1/participation", tok, ""); s != 401 {
			t.Errorf("%s: %d %s", name, s, body)
		}
	}
	// Expert K's session lives in the other study only.
	kBody := e.expertCall(k, "GET", "/api/v1/participation", "", 200)
	if !bytes.Contains(kBody, []byte(`"id":"kleinstadtakademie-2020"`)) || bytes.Contains(kBody, []byte(ptStudy)) {
		t.Fatalf("K's view: %.300s", kBody)
	}
	e.expertCall(k, "PUT", "/api/v1/participation/answers/r1", `{"value":3,"seq":1}`, 409) // no round open in K's study

	// Cookie sessions need the CSRF header on writes.
	withCookies := func(req *http.Request) *http.Request {
		req.AddCookie(&http.Cookie{Name: "er_expert", Value: sess.Value})
		req.AddCookie(&http.Cookie{Name: "er_expert_csrf", Value: csrf.Value})
		return req
	}
	if s, _, b := e.do(withCookies(httptest.NewRequest("GET", "/api/v1/participation", nil))); s != 200 {
		t.Fatalf("GET with cookie: %d %s", s, b)
	}
	if s, _, _ := e.do(withCookies(httptest.NewRequest("POST", "/api/v1/participation/consent", nil))); s != 403 {
		t.Errorf("consent without CSRF: %d, want 403", s)
	}
	req := withCookies(httptest.NewRequest("POST", "/api/v1/participation/consent", nil))
	req.Header.Set("X-CSRF-Token", csrf.Value)
	if s, _, b := e.do(req); s != 200 {
		t.Errorf("consent with CSRF: %d %s", s, b)
	}

	// A re-issued link ends the sessions of the old one.
	_, hash := delphi.NewAccessToken()
	if err := e.st.SetAccessToken(context.Background(), ptStudy, a.ID, hash, e.clock.now()); err != nil {
		t.Fatal(err)
	}
	if s, body := e.call("GET", "/api/v1/participation", a.jwt, ""); s != 401 {
		t.Errorf("session after re-issue: %d %s", s, body)
	}
	if s, _ := e.call("POST", "/api/v1/participation/session", "", `{"token":"`+a.token+`"}`); s != 404 {
		t.Errorf("old link after re-issue: %d", s)
	}

	// A closed study: 404 for its links and sessions.
	sv, err := e.st.SurveyByID(context.Background(), ptStudy)
	if err != nil {
		t.Fatal(err)
	}
	def := *sv.Definition
	def.Version = "closed"
	if _, _, err := e.st.PutSurvey(context.Background(), &delphi.Survey{Definition: &def, Status: delphi.SurveyClosed}); err != nil {
		t.Fatal(err)
	}
	if s, _ := e.call("GET", "/api/v1/participation", b.jwt, ""); s != 404 {
		t.Errorf("session of a closed study: %d", s)
	}
	if s, _ := e.call("POST", "/api/v1/participation/session", "", `{"token":"`+b.token+`"}`); s != 404 {
		t.Errorf("link of a closed study: %d", s)
	}
}

func TestParticipationSessionRateLimit(t *testing.T) {
	t.Parallel()
	e := ptEnv(t)
	x := e.addExpert(ptStudy, "wiss")
	for i := range 20 {
		if s, _ := e.call("POST", "/api/v1/participation/session", "", fmt.Sprintf(`{"token":"guess-%d"}`, i)); s != 404 {
			t.Fatalf("attempt %d: %d", i+1, s)
		}
	}
	s, h, b := e.do(jsonReq("POST", "/api/v1/participation/session", `{"token":"`+x.token+`"}`))
	// Retry-After: the 20 guesses (all at the clock's time) leave the
	// window, whose bounds are inclusive, just after 600 s.
	if s != 429 || h.Get("Retry-After") != "601" || !bytes.Contains(b, []byte(`"code":"rate_limited"`)) {
		t.Fatalf("21st attempt, even with a valid token: %d %q %s", s, h.Get("Retry-After"), b)
	}
	e.clock.add(11 * time.Minute)
	if s, b := e.call("POST", "/api/v1/participation/session", "", `{"token":"`+x.token+`"}`); s != 200 {
		t.Fatalf("after the window: %d %s", s, b)
	}
}

func TestParticipationValidation(t *testing.T) {
	t.Parallel()
	e := ptEnv(t)
	x := e.addExpert(ptStudy, "wiss")
	tok := e.session(x)
	auth := map[string]string{"Authorization": "Bearer " + tok}
	put := func(name, item, body string, status int, want ...string) scenario {
		return scenario{name: name, method: "PUT", url: "/api/v1/participation/answers/" + item, headers: auth, body: body, status: status, want: want}
	}
	long := strings.Repeat("x", 5001)
	e.run([]scenario{
		{name: "the questionnaire before consent", method: "GET", url: "/api/v1/participation", headers: auth, status: 200,
			want: []string{`"state":"open"`, `"consent_at":null`, `"number":1`, `"progress":{"answered":0,"total":9}`, `"Bewertungen"`, `"en":"Ratings"`, `"time_zone":"Europe/Berlin"`}},
		put("no save before consent", "r1", `{"value":4,"seq":1}`, 409, "privacy notice"),
	})
	if _, err := e.st.Response(context.Background(), ptStudy, 1, x.ID); delphi.ErrorCode(err) != delphi.ENOTFOUND {
		t.Fatalf("something was stored before consent: %v", err)
	}
	e.run([]scenario{
		{name: "consent", method: "POST", url: "/api/v1/participation/consent", headers: auth, status: 200, want: []string{`"consent_at":"2026-11-26T09:00:00Z"`}},
		put("rating", "r1", `{"value":4,"seq":1}`, 200, `"value":4`, `"applied":true`, `"progress":{"answered":1,"total":9}`),
		put("rating abstain", "r1", `{"value":"abstain","seq":2}`, 200, `"value":"abstain"`),
		put("rating off the scale", "r1", `{"value":7,"seq":3}`, 422, `"field":"value","item":"r1"`),
		put("rating not a number", "r1", `{"value":"maybe","seq":3}`, 422, `"field":"value"`),
		put("rating fraction", "r1", `{"value":2.5,"seq":3}`, 422, `"field":"value"`),
		put("multi rating", "m1", `{"value":{"imp":4,"feas":3},"seq":1}`, 200, `"value":{"feas":3,"imp":4}`),
		put("multi rating incomplete", "m1", `{"value":{"imp":4},"seq":2}`, 422, `"field":"value.feas","item":"m1"`),
		put("multi rating unknown criterion", "m1", `{"value":{"imp":4,"feas":3,"x":1},"seq":2}`, 422, `"field":"value.x"`),
		put("multi rating abstain where the scale has none", "m1", `{"value":{"imp":4,"feas":"abstain"},"seq":2}`, 422, `"field":"value.feas"`),
		put("single choice", "s1", `{"value":"web","seq":1}`, 200, `"value":"web"`),
		put("single choice unknown option", "s1", `{"value":"nope","seq":2}`, 422, `"field":"value","item":"s1"`),
		put("multiple choice", "c1", `{"value":["x","z"],"seq":1}`, 200, `"value":["x","z"]`),
		put("multiple choice over max", "c1", `{"value":["x","y","z"],"seq":2}`, 422, "at most 2"),
		put("multiple choice twice", "c1", `{"value":["x","x"],"seq":2}`, 422, "twice"),
		put("top-k ranking", "k1", `{"value":["c","a"],"seq":1}`, 200, `"value":["c","a"]`),
		put("top-k ranking too short", "k1", `{"value":["c"],"seq":2}`, 422, "rank exactly 2"),
		put("top-k ranking too long", "k1", `{"value":["c","a","b"],"seq":2}`, 422, "rank exactly 2"),
		put("full ranking", "k2", `{"value":["b","c","a"],"seq":1}`, 200),
		put("full ranking incomplete", "k2", `{"value":["b","c"],"seq":2}`, 422, "rank all 3"),
		put("full ranking not a permutation", "k2", `{"value":["b","b","a"],"seq":2}`, 422, "twice"),
		put("numeric", "n1", `{"value":500,"seq":1}`, 200, `"value":500`),
		put("numeric below min", "n1", `{"value":-1,"seq":2}`, 422, "at least 0"),
		put("numeric above max", "n1", `{"value":1001,"seq":2}`, 422, "at most 1000"),
		put("numeric not whole", "n1", `{"value":2.5,"seq":2}`, 422, "whole"),
		put("text", "t1", `{"value":"kurz","seq":1}`, 200, `"value":"kurz"`),
		put("text too long for the item", "t1", `{"value":"`+strings.Repeat("ä", 21)+`","seq":2}`, 422, `"field":"value","item":"t1"`),
		put("comment too long", "r1", `{"value":4,"comment":"`+long+`","seq":10}`, 422, `"field":"comment"`),
		put("justification too long", "r1", `{"value":4,"justification":"`+long+`","seq":10}`, 422, `"field":"justification","item":"r1"`),
		put("comment on an item without comments", "r2", `{"value":4,"comment":"hm","seq":1}`, 422, `"field":"comment","item":"r2"`),
		put("unknown item", "zz", `{"value":4,"seq":1}`, 404, `"field":"item","item":"zz"`),
		put("seq missing", "r2", `{"value":4}`, 422, `"field":"seq","item":"r2"`),
		put("unknown field", "r2", `{"value":4,"seq":1,"expert_id":"x"}`, 422, `"field":"expert_id"`),
		put("malformed JSON", "r2", `{"value":`, 400),
		{name: "not JSON", method: "PUT", url: "/api/v1/participation/answers/r2", headers: auth, body: "value=4", ctype: "text/plain", status: 400},
		// seq ordering: the highest seq wins, older saves answer 200 with the stored answer.
		put("seq 20", "r1", `{"value":5,"comment":"neu","seq":20}`, 200, `"value":5`, `"applied":true`, `"seq":20`),
		put("an older seq is not applied", "r1", `{"value":1,"seq":19}`, 200, `"value":5`, `"applied":false`, `"seq":20`, `"comment":"neu"`),
		put("the same seq again", "r1", `{"value":2,"seq":20}`, 200, `"value":5`, `"applied":false`),
		put("a comment without a value is kept", "r2", `{"value":null,"seq":1}`, 200, `"value":null`),
		{name: "progress and answers", method: "GET", url: "/api/v1/participation", headers: auth, status: 200,
			want: []string{`"progress":{"answered":8,"total":9}`, `"r1":{"value":5,"comment":"neu"`, `"revisions":`}},
		// Submitting twice is harmless; a revision after submitting counts.
		{name: "submit", method: "POST", url: "/api/v1/participation/submit", headers: auth, status: 200, want: []string{`"submissions":1`, `"changed":true`, `"unanswered":["r2"]`}},
		{name: "submit again", method: "POST", url: "/api/v1/participation/submit", headers: auth, status: 200, want: []string{`"submissions":1`, `"changed":false`}},
		put("revise after submitting", "r2", `{"value":3,"seq":2}`, 200, `"value":3`),
		{name: "submit the revision", method: "POST", url: "/api/v1/participation/submit", headers: auth, status: 200, want: []string{`"submissions":2`, `"unanswered":[]`}},
		{name: "decline", method: "POST", url: "/api/v1/participation/decline", headers: auth, status: 200, want: []string{`"declined_at":`}},
		put("no save after declining", "r1", `{"value":4,"seq":30}`, 409, "left this study"),
		{name: "no submit after declining", method: "POST", url: "/api/v1/participation/submit", headers: auth, status: 409},
		{name: "declined state", method: "GET", url: "/api/v1/participation", headers: auth, status: 200, want: []string{`"state":"declined"`}},
	})
	// Every stored answer carries its context.
	r, err := e.st.Response(context.Background(), ptStudy, 1, x.ID)
	if err != nil {
		t.Fatal(err)
	}
	a := r.Answers["r1"]
	if a.SurveyID != ptStudy || a.Round != 1 || a.ItemID != "r1" || a.Pseudonym != x.Pseudonym || a.Group != "wiss" || a.Seq != 20 ||
		*a.Value.Point != 5 || a.Comment != "neu" || a.FirstSavedAt.IsZero() || a.Revisions != 2 || r.StartedAt == nil || r.FirstOpenedAt == nil {
		t.Fatalf("stored answer: %+v, response %+v", a, r)
	}
	// The decline is visible to coordinators.
	got, err := e.st.ExpertByID(context.Background(), ptStudy, x.ID)
	if err != nil || got.DeclinedAt == nil || got.ConsentAt == nil {
		t.Fatalf("expert after decline: %+v %v", got, err)
	}
}

func TestParticipationRoundStates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.importStudy("participation-study.yaml", readFile(t, "testdata/participation-study.yaml"))
	x := e.addExpert(ptStudy, "wiss")
	e.expertCall(x, "POST", "/api/v1/participation/consent", "", 200)
	put := `{"value":4,"seq":1}`
	if b := e.expertCall(x, "GET", "/api/v1/participation", "", 200); !bytes.Contains(b, []byte(`"state":"not_started"`)) || !bytes.Contains(b, []byte(`"round":null`)) {
		t.Fatalf("before round 1: %s", b)
	}
	e.expertCall(x, "PUT", "/api/v1/participation/answers/r1", put, 409)

	// A draft round is not visible.
	e.staff("POST", "/api/v1/surveys/"+ptStudy+"/rounds", "admin", `{"opens_at":"`+e.ts(time.Hour)+`","deadline":"`+e.ts(48*time.Hour)+`"}`, 201)
	if b := e.expertCall(x, "GET", "/api/v1/participation", "", 200); !bytes.Contains(b, []byte(`"state":"not_started"`)) {
		t.Fatalf("draft round: %s", b)
	}
	// Open, but its opening time lies ahead.
	e.staff("POST", "/api/v1/surveys/"+ptStudy+"/rounds/1/open", "admin", "", 200)
	if b := e.expertCall(x, "GET", "/api/v1/participation", "", 200); !bytes.Contains(b, []byte(`"state":"upcoming"`)) {
		t.Fatalf("upcoming round: %s", b)
	}
	if b := e.expertCall(x, "PUT", "/api/v1/participation/answers/r1", put, 409); !bytes.Contains(b, []byte("opens at")) {
		t.Fatalf("save before the opening time: %s", b)
	}
	e.clock.add(2 * time.Hour)
	e.bearer = map[string]string{} // the 30-minute tokens have expired
	e.session(x)
	e.expertCall(x, "PUT", "/api/v1/participation/answers/r1", put, 200)
	e.staff("POST", "/api/v1/surveys/"+ptStudy+"/rounds/1/close", "admin", "", 200)
	if b := e.expertCall(x, "GET", "/api/v1/participation", "", 200); !bytes.Contains(b, []byte(`"state":"closed"`)) || !bytes.Contains(b, []byte(`"r1":{"value":4`)) {
		t.Fatalf("closed round (read-only): %s", b)
	}
	if b := e.expertCall(x, "PUT", "/api/v1/participation/answers/r1", `{"value":5,"seq":2}`, 409); !bytes.Contains(b, []byte("closed")) {
		t.Fatalf("save after closing: %s", b)
	}
	e.expertCall(x, "POST", "/api/v1/participation/submit", "", 409)
}

// TestFeedbackAndJustification: round 2 shows the previous round's frozen
// feedback next to the expert's own answer; answers outside the IQR need a
// justification on submit.
func TestFeedbackAndJustification(t *testing.T) {
	t.Parallel()
	e := ptEnv(t)
	var panel []*expert
	for i, v := range []int{2, 3, 4, 4, 5} {
		x := e.addExpert(ptStudy, []string{"wiss", "praxis"}[i%2])
		panel = append(panel, x)
		e.expertCall(x, "POST", "/api/v1/participation/consent", "", 200)
		e.expertCall(x, "PUT", "/api/v1/participation/answers/r1", fmt.Sprintf(`{"value":%d,"comment":"Kommentar %d","seq":1}`, v, i), 200)
		e.expertCall(x, "PUT", "/api/v1/participation/answers/r2", fmt.Sprintf(`{"value":%d,"seq":1}`, v), 200)
		e.expertCall(x, "POST", "/api/v1/participation/submit", "", 200)
	}
	e.staff("POST", "/api/v1/surveys/"+ptStudy+"/rounds/1/close", "admin", "", 200)
	snap1, err := e.st.Snapshot(context.Background(), ptStudy, 1)
	if err != nil {
		t.Fatal(err)
	}
	e.openRound(ptStudy, `{"deadline":"`+e.ts(48*time.Hour)+`","carry_over":{"mode":"all"}}`)

	a := panel[0] // answered 2 in round 1; the IQR is 3–4
	b := e.expertCall(a, "GET", "/api/v1/participation", "", 200)
	type view struct {
		Round    struct{ Number int }
		Sections []struct {
			Items []struct {
				Item     delphi.Item
				Origin   string
				Previous *struct {
					Value   json.RawMessage
					Comment string
				}
				Feedback *struct {
					N      int
					Rating *struct {
						N                int
						Median, Q1, Q3   *float64
						IQR              *float64
						AgreementPercent *float64 `json:"agreement_percent"`
						Consensus        string
						Distribution     []struct{ Value, Count int }
						ByGroup          map[string]any `json:"by_group"`
					}
					Comments []struct{ Text, Group, Kind string }
				}
			}
		}
	}
	v := decode[view](t, b)
	if v.Round.Number != 2 {
		t.Fatalf("round %d", v.Round.Number)
	}
	r1 := v.Sections[0].Items[0]
	if r1.Item.ID != "r1" || r1.Origin != delphi.OriginCarried || r1.Previous == nil || string(r1.Previous.Value) != "2" || r1.Previous.Comment != "Kommentar 0" {
		t.Fatalf("own previous answer: %+v", r1)
	}
	f := r1.Feedback
	if f == nil || f.N != 5 || f.Rating == nil || *f.Rating.Median != 4 || *f.Rating.Q1 != 3 || *f.Rating.Q3 != 4 || *f.Rating.IQR != 1 ||
		*f.Rating.AgreementPercent != 60 || f.Rating.Consensus != "none" || len(f.Rating.Distribution) != 5 || f.Rating.ByGroup != nil {
		t.Fatalf("feedback: %+v", f)
	}
	if len(f.Comments) != 5 || f.Comments[0].Text != "Kommentar 0" || f.Comments[0].Group != "" {
		t.Fatalf("comments: %+v", f.Comments)
	}
	for _, x := range panel { // anonymous: no pseudonym or id of anyone else
		if x != a && (bytes.Contains(b, []byte(x.Pseudonym)) || bytes.Contains(b, []byte(x.ID))) {
			t.Fatalf("the view names another expert (%s)", x.Pseudonym)
		}
	}

	// Keeping 2 (outside 3–4) needs a justification; so does 5.
	out := e.expertCall(a, "PUT", "/api/v1/participation/answers/r1", `{"value":2,"seq":1}`, 200)
	if !bytes.Contains(out, []byte(`"needs_justification":true`)) {
		t.Fatalf("save outside the IQR: %s", out)
	}
	e.expertCall(a, "PUT", "/api/v1/participation/answers/r2", `{"value":5,"seq":1}`, 200)
	out = e.expertCall(a, "POST", "/api/v1/participation/submit", "", 422)
	// One convention for every answer's error: the field and the item.
	if !bytes.Contains(out, []byte(`"field":"justification","details":[{"field":"justification","item":"r1"`)) ||
		!bytes.Contains(out, []byte(`{"field":"justification","item":"r2"`)) || bytes.Contains(out, []byte(`"field":"justification","item":"r1","details"`)) {
		t.Fatalf("submit without justifications: %s", out)
	}
	e.expertCall(a, "PUT", "/api/v1/participation/answers/r1", `{"value":2,"justification":"local evidence","seq":2}`, 200)
	out = e.expertCall(a, "POST", "/api/v1/participation/submit", "", 422)
	if !bytes.Contains(out, []byte(`"field":"justification","item":"r2","details":[{"field":"justification","item":"r2"`)) {
		t.Fatalf("submit with one justification: %s", out)
	}
	// Inside the IQR (bounds included) none is needed.
	out = e.expertCall(a, "PUT", "/api/v1/participation/answers/r2", `{"value":4,"seq":2}`, 200)
	if !bytes.Contains(out, []byte(`"needs_justification":false`)) {
		t.Fatalf("save inside the IQR: %s", out)
	}
	e.expertCall(a, "POST", "/api/v1/participation/submit", "", 200)

	// Round 1's snapshot never changed.
	snap1b, err := e.st.Snapshot(context.Background(), ptStudy, 1)
	if err != nil || !bytes.Equal(snap1.Results, snap1b.Results) {
		t.Fatalf("round 1's snapshot changed: %v", err)
	}
}

// TestNumericEstimateNeedsJustification: a numeric estimate outside the
// previous round's IQR needs a justification on submit, as a rating does.
func TestNumericEstimateNeedsJustification(t *testing.T) {
	t.Parallel()
	e := ptEnv(t)
	var panel []*expert
	for i, v := range []int{100, 200, 300, 300, 400} { // Q1 200, Q3 300
		x := e.addExpert(ptStudy, []string{"wiss", "praxis"}[i%2])
		panel = append(panel, x)
		e.expertCall(x, "POST", "/api/v1/participation/consent", "", 200)
		e.expertCall(x, "PUT", "/api/v1/participation/answers/n1", fmt.Sprintf(`{"value":%d,"seq":1}`, v), 200)
		e.expertCall(x, "POST", "/api/v1/participation/submit", "", 200)
	}
	e.staff("POST", "/api/v1/surveys/"+ptStudy+"/rounds/1/close", "admin", "", 200)
	e.openRound(ptStudy, `{"deadline":"`+e.ts(48*time.Hour)+`","carry_over":{"mode":"all"}}`)

	a := panel[0]
	out := e.expertCall(a, "PUT", "/api/v1/participation/answers/n1", `{"value":50,"seq":1}`, 200)
	if !bytes.Contains(out, []byte(`"needs_justification":true`)) {
		t.Fatalf("save of an estimate outside the IQR: %s", out)
	}
	out = e.expertCall(a, "POST", "/api/v1/participation/submit", "", 422)
	if !bytes.Contains(out, []byte(`"field":"justification","item":"n1","details":[{"field":"justification","item":"n1"`)) {
		t.Fatalf("submit without a justification: %s", out)
	}
	e.expertCall(a, "PUT", "/api/v1/participation/answers/n1", `{"value":50,"justification":"the new tariff","seq":2}`, 200)
	e.expertCall(a, "POST", "/api/v1/participation/submit", "", 200)
	// Inside the IQR (the bounds included) none is needed.
	if out := e.expertCall(panel[1], "PUT", "/api/v1/participation/answers/n1", `{"value":300,"seq":1}`, 200); !bytes.Contains(out, []byte(`"needs_justification":false`)) {
		t.Fatalf("save inside the IQR: %s", out)
	}
	e.expertCall(panel[1], "POST", "/api/v1/participation/submit", "", 200)
}

// TestFeedbackHiddenUntilAnswered: with hide_until_answered the server omits
// an item's feedback until the expert has answered it in this round.
func TestFeedbackHiddenUntilAnswered(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	study := strings.NewReplacer("id: pt-study", "id: pt-hide", "hide_until_answered: false", "hide_until_answered: true",
		"by_group: false", "by_group: true").Replace(readFile(t, "testdata/participation-study.yaml"))
	e.importStudy("pt-hide.yaml", study)
	e.openRound("pt-hide", "")
	x := e.addExpert("pt-hide", "wiss")
	y := e.addExpert("pt-hide", "praxis")
	for _, p := range []*expert{x, y} {
		e.expertCall(p, "POST", "/api/v1/participation/consent", "", 200)
		e.expertCall(p, "PUT", "/api/v1/participation/answers/r1", `{"value":4,"seq":1}`, 200)
		e.expertCall(p, "POST", "/api/v1/participation/submit", "", 200)
	}
	e.staff("POST", "/api/v1/surveys/pt-hide/rounds/1/close", "admin", "", 200)
	e.openRound("pt-hide", `{"deadline":"`+e.ts(48*time.Hour)+`","carry_over":{"mode":"all"}}`)

	b := e.expertCall(x, "GET", "/api/v1/participation", "", 200)
	if !bytes.Contains(b, []byte(`"feedback_hidden":true`)) || bytes.Contains(b, []byte(`"feedback":{"item_id"`)) || !bytes.Contains(b, []byte(`"previous":{"value":4`)) {
		t.Fatalf("feedback before answering: %s", b)
	}
	out := e.expertCall(x, "PUT", "/api/v1/participation/answers/r1", `{"value":3,"seq":1}`, 200)
	if !bytes.Contains(out, []byte(`"feedback":{"item_id":"r1"`)) || !bytes.Contains(out, []byte(`"by_group":{"praxis":`)) {
		t.Fatalf("the save's answer lacks the feedback: %s", out)
	}
	b = e.expertCall(x, "GET", "/api/v1/participation", "", 200)
	if !bytes.Contains(b, []byte(`"feedback":{"item_id":"r1"`)) {
		t.Fatalf("feedback after answering: %s", b)
	}
}

// TestFeedbackSmallGroupSuppressed: with feedback by group and the default
// min_group_n 3, a group of one shows no numbers and no comment carries a
// group; the researchers' results keep the group's numbers.
func TestFeedbackSmallGroupSuppressed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	study := strings.NewReplacer("id: pt-study", "id: pt-small", "by_group: false", "by_group: true").
		Replace(readFile(t, "testdata/participation-study.yaml"))
	e.importStudy("pt-small.yaml", study)
	e.openRound("pt-small", "")
	var panel []*expert
	for i, g := range []string{"wiss", "wiss", "wiss", "praxis"} {
		x := e.addExpert("pt-small", g)
		panel = append(panel, x)
		e.expertCall(x, "POST", "/api/v1/participation/consent", "", 200)
		body := fmt.Sprintf(`{"value":%d,"comment":"%s","seq":1}`, 3+i%2, []string{"Zeta", "Gamma", "Beta", "Alpha aus der Praxis"}[i])
		e.expertCall(x, "PUT", "/api/v1/participation/answers/r1", body, 200)
		e.expertCall(x, "POST", "/api/v1/participation/submit", "", 200)
	}
	e.staff("POST", "/api/v1/surveys/pt-small/rounds/1/close", "admin", "", 200)
	e.openRound("pt-small", `{"deadline":"`+e.ts(48*time.Hour)+`","carry_over":{"mode":"all"}}`)

	b := e.expertCall(panel[0], "GET", "/api/v1/participation", "", 200)
	type view struct {
		Survey   struct{ Feedback delphi.Feedback }
		Sections []struct {
			Items []struct {
				Item     delphi.Item
				Feedback *struct {
					Rating *struct {
						N       int
						ByGroup map[string]json.RawMessage `json:"by_group"`
					}
					Comments []struct{ Text, Group, Kind string }
				}
			}
		}
	}
	v := decode[view](t, b)
	if v.Survey.Feedback.MinGroupN != 3 || !v.Survey.Feedback.ByGroup {
		t.Fatalf("survey feedback options: %+v", v.Survey.Feedback)
	}
	r1 := v.Sections[0].Items[0]
	if r1.Item.ID != "r1" || r1.Feedback == nil || r1.Feedback.Rating == nil || r1.Feedback.Rating.N != 4 {
		t.Fatalf("r1: %s", b)
	}
	// "praxis" (1 answer) is suppressed, and "wiss" (3) with it: the
	// overall numbers minus those of "wiss" would be the answer of "praxis".
	by := r1.Feedback.Rating.ByGroup
	if len(by) != 2 || string(by["praxis"]) != `{"suppressed":true}` || string(by["wiss"]) != `{"suppressed":true}` {
		t.Fatalf("by group: %s", b)
	}
	var texts []string
	for _, c := range r1.Feedback.Comments {
		if c.Group != "" {
			t.Fatalf("a comment carries its group: %+v", r1.Feedback.Comments)
		}
		texts = append(texts, c.Text)
	}
	if !slices.Equal(texts, []string{"Alpha aus der Praxis", "Beta", "Gamma", "Zeta"}) {
		t.Fatalf("comments not ordered by text: %v", texts)
	}
	// The researchers' results keep the group of one.
	res := e.staff("GET", "/api/v1/surveys/pt-small/rounds/1/results", "admin", "", 200)
	if !bytes.Contains(res, []byte(`"praxis":{"summary":{"n":1`)) || !bytes.Contains(res, []byte(`"group":"praxis"`)) {
		t.Fatalf("results: %s", res)
	}
}

// The concurrent-save tests: one consented expert saving through a real
// listener, values that name their seq, and the check that every item ends
// with the answer of its highest seq.
var concurrentItems = []string{"r1", "r2", "n1", "t1"}

func concurrentValue(item string, seq int) string {
	switch item {
	case "n1":
		return fmt.Sprint(seq % 1000)
	case "t1":
		return fmt.Sprintf(`"s%d"`, seq)
	}
	return fmt.Sprint(seq%5 + 1)
}

// listenWithExpert is ptEnv with a consented expert and the server on a
// real listener (stopped with the test); it returns the base URL.
func listenWithExpert(t *testing.T) (*env, *expert, string) {
	e := ptEnv(t)
	x := e.addExpert(ptStudy, "wiss")
	e.expertCall(x, "POST", "/api/v1/participation/consent", "", 200)
	if err := e.srv.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.srv.Shutdown() })
	return e, x, "http://" + e.srv.Addr()
}

// putAsExpert sends a PUT with the expert's JWT and returns an error for
// anything but 200.
func putAsExpert(client *http.Client, url, jwt, body string) ([]byte, error) {
	req, _ := http.NewRequest("PUT", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+jwt)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return b, fmt.Errorf("%d %s", resp.StatusCode, b)
	}
	return b, nil
}

// checkHighest checks that every item of want is stored with the seq
// want names and the value sent with it.
func checkHighest(t *testing.T, e *env, x *expert, want map[string]int) {
	t.Helper()
	r, err := e.st.Response(context.Background(), ptStudy, 1, x.ID)
	if err != nil {
		t.Fatal(err)
	}
	for item, seq := range want {
		a, ok := r.Answers[item]
		if !ok {
			t.Errorf("item %s lost", item)
			continue
		}
		got, _ := json.Marshal(a.Value)
		if a.Seq != int64(seq) {
			t.Errorf("item %s: seq %d, want %d (value %s)", item, a.Seq, seq, got)
		}
	}
	if t.Failed() {
		return
	}
	// The stored value is the one sent with the highest seq.
	b := e.expertCall(x, "GET", "/api/v1/participation", "", 200)
	for item, seq := range want {
		if frag := fmt.Sprintf(`"%s":{"value":%s,`, item, concurrentValue(item, seq)); !bytes.Contains(b, []byte(frag)) {
			t.Errorf("answers lack %s", frag)
		}
	}
}

// TestConcurrentSavesOverHTTP: 8 clients × 100 saves of one expert through
// a real listener; every item ends with the answer of its highest seq.
func TestConcurrentSavesOverHTTP(t *testing.T) {
	t.Parallel()
	e, x, base := listenWithExpert(t)
	items := concurrentItems
	const workers, saves = 8, 100
	client := &http.Client{Timeout: netTimeout}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range saves {
				seq := i*workers + w + 1
				item := items[(i+w)%len(items)]
				if _, err := putAsExpert(client, base+"/api/v1/participation/answers/"+item, x.jwt, fmt.Sprintf(`{"value":%s,"seq":%d}`, concurrentValue(item, seq), seq)); err != nil {
					t.Errorf("save %s seq %d: %v", item, seq, err)
					return
				}
			}
		})
	}
	wg.Wait()
	want := map[string]int{}
	for w := range workers {
		for i := range saves {
			item := items[(i+w)%len(items)]
			want[item] = max(want[item], i*workers+w+1)
		}
	}
	checkHighest(t, e, x, want)
}

// TestConcurrentCloseComputesOneSnapshot: closing twice at once closes once.
func TestConcurrentCloseComputesOneSnapshot(t *testing.T) {
	t.Parallel()
	e := ptEnv(t)
	tok := e.login("admin")
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			if s, b := e.call("POST", "/api/v1/surveys/"+ptStudy+"/rounds/1/close", tok, ""); s != 200 {
				t.Errorf("close: %d %s", s, b)
			}
		})
	}
	wg.Wait()
	entries, err := e.st.ListAudit(context.Background(), ptStudy, 100)
	if err != nil {
		t.Fatal(err)
	}
	closes := 0
	for _, en := range entries {
		if en.Action == "round.close" {
			closes++
		}
	}
	r, err := e.st.Round(context.Background(), ptStudy, 1)
	if err != nil {
		t.Fatal(err)
	}
	if closes != 1 || r.Closes() != 1 {
		t.Fatalf("%d audited closes, %d in the history; want 1", closes, r.Closes())
	}
}

// TestDeadlineAutoClose: a round closes itself at its deadline: lazily on
// the next request, and by the sweep at startup and on its ticker.
func TestDeadlineAutoClose(t *testing.T) {
	t.Parallel()
	e := ptEnv(t) // deadline in 7 days
	x := e.addExpert(ptStudy, "wiss")
	e.expertCall(x, "POST", "/api/v1/participation/consent", "", 200)
	e.expertCall(x, "PUT", "/api/v1/participation/answers/r1", `{"value":4,"seq":1}`, 200)
	ctx := context.Background()

	e.clock.add(7*24*time.Hour + time.Second)
	if _, err := e.st.Snapshot(ctx, ptStudy, 1); delphi.ErrorCode(err) != delphi.ENOTFOUND {
		t.Fatalf("a snapshot before anything touched the round: %v", err)
	}
	// The next request that touches the round sees it closed.
	e.bearer = map[string]string{} // the 30-minute tokens have expired
	e.session(x)
	b := e.expertCall(x, "PUT", "/api/v1/participation/answers/r1", `{"value":5,"seq":2}`, 409)
	if !bytes.Contains(b, []byte("closed")) {
		t.Fatalf("save after the deadline: %s", b)
	}
	r, err := e.st.Round(ctx, ptStudy, 1)
	if err != nil || r.Status != delphi.RoundClosed || r.ClosedAt == nil || r.History[len(r.History)-1].ActorID != delphi.SystemActor {
		t.Fatalf("round after the deadline: %+v %v", r, err)
	}
	snap, err := e.st.Snapshot(ctx, ptStudy, 1)
	if err != nil || !bytes.Contains(snap.Results, []byte(`"item_id":"r1"`)) {
		t.Fatalf("snapshot: %v", err)
	}
	if b := e.expertCall(x, "GET", "/api/v1/participation", "", 200); !bytes.Contains(b, []byte(`"state":"closed"`)) {
		t.Fatalf("state after the deadline: %s", b)
	}
	audit := e.staff("GET", "/api/v1/audit?survey_id="+ptStudy, "admin", "", 200)
	if !bytes.Contains(audit, []byte(`"actor_id":"system","action":"round.close"`)) || !bytes.Contains(audit, []byte(`"automatic":true`)) {
		t.Fatalf("audit: %s", audit)
	}

	// The startup sweep: a deadline that passed while the server was down
	// is honoured before the first request.
	e.importStudies()
	ks := "/api/v1/surveys/kleinstadtakademie-2020/rounds"
	e.staff("POST", ks, "admin", `{"deadline":"`+e.ts(time.Hour)+`"}`, 201)
	e.staff("POST", ks+"/1/open", "admin", "", 200)
	e.clock.add(2 * time.Hour)
	e.bearer = map[string]string{}
	// A restarted process: Main builds the lifecycle and starts its sweeper.
	restarted := deps(e.st, e.clock.now, e.tokens, wiring{}).Rounds
	sweeper := restarted.StartSweeper()
	defer sweeper.Stop()
	r, err = e.st.Round(ctx, "kleinstadtakademie-2020", 1)
	if err != nil || r.Status != delphi.RoundClosed {
		t.Fatalf("after the startup sweep: %+v %v", r, err)
	}
	if _, err := e.st.Snapshot(ctx, "kleinstadtakademie-2020", 1); err != nil {
		t.Fatalf("no snapshot after the startup sweep: %v", err)
	}
	// One sweep closes what is overdue and nothing else.
	if n, err := restarted.CloseOverdue(ctx); n != 0 || err != nil {
		t.Fatalf("second sweep closed %d (%v)", n, err)
	}
}

// TestExportClosesAnOverdueRound: an export is a request like any other, so
// a round past its deadline is closed first and exported from its snapshot,
// not as live numbers.
func TestExportClosesAnOverdueRound(t *testing.T) {
	t.Parallel()
	e := ptEnv(t) // deadline in 7 days
	x := e.addExpert(ptStudy, "wiss")
	e.expertCall(x, "POST", "/api/v1/participation/consent", "", 200)
	e.expertCall(x, "PUT", "/api/v1/participation/answers/r1", `{"value":4,"seq":1}`, 200)
	ctx := context.Background()
	e.clock.add(7*24*time.Hour + time.Second)
	e.bearer = map[string]string{} // the 30-minute tokens have expired
	e.staff("GET", "/api/v1/surveys/"+ptStudy+"/export.json", "admin", "", 200)
	r, err := e.st.Round(ctx, ptStudy, 1)
	if err != nil || r.Status != delphi.RoundClosed {
		t.Fatalf("round after an export past its deadline: %+v %v", r, err)
	}
	if _, err := e.st.Snapshot(ctx, ptStudy, 1); err != nil {
		t.Fatalf("no snapshot: %v", err)
	}
}

// TestResultsCountSubmittedOrAll: by default the live results, the export
// and the feedback snapshot count the experts who submitted; with
// feedback.count "all" drafts too. Both numbers are there either way.
func TestResultsCountSubmittedOrAll(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		count string // "" leaves the key out: the default
		n     int    // r1's n: 3 submitted, 2 drafts
	}{{"", 3}, {"all", 5}} {
		t.Run("count="+tc.count, func(t *testing.T) {
			e := newEnv(t)
			id := "pt-count"
			study := strings.Replace(readFile(t, "testdata/participation-study.yaml"), "id: pt-study", "id: "+id, 1)
			rule := "submitted"
			if tc.count != "" {
				study = strings.Replace(study, "justify_outside_iqr: true", "justify_outside_iqr: true\n    count: "+tc.count, 1)
				rule = tc.count
			}
			e.importStudy(id+".yaml", study)
			e.openRound(id, "")
			var panel []*expert
			for i, v := range []int{5, 5, 5, 1, 1} {
				x := e.addExpert(id, "wiss")
				panel = append(panel, x)
				e.expertCall(x, "POST", "/api/v1/participation/consent", "", 200)
				e.expertCall(x, "PUT", "/api/v1/participation/answers/r1", fmt.Sprintf(`{"value":%d,"seq":1}`, v), 200)
				if i < 3 {
					e.expertCall(x, "POST", "/api/v1/participation/submit", "", 200)
				}
			}
			counts := fmt.Sprintf(`"item_id":"r1","type":"rating","section_id":"a","position":0,"answered":%d,"n":%d,"submitted":3,"drafts":2`, tc.n, tc.n)
			live := e.staff("GET", "/api/v1/surveys/"+id+"/rounds/1/results", "admin", "", 200)
			for _, want := range []string{`"count":"` + rule + `"`, fmt.Sprintf(`"respondents":{"total":%d,`, tc.n), `"submitted":3,"drafts":2},"items"`, counts} {
				if !bytes.Contains(live, []byte(want)) {
					t.Fatalf("live results lack %s: %.600s", want, live)
				}
			}

			// The export's result sheet counts the same experts.
			x := decode[struct {
				Items []struct {
					ItemID string `json:"item_id"`
					N      int
				}
			}](t, live)
			if x.Items[0].ItemID != "r1" || x.Items[0].N != tc.n {
				t.Fatalf("live r1: %+v", x.Items[0])
			}
			f, err := excelize.OpenReader(bytes.NewReader(e.staff("GET", "/api/v1/surveys/"+id+"/export.xlsx?lang=en", "admin", "", 200)))
			if err != nil {
				t.Fatal(err)
			}
			rows, _ := f.GetRows("Round 1")
			nCol := slices.Index(rows[0], "n")
			if nCol < 0 || rows[1][1] != "r1" || rows[1][nCol] != strconv.Itoa(tc.n) {
				t.Fatalf("export round 1: %q / %q", rows[0], rows[1])
			}
			_ = f.Close()

			// Round 2's feedback is the snapshot taken at the close.
			e.staff("POST", "/api/v1/surveys/"+id+"/rounds/1/close", "admin", "", 200)
			e.openRound(id, `{"deadline":"`+e.ts(48*time.Hour)+`","carry_over":{"mode":"all"}}`)
			b := e.expertCall(panel[0], "GET", "/api/v1/participation", "", 200)
			if want := fmt.Sprintf(`"feedback":{"item_id":"r1","type":"rating","n":%d,"submitted":3,"drafts":2,"count":"%s"`, tc.n, rule); !bytes.Contains(b, []byte(want)) {
				t.Fatalf("feedback lacks %s: %.800s", want, b)
			}
		})
	}
}
