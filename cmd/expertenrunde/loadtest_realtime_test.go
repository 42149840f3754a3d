package main

import (
	"context"
	"regexp"
	"testing"
)

// TestLoadtestRealtimePhase runs the load test's real-time phase briefly:
// the experts of a real-time study save and fetch the panel's statistics,
// and no request fails.
func TestLoadtestRealtimePhase(t *testing.T) {
	m, stdout, stderr := newMain(t, t.TempDir(), nil)
	code := run(context.Background(), m, []string{"loadtest", "--experts", "4", "--human", "500ms", "--fast", "500ms", "--raw", "0",
		"--scale", "", "--large", "0", "--ingest", "0", "--realtime", "3s"})
	out := stdout.String()
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr.String())
	}
	re := regexp.MustCompile(`Real-time study \(30 ratings, mode realtime\): 4 experts .* saves [0-9.]+/s, .* \(failures none\); feedback fetches ([0-9.]+)/s, .* \(failures none\)\.`)
	m2 := re.FindStringSubmatch(out)
	if m2 == nil || m2[1] == "0.0" {
		t.Fatalf("the report lacks the real-time phase, or it failed:\n%s", out)
	}
}
