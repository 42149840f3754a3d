package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// healthcheckTimeout bounds one probe; a container runtime has its own
// timeout on top (the Dockerfile's HEALTHCHECK --timeout).
const healthcheckTimeout = 10 * time.Second

// healthcheck asks the server on the configured address (EXPERTENRUNDE_ADDR
// or --addr) for GET /readyz: exit 0 when it answers 200 (the server is up
// and its database reachable), 1 otherwise. An unspecified listen host
// (0.0.0.0, ::) is probed on the loopback interface. The runtime image has
// no curl; the Dockerfile's HEALTHCHECK and docker-compose.yml call this.
func (m *Main) healthcheck(ctx context.Context) error {
	unhealthy := func(format string, args ...any) error {
		msg := "unhealthy: " + fmt.Sprintf(format, args...)
		fmt.Fprintln(m.Stderr, msg)
		return &exitError{code: 1, msg: msg}
	}
	u, err := probeURL(m.Config.Addr)
	if err != nil {
		return unhealthy("%v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return unhealthy("%v", err)
	}
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	resp, err := client.Do(req)
	if err != nil {
		return unhealthy("%v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return unhealthy("GET %s answered %d %s", u, resp.StatusCode, body)
	}
	fmt.Fprintf(m.Stdout, "ok: GET %s answered 200\n", u)
	return nil
}

// probeURL returns the /readyz URL of a server listening on addr.
func probeURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("EXPERTENRUNDE_ADDR %q: %v", addr, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
		if ip != nil && ip.To4() == nil {
			host = "::1"
		}
	}
	return "http://" + net.JoinHostPort(host, port) + "/readyz", nil
}
