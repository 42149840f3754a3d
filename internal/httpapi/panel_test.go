package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/expertenrunde/expertenrunde/internal/auth"
	"github.com/expertenrunde/expertenrunde/internal/config"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/httpapi"
	"github.com/expertenrunde/expertenrunde/internal/mail"
	"github.com/expertenrunde/expertenrunde/internal/mail/mailtest"
	"github.com/expertenrunde/expertenrunde/internal/survey"
)

const (
	ks      = "kleinstadtakademie-2020"
	ksPanel = "/api/v1/surveys/" + ks + "/experts"
	ksRound = "/api/v1/surveys/" + ks + "/rounds/1"
	baseURL = "https://befragung.example"
)

// mailEnv is an env whose server also has the panel and mail services, a
// real SMTP server and a dispatcher the test drives pass by pass.
type mailEnv struct {
	*env
	smtp *mailtest.Server
	disp *mail.Dispatcher
}

func newMailEnv(t *testing.T) *mailEnv {
	t.Helper()
	e := newEnv(t)
	smtp := mailtest.NewServer(t)
	disp := &mail.Dispatcher{
		Store: e.st, Experts: e.st, Surveys: e.st, Rounds: e.st, Responses: e.st,
		Sender: mail.NewSender(smtp.Config()), BaseURL: baseURL, Now: e.clock.now, Owner: "test",
		Backoff: time.Minute,
	}
	e.srv = httpapi.New(deps(e.st, e.clock.now, e.tokens, wiring{mail: true, mailer: disp, baseURL: baseURL, smtp: true}),
		httpapi.Options{BodyLimit: 4 << 20, Version: "test"})
	e.importStudies()
	return &mailEnv{env: e, smtp: smtp, disp: disp}
}

// openRound1 stores round 1 of the Kleinstadt study as open with a deadline.
func (e *mailEnv) openRound1() {
	e.t.Helper()
	deadline := time.Date(2026, 12, 11, 17, 0, 0, 0, time.UTC)
	if err := e.st.CreateRound(context.Background(), &delphi.Round{SurveyID: ks, Number: 1, Status: delphi.RoundOpen, Deadline: &deadline}); err != nil {
		e.t.Fatal(err)
	}
}

// req sends a request as the named user; the body is JSON unless ctype is given.
func (e *mailEnv) req(method, url, as, body string, headers ...string) (int, http.Header, []byte) {
	e.t.Helper()
	var r *http.Request
	if body != "" {
		r = jsonReq(method, url, body)
	} else {
		r = httptest.NewRequest(method, url, nil)
	}
	if as != "" {
		r.Header.Set("Authorization", "Bearer "+e.login(as))
	}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	return e.do(r)
}

func (e *mailEnv) must(want int, method, url, as, body string, headers ...string) []byte {
	e.t.Helper()
	status, _, b := e.req(method, url, as, body, headers...)
	if status != want {
		e.t.Fatalf("%s %s as %s: %d, want %d: %s", method, url, as, status, want, b)
	}
	return b
}

// upload posts data as the multipart form field "file", as the named user.
func (e *env) upload(url, as, name string, data []byte) (int, []byte) {
	e.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = w.Close()
	r := httptest.NewRequest("POST", url, &buf)
	r.Header.Set("Content-Type", w.FormDataContentType())
	r.Header.Set("Authorization", "Bearer "+e.login(as))
	status, _, b := e.do(r)
	return status, b
}

type expertOut struct {
	ID, Pseudonym, Name, Email, Group, Language, Status string
	Round                                               *struct {
		Invite      string
		Reminders   int
		SubmittedAt *time.Time `json:"submitted_at"`
	}
}

func (e *mailEnv) addExpert(name, email, group, lang string) expertOut {
	e.t.Helper()
	body := fmt.Sprintf(`{"name":%q,"email":%q,"organisation":"Org","group":%q,"language":%q}`, name, email, group, lang)
	return decode[expertOut](e.t, e.must(201, "POST", ksPanel, "coord-a", body))
}

func (e *mailEnv) list(query string) []expertOut {
	e.t.Helper()
	return decode[struct{ Experts []expertOut }](e.t, e.must(200, "GET", ksPanel+query, "coord-a", "")).Experts
}

func (e *mailEnv) auditActions() map[string]int {
	e.t.Helper()
	entries, err := e.st.ListAudit(context.Background(), ks, 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]int{}
	for _, a := range entries {
		out[a.Action]++
		for k, v := range a.Details {
			if s := fmt.Sprint(v); strings.Contains(s, "@") {
				e.t.Errorf("audit %s holds personal data in %s: %s", a.Action, k, s)
			}
		}
	}
	return out
}

