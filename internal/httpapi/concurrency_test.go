package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// These tests interleave a second request at the one point where it races
// the first: a hook on the real store runs it there, deterministically. The
// hook runs on the server's goroutine, so it records its result instead of
// failing the test.

// hook holds a function to run once.
type hook struct {
	mu sync.Mutex
	fn func()
}

func (h *hook) arm(fn func()) { h.mu.Lock(); h.fn = fn; h.mu.Unlock() }

func (h *hook) fire() {
	h.mu.Lock()
	fn := h.fn
	h.fn = nil
	h.mu.Unlock()
	if fn != nil {
		fn()
	}
}

// hookedResponses is the answer store with a hook run after a round's
// responses were listed: inside a close, right after the snapshot's
// computation has read the answers. Embedding the interface (not the
// *store.Store) leaves the results service to read through ListResponses.
type hookedResponses struct {
	delphi.AnswerStore
	after hook
}

func (h *hookedResponses) ListResponses(ctx context.Context, surveyID string, round int) ([]*delphi.Response, error) {
	rs, err := h.AnswerStore.ListResponses(ctx, surveyID, round)
	h.after.fire()
	return rs, err
}

// hookedExperts is the expert store with hooks run after an expert was
// read: after resolves a link (between an expert request's read of the
// expert and its write), afterRead is ExpertByID (a coordinator's edit),
// afterList is ListExperts (a panel import).
type hookedExperts struct {
	delphi.ExpertStore
	after, afterRead, afterList hook
}

func (h *hookedExperts) ExpertByID(ctx context.Context, surveyID, id string) (*delphi.Expert, error) {
	e, err := h.ExpertStore.ExpertByID(ctx, surveyID, id)
	h.afterRead.fire()
	return e, err
}

func (h *hookedExperts) ListExperts(ctx context.Context, surveyID string) ([]*delphi.Expert, error) {
	es, err := h.ExpertStore.ListExperts(ctx, surveyID)
	h.afterList.fire()
	return es, err
}

// ExpertByLink is the expert request's read of the expert (the session
// check); after fires between it and the request's write.
func (h *hookedExperts) ExpertByLink(ctx context.Context, surveyID, expertID, tokenHash string) (*delphi.Expert, error) {
	e, err := h.ExpertStore.ExpertByLink(ctx, surveyID, expertID, tokenHash)
	h.after.fire()
	return e, err
}

// raw sends a request with a bearer token without failing the test (for
// hooks, which run on the server's goroutine).
func (e *env) raw(method, url, bearer, body string) (int, error) {
	req := httptest.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+bearer)
	resp, err := e.srv.App().Test(req, appTestTimeout)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// TestSaveDuringCloseIsNotStored: an expert's save that arrives while the
// round is being closed, after the snapshot's computation has read the
// answers, is refused; the answers stored for the closed round are exactly
// the ones its snapshot counted, so the raw export and the transitions
// (which read the stored answers) agree with the frozen numbers.
func TestSaveDuringCloseIsNotStored(t *testing.T) {
	t.Parallel()
	answers := &hookedResponses{}
	e := newEnv(t, func(w *wiring) { answers.AnswerStore = w.responses; w.responses = answers })
	e.importStudy("participation-study.yaml", readFile(t, "testdata/participation-study.yaml"))
	e.openRound(ptStudy, "")
	early, late := e.addExpert(ptStudy, "wiss"), e.addExpert(ptStudy, "praxis")
	for _, x := range []*expert{early, late} {
		e.expertCall(x, "POST", "/api/v1/participation/consent", "", 200)
	}
	e.expertCall(early, "PUT", "/api/v1/participation/answers/r1", `{"value":4,"seq":1}`, 200)

	var status int
	var lateErr error
	answers.after.arm(func() {
		status, lateErr = e.raw("PUT", "/api/v1/participation/answers/r1", late.jwt, `{"value":5,"seq":1}`)
	})
	e.staff("POST", "/api/v1/surveys/"+ptStudy+"/rounds/1/close", "admin", "", 200)
	if lateErr != nil {
		t.Fatal(lateErr)
	}
	if status == 0 {
		t.Fatal("the hook did not run during the close")
	}

	ctx := context.Background()
	snap, err := e.st.Snapshot(ctx, ptStudy, 1)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Items []struct {
			ItemID    string `json:"item_id"`
			Submitted int    `json:"submitted"`
			Drafts    int    `json:"drafts"`
		} `json:"items"`
	}
	if err := json.Unmarshal(snap.Results, &res); err != nil {
		t.Fatal(err)
	}
	frozen := -1
	for _, it := range res.Items {
		if it.ItemID == "r1" {
			frozen = it.Submitted + it.Drafts // the close froze every stored answer, counted or not
		}
	}
	rs, err := e.st.ListResponses(ctx, ptStudy, 1)
	if err != nil {
		t.Fatal(err)
	}
	var stored []string
	for _, r := range rs {
		if a, ok := r.Answers["r1"]; ok && !a.Value.Empty() {
			stored = append(stored, r.Pseudonym)
		}
	}
	if frozen != len(stored) {
		t.Fatalf("the snapshot counts %d answers to r1, the closed round stores %d (%v); the late save answered %d", frozen, len(stored), stored, status)
	}
	if status != 409 || len(stored) != 1 {
		t.Fatalf("the save during the close answered %d and the round stores %d answers; want 409 and 1", status, len(stored))
	}
}

