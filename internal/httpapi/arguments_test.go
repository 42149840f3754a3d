package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/expertenrunde/expertenrunde/internal/arguments"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

const argStudy = "arg-study"

// argEnv is an env with the arguments test study imported, round 1 open,
// a coordinator and a researcher of the study, and experts who consented:
// two of group wiss, one of praxis.
type argEnv struct {
	*env
	experts []*expert
}

func newArgEnv(t *testing.T, opts ...func(*wiring)) *argEnv {
	e := newEnv(t, opts...)
	e.importStudy("arguments-study.yaml", readFile(t, "testdata/arguments-study.yaml"))
	e.openRound(argStudy, "")
	for _, u := range []*delphi.User{
		{Email: "coord-arg@example.org", Role: delphi.RoleCoordinator, SurveyIDs: []string{argStudy}},
		{Email: "research-arg@example.org", Role: delphi.RoleResearcher, SurveyIDs: []string{argStudy}},
	} {
		u.PasswordHash = hashOnce(t)
		if err := e.st.CreateUser(context.Background(), u); err != nil {
			t.Fatal(err)
		}
		e.users[strings.Split(u.Email, "@")[0]] = u
	}
	a := &argEnv{env: e}
	for _, g := range []string{"wiss", "wiss", "praxis"} {
		a.addArguer(g)
	}
	return a
}

// addArguer adds an expert of group g who has consented.
func (a *argEnv) addArguer(g string) *expert {
	x := a.addExpert(argStudy, g)
	a.expertCall(x, "POST", "/api/v1/participation/consent", "", 200)
	a.experts = append(a.experts, x)
	return x
}

// noIdentity fails when body holds any expert's id or pseudonym.
func (a *argEnv) noIdentity(what string, body []byte) {
	a.t.Helper()
	for _, x := range a.experts {
		if bytes.Contains(body, []byte(x.ID)) || bytes.Contains(body, []byte(x.Pseudonym)) {
			a.t.Errorf("%s reveals expert %s (%s): %s", what, x.Pseudonym, x.ID, body)
		}
	}
}

// expertArg calls an arguments route as x, checks the status and that the
// raw body names no expert, and returns it.
func (a *argEnv) expertArg(x *expert, method, url, body string, want int) []byte {
	a.t.Helper()
	b := a.expertCall(x, method, url, body, want)
	a.noIdentity(method+" "+url, b)
	return b
}

type panelArg struct {
	ID       string `json:"id"`
	ItemID   string `json:"item_id"`
	OptionID string `json:"option_id"`
	Stance   string `json:"stance"`
	Text     string `json:"text"`
	Group    string `json:"group"`
	Own      bool   `json:"own"`
	MyRating int    `json:"my_rating"`
	Ratings  struct {
		N    int     `json:"n"`
		Mean float64 `json:"mean"`
	} `json:"ratings"`
}

type panelView struct {
	Enabled   bool       `json:"enabled"`
	Round     int        `json:"round"`
	Open      bool       `json:"open"`
	Arguments []panelArg `json:"arguments"`
	Top       map[string]struct {
		Pro []panelArg `json:"pro"`
		Con []panelArg `json:"con"`
	} `json:"top"`
}

func (a *argEnv) panel(x *expert) panelView {
	a.t.Helper()
	var v panelView
	if err := json.Unmarshal(a.expertArg(x, "GET", "/api/v1/participation/arguments", "", 200), &v); err != nil {
		a.t.Fatal(err)
	}
	return v
}

func (a *argEnv) post(x *expert, body string) panelArg {
	a.t.Helper()
	var v panelArg
	if err := json.Unmarshal(a.expertArg(x, "POST", "/api/v1/participation/arguments", body, 201), &v); err != nil {
		a.t.Fatal(err)
	}
	return v
}

func errReason(t *testing.T, body []byte) (code, field, reason string) {
	t.Helper()
	var r struct {
		Error struct{ Code, Field, Reason string }
	}
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return r.Error.Code, r.Error.Field, r.Error.Reason
}