func TestPanelAccess(t *testing.T) {
	t.Parallel()
	e := newMailEnv(t)
	e.openRound1()
	x := e.addExpert("Anna Alt", "anna@example.org", "planungspraxis", "de")
	one := ksPanel + "/" + x.ID
	e.run([]scenario{
		{name: "no auth", method: "GET", url: ksPanel, status: 401},
		{name: "researcher cannot list the panel", method: "GET", url: ksPanel, as: "researcher", status: 403},
		{name: "researcher cannot export contact data", method: "GET", url: ksPanel + "/export.csv", as: "researcher", status: 403, notWant: []string{"anna@"}},
		{name: "researcher cannot export xlsx", method: "GET", url: ksPanel + "/export.xlsx", as: "researcher", status: 403},
		{name: "researcher cannot read one", method: "GET", url: one, as: "researcher", status: 403},
		{name: "researcher cannot download links", method: "POST", url: ksPanel + "/links.csv", as: "researcher", status: 403},
		{name: "coordinator of another study: 404", method: "GET", url: ksPanel, as: "coord-b", status: 404, notWant: []string{"anna@"}},
		{name: "another coordinator's export: 404", method: "GET", url: ksPanel + "/export.csv", as: "coord-b", status: 404},
		{name: "another coordinator cannot erase", method: "DELETE", url: one, as: "coord-b", status: 404},
		{name: "another coordinator cannot issue a link", method: "POST", url: one + "/link", as: "coord-b", status: 404},
		{name: "an expert of another study is 404", method: "GET", url: "/api/v1/surveys/cos-chronic-low-back-pain-example/experts/" + x.ID, as: "coord-b", status: 404},
		{name: "unknown study", method: "GET", url: "/api/v1/surveys/nope/experts", as: "admin", status: 404},
		{name: "researcher may read the response rates", method: "GET", url: ksRound + "/progress", as: "researcher", status: 200, notWant: []string{"anna@"}},
		{name: "researcher cannot send", method: "POST", url: ksRound + "/invitations", as: "researcher", status: 403},
		{name: "another coordinator cannot send", method: "POST", url: ksRound + "/invitations", as: "coord-b", status: 404},
		{name: "another coordinator cannot see progress", method: "GET", url: ksRound + "/progress", as: "coord-b", status: 404},
	})
}

func TestPanelCRUD(t *testing.T) {
	t.Parallel()
	e := newMailEnv(t)
	e.run([]scenario{
		{name: "create", method: "POST", url: ksPanel, as: "coord-a", body: `{"name":"Jürgen Müller","email":"J.Mueller@Example.ORG","organisation":"Stadt","group":"politik-verwaltung","language":"de","notes":"Bürgermeister"}`,
			status: 201, want: []string{`"email":"j.mueller@example.org"`, `"status":"active"`, `"group":"politik-verwaltung"`}},
		{name: "same e-mail in other case", method: "POST", url: ksPanel, as: "coord-a", body: `{"email":"j.mueller@example.org","group":"planungspraxis"}`, status: 409, want: []string{`"field":"email"`}},
		{name: "bad e-mail", method: "POST", url: ksPanel, as: "coord-a", body: `{"email":"nope","group":"planungspraxis"}`, status: 422, want: []string{`"field":"email","reason":"bad_email","params":{"value":"nope"}`}},
		{name: "unknown group", method: "POST", url: ksPanel, as: "coord-a", body: `{"email":"x@example.org","group":"astronauten"}`, status: 422, want: []string{`"field":"group","reason":"unknown_group","params":{"value":"astronauten"}`}},
		{name: "unknown language", method: "POST", url: ksPanel, as: "coord-a", body: `{"email":"x@example.org","group":"planungspraxis","language":"fr"}`, status: 422, want: []string{`"field":"language"`}},
		{name: "unknown field", method: "POST", url: ksPanel, as: "coord-a", body: `{"email":"x@example.org","group":"planungspraxis","pseudonym":"E-AAAA"}`, status: 422, want: []string{`"field":"pseudonym"`}},
		{name: "operator injection", method: "POST", url: ksPanel, as: "coord-a", body: `{"email":{"$ne":""},"group":"planungspraxis"}`, status: 422},
		{name: "admin creates too", method: "POST", url: ksPanel, as: "admin", body: `{"name":"=HYPERLINK(\"http://evil\")","email":"eva@example.org","group":"international","language":"en"}`, status: 201},
		{name: "bad status filter", method: "GET", url: ksPanel + "?status=bogus", as: "coord-a", status: 422},
		{name: "bad group filter", method: "GET", url: ksPanel + "?group=bogus", as: "coord-a", status: 422},
	})
	all := e.list("")
	if len(all) != 2 {
		t.Fatalf("list = %+v", all)
	}
	if got := e.list("?group=international"); len(got) != 1 || got[0].Email != "eva@example.org" {
		t.Fatalf("group filter = %+v", got)
	}
	var jm expertOut
	for _, x := range all {
		if x.Email == "j.mueller@example.org" {
			jm = x
		}
	}
	one := ksPanel + "/" + jm.ID
	e.run([]scenario{
		{name: "get", method: "GET", url: one, as: "coord-a", status: 200, want: []string{`"name":"Jürgen Müller"`, `"notes":"Bürgermeister"`}},
		{name: "patch group and language", method: "PATCH", url: one, as: "coord-a", body: `{"group":"planungspraxis","language":"en"}`, status: 200, want: []string{`"group":"planungspraxis"`, `"language":"en"`, `"name":"Jürgen Müller"`}},
		{name: "patch to a taken e-mail", method: "PATCH", url: one, as: "coord-a", body: `{"email":"EVA@example.org"}`, status: 409},
		{name: "decline", method: "PATCH", url: one, as: "coord-a", body: `{"declined":true}`, status: 200, want: []string{`"status":"declined"`, `"declined_at":`}},
		{name: "status filter", method: "GET", url: ksPanel + "?status=declined", as: "coord-a", status: 200, want: []string{"j.mueller@"}, notWant: []string{"eva@"}},
		{name: "unknown expert", method: "GET", url: ksPanel + "/nope", as: "coord-a", status: 404},
	})

	// Erasure keeps the pseudonym and group, drops the identity and the link.
	link := decode[struct{ Link string }](t, e.must(200, "POST", one+"/link", "coord-a", "")).Link
	token := strings.TrimPrefix(link, baseURL+"/p/")
	e.must(204, "DELETE", one, "coord-a", "")
	e.must(204, "DELETE", one, "coord-a", "") // again: still fine
	got := decode[expertOut](t, e.must(200, "GET", one, "coord-a", ""))
	if got.Status != "erased" || got.Email != "" || got.Name != "" || got.Pseudonym != jm.Pseudonym || got.Group != "planungspraxis" {
		t.Fatalf("after erasure: %+v", got)
	}
	if _, err := e.st.ExpertByTokenHash(context.Background(), delphi.HashAccessToken(token)); delphi.ErrorCode(err) != delphi.ENOTFOUND {
		t.Fatalf("link still works after erasure: %v", err)
	}
	e.run([]scenario{
		{name: "no identity after erasure", method: "PATCH", url: one, as: "coord-a", body: `{"email":"back@example.org"}`, status: 409},
		{name: "no link after erasure", method: "POST", url: one + "/link", as: "coord-a", status: 409},
		{name: "erased filter", method: "GET", url: ksPanel + "?status=erased", as: "coord-a", status: 200, want: []string{jm.Pseudonym}, notWant: []string{"j.mueller"}},
	})
	acts := e.auditActions()
	for _, a := range []string{"expert.create", "expert.update", "expert.erase", "expert.link"} {
		if acts[a] == 0 {
			t.Errorf("no audit entry %s: %v", a, acts)
		}
	}
}

