package main

// Tests against a database server in another process, given by
// MONGODB_TEST_URI: `make test-external` starts FerretDB with its
// PostgreSQL backend for them (scripts/test-external.sh), and any
// MongoDB-compatible server will do. They skip without MONGODB_TEST_URI.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"regexp"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/httpapi"
	"github.com/expertenrunde/expertenrunde/internal/loadtest"
)

// The variables that give the tests their server.
const (
	envTestURI = "MONGODB_TEST_URI"
	// envTestStop and envTestStart are shell commands that stop the server
	// at MONGODB_TEST_URI and start it again on the same address, each
	// returning once done (scripts/test-external.sh sets them).
	envTestStop  = "MONGODB_TEST_STOP"
	envTestStart = "MONGODB_TEST_START"
)

// externalURI returns MONGODB_TEST_URI, or skips the test without it.
func externalURI(t *testing.T) string {
	t.Helper()
	uri := os.Getenv(envTestURI)
	if uri == "" {
		t.Skip(envTestURI + " is not set: no database server in another process to test against (make test-external starts one)")
	}
	return uri
}

// randomDBName is a database of its own on the shared server.
func randomDBName(prefix string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return prefix + "_" + hex.EncodeToString(b[:])
}

// TestLoadtestCommandExternal runs a short load test (`expertenrunde
// loadtest` reading MONGODB_URI) through the server at MONGODB_TEST_URI:
// the report names that database, has every table and no failed request.
func TestLoadtestCommandExternal(t *testing.T) {
	uri := externalURI(t)
	out := checkLoadtest(t, map[string]string{"MONGODB_URI": uri})
	if !regexp.MustCompile(`database: MongoDB \(mongodb://`).MatchString(out) {
		t.Errorf("the report does not name the external database:\n%s", out)
	}
}

// TestExternalDatabaseRestart: the server runs against the database at
// MONGODB_TEST_URI, which is stopped and started again while the app runs
// (MONGODB_TEST_STOP, MONGODB_TEST_START). While it is down /readyz answers
// 503 "unavailable" and a save fails; once it is back /readyz answers 200 again
// without a restart of the app, and a save made then is stored.
//
// Requirement: /readyz answers 503 within 2 s of the database going away.
// The test checks the bound /readyz puts on its ping (httpapi.ReadyTimeout)
// and waits for the 503 as an event, with a generous deadline, instead of
// timing a request on a loaded machine.
func TestExternalDatabaseRestart(t *testing.T) {
	uri := externalURI(t)
	stopCmd, startCmd := os.Getenv(envTestStop), os.Getenv(envTestStart)
	if stopCmd == "" || startCmd == "" {
		t.Fatalf("%s is set, but %s and %s are not: give the shell commands that stop the server at that URI and start it again on the same address (make test-external sets all three)",
			envTestURI, envTestStop, envTestStart)
	}
	if httpapi.ReadyTimeout > 2*time.Second {
		t.Errorf("/readyz pings the database with a timeout of %v: with the database hanging it answers 503 later than the 2 s required", httpapi.ReadyTimeout)
	}
	ctx := context.Background()
	d := serveDemo(t, map[string]string{"MONGODB_URI": uri, "EXPERTENRUNDE_DB_NAME": randomDBName("restart")})
	t.Cleanup(func() {
		dctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		_ = d.m.store.DropDatabase(dctx)
		cancel()
	})
	e, target, save := d.expert, d.target, d.save
	c := loadtest.NewClient(d.m.URL(), 2, patience)
	readyz := func() loadtest.Outcome { return c.Do(ctx, "GET", "/readyz", "", "", nil) }
	if o := readyz(); o.Status != 200 {
		t.Fatalf("/readyz with the database up: %d %v %s", o.Status, o.Err, o.Body)
	}

	shell(t, envTestStop, stopCmd)
	restarted := false
	t.Cleanup(func() { // the database outlives a failed test
		if !restarted {
			shell(t, envTestStart, startCmd)
		}
	})
	var down loadtest.Outcome
	waitFor(t, "/readyz to answer 503 with the database stopped", func() bool {
		down = readyz()
		return down.Status == 503
	})
	if !bytes.Contains(down.Body, []byte(`"code":"unavailable"`)) {
		t.Errorf("/readyz with the database down: %d %s", down.Status, down.Body)
	}
	t.Logf("/readyz with the database down: 503 after %v", down.Latency.Round(time.Millisecond))
	// Not acknowledged, and an error the expert's outbox retries. With
	// the server the app talks to gone, that is 503 "unavailable"; with
	// FerretDB up and PostgreSQL beneath it gone, FerretDB answers the
	// command with an InternalError (code 1, the backend's message): 500.
	if o := save(2); (o.Status != 503 || !bytes.Contains(o.Body, []byte(`"code":"unavailable"`))) &&
		(o.Status != 500 || !bytes.Contains(o.Body, []byte(`"code":"internal"`))) {
		t.Errorf("save with the database down: %d %v %s, want 503 unavailable (or 500 internal)", o.Status, o.Err, o.Body)
	} else {
		t.Logf("save with the database down: %d after %v: %s", o.Status, o.Latency.Round(time.Millisecond), o.Body)
	}

	shell(t, envTestStart, startCmd)
	restarted = true
	waitFor(t, "/readyz to answer 200 after the database's return", func() bool {
		return readyz().Status == 200
	})
	if o := save(3); o.Kind() != "2xx" {
		t.Fatalf("the first save after the recovery: %d %v %s", o.Status, o.Err, o.Body)
	}
	q, o := e.Load(ctx)
	if q == nil || q.Answers[target.ItemID].Seq != 3 || !sameJSON(q.Answers[target.ItemID].Value, target.Values[3%int64(len(target.Values))]) {
		t.Fatalf("the save after the recovery is not stored: %+v %d %s", q, o.Status, o.Body)
	}
}

