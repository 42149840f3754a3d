package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/expertenrunde/expertenrunde/internal/curation"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

const r0Study = "e2e-runde0"

// r0Env imports the round 0 study (e2e/fixtures/round0-study.yaml, the
// browser test's too) with a coordinator and a researcher of it, and
// prepares and opens round 0.
func r0Env(t *testing.T) *env {
	e := newEnv(t)
	ctx := context.Background()
	for _, u := range []*delphi.User{
		{Email: "coord-r0@example.org", Role: delphi.RoleCoordinator, SurveyIDs: []string{r0Study}},
		{Email: "research-r0@example.org", Role: delphi.RoleResearcher, SurveyIDs: []string{r0Study}},
	} {
		u.PasswordHash = hashOnce(t)
		if err := e.st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		e.users[strings.Split(u.Email, "@")[0]] = u
	}
	e.importStudy("round0-study.yaml", readFile(t, "../../e2e/fixtures/round0-study.yaml"))
	if n := e.openRound(r0Study, ""); n != 0 {
		t.Fatalf("the first round of a study with round 0 is %d, want 0", n)
	}
	return e
}

// consented returns a new expert of the study who has accepted the
// privacy notice.
func (e *env) consented(group string) *expert {
	x := e.addExpert(r0Study, group)
	e.expertCall(x, "POST", "/api/v1/participation/consent", "", 200)
	return x
}

func suggestion(section, text string) string {
	return fmt.Sprintf(`{"section_id":%q,"text":%q,"rationale":"weil es wichtig ist"}`, section, text)
}

func ratingItem(de, en string) string {
	return fmt.Sprintf(`{"type":"rating","scale":"wichtigkeit","text":{"de":%q,"en":%q}}`, de, en)
}

const (
	curationURL = "/api/v1/surveys/" + r0Study + "/curation"
	suggestURL  = "/api/v1/participation/suggestions"
)