func TestPanelExportAndLinks(t *testing.T) {
	t.Parallel()
	e := newMailEnv(t)
	a := e.addExpert("=HYPERLINK(\"http://evil\",\"x\")", "anna@example.org", "planungspraxis", "de")
	e.addExpert("+Bert; Böhm", "bert@example.org", "international", "en")
	declined := e.addExpert("Dora", "dora@example.org", "international", "de")
	e.must(200, "PATCH", ksPanel+"/"+declined.ID, "coord-a", `{"declined":true}`)

	status, h, body := e.req("GET", ksPanel+"/export.csv", "coord-a", "")
	if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") || !strings.Contains(h.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export.csv: %d %v", status, h)
	}
	text := string(body)
	if !strings.HasPrefix(text, "\uFEFFPseudonym;Name;E-Mail;Organisation;Gruppe;Sprache;Notizen;Status") || !strings.Contains(text, "\r\n") {
		t.Fatalf("CSV header: %q", text[:80])
	}
	if !strings.Contains(text, `"'=HYPERLINK(""http://evil"",""x"")"`) || !strings.Contains(text, `"'+Bert; Böhm"`) {
		t.Fatalf("formula cells not neutralised:\n%s", text)
	}
	if strings.Contains(text, ";=HYPERLINK") {
		t.Fatal("a raw formula reached the CSV")
	}

	status, _, body = e.req("GET", ksPanel+"/export.xlsx?lang=en", "admin", "")
	if status != 200 {
		t.Fatalf("export.xlsx: %d %s", status, body)
	}
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("Panel")
	if len(rows) != 4 || rows[0][2] != "Email" {
		t.Fatalf("xlsx rows: %v", rows)
	}
	for r := 2; r <= 4; r++ {
		cell, _ := excelize.CoordinatesToCellName(2, r)
		if formula, _ := f.GetCellFormula("Panel", cell); formula != "" {
			t.Errorf("cell %s is a formula: %s", cell, formula)
		}
		if typ, _ := f.GetCellType("Panel", cell); typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
			t.Errorf("cell %s has type %v, want a string cell", cell, typ)
		}
	}
	f.Close()

	// Links: fresh for the active experts only; each resolves to its expert.
	old := decode[struct{ Link string }](t, e.must(200, "POST", ksPanel+"/"+a.ID+"/link", "coord-a", "")).Link
	status, _, body = e.req("POST", ksPanel+"/links.csv", "coord-a", "")
	if status != 200 {
		t.Fatalf("links.csv: %d %s", status, body)
	}
	links := regexp.MustCompile(baseURL+`/p/([A-Za-z0-9_-]{43})`).FindAllStringSubmatch(string(body), -1)
	if len(links) != 2 || strings.Contains(string(body), "dora@") {
		t.Fatalf("links.csv:\n%s", body)
	}
	for _, l := range links {
		x, err := e.st.ExpertByTokenHash(context.Background(), delphi.HashAccessToken(l[1]))
		if err != nil || !strings.Contains(string(body), x.Email) {
			t.Fatalf("link %s: %v %v", l[1], x, err)
		}
	}
	if _, err := e.st.ExpertByTokenHash(context.Background(), delphi.HashAccessToken(strings.TrimPrefix(old, baseURL+"/p/"))); delphi.ErrorCode(err) != delphi.ENOTFOUND {
		t.Fatalf("the link issued before the download still works: %v", err)
	}
	if status, _, body = e.req("POST", ksPanel+"/links.xlsx?group=international", "coord-a", ""); status != 200 {
		t.Fatalf("links.xlsx: %d %s", status, body)
	}
	f, err = excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if rows, _ := f.GetRows("Links"); len(rows) != 2 || !strings.HasPrefix(rows[1][5], baseURL+"/p/") {
		t.Fatalf("links.xlsx rows: %v", rows)
	}
	acts := e.auditActions()
	if acts["expert.export"] != 2 || acts["expert.links"] != 2 || acts["expert.link"] != 1 {
		t.Fatalf("audit: %v", acts)
	}
}