// shell runs the command in variable name with sh and fails the test if it
// fails.
func shell(t *testing.T, name, command string) {
	t.Helper()
	out, err := exec.Command("sh", "-c", command).CombinedOutput()
	if err != nil {
		t.Fatalf("%s (%s): %v\n%s", name, command, err, out)
	}
}

// demoServer is a server with the demo study, one expert with a session
// and an answer saved.
type demoServer struct {
	m      *Main
	expert *loadtest.Expert
	target loadtest.Target
	// save saves a value of target with seq.
	save func(seq int64) loadtest.Outcome
}

// serveDemo starts a server in this process with the demo study and env
// (on top of newMain's), prepares three experts and saves the first
// expert's first item with seq 1. The server's log is shown if t fails.
func serveDemo(t *testing.T, env map[string]string) *demoServer {
	t.Helper()
	full := map[string]string{"EXPERTENRUNDE_DEMO": "true", "EXPERTENRUNDE_LOG_LEVEL": "error"}
	for k, v := range env {
		full[k] = v
	}
	m, stdout, stderr := newMain(t, t.TempDir(), full)
	if err := m.ParseFlags([]string{"serve"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = m.Close()
		if t.Failed() {
			t.Logf("server log:\n%s", stderr.String())
		}
	})
	password := demoPasswordRE.FindStringSubmatch(stdout.String())
	if password == nil {
		t.Fatalf("no password: %q", stdout.String())
	}
	experts, targets := prepare(t, m.URL(), password[1], 3)
	d := &demoServer{m: m, expert: experts[0], target: targets[0][0]}
	d.save = func(seq int64) loadtest.Outcome {
		return d.expert.Save(context.Background(), d.target.ItemID, d.target.Values[seq%int64(len(d.target.Values))], seq)
	}
	if o := d.save(1); o.Kind() != "2xx" {
		t.Fatalf("save with the database up: %d %v %s", o.Status, o.Err, o.Body)
	}
	return d
}
