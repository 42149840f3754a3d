package httpapi

import (
	"bytes"
	"github.com/gofiber/fiber/v2"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestPanicBecomesJSON500: a panicking handler answers a generic JSON 500
// with the request id, logs the panic, and the server keeps serving.
func TestPanicBecomesJSON500(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	s := New(Deps{Logger: slog.New(slog.NewTextHandler(&logs, nil))}, Options{BodyLimit: 1 << 20})
	s.app.Get("/boom", func(c *fiber.Ctx) error { panic("secret detail") })
	resp, err := s.app.Test(httptest.NewRequest("GET", "/boom", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 500 || !strings.Contains(string(b), `"code":"internal"`) || strings.Contains(string(b), "secret detail") {
		t.Fatalf("panic answer: %d %s", resp.StatusCode, b)
	}
	if !strings.Contains(string(b), resp.Header.Get("X-Request-Id")) {
		t.Errorf("the message should carry the request id: %s", b)
	}
	if !strings.Contains(logs.String(), "secret detail") {
		t.Errorf("the panic was not logged: %s", logs.String())
	}
	resp, err = s.app.Test(httptest.NewRequest("GET", "/healthz", nil), -1)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("server not serving after a panic: %v %v", resp, err)
	}
}

// TestGzip: large responses are compressed for clients that accept it.
func TestGzip(t *testing.T) {
	t.Parallel()
	s := New(Deps{}, Options{BodyLimit: 1 << 20})
	req := httptest.NewRequest("GET", "/api/v1/openapi.json", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := s.app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q", resp.Header.Get("Content-Encoding"))
	}
}

// TestErrorTableIsComplete: every domain code has a status.
func TestErrorTableIsComplete(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"invalid", "bad_request", "not_found", "conflict", "unauthorized", "forbidden", "rate_limited", "too_large", "unsupported", "unavailable", "internal"} {
		if statusOf[code] == 0 {
			t.Errorf("no status for %s", code)
		}
	}
}