type importOut struct {
	DryRun   bool `json:"dry_run"`
	Written  bool
	DataRows int `json:"data_rows"`
	Added    []struct {
		Row      int
		Email    string
		Group    string
		Language string
	}
	Updated []struct {
		Row    int
		Fields []string
	}
	Unchanged []int
	Rejected  []struct {
		Row    int
		Reason string
		Field  string
	}
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../panel/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPanelImport(t *testing.T) {
	t.Parallel()
	e := newMailEnv(t)
	url := ksPanel + "/import"

	// Dry run (the default): a report, nothing written.
	status, body := e.upload(url, "coord-a", "panel.csv", fixture(t, "panel-de-excel.csv"))
	rep := decode[importOut](t, body)
	if status != 200 || !rep.DryRun || rep.Written || len(rep.Added) != 4 || rep.DataRows != 4 || rep.Added[3].Row != 7 || rep.Added[0].Group != "politik-verwaltung" {
		t.Fatalf("dry run: %d %s", status, body)
	}
	if n := len(e.list("")); n != 0 {
		t.Fatalf("a dry run wrote %d experts", n)
	}

	// Broken rows: nothing is written unless skip_invalid.
	status, body = e.upload(url+"?dry_run=false", "coord-a", "broken.csv", fixture(t, "panel-broken.csv"))
	if status != 422 || !bytes.Contains(body, []byte(`"line":3`)) || !bytes.Contains(body, []byte("nothing was imported")) {
		t.Fatalf("invalid import: %d %s", status, body)
	}
	if n := len(e.list("")); n != 0 {
		t.Fatalf("an invalid import wrote %d experts", n)
	}
	status, body = e.upload(url+"?dry_run=true", "coord-a", "broken.csv", fixture(t, "panel-broken.csv"))
	rep = decode[importOut](t, body)
	reasons := map[string]int{}
	for _, r := range rep.Rejected {
		reasons[r.Reason]++
	}
	if status != 200 || len(rep.Added) != 2 || reasons["bad_email"] != 2 || reasons["unknown_group"] != 2 || reasons["duplicate_in_file"] != 1 || reasons["unknown_language"] != 1 {
		t.Fatalf("broken dry run: %d %s", status, body)
	}
	status, body = e.upload(url+"?dry_run=false&skip_invalid=true", "coord-a", "broken.csv", fixture(t, "panel-broken.csv"))
	rep = decode[importOut](t, body)
	if status != 200 || !rep.Written || len(rep.Added) != 2 || len(rep.Rejected) != 6 {
		t.Fatalf("skip_invalid import: %d %s", status, body)
	}

	// XLSX: one update (group and name), one unchanged, one new.
	xf := excelize.NewFile()
	for i, row := range [][]any{
		{"Email", "Name", "Group", "Language"},
		{"OK@example.org", "Ok Person Neu", "international", ""},
		{"zwei@example.org", "", "", ""},
		{"neu@example.org", "Neu", "Civil-society initiatives", "en"},
	} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		_ = xf.SetSheetRow("Sheet1", cell, &row)
	}
	var xb bytes.Buffer
	_ = xf.Write(&xb)
	// "zwei" has an empty group cell: rejected, so the whole file is refused.
	status, body = e.upload(url+"?dry_run=false", "coord-a", "panel.xlsx", xb.Bytes())
	if status != 422 || !bytes.Contains(body, []byte(`"line":3`)) {
		t.Fatalf("xlsx import with a rejected row: %d %s", status, body)
	}
	xf.SetCellValue("Sheet1", "C3", "einzelpersonen")
	xb.Reset()
	_ = xf.Write(&xb)
	status, body = e.upload(url+"?dry_run=false", "coord-a", "panel.xlsx", xb.Bytes())
	rep = decode[importOut](t, body)
	if status != 200 || len(rep.Updated) != 1 || strings.Join(rep.Updated[0].Fields, ",") != "name,group" || len(rep.Unchanged) != 1 || len(rep.Added) != 1 {
		t.Fatalf("xlsx import: %d %s", status, body)
	}
	if got := e.list("?group=international"); len(got) != 1 || got[0].Name != "Ok Person Neu" {
		t.Fatalf("after the update: %+v", got)
	}
	e.run([]scenario{
		{name: "researcher cannot import", method: "POST", url: url, as: "researcher", body: `{}`, status: 403},
		{name: "no file", method: "POST", url: url, as: "coord-a", body: `{}`, status: 422, want: []string{`"field":"file"`}},
	})
	if status, body := e.upload(url, "coord-a", "x.csv", []byte("Name;Gruppe\nA;b\n")); status != 422 || !bytes.Contains(body, []byte("e-mail column")) {
		t.Fatalf("file without e-mail column: %d %s", status, body)
	}
	if acts := e.auditActions(); acts["expert.import"] != 2 {
		t.Fatalf("audit: %v", acts)
	}
}