// TestExpertConsentKeepsConcurrentPanelEdit: an expert's consent or decline
// writes only its own time; a coordinator's edit of the same expert that
// lands between the expert request's read and its write survives.
func TestExpertConsentKeepsConcurrentPanelEdit(t *testing.T) {
	t.Parallel()
	experts := &hookedExperts{}
	e := newEnv(t, func(w *wiring) { experts.ExpertStore = w.experts; w.experts = experts })
	e.importStudy("participation-study.yaml", readFile(t, "testdata/participation-study.yaml"))
	x := e.addExpert(ptStudy, "wiss")
	e.session(x)
	admin := e.login("admin")
	url := fmt.Sprintf("/api/v1/surveys/%s/experts/%s", ptStudy, x.ID)
	ctx := context.Background()

	for _, step := range []struct {
		action, edit string
		check        func(*delphi.Expert) bool
	}{
		{"consent", `{"group":"praxis","name":"Dr. Neu"}`, func(got *delphi.Expert) bool {
			return got.ConsentAt != nil && got.Group == "praxis" && got.Name == "Dr. Neu"
		}},
		{"decline", `{"organisation":"Institut","language":"en"}`, func(got *delphi.Expert) bool {
			return got.DeclinedAt != nil && got.ConsentAt != nil && got.Group == "praxis" && got.Name == "Dr. Neu" &&
				got.Organisation == "Institut" && got.Language == "en"
		}},
	} {
		var status int
		var editErr error
		experts.after.arm(func() { status, editErr = e.raw("PATCH", url, admin, step.edit) })
		e.expertCall(x, "POST", "/api/v1/participation/"+step.action, "", 200)
		if editErr != nil || status != 200 {
			t.Fatalf("%s: the coordinator's edit during it answered %d (%v)", step.action, status, editErr)
		}
		got, err := e.st.ExpertByID(ctx, ptStudy, x.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !step.check(got) {
			t.Fatalf("after the %s with a concurrent edit %s: %+v", step.action, step.edit, got)
		}
	}
}

// TestPanelEditKeepsExpertsDecline: a coordinator's edit or panel import
// made from a copy of the expert read before the expert consented and
// declined writes neither back, so the expert stays declined (no more
// reminders) and the consent stays. The coordinator's own declined toggle
// still works both ways, and keeps an earlier decline time.
func TestPanelEditKeepsExpertsDecline(t *testing.T) {
	t.Parallel()
	experts := &hookedExperts{}
	e := newEnv(t, func(w *wiring) { experts.ExpertStore = w.experts; w.experts = experts })
	e.importStudy("participation-study.yaml", readFile(t, "testdata/participation-study.yaml"))
	x, y := e.addExpert(ptStudy, "wiss"), e.addExpert(ptStudy, "wiss")
	e.session(x)
	e.session(y)
	url := fmt.Sprintf("/api/v1/surveys/%s/experts/%s", ptStudy, x.ID)
	ctx := context.Background()
	get := func(id string) *delphi.Expert {
		t.Helper()
		got, err := e.st.ExpertByID(ctx, ptStudy, id)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	// act runs the expert's consent and decline at the armed hook.
	var codes []int
	act := func(x *expert) func() {
		return func() {
			for _, a := range []string{"consent", "decline"} {
				status, err := e.raw("POST", "/api/v1/participation/"+a, x.jwt, "")
				if err != nil {
					status = -1
				}
				codes = append(codes, status)
			}
		}
	}
	auditFields := func() []string {
		t.Helper()
		entries, err := e.st.ListAudit(ctx, ptStudy, 1000)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range entries {
			if a.Action == "expert.update" && a.Target == x.ID {
				out = append(out, fmt.Sprint(a.Details["fields"]))
			}
		}
		slices.Sort(out) // entries of one clock time come in any order
		return out
	}

	// The PATCH read x; the expert consents and declines before it writes.
	experts.afterRead.arm(act(x))
	body := e.staff("PATCH", url, "admin", `{"group":"praxis","name":"Dr. Neu"}`, 200)
	if fmt.Sprint(codes) != "[200 200]" {
		t.Fatalf("the expert's consent and decline during the edit answered %v", codes)
	}
	got := get(x.ID)
	if got.DeclinedAt == nil || got.ConsentAt == nil || got.Group != "praxis" || got.Name != "Dr. Neu" {
		t.Fatalf("after an edit from a copy read before the decline: %+v", got)
	}
	if !strings.Contains(string(body), `"status":"declined"`) {
		t.Fatalf("the edit answered %s, not the stored expert", body)
	}

	// The import read the panel; y consents and declines before it writes.
	codes = nil
	experts.afterList.arm(act(y))
	csv := "E-Mail;Name;Gruppe\n" + y.Email + ";Neu Importiert;praxis\n"
	status, body := e.upload("/api/v1/surveys/"+ptStudy+"/experts/import?dry_run=false", "admin", "panel.csv", []byte(csv))
	if status != 200 || !strings.Contains(string(body), `"fields":["name","group"]`) || fmt.Sprint(codes) != "[200 200]" {
		t.Fatalf("import: %d %s; the expert's consent and decline answered %v", status, body, codes)
	}
	if got := get(y.ID); got.DeclinedAt == nil || got.ConsentAt == nil || got.Name != "Neu Importiert" || got.Group != "praxis" {
		t.Fatalf("after an import read before the decline: %+v", got)
	}

	// The coordinator takes the decline back: only the decline changes.
	e.clock.set(e.clock.now().Add(10 * time.Minute))
	body = e.staff("PATCH", url, "admin", `{"declined":false}`, 200)
	got = get(x.ID)
	if got.DeclinedAt != nil || got.ConsentAt == nil || got.Name != "Dr. Neu" || !strings.Contains(string(body), `"status":"active"`) {
		t.Fatalf("after declined false: %+v %s", got, body)
	}
	e.staff("PATCH", url, "admin", `{"declined":false}`, 200) // no change, no audit entry

	// Toggled back on while the expert declines again: the earlier time stays.
	experts.afterRead.arm(func() {
		status, err := e.raw("POST", "/api/v1/participation/decline", x.jwt, "")
		if err != nil {
			status = -1
		}
		codes = []int{status}
		e.clock.set(e.clock.now().Add(time.Minute)) // the PATCH's decline comes later
	})
	again := e.clock.now()
	body = e.staff("PATCH", url, "admin", `{"declined":true,"notes":"zurück"}`, 200)
	got = get(x.ID)
	if fmt.Sprint(codes) != "[200]" || got.DeclinedAt == nil || !got.DeclinedAt.Equal(again) || got.Notes != "zurück" ||
		!strings.Contains(string(body), `"status":"declined"`) {
		t.Fatalf("after declined true with a concurrent decline (%v): %+v %s", codes, got, body)
	}
	e.staff("PATCH", url, "admin", `{"declined":false}`, 200)
	e.staff("PATCH", url, "admin", `{"declined":true}`, 200)
	if got := get(x.ID); got.DeclinedAt == nil || !got.DeclinedAt.Equal(e.clock.now()) {
		t.Fatalf("after declined true: %+v", got)
	}

	want := "[[declined] [declined] [declined] [name group] [notes declined]]"
	if got := fmt.Sprint(auditFields()); got != want {
		t.Fatalf("audited fields %s, want %s", got, want)
	}
}
