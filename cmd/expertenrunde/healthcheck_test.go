package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// healthcheckAt runs `expertenrunde healthcheck` with EXPERTENRUNDE_ADDR=addr.
func healthcheckAt(t *testing.T, addr string) (int, string, string) {
	t.Helper()
	m, stdout, stderr := newMain(t, t.TempDir(), map[string]string{"EXPERTENRUNDE_ADDR": addr})
	code := run(context.Background(), m, []string{"healthcheck"})
	return code, stdout.String(), stderr.String()
}

// TestHealthcheckCommand: exit 0 against a running server, 1 against a
// closed port and against a server whose /readyz is not 200.
func TestHealthcheckCommand(t *testing.T) {
	m, _, _ := newMain(t, t.TempDir(), nil)
	if err := m.ParseFlags([]string{"serve"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	addr := strings.TrimPrefix(m.URL(), "http://")
	if code, out, stderr := healthcheckAt(t, addr); code != 0 || !strings.Contains(out, "/readyz answered 200") {
		t.Errorf("against the running server: exit %d, %q %q", code, out, stderr)
	}
	// The listen address of a container (all interfaces) is probed on loopback.
	_, port, _ := net.SplitHostPort(addr)
	if code, _, stderr := healthcheckAt(t, "0.0.0.0:"+port); code != 0 {
		t.Errorf("against 0.0.0.0:%s: exit %d, %q", port, code, stderr)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	if code, _, stderr := healthcheckAt(t, closed); code != 1 || !strings.Contains(stderr, "unhealthy") {
		t.Errorf("against a closed port: exit %d, %q", code, stderr)
	}

	notReady := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":{"code":"unavailable"}}`, http.StatusServiceUnavailable)
	}))
	defer notReady.Close()
	if code, _, stderr := healthcheckAt(t, notReady.Listener.Addr().String()); code != 1 || !strings.Contains(stderr, "503") {
		t.Errorf("against a server answering 503: exit %d, %q", code, stderr)
	}
}

func TestProbeURL(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080/readyz",
		"0.0.0.0:8080":   "http://127.0.0.1:8080/readyz",
		":8080":          "http://127.0.0.1:8080/readyz",
		"[::]:8080":      "http://[::1]:8080/readyz",
		"app.local:9000": "http://app.local:9000/readyz",
	} {
		if got, err := probeURL(addr); err != nil || got != want {
			t.Errorf("probeURL(%q) = %q, %v; want %q", addr, got, err, want)
		}
	}
	if _, err := probeURL("8080"); err == nil {
		t.Error("probeURL(8080): no error")
	}
}