// panelCSV returns a German Excel CSV with n valid rows.
func panelCSV(n int) []byte {
	groups := []string{"Politik und Verwaltung", "planungspraxis", "Bildungs- und Forschungseinrichtungen", "stiftungen-akademien",
		"Verbände und Netzwerke", "zivilgesellschaft", "international", "Einzelpersonen mit Kleinstadtbezug bzw. -expertise"}
	var b bytes.Buffer
	b.WriteString("\uFEFFName;E-Mail;Organisation;Gruppe;Sprache\r\n")
	for i := range n {
		fmt.Fprintf(&b, "Person %d;person%d@example.org;Organisation %d;%s;%s\r\n", i, i, i%37, groups[i%len(groups)], []string{"de", "en"}[i%2])
	}
	return b.Bytes()
}

func TestPanelImport5000(t *testing.T) {
	t.Parallel()
	e := newMailEnv(t)
	status, body := e.upload(ksPanel+"/import?dry_run=false", "coord-a", "big.csv", panelCSV(5000))
	if status != 200 {
		t.Fatalf("import: %d %.300s", status, body)
	}
	experts, err := e.st.ListExperts(context.Background(), ks)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, x := range experts {
		seen[x.Pseudonym] = true
	}
	if len(experts) != 5000 || len(seen) != 5000 {
		t.Fatalf("%d experts with %d distinct pseudonyms, want 5000", len(experts), len(seen))
	}
}

// BenchmarkImport5000 measures the whole import of a 5,000-row CSV through
// the API into a fresh database per iteration (make bench).
func BenchmarkImport5000(b *testing.B) {
	data := panelCSV(5000)
	ctx := context.Background()
	hash, err := auth.HashPassword(testPassword)
	if err != nil {
		b.Fatal(err)
	}
	tokens, err := auth.NewTokens([]byte("bench-secret-bench-secret-bench-secret"), time.Now)
	if err != nil {
		b.Fatal(err)
	}
	def, err := os.ReadFile("../../surveys/kleinstadtakademie-2020.yaml")
	if err != nil {
		b.Fatal(err)
	}
	parsed, err := survey.Parse("kleinstadtakademie-2020.yaml", def)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		st := newStore(b)
		if _, _, err := st.PutSurvey(ctx, &delphi.Survey{Definition: parsed}); err != nil {
			b.Fatal(err)
		}
		if err := st.CreateUser(ctx, &delphi.User{Email: "bench@example.org", Role: delphi.RoleAdmin, PasswordHash: hash}); err != nil {
			b.Fatal(err)
		}
		srv := httpapi.New(deps(st, time.Now, tokens, wiring{mail: true, baseURL: baseURL}), httpapi.Options{BodyLimit: 4 << 20})
		resp, err := srv.App().Test(jsonReq("POST", "/api/v1/auth/login", `{"email":"bench@example.org","password":"`+testPassword+`"}`), appTestTimeout)
		if err != nil {
			b.Fatal(err)
		}
		var login struct{ Token string }
		_ = json.NewDecoder(resp.Body).Decode(&login)
		resp.Body.Close()
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		fw, _ := w.CreateFormFile("file", "big.csv")
		_, _ = fw.Write(data)
		_ = w.Close()
		req := httptest.NewRequest("POST", ksPanel+"/import?dry_run=false", &buf)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+login.Token)
		b.StartTimer()
		resp, err = srv.App().Test(req, appTestTimeout)
		b.StopTimer()
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("import: %v %v", resp, err)
		}
		resp.Body.Close()
		_ = st.DropDatabase(ctx)
		_ = st.Close(ctx)
		b.StartTimer()
	}
}