// TestArgumentsPostAndRules: posting, the checks of an argument, the limit
// per expert and item, editing and withdrawing one's own only.
func TestArgumentsPostAndRules(t *testing.T) {
	a := newArgEnv(t)
	x, y := a.experts[0], a.experts[1]
	p := a.post(x, `{"item_id":"r1","stance":"pro","text":"Wohnen ist teuer"}`)
	if !p.Own || p.ID == "" || p.Stance != "pro" {
		t.Fatalf("posted: %+v", p)
	}
	for _, c := range []struct{ body, field string }{
		{`{"item_id":"r1","stance":"maybe","text":"x"}`, "stance"},
		{`{"item_id":"r1","stance":"pro","text":"  "}`, "text"},
		{`{"item_id":"r1","stance":"pro","text":"` + strings.Repeat("a", 301) + `"}`, "text"},
		{`{"item_id":"r1","stance":"pro","option_id":"web","text":"x"}`, "option_id"},
		{`{"item_id":"s1","stance":"pro","option_id":"nope","text":"x"}`, "option_id"},
		{`{"item_id":"r1","stance":"pro","text":"a\u0000b"}`, "text"},
	} {
		status, b := a.call("POST", "/api/v1/participation/arguments", x.jwt, c.body)
		if code, field, _ := errReason(t, b); status != 422 || code != "invalid" || field != c.field {
			t.Errorf("%s: %d %s, want 422 naming %s", c.body, status, b, c.field)
		}
	}
	if status, b := a.call("POST", "/api/v1/participation/arguments", x.jwt, `{"item_id":"zz","stance":"pro","text":"x"}`); status != 404 {
		t.Errorf("unknown item: %d %s", status, b)
	}
	a.post(x, `{"item_id":"r1","stance":"con","text":"Aber wichtig"}`)
	status, b := a.call("POST", "/api/v1/participation/arguments", x.jwt, `{"item_id":"r1","stance":"con","text":"Dritter"}`)
	if code, _, reason := errReason(t, b); status != 409 || code != "conflict" || reason != delphi.ReasonArgumentLimit {
		t.Errorf("third argument on an item: %d %s", status, b)
	}
	// Another item has slots of its own; an option of a choice item.
	o := a.post(x, `{"item_id":"s1","stance":"con","option_id":"ws","text":"Zu aufwendig"}`)
	if o.OptionID != "ws" {
		t.Errorf("option: %+v", o)
	}

	// Only the author edits or withdraws, as if the argument did not exist.
	a.expertArg(y, "PUT", "/api/v1/participation/arguments/"+p.ID, `{"stance":"pro","text":"fremd"}`, 404)
	a.expertArg(y, "DELETE", "/api/v1/participation/arguments/"+p.ID, "", 404)
	a.expertArg(y, "POST", "/api/v1/participation/arguments/"+p.ID+"/rating", `{"value":4}`, 200)
	var ed panelArg
	if err := json.Unmarshal(a.expertArg(x, "PUT", "/api/v1/participation/arguments/"+p.ID, `{"stance":"pro","text":"Wohnen ist sehr teuer"}`, 200), &ed); err != nil {
		t.Fatal(err)
	}
	if ed.Text != "Wohnen ist sehr teuer" || ed.Ratings.N != 0 {
		t.Errorf("edited: %+v, want the new text and its ratings cleared", ed)
	}
	a.expertArg(x, "DELETE", "/api/v1/participation/arguments/"+p.ID, "", 204)
	// The withdrawn argument's slot is free again.
	a.post(x, `{"item_id":"r1","stance":"pro","text":"Neu"}`)
	v := a.panel(y)
	if len(v.Arguments) != 3 || !v.Open || v.Round != 1 || !v.Enabled {
		t.Errorf("panel: %+v", v)
	}
	for _, g := range v.Arguments {
		if g.Own || g.Text == "Wohnen ist sehr teuer" {
			t.Errorf("y sees %+v", g)
		}
	}
}

