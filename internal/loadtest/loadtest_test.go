package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestSummarise(t *testing.T) {
	var lat []time.Duration
	for i := 100; i >= 1; i-- {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	s := summarise(lat, 3, 10*time.Second)
	if s.N != 100 || s.Errors != 3 || s.PerSecond != 10 || s.P50 != 50*time.Millisecond || s.P95 != 95*time.Millisecond ||
		s.P99 != 99*time.Millisecond || s.Max != 100*time.Millisecond {
		t.Fatalf("%+v", s)
	}
	if s := summarise(nil, 0, time.Second); s.N != 0 || s.P99 != 0 {
		t.Fatalf("empty: %+v", s)
	}
}

func TestOutcomeKinds(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{}`) })
	mux.HandleFunc("/down", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":{}}`, http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/cut", func(w http.ResponseWriter, r *http.Request) {
		conn, buf, _ := w.(http.Hijacker).Hijack()
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"answer\":")
		buf.Flush()
		conn.Close()
	})
	mux.HandleFunc("/drop", func(w http.ResponseWriter, r *http.Request) {
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := NewClient(srv.URL, 1, 5*time.Second)
	ctx := context.Background()
	for path, want := range map[string]string{"/ok": "2xx", "/down": "5xx", "/cut": "truncated", "/drop": "no_response"} {
		if got := c.Do(ctx, "PUT", path, "", "", []byte("{}")).Kind(); got != want {
			t.Errorf("%s: %s, want %s", path, got, want)
		}
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	if got := NewClient("http://"+addr, 1, time.Second).Do(ctx, "GET", "/", "", "", nil).Kind(); got != "refused" {
		t.Errorf("closed port: %s, want refused", got)
	}
}

func TestTargets(t *testing.T) {
	var q Questionnaire
	err := json.Unmarshal([]byte(`{"state":"open","survey":{"scales":[{"id":"s5","points":[{"value":1},{"value":2},{"value":3}]}]},
	  "sections":[{"items":[
	    {"item":{"id":"r","type":"rating","scale":"s5"}},
	    {"item":{"id":"m","type":"multi_rating","criteria":[{"id":"a","scale":"s5"},{"id":"b","scale":"s5"}]}},
	    {"item":{"id":"c","type":"single_choice","options":[{"id":"x"},{"id":"y"}]}},
	    {"item":{"id":"t","type":"text"}}]}]}`), &q)
	if err != nil {
		t.Fatal(err)
	}
	ts := Targets(&q)
	if len(ts) != 3 || ts[0].ItemID != "r" || len(ts[0].Values) != 3 || string(ts[0].Values[2]) != "3" ||
		ts[2].ItemID != "c" || string(ts[2].Values[1]) != `"y"` {
		t.Fatalf("%+v", ts)
	}
	var m map[string]int
	if err := json.Unmarshal(ts[1].Values[0], &m); err != nil || len(m) != 2 || m["a"] < 1 || m["b"] > 3 {
		t.Fatalf("multi_rating value %s: %v", ts[1].Values[0], err)
	}
}

func TestRawBaseline(t *testing.T) {
	ctx := context.Background()
	raw, done, err := NewRaw(ctx, testURI(t), "raw", "c", 10, 500)
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	if err := raw.Prefill(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := raw.Collection.CountDocuments(ctx, map[string]any{}); err != nil || n != 10 {
		t.Fatalf("prefilled %d documents, %v", n, err)
	}
	// The run ends once the workers' saves outnumber them (then one worker
	// saved twice, so its first save was answered and counted before the
	// end), however long that takes on a loaded machine; the duration is
	// only a safety net.
	const workers = 3
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		defer stop()
		for runCtx.Err() == nil {
			var docs []struct{ Saves int64 }
			cur, err := raw.Collection.Find(ctx, map[string]any{})
			if err == nil {
				err = cur.All(ctx, &docs)
			}
			if err != nil {
				t.Errorf("reading the saves: %v", err)
				return
			}
			total := int64(0)
			for _, d := range docs {
				total += d.Saves
			}
			if total > workers {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	st, err := raw.Run(runCtx, workers, 10*time.Minute)
	if err != nil || st.N == 0 || st.Errors != 0 {
		t.Fatalf("%+v %v", st, err)
	}
	if n, _ := raw.Collection.CountDocuments(ctx, map[string]any{}); n != 10 {
		t.Fatalf("upserts by _id created documents: %d", n)
	}
}

// TestReportSettled: the report tells the saves sent after the start of a
// phase apart from all of them, and leaves the line out for a phase too
// short to have any.
func TestReportSettled(t *testing.T) {
	r := &Report{
		Human: &PhaseResult{Experts: 200, Settled: summarise([]time.Duration{3 * time.Millisecond, 5 * time.Millisecond}, 0, time.Second)},
		Large: &PhaseResult{Experts: 1000},
	}
	var b strings.Builder
	r.WriteText(&b)
	out := b.String()
	if !strings.Contains(out, "- human (200 experts), the saves sent after the first 5s: 2, p50 / p95 / p99 3.0 / 5.0 / 5.0 ms, max 5.0 ms\n") {
		t.Errorf("no settled line for the human phase in\n%s", out)
	}
	if strings.Contains(out, "1000 experts), the saves sent") {
		t.Errorf("a settled line for a phase without settled saves in\n%s", out)
	}
}
