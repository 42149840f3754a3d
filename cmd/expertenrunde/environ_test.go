package main

import (
	"slices"
	"strings"
	"testing"
)

// TestChildEnvironDropsCallersConfig: a server process a test starts gets
// the basics of the caller's environment and what the test sets, never the
// caller's EXPERTENRUNDE_* or MONGODB_* variables (issue 14: with
// EXPERTENRUNDE_BASE_URL exported the tests failed).
func TestChildEnvironDropsCallersConfig(t *testing.T) {
	parent := []string{
		"PATH=/usr/bin:/bin", "HOME=/root", "TMPDIR=/tmp/x", "LANG=C.UTF-8", "LC_ALL=C", "GORACE=halt_on_error=1",
		"EXPERTENRUNDE_BASE_URL=http://example.invalid", "EXPERTENRUNDE_BODY_LIMIT=2000", "EXPERTENRUNDE_DATA_DIR=/srv/prod",
		"MONGODB_URI=mongodb://prod:27017/", "MONGODB_TEST_URI=mongodb://x/", "GOFLAGS=-tags=x", "SECRET_TOKEN=s3cret",
	}
	got := childEnviron(parent, "EXPERTENRUNDE_DATA_DIR=/tmp/d", "EXPERTENRUNDE_ADDR=127.0.0.1:0")
	want := []string{"PATH=/usr/bin:/bin", "HOME=/root", "TMPDIR=/tmp/x", "LANG=C.UTF-8", "LC_ALL=C", "GORACE=halt_on_error=1",
		"EXPERTENRUNDE_DATA_DIR=/tmp/d", "EXPERTENRUNDE_ADDR=127.0.0.1:0"}
	if !slices.Equal(got, want) {
		t.Fatalf("childEnviron:\n got %q\nwant %q", got, want)
	}
	for _, kv := range got {
		if strings.HasPrefix(kv, "MONGODB_") || kv == "EXPERTENRUNDE_DATA_DIR=/srv/prod" {
			t.Errorf("the caller's %s reached the child", kv)
		}
	}
}
