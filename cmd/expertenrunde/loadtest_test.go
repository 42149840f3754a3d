package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
)

// TestLoadtestCommand runs the load test briefly against a server started
// in this process: the report has every table and no failures.
func TestLoadtestCommand(t *testing.T) {
	out := checkLoadtest(t, nil)
	if !strings.Contains(out, "embedded FerretDB") {
		t.Errorf("the report does not name the embedded database:\n%s", out)
	}
	if code, _, stderr := runCmd(t, t.TempDir(), "", "loadtest", "--scale", "many"); code == 0 || !strings.Contains(stderr, "--scale") {
		t.Errorf("bad --scale: %d %q", code, stderr)
	}
}

// checkLoadtest runs a short `expertenrunde loadtest` with env (nil: the
// embedded database) and checks that the report has every table and no
// failed request. It returns the report.
func checkLoadtest(t *testing.T, env map[string]string) string {
	t.Helper()
	m, stdout, stderr := newMain(t, t.TempDir(), env)
	code := run(context.Background(), m, []string{"loadtest", "--experts", "4", "--human", "1s", "--fast", "1s", "--raw", "500ms",
		"--scale", "300", "--scale-phase", "500ms", "--probe", "500ms", "--large", "6", "--large-human", "1s", "--ingest", "1s", "--ingest-experts", "3"})
	out := stdout.String()
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr.String())
	}
	for _, want := range []string{"| human (save every 1–3 s) |", "| fast (back to back) |", "Raw driver baseline: 4 workers", "| 4 |", "| 300 |",
		"| human, 6 experts |", "Batch ingestion: 4 clients", "| batch ingestion ≥ 10,000 answers/s |"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	// Each kind of failed request is listed with an example.
	if failed := regexp.MustCompile(`(?m)^- .*\(\d+×\), e\.g\.: .*$`).FindAllString(out, -1); len(failed) > 0 {
		t.Errorf("failed requests:\n%s\n\n%s", strings.Join(failed, "\n"), out)
	}
	return out
}
