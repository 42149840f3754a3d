package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/expertenrunde/expertenrunde/internal/session"
	"github.com/expertenrunde/expertenrunde/internal/store"
)

// newMain returns a Main on a temp data dir and a free port, with captured output.
func newMain(t *testing.T, dataDir string, env map[string]string) (*Main, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	m := NewMain()
	m.Stdout, m.Stderr, m.Stdin = &stdout, &stderr, strings.NewReader("")
	base := map[string]string{"EXPERTENRUNDE_DATA_DIR": dataDir, "EXPERTENRUNDE_ADDR": "127.0.0.1:0", "EXPERTENRUNDE_LOG_LEVEL": "warn"}
	for k, v := range env {
		base[k] = v
	}
	m.Getenv = func(k string) string { return base[k] }
	return m, &stdout, &stderr
}

// runCmd runs one non-serving command to completion and returns its exit code.
func runCmd(t *testing.T, dataDir, stdin string, args ...string) (int, string, string) {
	t.Helper()
	m, stdout, stderr := newMain(t, dataDir, nil)
	m.Stdin = strings.NewReader(stdin)
	code := run(context.Background(), m, args)
	return code, stdout.String(), stderr.String()
}

func TestServeDemoEndToEnd(t *testing.T) {
	dir := t.TempDir()
	m, stdout, _ := newMain(t, dir, map[string]string{"EXPERTENRUNDE_DEMO": "true"})
	if err := m.ParseFlags([]string{"serve"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	out := stdout.String()
	if !strings.Contains(out, "Expertenrunde is running at "+m.URL()) {
		t.Fatalf("no URL printed: %q", out)
	}
	pw := demoPasswordRE.FindStringSubmatch(out)
	if pw == nil || !strings.Contains(out, demoAdmin) {
		t.Fatalf("no demo login printed: %q", out)
	}
	// The secret was generated and kept in the data dir.
	if fi, err := os.Stat(filepath.Join(dir, "jwt-secret")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("jwt-secret: %v %v", fi, err)
	}
	body, _ := json.Marshal(map[string]string{"email": demoAdmin, "password": pw[1]})
	resp, err := http.Post(m.URL()+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var login struct{ Token string }
	json.NewDecoder(resp.Body).Decode(&login)
	resp.Body.Close()
	if resp.StatusCode != 200 || login.Token == "" {
		t.Fatalf("login with the printed password: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("GET", m.URL()+"/api/v1/surveys", nil)
	req.Header.Set("Authorization", "Bearer "+login.Token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(b, []byte("kleinstadtakademie-2020")) {
		t.Fatalf("demo study not listed: %s", b)
	}
	// The UI is served at / and the readiness probe is green.
	for path, want := range map[string]int{"/": 200, "/readyz": 200, "/api/v1/nope": 404} {
		resp, err := http.Get(m.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
		}
	}
	// While the server runs, a second process on the same data dir is refused clearly.
	code, _, stderr := runCmd(t, dir, "a-long-enough-password\n", "user", "create", "--email", "x@example.org", "--role", "admin", "--password-stdin")
	if code == 0 || !strings.Contains(stderr, "in use") {
		t.Errorf("second process on a busy data dir: code %d, %q", code, stderr)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	// A restart keeps the data and does not print a new password.
	m2, stdout2, _ := newMain(t, dir, map[string]string{"EXPERTENRUNDE_DEMO": "true"})
	if err := m2.ParseFlags([]string{"serve"}); err != nil {
		t.Fatal(err)
	}
	if err := m2.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	if strings.Contains(stdout2.String(), "generated password") {
		t.Errorf("second start printed a new password: %q", stdout2.String())
	}
	resp, err = http.Post(m2.URL()+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("login after restart: %d", resp.StatusCode)
	}
}

func TestSurveyValidate(t *testing.T) {
	dir := t.TempDir()
	code, out, _ := runCmd(t, dir, "", "survey", "validate", "../../surveys/kleinstadtakademie-2020.yaml", "../../surveys/core-outcome-set-example.yaml")
	if code != 0 || strings.Count(out, ": ok") != 2 {
		t.Fatalf("valid files: code %d, %q", code, out)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("id: bad\nversion: \"1\"\nlanguages: [de]\ntitle: {de: Test}\ngroups: []\nscales: []\nsections:\n  - id: s\n    title: {de: S}\n    items:\n      - id: i\n        type: ratng\n        text: {de: Frage}\n"), 0o644)
	code, _, stderr := runCmd(t, dir, "", "survey", "validate", bad)
	if code != 1 {
		t.Fatalf("invalid file: exit %d, want 1", code)
	}
	if !regexp.MustCompile(regexp.QuoteMeta(bad) + `:\d+:\d+: `).MatchString(stderr) {
		t.Errorf("no file:line:column in %q", stderr)
	}
	code, _, stderr = runCmd(t, dir, "", "survey", "validate", filepath.Join(dir, "missing.yaml"))
	if code != 1 || !strings.Contains(stderr, "missing.yaml") {
		t.Errorf("missing file: %d %q", code, stderr)
	}
}

func TestSurveyImportAndUserCreate(t *testing.T) {
	dir := t.TempDir()
	code, out, stderr := runCmd(t, dir, "", "survey", "import", "../../surveys/kleinstadtakademie-2020.yaml")
	if code != 0 || !strings.Contains(out, "imported kleinstadtakademie-2020 as revision 1") {
		t.Fatalf("import: %d %q %q", code, out, stderr)
	}
	code, out, _ = runCmd(t, dir, "", "survey", "import", "../../surveys/kleinstadtakademie-2020.yaml")
	if code != 0 || !strings.Contains(out, "unchanged") {
		t.Fatalf("re-import: %d %q", code, out)
	}
	code, out, stderr = runCmd(t, dir, "a-long-enough-password\n", "user", "create", "--email", "Coord@Example.org", "--role", "coordinator", "--survey", "kleinstadtakademie-2020", "--password-stdin")
	if code != 0 || !strings.Contains(out, "created coordinator coord@example.org") {
		t.Fatalf("user create: %d %q %q", code, out, stderr)
	}
	code, _, stderr = runCmd(t, dir, "a-long-enough-password\n", "user", "create", "--email", "coord@example.org", "--role", "coordinator", "--password-stdin")
	if code == 0 || !strings.Contains(stderr, "exists already") {
		t.Errorf("duplicate user: %d %q", code, stderr)
	}
	code, _, stderr = runCmd(t, dir, "short\n", "user", "create", "--email", "r@example.org", "--role", "researcher", "--password-stdin")
	if code == 0 || !strings.Contains(stderr, "at least 12") {
		t.Errorf("short password: %d %q", code, stderr)
	}
	code, _, stderr = runCmd(t, dir, "", "user", "create", "--email", "r@example.org", "--role", "king", "--password-stdin")
	if code == 0 || !strings.Contains(stderr, "--role") {
		t.Errorf("bad role: %d %q", code, stderr)
	}
	// The text limits of the API (delphi.User.Validate).
	for _, c := range []struct{ name, email, want string }{
		{"Nul\x00Byte", "n@example.org", "control character"},
		{strings.Repeat("a", 201), "n@example.org", "longer than 200"},
		{"N", "n@localhost", "not a valid e-mail address"},
	} {
		code, _, stderr = runCmd(t, dir, "a-long-enough-password\n", "user", "create", "--email", c.email, "--name", c.name, "--role", "researcher", "--password-stdin")
		if code == 0 || !strings.Contains(stderr, c.want) {
			t.Errorf("user create %.20q %s: %d %q, want %q", c.name, c.email, code, stderr, c.want)
		}
	}
}

func TestFlagsAndConfigErrors(t *testing.T) {
	dir := t.TempDir()
	if code, out, _ := runCmd(t, dir, "", "version"); code != 0 || !strings.HasPrefix(out, "expertenrunde ") {
		t.Errorf("version: %d %q", code, out)
	}
	if code, _, stderr := runCmd(t, dir, "", "frobnicate"); code != 2 || !strings.Contains(stderr, "unknown command") {
		t.Errorf("unknown command: %d %q", code, stderr)
	}
	m, _, stderr := newMain(t, dir, map[string]string{"EXPERTENRUNDE_JWT_SECRET": "short"})
	if code := run(context.Background(), m, []string{"serve"}); code != 2 || !strings.Contains(stderr.String(), "at least 32") {
		t.Errorf("short secret: %d %q", code, stderr.String())
	}
}

// TestExpertCheckTTLFollowsTheDatabase: a verified expert session stands 5 s
// on a database other instances may write to, 2 minutes on the embedded
// one, where this process's change marks see every change.
func TestExpertCheckTTLFollowsTheDatabase(t *testing.T) {
	m := &Main{}
	if got := m.expertCheckTTL(); got != session.DefaultExpertCheckTTL {
		t.Errorf("MongoDB: %v, want %v", got, session.DefaultExpertCheckTTL)
	}
	m.embedded = &store.Embedded{}
	if got := m.expertCheckTTL(); got != session.AloneExpertCheckTTL {
		t.Errorf("embedded: %v, want %v", got, session.AloneExpertCheckTTL)
	}
}