// TestRound0Lifecycle runs round 0 from the suggestions through every
// curation step to round 1, which asks the curated items, and the
// experts' summary list.
func TestRound0Lifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.importStudy("round0-study.yaml", readFile(t, "../../e2e/fixtures/round0-study.yaml"))
	rounds := "/api/v1/surveys/" + r0Study + "/rounds"
	deadline := `{"deadline":"` + e.ts(7*24*time.Hour) + `"}`

	// Round 0 asks no items: new items are refused, naming the field.
	if b := e.staff("POST", rounds, "admin", `{"deadline":"`+e.ts(time.Hour)+`","new_items":[{"section_id":"aufgaben","item":`+ratingItem("x", "x")+`}]}`, 422); !strings.Contains(string(b), `"field":"new_items"`) {
		t.Errorf("new items in round 0: %s", b)
	}
	r0 := decode[roundOut](t, e.staff("POST", rounds, "admin", deadline, 201))
	if r0.Number != 0 || len(r0.Items) != 0 {
		t.Fatalf("round 0 = %+v", r0)
	}
	x1, x2 := e.addExpert(r0Study, "verwaltung"), e.addExpert(r0Study, "wissenschaft")
	e.expertCall(x1, "POST", "/api/v1/participation/consent", "", 200)
	e.expertCall(x2, "POST", "/api/v1/participation/consent", "", 200)
	e.expertCall(x1, "POST", suggestURL, suggestion("aufgaben", "Beratung"), 409) // not open yet
	e.staff("POST", rounds+"/0/open", "admin", "", 200)
	list := decode[struct{ Rounds []roundOut }](t, e.staff("GET", rounds, "admin", "", 200))
	if len(list.Rounds) != 1 || list.Rounds[0].Number != 0 || list.Rounds[0].Status != delphi.RoundOpen {
		t.Fatalf("rounds = %+v", list.Rounds)
	}
	view := decode[struct {
		State  string
		Round  struct{ Number int }
		Survey struct{ Round0 *delphi.Round0 }
	}](t, e.expertCall(x1, "GET", "/api/v1/participation", "", 200))
	if view.State != "open" || view.Round.Number != 0 || view.Survey.Round0 == nil || view.Survey.Round0.MaxSuggestions() != 3 {
		t.Fatalf("expert view = %+v", view)
	}
	// Round 1 waits for round 0 to close.
	e.staff("POST", rounds, "admin", deadline, 409)

	sid := func(b []byte) string { return decode[curation.OwnSuggestion](t, b).ID }
	s1 := sid(e.expertCall(x1, "POST", suggestURL, suggestion("aufgaben", "Beratung von Gemeinden"), 201))
	s2 := sid(e.expertCall(x1, "POST", suggestURL, suggestion("aufgaben", "Vernetzung der Bürgermeister"), 201))
	s3 := sid(e.expertCall(x2, "POST", suggestURL, suggestion("aufgaben", "Netzwerk der Verwaltungen"), 201))
	s4 := sid(e.expertCall(x2, "POST", suggestURL, suggestion("formate", "Werkstätten vor Ort und digitale Sprechstunden"), 201))
	s5 := sid(e.expertCall(x2, "POST", suggestURL, suggestion("formate", "Mehr Geld"), 201))
	// Edit and withdraw one's own, never another's.
	e.expertCall(x1, "PUT", suggestURL+"/"+s1, `{"text":"Beratung kleiner Gemeinden","rationale":"Bedarf"}`, 200)
	e.expertCall(x2, "PUT", suggestURL+"/"+s1, `{"text":"fremd","rationale":""}`, 404)
	e.expertCall(x2, "DELETE", suggestURL+"/"+s1, "", 404)
	tmp := sid(e.expertCall(x1, "POST", suggestURL, suggestion("formate", "zurückgezogen"), 201))
	e.expertCall(x1, "DELETE", suggestURL+"/"+tmp, "", 204)
	mine := decode[curation.Mine](t, e.expertCall(x1, "GET", suggestURL, "", 200))
	if len(mine.Suggestions) != 2 || mine.Suggestions[0].Text != "Beratung kleiner Gemeinden" || mine.MaxPerBlock != 3 || len(mine.Blocks) != 2 || mine.Blocks[1].Title["de"] != "Formate" {
		t.Fatalf("own suggestions = %+v", mine)
	}

	// Curation: accept, merge, split, reject, reword, discard.
	item := func(de, en string) string { return `{"section_id":"","item":` + ratingItem(de, en) + `}` }
	board := decode[curation.Board](t, e.staff("POST", curationURL+"/items", "admin",
		`{"action":"accept","suggestions":["`+s1+`"],"items":[`+item("Beratung kleiner Gemeinden", "Advice to small municipalities")+`]}`, 200))
	if len(board.Items) != 1 || board.Items[0].Item.ID != "r0-1" || board.Items[0].SectionID != "aufgaben" || board.Suggestion(s1).Status != delphi.SuggestionAccepted {
		t.Fatalf("after accept: %+v", board)
	}
	e.staff("POST", curationURL+"/items", "admin", `{"action":"accept","suggestions":["`+s1+`"],"items":[`+item("a", "a")+`]}`, 409)
	e.staff("POST", curationURL+"/items", "admin", `{"action":"merge","suggestions":["`+s2+`"],"items":[`+item("a", "a")+`]}`, 422)
	e.staff("POST", curationURL+"/items", "admin", `{"action":"merge","suggestions":["`+s2+`","`+s3+`"],"items":[`+item("Vernetzung der Verwaltungen", "Networking administrations")+`]}`, 200)
	e.staff("POST", curationURL+"/items", "admin", `{"action":"split","suggestions":["`+s4+`"],"items":[`+item("Werkstätten vor Ort", "Local workshops")+`,`+item("Digitale Sprechstunden", "Online consultation hours")+`],"reason":"=HYPERLINK(\"http://x\";\"zwei Formate\")"}`, 200)
	if b := e.staff("POST", curationURL+"/suggestions/"+s5+"/reject", "admin", `{"reason":" "}`, 422); !strings.Contains(string(b), `"field":"reason"`) {
		t.Errorf("reject without reason: %s", b)
	}
	e.staff("POST", curationURL+"/suggestions/"+s5+"/reject", "admin", `{"reason":"keine Aufgabe der Akademie"}`, 200)
	e.staff("PATCH", curationURL+"/items/r0-1", "admin", `{"text":{"de":"Beratung kleiner Gemeinden"},"reason":"x"}`, 422) // English missing
	e.staff("PATCH", curationURL+"/items/r0-1", "admin", `{"text":{"de":"Beratung kleiner Gemeinden und Ämter","en":"Advice to small municipalities and offices"},"reason":"genauer"}`, 200)
	board = decode[curation.Board](t, e.staff("GET", curationURL, "admin", "", 200))
	if len(board.Items) != 4 {
		t.Fatalf("curated items = %+v", board.Items)
	}
	merged := board.Items[1]
	if !slices.Equal(merged.Sources, []string{s2, s3}) || merged.History[0].Action != delphi.CurateMerge || merged.History[0].ActorID != e.users["admin"].ID {
		t.Errorf("merged item's provenance = %+v", merged)
	}
	if h := board.Items[0].History; len(h) != 2 || h[1].Action != delphi.CurateReword || h[1].Reason != "genauer" || h[1].Text["en"] != "Advice to small municipalities and offices" {
		t.Errorf("reworded item's history = %+v", h)
	}
	if sg := board.Suggestion(s4); sg.Status != delphi.SuggestionSplit || len(sg.Items) != 2 {
		t.Errorf("split suggestion = %+v", sg)
	}
	if sg := board.Suggestion(s2); sg.Pseudonym != x1.Pseudonym || sg.Group != "verwaltung" {
		t.Errorf("staff do not see the author: %+v", sg)
	}
	// Discard makes the suggestions open again; a new accept takes them.
	board = decode[curation.Board](t, e.staff("DELETE", curationURL+"/items/r0-2", "admin", "", 200))
	if board.Suggestion(s2).Status != delphi.SuggestionOpen || board.Suggestion(s3).Status != delphi.SuggestionOpen || board.Item("r0-2") != nil {
		t.Fatalf("after discard: %+v", board)
	}
	e.staff("POST", curationURL+"/items", "admin", `{"action":"merge","suggestions":["`+s2+`","`+s3+`"],"items":[{"section_id":"aufgaben","item":{"id":"vernetzung","type":"rating","scale":"wichtigkeit","text":{"de":"Vernetzung","en":"Networking"}}}]}`, 200)
	// A curated suggestion can no longer be changed by its author.
	e.expertCall(x1, "PUT", suggestURL+"/"+s1, `{"text":"später","rationale":""}`, 409)

	// Close round 0; round 1 asks the definition's items and the curated
	// ones, and rewords a definition item with its reason.
	e.staff("POST", rounds+"/0/close", "admin", "", 200)
	e.expertCall(x1, "POST", suggestURL, suggestion("aufgaben", "zu spät"), 409)
	e.staff("POST", rounds, "admin", `{"deadline":"`+e.ts(time.Hour)+`","carry_over":{"mode":"all"}}`, 422)
	r1 := decode[roundOut](t, e.staff("POST", rounds, "admin", `{"deadline":"`+e.ts(7*24*time.Hour)+`","changed_items":[{"item_id":"F1","text":{"de":"Sommerschulen für Verwaltungen","en":"Summer schools for administrations"},"reason":"aus Runde 0"}]}`, 201))
	var ids []string
	for _, ri := range r1.Items {
		ids = append(ids, ri.Item.ID)
	}
	if want := []string{"A1", "r0-1", "vernetzung", "F1", "r0-3", "r0-4"}; r1.Number != 1 || !slices.Equal(ids, want) {
		t.Fatalf("round 1 items = %v, want %v", ids, want)
	}
	if r1.Origins[delphi.OriginNew] != 4 || r1.Origins[delphi.OriginInitial] != 1 || r1.Origins[delphi.OriginChanged] != 1 || !strings.Contains(r1.Items[1].Reason, "round 0: accept of "+s1) {
		t.Errorf("round 1 origins = %v, reason %q", r1.Origins, r1.Items[1].Reason)
	}
	// The curation is frozen now; the summary waits for round 1 to open.
	e.staff("POST", curationURL+"/suggestions/"+s5+"/reject", "admin", `{"reason":"x"}`, 409)
	e.expertCall(x1, "GET", "/api/v1/participation/round0-summary", "", 409)
	e.staff("POST", rounds+"/1/open", "admin", "", 200)
	b := e.expertCall(x2, "GET", "/api/v1/participation/round0-summary", "", 200)
	for _, secret := range []string{x1.Pseudonym, x2.Pseudonym, x1.ID, "expert_id", "pseudonym", "verwaltung"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("the summary shows %q: %s", secret, b)
		}
	}
	sum := decode[curation.Summary](t, b)
	byID := map[string]curation.SummaryEntry{}
	for _, en := range sum.Entries {
		byID[en.ID] = en
	}
	if en := byID[s1]; en.Status != delphi.SuggestionAccepted || en.Own || len(en.Items) != 1 || en.Items[0].Text["de"] != "Beratung kleiner Gemeinden und Ämter" {
		t.Errorf("summary of %s = %+v", s1, en)
	}
	if en := byID[s5]; en.Status != delphi.SuggestionRejected || en.Reason != "keine Aufgabe der Akademie" || !en.Own {
		t.Errorf("summary of %s = %+v", s5, en)
	}
	// An expert answers a curated item in round 1.
	e.expertCall(x1, "PUT", "/api/v1/participation/answers/r0-1", `{"value":4,"seq":1}`, 200)

	// Provenance: each step with who, when and why.
	prov := decode[struct{ Rows []delphi.ProvenanceRow }](t, e.staff("GET", "/api/v1/surveys/"+r0Study+"/provenance", "admin", "", 200))
	var steps []string
	for _, r := range prov.Rows {
		steps = append(steps, fmt.Sprintf("%s/%d/%s/%s/%s", r.ItemID, r.Round, r.Origin, r.Action, strings.Join(r.Sources, "+")))
		if r.Action != "" && (r.CuratorID != e.users["admin"].ID || r.At == nil) {
			t.Errorf("provenance row without curator or time: %+v", r)
		}
	}
	for _, want := range []string{
		"r0-1/1/round0/accept/" + s1, "r0-1/1/round0/reword/" + s1, "vernetzung/1/round0/merge/" + s2 + "+" + s3,
		"r0-3/1/round0/split/" + s4, "/0/round0/reject/" + s5, "A1/1/initial//", "F1/1/changed/reword/",
	} {
		if !slices.Contains(steps, want) {
			t.Errorf("provenance lacks %s: %v", want, steps)
		}
	}
	// The export's provenance sheet: one row per step; text is never a
	// formula. The flow sheet counts round 0.
	xlsx := e.staff("GET", "/api/v1/surveys/"+r0Study+"/export.xlsx?lang=de", "admin", "", 200)
	xlsxNoFormulas(t, "export.xlsx", xlsx, []string{`=HYPERLINK("http://x";"zwei Formate")`, "keine Aufgabe der Akademie", "Mehr Geld"})
	f, err := excelize.OpenReader(bytes.NewReader(xlsx))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Herkunft")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(prov.Rows)+1 || !slices.Equal(rows[0][:7], []string{"Frage", "Runde", "Herkunft", "Vorschläge", "Bearbeitet von", "Zeitpunkt", "Aktion"}) {
		t.Errorf("provenance sheet: %d rows, header %v; want %d rows", len(rows), rows[0], len(prov.Rows)+1)
	}
	var merge []string
	for _, r := range rows {
		if len(r) > 6 && r[0] == "vernetzung" {
			merge = r
		}
	}
	if len(merge) < 7 || merge[1] != "1" || merge[2] != "round0" || merge[3] != s2+", "+s3 || merge[4] != e.users["admin"].ID || merge[5] == "" || merge[6] != "merge" {
		t.Errorf("provenance row of the merged item = %v", merge)
	}
	flowRows, err := f.GetRows("Fluss")
	if err != nil {
		t.Fatal(err)
	}
	if last := flowRows[len(flowRows)-1]; !slices.Equal(last, []string{"0", "2", "5", "1", "2", "1", "1", "0", "4"}) {
		t.Errorf("flow sheet's round 0 row = %v", last)
	}

	entries, err := e.st.ListAudit(context.Background(), r0Study, 100)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, en := range entries {
		actions = append(actions, en.Action)
	}
	for _, want := range []string{"curation.accept", "curation.merge", "curation.split", "curation.reject", "curation.reword", "curation.discard"} {
		if !slices.Contains(actions, want) {
			t.Errorf("audit lacks %s: %v", want, actions)
		}
	}
}