// TestArgumentsAnonymityAndGroups: no argument response names an expert,
// and groups appear only when every group taking part has min_group_n (2)
// members doing so.
func TestArgumentsAnonymityAndGroups(t *testing.T) {
	a := newArgEnv(t)
	x, y, z := a.experts[0], a.experts[1], a.experts[2]
	a.post(x, `{"item_id":"r1","stance":"pro","text":"Pro Wohnen"}`)
	a.post(y, `{"item_id":"r1","stance":"con","text":"Contra Wohnen"}`)
	zp := a.post(z, `{"item_id":"s1","stance":"pro","option_id":"web","text":"Web ist einfach"}`)
	for _, who := range a.experts {
		for _, g := range a.panel(who).Arguments {
			if g.Group != "" {
				t.Errorf("praxis has one member taking part, but %+v shows a group", g)
			}
		}
	}
	// A second praxis expert answers: every group has two members now.
	w := a.addArguer("praxis")
	a.expertCall(w, "PUT", "/api/v1/participation/answers/r1", `{"value":4,"seq":1}`, 200)
	for _, g := range a.panel(x).Arguments { // the responses read above are reused for GroupsTTL
		if g.Group != "" {
			t.Errorf("within GroupsTTL of the last reading of the responses, %+v shows a group", g)
		}
	}
	a.clock.add(arguments.GroupsTTL)
	groups := map[string]string{}
	for _, g := range a.panel(x).Arguments {
		groups[g.Text] = g.Group
	}
	if groups["Pro Wohnen"] != "wiss" || groups["Web ist einfach"] != "praxis" {
		t.Errorf("groups with two members each: %v", groups)
	}
	a.expertArg(w, "POST", "/api/v1/participation/arguments/"+zp.ID+"/rating", `{"value":5}`, 200)
	a.expertArg(w, "PUT", "/api/v1/participation/arguments/"+zp.ID, `{"stance":"pro","text":"x"}`, 404)
	// Staff see pseudonyms and groups.
	b := a.staff("GET", "/api/v1/surveys/"+argStudy+"/arguments?round=1", "research-arg", "", 200)
	for _, who := range []*expert{x, y, z} {
		if !bytes.Contains(b, []byte(`"pseudonym":"`+who.Pseudonym+`"`)) {
			t.Errorf("staff list lacks %s: %s", who.Pseudonym, b)
		}
	}
	if !bytes.Contains(b, []byte(`"distribution":[0,0,0,0,1]`)) {
		t.Errorf("staff list lacks the rating distribution: %s", b)
	}
	// Not another study's staff.
	a.staff("GET", "/api/v1/surveys/"+argStudy+"/arguments", "researcher", "", 404)
}

// TestArgumentsRatingOnce: one rating per expert and argument, also for
// parallel requests; never one's own; 1 to 5.
func TestArgumentsRatingOnce(t *testing.T) {
	a := newArgEnv(t)
	x, y, z := a.experts[0], a.experts[1], a.experts[2]
	p := a.post(x, `{"item_id":"r1","stance":"pro","text":"Pro"}`)
	url := "/api/v1/participation/arguments/" + p.ID + "/rating"
	status, b := a.call("POST", url, x.jwt, `{"value":5}`)
	if code, _, reason := errReason(t, b); status != 403 || code != "forbidden" || reason != delphi.ReasonOwnArgument {
		t.Errorf("own argument: %d %s", status, b)
	}
	for _, v := range []string{"0", "6"} {
		if status, b := a.call("POST", url, y.jwt, `{"value":`+v+`}`); status != 422 {
			t.Errorf("value %s: %d %s", v, status, b)
		}
	}
	var r panelArg
	if err := json.Unmarshal(a.expertArg(y, "POST", url, `{"value":4}`, 200), &r); err != nil {
		t.Fatal(err)
	}
	if r.MyRating != 4 || r.Ratings.N != 1 || r.Ratings.Mean != 4 {
		t.Errorf("rated: %+v", r)
	}
	status, b = a.call("POST", url, y.jwt, `{"value":2}`)
	if code, _, reason := errReason(t, b); status != 409 || code != "conflict" || reason != delphi.ReasonAlreadyRated {
		t.Errorf("second rating: %d %s", status, b)
	}
	// z sends eight ratings at once: exactly one is stored.
	const n = 8
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			statuses[i], _ = a.call("POST", url, z.jwt, fmt.Sprintf(`{"value":%d}`, 1+i%5))
		})
	}
	wg.Wait()
	ok, conflict := 0, 0
	for _, s := range statuses {
		switch s {
		case 200:
			ok++
		case 409:
			conflict++
		}
	}
	if ok != 1 || conflict != n-1 {
		t.Errorf("parallel ratings: %v, want one 200 and %d 409", statuses, n-1)
	}
	for _, g := range a.panel(x).Arguments {
		if g.ID == p.ID && g.Ratings.N != 2 {
			t.Errorf("ratings after the race: %+v, want 2", g.Ratings)
		}
	}
}

