package httpapi

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// TestLineup: of the requests through a lineup of n places at most n run
// at once; one that finds every place taken for the lineup's wait gets
// 503 with Retry-After and the JSON error body, and a place freed lets the
// next one in.
func TestLineup(t *testing.T) {
	l := newLineup(2, 50*time.Millisecond)
	entered := make(chan struct{}, 10)
	release := make(chan struct{})
	var inside, most atomic.Int32
	s := &Server{log: slog.New(slog.DiscardHandler)}
	app := fiber.New(fiber.Config{ErrorHandler: s.handleError})
	app.Get("/x", l.wrap(func(c *fiber.Ctx) error {
		n := inside.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		entered <- struct{}{}
		<-release
		inside.Add(-1)
		return c.SendString("ok")
	}))
	do := func() (*http.Response, error) { return app.Test(httptest.NewRequest("GET", "/x", nil), -1) }

	type result struct {
		status int
		err    error
	}
	held := make(chan result, 2)
	for range 2 {
		go func() {
			resp, err := do()
			if err != nil {
				held <- result{0, err}
				return
			}
			held <- result{resp.StatusCode, nil}
		}()
	}
	for range 2 {
		<-entered // both places taken (waits for the event, no clock)
	}
	// The third finds no place for the whole wait: 503, and it never ran.
	resp, err := do()
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "2" || json.Unmarshal(body, &e) != nil || e.Error.Code != "unavailable" {
		t.Fatalf("with every place taken: %d, Retry-After %q, %s; want 503, 2 and the unavailable error", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	close(release)
	for range 2 {
		if r := <-held; r.err != nil || r.status != 200 {
			t.Fatalf("a request that had a place: %d, %v", r.status, r.err)
		}
	}
	// Places freed: the next ones run.
	resp, err = do()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("after the places were freed: %v, %v", resp, err)
	}
	if m := most.Load(); m != 2 {
		t.Errorf("%d requests ran at once, want at most (and here exactly) 2", m)
	}
}