// TestRound0SuggestionInput: every field is checked after decoding and
// named in the error.
func TestRound0SuggestionInput(t *testing.T) {
	t.Parallel()
	e := r0Env(t)
	x := e.addExpert(r0Study, "verwaltung")
	e.expertCall(x, "POST", suggestURL, suggestion("aufgaben", "vor der Einwilligung"), 403)
	e.expertCall(x, "POST", "/api/v1/participation/consent", "", 200)
	for _, c := range []struct{ body, field string }{
		{suggestion("gibtsnicht", "x"), "section_id"},
		{suggestion("aufgaben", "  "), "text"},
		{suggestion("aufgaben", strings.Repeat("ä", delphi.SuggestionText.Max+1)), "text"},
		{`{"section_id":"aufgaben","text":"ok","rationale":"` + strings.Repeat("b", delphi.RationaleText.Max+1) + `"}`, "rationale"},
		{`{"section_id":"aufgaben","text":"a\u0000b","rationale":""}`, "text"},
	} {
		if b := e.expertCall(x, "POST", suggestURL, c.body, 422); !strings.Contains(string(b), `"field":"`+c.field+`"`) {
			t.Errorf("%.60s: %s, want field %s", c.body, b, c.field)
		}
	}
	// Text is stored as text.
	html := `<script>alert(1)</script> =HYPERLINK("x")`
	got := decode[curation.OwnSuggestion](t, e.expertCall(x, "POST", suggestURL, suggestion("aufgaben", html), 201))
	if got.Text != html {
		t.Errorf("stored %q, want %q", got.Text, html)
	}
}

