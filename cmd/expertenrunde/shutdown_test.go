package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"testing"
)

// TestCloseDrainsInFlightRequests: Close stops accepting new connections but
// lets a request that is already being received finish with an answer.
func TestCloseDrainsInFlightRequests(t *testing.T) {
	m, _, _ := newMain(t, t.TempDir(), nil)
	if err := m.ParseFlags([]string{"serve"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(m.URL())
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"email":"nobody@example.org","password":"wrong-password-123"}`
	fmt.Fprintf(conn, "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body[:10])

	closed := make(chan error, 1)
	go func() { closed <- m.Close() }()
	// Wait until the listener is closed: new connections are refused.
	waitFor(t, "the listener to close after Close began", func() bool {
		c, err := net.DialTimeout("tcp", u.Host, patience)
		if err != nil {
			return true
		}
		c.Close()
		return false
	})
	// The in-flight request completes.
	fmt.Fprint(conn, body[10:])
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight request was cut off: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("in-flight request: %d, want 401", resp.StatusCode)
	}
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
}
