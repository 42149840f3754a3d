package main

import (
	"strings"
	"testing"
)

// TestLoadtestCommand runs the load test briefly against a server started
// in this process: the report has every table and no failures.
func TestLoadtestCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a load")
	}
	code, out, stderr := runCmd(t, t.TempDir(), "", "loadtest", "--experts", "4", "--human", "1s", "--fast", "1s", "--raw", "500ms",
		"--scale", "300", "--scale-phase", "500ms", "--probe", "500ms")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{"| human (save every 1–3 s) |", "| fast (back to back) |", "Raw driver baseline: 4 workers", "| 4 |", "| 300 |", "embedded FerretDB"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "save 5") || strings.Contains(out, "save 4") {
		t.Errorf("failed saves:\n%s", out)
	}
	if code, _, stderr := runCmd(t, t.TempDir(), "", "loadtest", "--scale", "many"); code == 0 || !strings.Contains(stderr, "--scale") {
		t.Errorf("bad --scale: %d %q", code, stderr)
	}
}
