package main

// Erasure on disk (issue #13, point 4): after DELETE …/experts/{id} nothing
// of the person's identity is left in the embedded database's files.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/mail/mailtest"
)

// filesHolding returns the files under dir (relative names) whose bytes
// contain s.
func filesHolding(t *testing.T, dir, s string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(s)) {
			rel, _ := filepath.Rel(dir, path)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestErasureLeavesNothingOnDisk creates experts with distinctive identities
// through the API, edits one (so older versions of its record exist), erases
// it after a failed invitation (whose SMTP error quoted the address) and
// searches every byte of the data directory for its name, e-mail,
// organisation (old and new) and notes: while the server runs, after it
// stopped and after a restart. Another expert's identity, not erased, must
// be found: the control that the search sees the stored data.
func TestErasureLeavesNothingOnDisk(t *testing.T) {
	dir := t.TempDir()
	// The mail server refuses every recipient; its error quotes the address.
	smtp := mailtest.NewServer(t)
	smtp.SetMode(mailtest.RejectRcpt)
	m, stdout, _ := newMain(t, dir, map[string]string{"EXPERTENRUNDE_DEMO": "true",
		"EXPERTENRUNDE_SMTP_HOST": "127.0.0.1", "EXPERTENRUNDE_SMTP_PORT": strconv.Itoa(smtp.Config().Port),
		"EXPERTENRUNDE_SMTP_TLS": "none", "EXPERTENRUNDE_SMTP_FROM": "noreply@example.org"})
	if err := m.ParseFlags([]string{"serve"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	pw := demoPasswordRE.FindStringSubmatch(stdout.String())
	if pw == nil {
		t.Fatalf("no demo password: %q", stdout.String())
	}
	bearer := ""
	call := func(method, path string, body any) (int, []byte) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, m.URL()+"/api/v1"+path, rd)
		req.Header.Set("Content-Type", "application/json")
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	s, b := call("POST", "/auth/login", map[string]string{"email": demoAdmin, "password": pw[1]})
	var login struct{ Token string }
	if json.Unmarshal(b, &login); s != 200 || login.Token == "" {
		t.Fatalf("login: %d %s", s, b)
	}
	bearer = login.Token

	base := "/surveys/" + demoSurvey + "/experts"
	gone := map[string]string{
		"name":         "Zebulon Erasemeyer",
		"email":        "zq-erase-7731@example.org",
		"organisation": "Quxbaz Erasure Institute",
		"old org":      "Quxbaz Former Employer",
		"notes":        "erasure-notes-x9q",
	}
	kept := "keep-4471@example.org"
	s, b = call("POST", base, map[string]string{"name": "Kept Keeper", "email": kept, "organisation": "Kept Org", "group": "planungspraxis", "language": "de"})
	if s != 201 {
		t.Fatalf("create the kept expert: %d %s", s, b)
	}
	s, b = call("POST", base, map[string]string{"name": gone["name"], "email": gone["email"], "organisation": gone["old org"], "group": "planungspraxis", "language": "de", "notes": gone["notes"]})
	var e struct{ ID string }
	if json.Unmarshal(b, &e); s != 201 || e.ID == "" {
		t.Fatalf("create the expert: %d %s", s, b)
	}
	if s, b = call("PATCH", base+"/"+e.ID, map[string]string{"organisation": gone["organisation"]}); s != 200 {
		t.Fatalf("edit: %d %s", s, b)
	}
	if s, b = call("POST", base+"/"+e.ID+"/link", nil); s != 200 && s != 201 {
		t.Fatalf("link: %d %s", s, b)
	}
	// An invitation to both fails; the failures are stored with the sends.
	rounds := "/surveys/" + demoSurvey + "/rounds"
	if s, b = call("POST", rounds, map[string]any{"deadline": time.Now().Add(7 * 24 * time.Hour).UTC()}); s != 201 {
		t.Fatalf("round 1: %d %s", s, b)
	}
	if s, b = call("POST", rounds+"/1/invitations", map[string]any{"group": "planungspraxis"}); s != 202 {
		t.Fatalf("invite: %d %s", s, b)
	}
	waitFor(t, "two failed invitations", func() bool {
		_, b := call("GET", rounds+"/1/invitations", nil)
		var st struct{ Invitations struct{ Failed int } }
		return json.Unmarshal(b, &st) == nil && st.Invitations.Failed == 2
	})
	if s, b = call("DELETE", base+"/"+e.ID, nil); s != 204 {
		t.Fatalf("erase: %d %s", s, b)
	}

	check := func(when string) {
		t.Helper()
		for what, v := range gone {
			if files := filesHolding(t, dir, v); len(files) > 0 {
				t.Errorf("%s: the erased %s %q is still in %v", when, what, v, files)
			}
		}
		if files := filesHolding(t, dir, kept); len(files) == 0 {
			t.Errorf("%s: the kept expert's e-mail is in no file; the search sees nothing", when)
		}
	}
	check("after the erasure")
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	check("after the stop")

	m2, _, _ := newMain(t, dir, nil)
	if err := m2.ParseFlags([]string{"serve"}); err != nil {
		t.Fatal(err)
	}
	if err := m2.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	check("after a restart")
}
