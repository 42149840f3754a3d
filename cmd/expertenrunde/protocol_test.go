package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/rounds"
)

// Once round 1 has opened, `survey import` refuses a file that changes the
// analysis protocol, naming the change, and imports it with
// --protocol-change-reason as a deviation.
func TestSurveyImportProtocolChange(t *testing.T) {
	dir := t.TempDir()
	src := "../../surveys/kleinstadtakademie-2020.yaml"
	if code, out, stderr := runCmd(t, dir, "", "survey", "import", src); code != 0 {
		t.Fatalf("import: %d %q %q", code, out, stderr)
	}
	// Round 1 opens (as the rounds page would do it).
	m, _, _ := newMain(t, dir, nil)
	if err := m.ParseFlags([]string{"survey", "import", src}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := m.openStore(ctx); err != nil {
		t.Fatal(err)
	}
	svc := m.services()
	sv, err := svc.importer.Surveys.SurveyByID(ctx, "kleinstadtakademie-2020")
	if err != nil {
		t.Fatal(err)
	}
	dl := time.Now().Add(72 * time.Hour)
	r, err := svc.rounds.Prepare(ctx, "admin", sv, rounds.PrepareRequest{Deadline: &dl})
	if err == nil {
		_, err = svc.rounds.Open(ctx, "admin", sv.ID, r.Number)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	changed := filepath.Join(dir, "changed.yaml")
	if err := os.WriteFile(changed, []byte(strings.Replace(string(data), "planned: 3", "planned: 4", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCmd(t, dir, "", "survey", "import", changed)
	if code != 1 || !strings.Contains(stderr, "rounds.planned: 3 → 4") || !strings.Contains(stderr, "--protocol-change-reason") {
		t.Fatalf("without reason: %d %q", code, stderr)
	}
	code, out, stderr := runCmd(t, dir, "", "survey", "import", "--protocol-change-reason", "A fourth round was funded", changed)
	if code != 0 || !strings.Contains(out, "as revision 2") {
		t.Fatalf("with reason: %d %q %q", code, out, stderr)
	}
}
