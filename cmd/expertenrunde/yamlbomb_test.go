package main

// YAML alias bombs (issue #13, point 3) against the command line and against
// a real server process, whose memory is read from /proc.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/survey/surveytest"
)

// TestSurveyValidateAliasBomb: `survey validate` and `survey import` refuse
// a study whose aliases expand past the limit with file:line:column and the
// problem, exit 1, and store nothing.
func TestSurveyValidateAliasBomb(t *testing.T) {
	dir := t.TempDir()
	bomb := filepath.Join(dir, "bomb.yaml")
	if err := os.WriteFile(bomb, surveytest.AliasBomb(1<<20, 3000), 0o644); err != nil {
		t.Fatal(err)
	}
	want := regexp.QuoteMeta(bomb) + `:5:5: alias \*x makes the file too large: more than 4 MiB`
	for _, cmd := range []string{"validate", "import"} {
		code, out, stderr := runCmd(t, dir, "", "survey", cmd, bomb)
		if code != 1 || !regexp.MustCompile(want).MatchString(stderr) {
			t.Errorf("survey %s: exit %d, %q %q, want 1 and %s", cmd, code, out, stderr, want)
		}
	}
	code, out, _ := runCmd(t, dir, "", "survey", "import", "../../surveys/core-outcome-set-example.yaml")
	if code != 0 || !strings.Contains(out, "as revision 1") {
		t.Errorf("a valid study after the bomb: exit %d, %q", code, out)
	}
}

// procStatus reads a field of /proc/<pid>/status in bytes (the file says kB).
func procStatus(t *testing.T, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^` + field + `:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no %s in /proc/%d/status", field, pid)
	}
	kb, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return kb << 10
}

// TestServerAliasBombMemory: a real server process answers alias bombs
// uploaded as a study with 422 naming the alias, and its peak resident
// memory (VmHWM, reset before each upload) grows by less than 50 MB. Before
// the limit on the expanded size, 300 aliases of a 1 MiB string cost the
// server 500 MB and 3,000 aliases 9 GB.
func TestServerAliasBombMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	c, password := startChild(t, t.TempDir())
	pid := c.cmd.Process.Pid
	body, _ := json.Marshal(map[string]string{"email": demoAdmin, "password": password})
	resp, err := http.Post(c.url+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var login struct{ Token string }
	_ = json.NewDecoder(resp.Body).Decode(&login)
	resp.Body.Close()
	if resp.StatusCode != 200 || login.Token == "" {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	upload := func(name string, data []byte) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", c.url+"/api/v1/surveys?filename="+name, bytes.NewReader(data))
		req.Header.Set("Content-Type", "application/yaml")
		req.Header.Set("Authorization", "Bearer "+login.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// Control: the route imports a valid study (and has done its first-use
	// work before memory is measured).
	valid, err := os.ReadFile("../../surveys/core-outcome-set-example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if s, b := upload("core.yaml", valid); s != 201 {
		t.Fatalf("valid study: %d %.300s", s, b)
	}
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"alias300.yaml", surveytest.AliasBomb(1<<20, 300)},
		{"alias3000.yaml", surveytest.AliasBomb(1<<20, 3000)},
		{"laughs.yaml", surveytest.Laughs(9)},
	} {
		// Writing 5 to clear_refs sets the peak to the current resident size.
		if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
			t.Fatalf("cannot reset the peak memory of the server: %v", err)
		}
		base := procStatus(t, pid, "VmHWM")
		start := time.Now()
		s, b := upload(c.name, c.data)
		took := time.Since(start)
		growth := procStatus(t, pid, "VmHWM") - base
		t.Logf("%s (%d KiB): %d in %v, peak memory +%.1f MiB", c.name, len(c.data)>>10, s, took.Round(time.Millisecond), float64(growth)/(1<<20))
		if s != 422 || !strings.Contains(b, "too large") {
			t.Errorf("%s: %d %.300s, want 422 naming the size limit", c.name, s, b)
		}
		if growth >= 50e6 {
			t.Errorf("%s: the server's peak memory grew by %.0f MB, want under 50 MB", c.name, float64(growth)/1e6)
		}
	}
}