// TestRound0Authorization: experts reach neither the curation nor another
// expert's author; researchers read but do not curate; coordinators of
// another study see nothing.
func TestRound0Authorization(t *testing.T) {
	t.Parallel()
	e := r0Env(t)
	x := e.consented("verwaltung")
	s := decode[curation.OwnSuggestion](t, e.expertCall(x, "POST", suggestURL, suggestion("aufgaben", "Beratung"), 201)).ID
	accept := `{"action":"accept","suggestions":["` + s + `"],"items":[{"item":` + ratingItem("a", "a") + `}]}`
	for _, c := range []struct{ method, url, body string }{
		{"GET", curationURL, ""},
		{"POST", curationURL + "/items", accept},
		{"POST", curationURL + "/suggestions/" + s + "/reject", `{"reason":"x"}`},
		{"GET", "/api/v1/surveys/" + r0Study + "/provenance", ""},
	} {
		if st, b := e.call(c.method, c.url, x.jwt, c.body); st != 401 {
			t.Errorf("expert %s %s: %d %s, want 401", c.method, c.url, st, b)
		}
	}
	board := decode[curation.Board](t, e.staff("GET", curationURL, "research-r0", "", 200))
	if len(board.Suggestions) != 1 || board.Suggestions[0].Pseudonym != x.Pseudonym {
		t.Errorf("researcher's board = %+v", board.Suggestions)
	}
	e.staff("POST", curationURL+"/items", "research-r0", accept, 403)
	e.staff("POST", curationURL+"/suggestions/"+s+"/reject", "research-r0", `{"reason":"x"}`, 403)
	e.staff("GET", curationURL, "coord-a", "", 404)
	e.staff("POST", curationURL+"/items", "coord-a", accept, 404)
	e.staff("POST", curationURL+"/items", "coord-r0", accept, 200)
	// Another expert's listing never holds the first one's suggestion.
	y := e.consented("wissenschaft")
	if b := e.expertCall(y, "GET", suggestURL, "", 200); strings.Contains(string(b), s) || strings.Contains(string(b), "Beratung") {
		t.Errorf("another expert sees: %s", b)
	}
	// A study without round 0 has none of it.
	e.importStudies()
	e.staff("GET", "/api/v1/surveys/kleinstadtakademie-2020/curation", "admin", "", 409)
}