// TestArgumentsModerationFeedbackAndExport: coordinators hide and unhide
// (audited); hidden arguments vanish from experts and the feedback and
// stay in the export marked; round 2 shows the top pro and con arguments
// of round 1; a text starting with "=" stays text in the workbook.
func TestArgumentsModerationFeedbackAndExport(t *testing.T) {
	a := newArgEnv(t)
	x, y, z := a.experts[0], a.experts[1], a.experts[2]
	pro1 := a.post(x, `{"item_id":"r1","stance":"pro","text":"Pro eins"}`)
	pro2 := a.post(y, `{"item_id":"r1","stance":"pro","text":"=SUM(1;2)"}`)
	con1 := a.post(z, `{"item_id":"r1","stance":"con","text":"Contra eins"}`)
	bad := a.post(z, `{"item_id":"r1","stance":"con","text":"Beleidigend"}`)
	rate := func(who *expert, id string, v int) {
		a.expertArg(who, "POST", "/api/v1/participation/arguments/"+id+"/rating", fmt.Sprintf(`{"value":%d}`, v), 200)
	}
	rate(y, pro1.ID, 3)
	rate(z, pro1.ID, 3)
	rate(x, pro2.ID, 4) // pro2: mean 4 > pro1's 3
	rate(x, con1.ID, 2)
	rate(x, bad.ID, 5) // the best con, but hidden below
	rate(y, bad.ID, 5)

	hide := "/api/v1/surveys/" + argStudy + "/arguments/" + bad.ID + "/hide"
	a.staff("POST", hide, "research-arg", `{"reason":"x"}`, 403)
	a.staff("POST", hide, "coord-arg", `{"reason":""}`, 422)
	a.staff("POST", hide, "coord-arg", `{"reason":"`+strings.Repeat("x", delphi.MaxTextLength+1)+`"}`, 422)
	a.staff("POST", hide, "coord-arg", `{"reason":"a\u001bb"}`, 422)
	a.staff("POST", hide, "coord-arg", `{"reason":"beleidigend"}`, 200)
	a.staff("POST", hide, "coord-arg", `{"reason":"nochmal"}`, 409)
	for _, g := range a.panel(x).Arguments {
		if g.ID == bad.ID {
			t.Errorf("the hidden argument is shown: %+v", g)
		}
	}
	a.expertArg(x, "POST", "/api/v1/participation/arguments/"+bad.ID+"/rating", `{"value":1}`, 404)
	unhide := "/api/v1/surveys/" + argStudy + "/arguments/" + bad.ID + "/unhide"
	a.staff("POST", unhide, "coord-arg", `{"reason":"war ok"}`, 200)
	a.staff("POST", hide, "coord-arg", `{"reason":"doch beleidigend"}`, 200)
	audit := a.staff("GET", "/api/v1/audit?survey_id="+argStudy, "admin", "", 200)
	for _, w := range []string{`"action":"argument.hide"`, `"action":"argument.unhide"`, `beleidigend`, `war ok`, `"target":"` + bad.ID + `"`} {
		if !bytes.Contains(audit, []byte(w)) {
			t.Errorf("audit lacks %s: %s", w, audit)
		}
	}

	a.staff("POST", "/api/v1/surveys/"+argStudy+"/rounds/1/close", "coord-arg", "", 200)
	// After the close nothing changes round 1's arguments.
	a.expertArg(x, "POST", "/api/v1/participation/arguments/"+con1.ID+"/rating", `{"value":1}`, 409)
	a.openRound(argStudy, "")
	v := a.panel(x)
	top := v.Top["r1"]
	if len(top.Pro) != 1 || top.Pro[0].Text != "=SUM(1;2)" || len(top.Con) != 1 || top.Con[0].Text != "Contra eins" {
		t.Errorf("top arguments of r1: %+v, want =SUM(1;2) and Contra eins (the hidden one absent)", top)
	}
	if v.Round != 2 || len(v.Arguments) != 0 {
		t.Errorf("round 2 panel: %+v", v)
	}
	// A round-1 argument cannot be rated in round 2.
	a.expertArg(y, "POST", "/api/v1/participation/arguments/"+pro1.ID+"/rating", `{"value":1}`, 409)

	status, xlsx := a.call("GET", "/api/v1/surveys/"+argStudy+"/export.xlsx", a.login("coord-arg"), "")
	if status != 200 {
		t.Fatalf("export: %d", status)
	}
	xlsxNoFormulas(t, "export.xlsx", xlsx, []string{"=SUM(1;2)", "doch beleidigend"})
	f, err := excelize.OpenReader(bytes.NewReader(xlsx))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Argumente")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 {
		t.Fatalf("Argumente: %d rows, want a header and 4 arguments: %v", len(rows), rows)
	}
	found := false
	for _, r := range rows[1:] {
		if r[5] == "Beleidigend" {
			found = true
			if r[6] != "Praxis" || r[14] != "ja" || r[15] != "doch beleidigend" || r[7] != "2" {
				t.Errorf("hidden argument's row: %q", r)
			}
		}
		for _, c := range r { // the workbook pairs no free text with a pseudonym
			if c == z.Pseudonym {
				t.Errorf("an argument's row holds the pseudonym %s: %q", c, r)
			}
		}
	}
	if !found {
		t.Errorf("the hidden argument is not in the export: %v", rows)
	}
}