func TestInvitationsEndToEnd(t *testing.T) {
	t.Parallel()
	e := newMailEnv(t)
	e.openRound1()
	ctx := context.Background()
	de := e.addExpert("Anna Alt", "anna@example.org", "planungspraxis", "de")
	en := e.addExpert("Ben Brown", "ben@example.org", "international", "en")
	gone := e.addExpert("Dora", "dora@example.org", "international", "de")
	e.must(200, "PATCH", ksPanel+"/"+gone.ID, "coord-a", `{"declined":true}`)

	// Texts and preview.
	e.run([]scenario{
		{name: "set texts", method: "PUT", url: ksRound + "/mail", as: "coord-a", body: `{"de":{"subject":"Runde 1 beginnt","intro":"Liebe <b>Expertinnen</b>,\n\nes geht los."}}`, status: 200, want: []string{`"subject":"Runde 1 beginnt"`, `"defaults":{"de":{"subject":"Einladung:`}},
		{name: "texts in an unknown language", method: "PUT", url: ksRound + "/mail", as: "coord-a", body: `{"fr":{"subject":"x"}}`, status: 422},
		{name: "preview de", method: "GET", url: ksRound + "/mail/preview?lang=de", as: "coord-a", status: 200, want: []string{`"subject":"Runde 1 beginnt"`, "Freitag, 11. Dezember 2026, 18:00 Uhr (MEZ)", `\u0026lt;b\u0026gt;Expertinnen`, "Erika Mustermann"}},
		{name: "preview en reminder", method: "GET", url: ksRound + "/mail/preview?lang=en&kind=reminder", as: "coord-a", status: 200, want: []string{`"subject":"Reminder: `, "Friday, 11 December 2026, 6:00 pm (CET)"}},
		{name: "preview bad lang", method: "GET", url: ksRound + "/mail/preview?lang=fr", as: "coord-a", status: 422},
		{name: "unknown round", method: "POST", url: "/api/v1/surveys/" + ks + "/rounds/9/invitations", as: "coord-a", status: 404},
		{name: "reminders before any invitation", method: "POST", url: ksRound + "/reminders", as: "coord-a", status: 202, want: []string{`"queued":0`, `"not_invited":2`, `"declined":1`}},
	})

	// Send, twice with one key, once more with another: each expert gets one mail.
	_, h1, b1 := e.req("POST", ksRound+"/invitations", "coord-a", "", "Idempotency-Key", "k1")
	status, h2, b2 := e.req("POST", ksRound+"/invitations", "coord-a", "", "Idempotency-Key", "k1")
	if status != 202 || !bytes.Equal(b1, b2) || h2.Get("Idempotent-Replayed") != "true" || h1.Get("Idempotent-Replayed") != "" {
		t.Fatalf("replay: %d %s / %s", status, b1, b2)
	}
	job := decode[struct{ Job delphi.MailJob }](t, b1).Job
	if job.Queued != 2 || job.Skipped["declined"] != 1 {
		t.Fatalf("job: %s", b1)
	}
	b3 := e.must(202, "POST", ksRound+"/invitations", "coord-a", "", "Idempotency-Key", "k2")
	if j := decode[struct{ Job delphi.MailJob }](t, b3).Job; j.Queued != 0 || j.Skipped["already_invited"] != 2 {
		t.Fatalf("second key: %s", b3)
	}
	if status, _, b := e.req("POST", ksRound+"/invitations", "coord-a", `{"group":"international"}`, "Idempotency-Key", "k1"); status != 422 {
		t.Fatalf("key reused for another request: %d %s", status, b)
	}
	e.drain()
	if n := len(e.smtp.Messages()); n != 2 {
		t.Fatalf("%d messages, want 2", n)
	}
	for _, x := range []expertOut{de, en} {
		msgs := e.smtp.To(x.Email)
		if len(msgs) != 1 {
			t.Fatalf("%s got %d messages", x.Email, len(msgs))
		}
		m := msgs[0]
		if x.Language == "de" && (m.Subject != "Runde 1 beginnt" || !strings.Contains(m.Text, "es geht los") || !strings.Contains(m.HTML, "&lt;b&gt;Expertinnen")) {
			t.Errorf("German mail: %q\n%s", m.Subject, m.Text)
		}
		if x.Language == "en" && (!strings.HasPrefix(m.Subject, "Invitation: Expert survey") || !strings.Contains(m.Text, "Please answer by Friday, 11 December 2026, 6:00 pm (CET).")) {
			t.Errorf("English mail: %q\n%s", m.Subject, m.Text)
		}
		token := regexp.MustCompile(baseURL + `/p/([A-Za-z0-9_-]{43})`).FindStringSubmatch(m.Text)
		if token == nil {
			t.Fatalf("no link in %s", m.Text)
		}
		owner, err := e.st.ExpertByTokenHash(ctx, delphi.HashAccessToken(token[1]))
		if err != nil || owner.ID != x.ID {
			t.Fatalf("link of %s resolves to %v %v", x.Email, owner, err)
		}
		// The link opens a session (issue #4's route).
		e.must(200, "POST", "/api/v1/participation/session", "", `{"token":"`+token[1]+`"}`)
	}
	st := decode[struct {
		Invitations struct{ Total, Sent, Failed int }
		Running     bool
	}](t, e.must(200, "GET", ksRound+"/invitations", "coord-a", ""))
	if st.Invitations.Total != 2 || st.Invitations.Sent != 2 || st.Running {
		t.Fatalf("status: %+v", st)
	}

	// Progress: Anna submits.
	if _, err := e.st.TouchResponse(ctx, &delphi.Response{SurveyID: ks, Round: 1, ExpertID: de.ID, Pseudonym: de.Pseudonym, Group: de.Group}, e.clock.now()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.st.SubmitResponse(ctx, ks, 1, de.ID, e.clock.now()); err != nil {
		t.Fatal(err)
	}
	prog := decode[struct {
		Groups []struct {
			Group                      string
			Panel                      int
			Invited, Opened, Submitted struct {
				Count   int
				Percent string
			}
		}
		Submitted int                                // flat, for the results dashboard
		ByGroup   map[string]struct{ Submitted int } `json:"by_group"`
		Total     struct {
			Panel              int
			Invited, Submitted struct {
				Count   int
				Percent string
			}
		}
	}](t, e.must(200, "GET", ksRound+"/progress", "researcher", ""))
	if prog.Submitted != 1 || prog.ByGroup["planungspraxis"].Submitted != 1 || prog.Total.Panel != 2 || prog.Total.Invited.Count != 2 || prog.Total.Submitted.Count != 1 || prog.Total.Submitted.Percent != "50" || len(prog.Groups) != 8 {
		t.Fatalf("progress: %+v", prog)
	}
	for _, g := range prog.Groups {
		if g.Group == "planungspraxis" && (g.Panel != 1 || g.Submitted.Percent != "100" || g.Opened.Count != 1) {
			t.Errorf("planungspraxis: %+v", g)
		}
		if g.Group == "politik-verwaltung" && (g.Panel != 0 || g.Submitted.Percent != "") {
			t.Errorf("empty group: %+v", g)
		}
	}
	if got := e.list("?round=1&status=submitted"); len(got) != 1 || got[0].ID != de.ID || got[0].Round == nil || got[0].Round.Invite != "sent" {
		t.Fatalf("round status filter: %+v", got)
	}

	// Reminders: not within 24 h; then only to Ben (Anna submitted, Dora declined).
	b := e.must(202, "POST", ksRound+"/reminders", "coord-a", "")
	if j := decode[struct{ Job delphi.MailJob }](t, b).Job; j.Queued != 0 || j.Skipped["recently_mailed"] != 1 || j.Skipped["submitted"] != 1 {
		t.Fatalf("early reminders: %s", b)
	}
	e.clock.add(25 * time.Hour)
	e.bearer = map[string]string{} // the staff tokens expired meanwhile
	b = e.must(202, "POST", ksRound+"/reminders", "coord-a", "", "Idempotency-Key", "r1")
	if j := decode[struct{ Job delphi.MailJob }](t, b).Job; j.Queued != 1 {
		t.Fatalf("reminders: %s", b)
	}
	e.must(202, "POST", ksRound+"/reminders", "coord-a", "") // pressed again: Ben was just mailed
	e.drain()
	if msgs := e.smtp.To(en.Email); len(msgs) != 2 || !strings.HasPrefix(msgs[1].Subject, "Reminder: ") {
		t.Fatalf("Ben's mails: %d", len(msgs))
	}
	if n := len(e.smtp.To(de.Email)); n != 1 {
		t.Fatalf("Anna, who submitted, got %d mails", n)
	}

	// A rejecting server: the failure shows with its SMTP text; retry sends.
	e.smtp.SetMode(mailtest.RejectRcpt)
	cara := e.addExpert("Cara", "cara@example.org", "zivilgesellschaft", "de")
	e.must(202, "POST", ksRound+"/invitations", "coord-a", "")
	e.drain()
	fail := decode[struct {
		Invitations struct{ Total, Sent, Failed int }
		Failures    []struct{ Email, Error, Status string }
	}](t, e.must(200, "GET", ksRound+"/invitations", "coord-a", ""))
	if fail.Invitations.Failed != 1 || fail.Invitations.Sent != 2 || len(fail.Failures) != 1 || fail.Failures[0].Email != cara.Email || !strings.Contains(fail.Failures[0].Error, "550") {
		t.Fatalf("failure: %+v", fail)
	}
	e.smtp.SetMode(mailtest.OK)
	if b := e.must(202, "POST", ksRound+"/invitations/retry", "coord-a", ""); !bytes.Contains(b, []byte(`"retried":1`)) {
		t.Fatalf("retry: %s", b)
	}
	e.drain()
	if n := len(e.smtp.To(cara.Email)); n != 1 {
		t.Fatalf("Cara got %d mails after the retry", n)
	}
	acts := e.auditActions()
	for _, a := range []string{"mail.invite", "mail.remind", "mail.retry", "mail.text"} {
		if acts[a] == 0 {
			t.Errorf("no audit entry %s: %v", a, acts)
		}
	}
	if acts["mail.invite"] != 3 { // k1 (replayed once: one entry), k2, Cara
		t.Errorf("mail.invite audited %d times, want 3", acts["mail.invite"])
	}
}

// drain runs the dispatcher until no job is running.
func (e *mailEnv) drain() {
	e.t.Helper()
	ctx := context.Background()
	for range 20 {
		if _, err := e.disp.RunOnce(ctx); err != nil {
			e.t.Fatal(err)
		}
		jobs, err := e.st.RunningMailJobs(ctx)
		if err != nil {
			e.t.Fatal(err)
		}
		if len(jobs) == 0 {
			return
		}
		e.clock.add(5 * time.Minute) // past any backoff
	}
	e.t.Fatal("mail jobs still running after 20 passes")
}

func TestSMTPUnsetFailsVisibly(t *testing.T) {
	t.Parallel()
	e := newMailEnv(t)
	e.openRound1()
	e.disp.Sender = mail.NewSender(config.SMTP{})
	e.addExpert("Anna", "anna@example.org", "planungspraxis", "de")
	e.must(202, "POST", ksRound+"/invitations", "coord-a", "")
	e.drain()
	b := e.must(200, "GET", ksRound+"/invitations", "coord-a", "")
	if !bytes.Contains(b, []byte("SMTP is not configured")) || !bytes.Contains(b, []byte(`"failed":1`)) {
		t.Fatalf("status: %s", b)
	}
}

func TestLinkTokens(t *testing.T) {
	t.Parallel()
	e := newMailEnv(t)
	e.openRound1()
	x := e.addExpert("Anna", "anna@example.org", "planungspraxis", "de")
	first := strings.TrimPrefix(decode[struct{ Link string }](t, e.must(200, "POST", ksPanel+"/"+x.ID+"/link", "coord-a", "")).Link, baseURL+"/p/")
	second := strings.TrimPrefix(decode[struct{ Link string }](t, e.must(200, "POST", ksPanel+"/"+x.ID+"/link", "coord-a", "")).Link, baseURL+"/p/")
	unknown, _ := delphi.NewAccessToken()
	session := func(tok string) (int, []byte) {
		s, _, b := e.req("POST", "/api/v1/participation/session", "", `{"token":"`+tok+`"}`)
		return s, b
	}
	s1, revoked := session(first)
	s2, never := session(unknown)
	if s1 != 404 || s2 != 404 || !bytes.Equal(revoked, never) {
		t.Fatalf("revoked %d %s, unknown %d %s: want the same 404", s1, revoked, s2, never)
	}
	if s, b := session(second); s != 200 {
		t.Fatalf("current link: %d %s", s, b)
	}
}

// TestSingleLanguageStudy: in an English-only study a new expert is
// English, from the API and from an import, a German one is refused naming
// the field, and the invitation is in English.
func TestSingleLanguageStudy(t *testing.T) {
	t.Parallel()
	e := newMailEnv(t)
	e.importStudy("en-only.yaml", readFile(t, "testdata/en-only-study.yaml"))
	deadline := time.Date(2026, 12, 11, 17, 0, 0, 0, time.UTC)
	if err := e.st.CreateRound(context.Background(), &delphi.Round{SurveyID: "en-only", Number: 1, Status: delphi.RoundOpen, Deadline: &deadline}); err != nil {
		t.Fatal(err)
	}
	panelURL := "/api/v1/surveys/en-only/experts"
	x := decode[expertOut](t, e.must(201, "POST", panelURL, "admin", `{"name":"Ann","email":"ann@example.org","group":"all"}`))
	if x.Language != "en" {
		t.Fatalf("a new expert without a language: %q, want en", x.Language)
	}
	if y := decode[expertOut](t, e.must(201, "POST", panelURL, "admin", `{"name":"Eve","email":"eve@example.org","group":"all","language":""}`)); y.Language != "en" {
		t.Fatalf("a new expert with an empty language: %q, want en", y.Language)
	}
	b := e.must(422, "POST", panelURL, "admin", `{"name":"Bea","email":"bea@example.org","group":"all","language":"de"}`)
	for _, want := range []string{`"field":"language"`, `"reason":"unknown_language"`, `"params":{"allowed":"en","value":"de"}`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Fatalf("a German expert in an English study: %s lacks %s", b, want)
		}
	}
	e.must(422, "PATCH", panelURL+"/"+x.ID, "admin", `{"language":"de"}`)

	status, body := e.upload(panelURL+"/import?dry_run=true", "admin", "panel.csv", []byte("Name,E-Mail,Gruppe,Sprache\nCem,cem@example.org,all,\nDia,dia@example.org,all,Deutsch\n"))
	rep := decode[importOut](t, body)
	if status != 200 || len(rep.Added) != 1 || rep.Added[0].Language != "en" || len(rep.Rejected) != 1 || rep.Rejected[0].Reason != "unknown_language" || rep.Rejected[0].Field != "language" {
		t.Fatalf("import into an English study: %d %s", status, body)
	}
	status, body = e.upload(panelURL+"/import?dry_run=false&skip_invalid=true", "admin", "panel.csv", []byte("Name,E-Mail,Gruppe\nCem,cem@example.org,all\n"))
	if status != 200 || !bytes.Contains(body, []byte(`"written":true`)) {
		t.Fatalf("import: %d %s", status, body)
	}

	e.must(202, "POST", "/api/v1/surveys/en-only/rounds/1/invitations", "admin", "")
	e.drain()
	for _, addr := range []string{"ann@example.org", "cem@example.org"} {
		msgs := e.smtp.To(addr)
		if len(msgs) != 1 || !strings.HasPrefix(msgs[0].Subject, "Invitation: English panel study") || !strings.Contains(msgs[0].Text, "Please answer by") {
			t.Fatalf("the invitation to %s: %+v", addr, msgs)
		}
	}
}