// parallelAs sends n requests of the expert x at once (parallelRequests).
func (e *env) parallelAs(x *expert, n int, method, url string, body func(i int) string) map[int]int {
	e.t.Helper()
	return e.parallelRequests(e.t, n, func(i int) *http.Request {
		req := jsonReq(method, url, body(i))
		req.Header.Set("Authorization", "Bearer "+x.jwt)
		return req
	})
}

// TestRound0LimitsUnderParallelRequests: the per-block limit and the rate
// limit hold when an expert's requests arrive at once.
func TestRound0LimitsUnderParallelRequests(t *testing.T) {
	t.Parallel()
	e := r0Env(t)
	x := e.consented("verwaltung")
	got := e.parallelAs(x, 12, "POST", suggestURL, func(i int) string { return suggestion("aufgaben", fmt.Sprintf("Vorschlag %d", i)) })
	if got[http.StatusCreated] != 3 || got[http.StatusConflict] != 9 {
		t.Errorf("12 parallel suggestions with a limit of 3: %v", got)
	}
	mine := decode[curation.Mine](t, e.expertCall(x, "GET", suggestURL, "", 200))
	if len(mine.Suggestions) != 3 {
		t.Errorf("stored %d suggestions, want 3", len(mine.Suggestions))
	}

	y := e.consented("wissenschaft")
	s := decode[curation.OwnSuggestion](t, e.expertCall(y, "POST", suggestURL, suggestion("formate", "Werkstatt"), 201)).ID
	n := curation.RateLimit + 10
	got = e.parallelAs(y, n, "PUT", suggestURL+"/"+s, func(i int) string { return fmt.Sprintf(`{"text":"Werkstatt %d","rationale":""}`, i) })
	if got[http.StatusOK] != curation.RateLimit-1 || got[http.StatusTooManyRequests] != n-curation.RateLimit+1 {
		t.Errorf("%d parallel edits with a rate limit of %d (one used): %v", n, curation.RateLimit, got)
	}
	// The limit is the expert's own: another expert still writes.
	e.expertCall(x, "PUT", suggestURL+"/"+mine.Suggestions[0].ID, `{"text":"geändert","rationale":""}`, 200)
}