// TestArgumentsRateLimit: posts, edits, withdrawals and ratings count
// against one per-expert limit, which holds under parallel requests.
func TestArgumentsRateLimit(t *testing.T) {
	a := newArgEnv(t)
	x, y := a.experts[0], a.experts[1]
	p := a.post(x, `{"item_id":"r1","stance":"pro","text":"Pro"}`) // one of the limit
	const n = 70
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			statuses[i], _ = a.call("PUT", "/api/v1/participation/arguments/"+p.ID, x.jwt, `{"stance":"pro","text":"Pro"}`)
		})
	}
	wg.Wait()
	counts := map[int]int{}
	for _, s := range statuses {
		counts[s]++
	}
	if counts[200] != arguments.RateLimit-1 || counts[429] != n-arguments.RateLimit+1 {
		t.Errorf("parallel edits: %v, want %d × 200 and %d × 429", counts, arguments.RateLimit-1, n-arguments.RateLimit+1)
	}
	// Another expert has a limit of their own.
	a.expertArg(y, "POST", "/api/v1/participation/arguments/"+p.ID+"/rating", `{"value":3}`, 200)
}

// TestArgumentsHiddenNotEditable: the author cannot edit an argument a
// coordinator has hidden (409, reason argument_hidden, the text unchanged,
// so the hiding's reason in the audit still refers to it), but may
// withdraw it.
func TestArgumentsHiddenNotEditable(t *testing.T) {
	a := newArgEnv(t)
	x := a.experts[0]
	arg := a.post(x, `{"item_id":"r1","stance":"pro","text":"Beleidigend"}`)
	a.staff("POST", "/api/v1/surveys/"+argStudy+"/arguments/"+arg.ID+"/hide", "coord-arg", `{"reason":"beleidigend"}`, 200)
	b := a.expertArg(x, "PUT", "/api/v1/participation/arguments/"+arg.ID, `{"stance":"pro","text":"Harmlos"}`, 409)
	if code, _, reason := errReason(t, b); code != "conflict" || reason != delphi.ReasonArgumentHidden {
		t.Errorf("edit of a hidden argument: %s", b)
	}
	if got, err := a.st.Argument(t.Context(), argStudy, arg.ID); err != nil || got.Text != "Beleidigend" || got.Hidden == nil {
		t.Errorf("after the refused edit: %+v %v", got, err)
	}
	a.expertArg(x, "DELETE", "/api/v1/participation/arguments/"+arg.ID, "", 204)
}

// countingResponses counts the reads of whole rounds' responses.
type countingResponses struct {
	delphi.AnswerStore
	lists atomic.Int64
}

func (c *countingResponses) ListResponses(ctx context.Context, surveyID string, round int) ([]*delphi.Response, error) {
	c.lists.Add(1)
	return c.AnswerStore.ListResponses(ctx, surveyID, round)
}

// TestArgumentsPanelResponseReads: in a study with groups, the panel's
// group rule reads the round's responses at most once per
// arguments.GroupsTTL, not on every GET, post, edit and rating; after the
// TTL it reads them again and sees a new group.
func TestArgumentsPanelResponseReads(t *testing.T) {
	var c *countingResponses
	a := newArgEnv(t, func(w *wiring) {
		c = &countingResponses{AnswerStore: w.responses}
		w.responses = c
	})
	x, y, z := a.experts[0], a.experts[1], a.experts[2]
	arg := a.post(x, `{"item_id":"r1","stance":"pro","text":"Pro"}`)
	a.post(y, `{"item_id":"r1","stance":"con","text":"Con"}`)
	start := c.lists.Load()
	const gets = 20
	for range gets {
		a.panel(z)
	}
	a.expertArg(z, "POST", "/api/v1/participation/arguments/"+arg.ID+"/rating", `{"value":4}`, 200)
	a.expertArg(x, "PUT", "/api/v1/participation/arguments/"+arg.ID, `{"stance":"pro","text":"Pro, neu"}`, 200)
	if n := c.lists.Load() - start; n > 1 {
		t.Errorf("%d GETs, a rating and an edit read the round's responses %d times, want at most 1", gets, n)
	}
	t.Logf("%d GETs, a rating and an edit: %d reads of the round's responses", gets, c.lists.Load()-start)
	a.clock.add(arguments.GroupsTTL)
	before := c.lists.Load()
	a.panel(z)
	if c.lists.Load() == before {
		t.Error("the panel did not read the responses again after GroupsTTL")
	}
}
