package tempfile

import (
	"os"
	"testing"
)

// A temporary file has no name in the temporary directory while it is
// used, and reads back what was written.
func TestNewLeavesNoName(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	f, err := New("expertenrunde-test-")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("Freitext einer Expertin"); err != nil {
		t.Fatal(err)
	}
	if ents, err := os.ReadDir(dir); err != nil || len(ents) != 0 {
		t.Fatalf("the temporary directory holds %v (%v), want nothing", ents, err)
	}
	b := make([]byte, 9)
	if _, err := f.ReadAt(b, 0); err != nil || string(b) != "Freitext " {
		t.Fatalf("read back %q, %v", b, err)
	}
}

// Without a usable temporary directory New fails and leaves nothing open.
func TestNewWithoutDirectory(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir()+"/missing")
	if f, err := New("x-"); err == nil {
		f.Close()
		t.Fatal("no error for a missing temporary directory")
	}
}