// TestRound0Invitations: invitations and reminders of round 0 go out by
// mail as for any round, with a link that opens round 0.
func TestRound0Invitations(t *testing.T) {
	t.Parallel()
	e := newMailEnv(t)
	e.importStudy("round0-study.yaml", readFile(t, "../../e2e/fixtures/round0-study.yaml"))
	e.openRound(r0Study, "")
	x := decode[expertOut](t, e.must(201, "POST", "/api/v1/surveys/"+r0Study+"/experts", "admin", `{"name":"Anna","email":"anna.r0@example.org","group":"verwaltung","language":"de"}`))
	job := decode[struct{ Job delphi.MailJob }](t, e.must(202, "POST", "/api/v1/surveys/"+r0Study+"/rounds/0/invitations", "admin", "")).Job
	if job.Queued != 1 {
		t.Fatalf("invitations of round 0: %+v", job)
	}
	e.drain()
	msgs := e.smtp.To(x.Email)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Subject, "Runde 0") {
		t.Fatalf("mails to %s: %+v", x.Email, msgs)
	}
	token := regexp.MustCompile(baseURL + `/p/([A-Za-z0-9_-]{43})`).FindStringSubmatch(msgs[0].Text)
	if token == nil {
		t.Fatalf("no link in %s", msgs[0].Text)
	}
	ex := &expert{token: token[1]}
	view := decode[struct{ Round struct{ Number int } }](t, e.expertCall(ex, "GET", "/api/v1/participation", "", 200))
	if view.Round.Number != 0 {
		t.Errorf("the link opens round %d, want 0", view.Round.Number)
	}
	e.must(202, "POST", "/api/v1/surveys/"+r0Study+"/rounds/0/reminders", "admin", `{"min_interval_hours":0}`)
}