// TestLinksByFileCountAsInvited: without mail, links handed out by file (or
// singly) count as invited to the round, with the channel file, in the
// round's response rates and the dashboard's flat counts.
func TestLinksByFileCountAsInvited(t *testing.T) {
	t.Parallel()
	e := newMailEnv(t)
	e.openRound1()
	a := e.addExpert("Anna", "anna@example.org", "planungspraxis", "de")
	e.addExpert("Bert", "bert@example.org", "international", "en")
	e.addExpert("Cleo", "cleo@example.org", "international", "de")
	type progress struct {
		Invited   int
		InvitedBy struct{ Mail, File int } `json:"invited_by"`
		Total     struct {
			Invited   struct{ Count int }
			InvitedBy struct{ Mail, File int } `json:"invited_by"`
		}
		ByGroup map[string]struct {
			Invited   int
			InvitedBy struct{ Mail, File int } `json:"invited_by"`
		} `json:"by_group"`
	}
	p := decode[progress](t, e.must(200, "GET", ksRound+"/progress", "coord-a", ""))
	if p.Invited != 0 || p.Total.Invited.Count != 0 {
		t.Fatalf("before any link: %+v", p)
	}
	e.must(200, "POST", ksPanel+"/links.csv?group=international", "coord-a", "")
	e.must(200, "POST", ksPanel+"/"+a.ID+"/link", "coord-a", "")
	p = decode[progress](t, e.must(200, "GET", ksRound+"/progress", "researcher", ""))
	if p.Invited != 3 || p.InvitedBy.File != 3 || p.InvitedBy.Mail != 0 || p.Total.Invited.Count != 3 || p.Total.InvitedBy.File != 3 {
		t.Fatalf("after the links file and a single link: %+v", p)
	}
	if g := p.ByGroup["international"]; g.Invited != 2 || g.InvitedBy.File != 2 {
		t.Fatalf("international: %+v", g)
	}
}
