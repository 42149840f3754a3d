package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// batch is the body of PUT /participation/answers with the given answers
// (each a JSON object).
func batch(answers ...string) string {
	return `{"answers":[` + strings.Join(answers, ",") + `]}`
}

type batchOut struct {
	Results []struct {
		ItemID  string `json:"item_id"`
		Applied bool
		Answer  *struct {
			Value   json.RawMessage
			Seq     int64
			Comment string
		}
		Error *struct{ Code, Message, Field string }
	}
	Progress struct{ Answered, Total int }
}

// TestBatchSave: one request stores the valid answers of a batch and
// names each refused one (item id, field, code); of two answers to one
// item the higher seq wins; an older seq is not applied.
func TestBatchSave(t *testing.T) {
	t.Parallel()
	e := ptEnv(t)
	x := e.addExpert(ptStudy, "wiss")
	tok := e.session(x)
	auth := map[string]string{"Authorization": "Bearer " + tok}
	put := func(name, body string, status int, want ...string) scenario {
		return scenario{name: name, method: "PUT", url: "/api/v1/participation/answers", headers: auth, body: body, status: status, want: want}
	}
	e.run([]scenario{
		put("no batch before consent", batch(`{"item_id":"r1","value":4,"seq":1}`), 409, "privacy notice"),
		{name: "consent", method: "POST", url: "/api/v1/participation/consent", headers: auth, status: 200},
		put("no answers", `{"answers":[]}`, 422, `"field":"answers"`),
		put("answers missing", `{}`, 422, `"field":"answers"`),
		put("too many answers", batch(strings.Split(strings.Repeat(`{"item_id":"r1","value":4,"seq":1};`, 501), ";")[:501]...), 422, `"field":"answers"`, "at most 500"),
		put("an unknown field", batch(`{"item_id":"r1","value":4,"seq":1,"expert_id":"x"}`), 422, `"field":"expert_id"`),
		put("malformed JSON", `{"answers":[{"item_id":`, 400),
		{name: "not JSON", method: "PUT", url: "/api/v1/participation/answers", headers: auth, body: "answers=1", ctype: "text/plain", status: 400},
	})
	if _, err := e.st.Response(context.Background(), ptStudy, 1, x.ID); err == nil {
		t.Fatal("a refused batch stored a response")
	}

	b := e.expertCall(x, "PUT", "/api/v1/participation/answers", batch(
		`{"item_id":"r1","value":4,"comment":"erst","seq":5}`,
		`{"item_id":"zz","value":4,"seq":5}`,
		`{"item_id":"r2","value":4,"comment":"hm","seq":5}`,
		`{"item_id":"m1","value":{"imp":4},"seq":5}`,
		`{"item_id":"s1","value":"web","seq":5}`,
		`{"item_id":"t1","value":"kurz","seq":0}`,
		`{"item_id":"r1","value":5,"comment":"dann","seq":6}`,
		`{"item_id":"r1","value":1,"seq":4}`,
	), 200)
	out := decode[batchOut](t, b)
	type want struct {
		item, code, field string
		applied           bool
		seq               int64
	}
	wants := []want{
		{"r1", "", "", true, 6}, // applied, then replaced by seq 6 of the same batch
		{"zz", "not_found", "item", false, 0},
		{"r2", "invalid", "comment", false, 0},
		{"m1", "invalid", "value.feas", false, 0},
		{"s1", "", "", true, 5},
		{"t1", "invalid", "seq", false, 0},
		{"r1", "", "", true, 6},
		{"r1", "", "", false, 6}, // seq 4 after 6: the stored answer
	}
	if len(out.Results) != len(wants) {
		t.Fatalf("%d results, want %d: %s", len(out.Results), len(wants), b)
	}
	for i, w := range wants {
		r := out.Results[i]
		switch {
		case r.ItemID != w.item:
			t.Errorf("result %d: item %q, want %q", i, r.ItemID, w.item)
		case w.code != "" && (r.Error == nil || r.Error.Code != w.code || r.Error.Field != w.field || r.Answer != nil || r.Applied):
			t.Errorf("result %d (%s): %+v, want error %s on %s", i, w.item, r, w.code, w.field)
		case w.code == "" && (r.Error != nil || r.Answer == nil || r.Applied != w.applied || r.Answer.Seq != w.seq):
			t.Errorf("result %d (%s): %+v, want applied %v with seq %d", i, w.item, r, w.applied, w.seq)
		}
	}
	if out.Progress.Answered != 2 || out.Progress.Total != 9 {
		t.Errorf("progress %+v, want 2 of 9", out.Progress)
	}
	r, err := e.st.Response(context.Background(), ptStudy, 1, x.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a := r.Answers["r1"]; a.Seq != 6 || *a.Value.Point != 5 || a.Comment != "dann" || a.Revisions != 1 {
		t.Errorf("r1 stored %+v, want seq 6, 5, dann", a)
	}
	for _, item := range []string{"r2", "m1", "t1", "zz"} {
		if _, ok := r.Answers[item]; ok {
			t.Errorf("the refused answer to %s was stored", item)
		}
	}
	if len(r.Answers) != 2 {
		t.Errorf("stored answers %v, want r1 and s1", r.Answers)
	}

	// Only refused answers: nothing stored, the progress as it is.
	long := strings.Repeat("x", 5001)
	e.run([]scenario{
		put("a comment too long", batch(`{"item_id":"r1","value":4,"comment":"`+long+`","seq":9}`), 200, `"field":"comment","item":"r1"`, `"code":"invalid"`, `"progress":{"answered":2,"total":9}`),
		put("a justification with a NUL", batch(`{"item_id":"r1","value":4,"justification":"a\u0000b","seq":9}`), 200, `"field":"justification"`, `"code":"invalid"`),
		put("a text value too long for the item", batch(`{"item_id":"t1","value":"`+strings.Repeat("ä", 21)+`","seq":9}`), 200, `"field":"value","item":"t1"`),
		put("an operator in a value", batch(`{"item_id":"m1","value":{"imp":{"$gt":""},"feas":2},"seq":9}`), 200, `"field":"value.imp"`, `"code":"invalid"`),
		put("only refused answers", batch(`{"item_id":"zz","value":4,"seq":9}`), 200, `"code":"not_found"`, `"field":"item","item":"zz"`, `"progress":{"answered":2,"total":9}`),
		// The single save shares the batch's path: the same error alone.
		{name: "the single save's error", method: "PUT", url: "/api/v1/participation/answers/r2", headers: auth, body: `{"value":4,"comment":"hm","seq":5}`, status: 422, want: []string{`"field":"comment","item":"r2"`}},
	})
}

// TestConcurrentBatchesOverHTTP: two tabs of one expert send 100
// overlapping batches each through a real listener, their seqs
// interleaved; every item ends with the answer of its highest seq.
func TestConcurrentBatchesOverHTTP(t *testing.T) {
	t.Parallel()
	e, x, base := listenWithExpert(t)
	items := concurrentItems
	const tabs, batches = 2, 100
	seqOf := func(tab, i, k int) int { return (i*len(items)+k)*tabs + tab + 1 }
	client := &http.Client{Timeout: netTimeout}
	var wg sync.WaitGroup
	for tab := range tabs {
		wg.Go(func() {
			for i := range batches {
				// Each batch holds three of the four items, in turns, so
				// the tabs' batches overlap in different items.
				var answers []string
				for k := range 3 {
					item, seq := items[(i+k+tab)%len(items)], seqOf(tab, i, k)
					answers = append(answers, fmt.Sprintf(`{"item_id":%q,"value":%s,"seq":%d}`, item, concurrentValue(item, seq), seq))
				}
				b, err := putAsExpert(client, base+"/api/v1/participation/answers", x.jwt, batch(answers...))
				if err == nil && strings.Contains(string(b), `"error"`) {
					err = fmt.Errorf("an answer refused: %s", b)
				}
				if err != nil {
					t.Errorf("batch %d of tab %d: %v", i, tab, err)
					return
				}
			}
		})
	}
	wg.Wait()
	want := map[string]int{}
	for tab := range tabs {
		for i := range batches {
			for k := range 3 {
				item := items[(i+k+tab)%len(items)]
				want[item] = max(want[item], seqOf(tab, i, k))
			}
		}
	}
	checkHighest(t, e, x, want)
}
