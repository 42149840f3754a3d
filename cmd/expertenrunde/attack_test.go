package main

// Attack tests against a real server process (issue #13): what a hostile
// client found from outside. Nested compressed bodies, parallel logins for
// one account, parallel logins for many, and parallel link guesses; the
// refusals are counted and the server's peak memory (VmHWM in
// /proc/<pid>/status) is read, no timer.

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// serverCommand is the command of a server process for the attack tests:
// the test binary itself (see TestMain), unless it was built with the race
// detector, whose shadow memory would swamp the memory bounds; then a plain
// server binary is built with `go build`.
func serverCommand(t *testing.T) *exec.Cmd {
	t.Helper()
	if !raceEnabled {
		return exec.Command(os.Args[0])
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the attack tests build a server without -race and need go on PATH: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "expertenrunde")
	build := exec.Command(goBin, "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "GOFLAGS=") // no -race from the environment
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return exec.Command(bin, "serve")
}

// peakMemory reads a process's peak resident memory.
type peakMemory struct{ pid int }

// kB returns field (VmHWM, VmRSS) of /proc/<pid>/status in kB.
func (p peakMemory) kB(t *testing.T, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("%s: %q", field, line)
			}
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, p.pid)
	return 0
}

// during returns how much the peak resident memory grew while fn ran, in
// MiB. The peak is first reset to the current use where the kernel allows
// it, so that a higher peak from the start does not hide the growth.
func (p peakMemory) during(t *testing.T, fn func()) float64 {
	t.Helper()
	_ = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", p.pid), []byte("5"), 0) // best effort
	before := p.kB(t, "VmHWM")
	fn()
	after := p.kB(t, "VmHWM")
	t.Logf("peak resident memory %.1f → %.1f MiB", float64(before)/1024, float64(after)/1024)
	return float64(after-before) / 1024
}

// clientFrom is an HTTP client whose connections come from the loopback
// address ip, so that each part of the test is its own client IP for the
// rate limits.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	return &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{
		DialContext: d.DialContext, MaxIdleConnsPerHost: 200, DisableCompression: true,
	}}
}

// post sends body as JSON (or ctype) and returns the status and body.
func post(t *testing.T, c *http.Client, url string, body []byte, hdr map[string]string) (int, []byte) {
	req, err := http.NewRequest("POST", url, bytes.NewReader(body))
	if err != nil {
		t.Error(err)
		return 0, nil
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Error(err)
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// burst sends n requests at once and counts the statuses.
func burst(t *testing.T, n int, send func(i int) int) map[int]int {
	t.Helper()
	var mu sync.Mutex
	got := map[int]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			s := send(i)
			mu.Lock()
			got[s]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	return got
}

// bomb is body followed by pad spaces (still the same JSON), compressed
// with gzip, and the result compressed again: a few KiB that inflate to
// pad bytes. The inner layer repeats one compressed MiB of spaces as gzip
// members (a gzip stream may hold several), so building it costs little.
func bomb(t *testing.T, body []byte, pad int) []byte {
	t.Helper()
	member := func(p []byte) []byte {
		var buf bytes.Buffer
		w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if _, err := w.Write(p); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	spaces := member(bytes.Repeat([]byte(" "), 1<<20))
	return member(append(member(body), bytes.Repeat(spaces, pad>>20)...))
}

// TestAttackServerProcess attacks a real server process on the embedded
// database (GOMAXPROCS=2, so two password slots).
func TestAttackServerProcess(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads the server's memory from /proc")
	}
	cmd := serverCommand(t)
	cmd.Env = []string{"GOMAXPROCS=2"}
	srv, password := startServer(t, t.TempDir(), cmd)
	if password == "" {
		t.Fatal("the server printed no generated password")
	}
	mem := peakMemory{pid: srv.cmd.Process.Pid}
	login := srv.url + "/api/v1/auth/login"
	exchange := srv.url + "/api/v1/participation/session"

	// 100 logins at once, from five client IPs (so the per-IP limit of 20
	// lets every one through to the password check): at most two argon2id
	// computations (19 MiB each) run at a time, the rest wait or get 503.
	t.Run("100 parallel logins", func(t *testing.T) {
		var got map[int]int
		grew := mem.during(t, func() {
			clients := map[int]*http.Client{}
			for ip := range 5 {
				clients[ip] = clientFrom(fmt.Sprintf("127.0.0.%d", 10+ip))
			}
			got = burst(t, 100, func(i int) int {
				s, _ := post(t, clients[i%5], login, fmt.Appendf(nil, `{"email":"user%d@example.org","password":"wrong-password-%d"}`, i, i), nil)
				return s
			})
		})
		t.Logf("100 parallel logins: %v, peak memory +%.1f MiB", got, grew)
		if got[401] < 1 || got[401]+got[503]+got[429] != 100 {
			t.Errorf("100 parallel logins: %v; want 401, 503 or 429 each, some 401", got)
		}
		if grew >= 100 {
			t.Errorf("100 parallel logins grew the server's peak memory by %.0f MiB, want under 100", grew)
		}
	})

	// Nested compressed bodies: a few KiB announced as "gzip, gzip" that
	// inflate to 128 MiB are refused before anything reads them.
	t.Run("nested compressed bodies", func(t *testing.T) {
		const inflated = 128 << 20
		c := clientFrom("127.0.0.2")
		loginBomb := bomb(t, []byte(`{"email":"admin@example.org","password":"`+password+`"}`), inflated)
		var mp bytes.Buffer
		mw := multipart.NewWriter(&mp)
		fw, _ := mw.CreateFormFile("file", "study.yaml")
		_, _ = fw.Write([]byte("id: x\n"))
		_ = mw.Close()
		uploadBomb := bomb(t, mp.Bytes(), inflated)
		t.Logf("%d and %d bytes, each inflating past %d MiB", len(loginBomb), len(uploadBomb), inflated>>20)
		// The upload is sent as the admin, so that without the refusal
		// it would be read.
		s, b := post(t, c, login, []byte(`{"email":"`+demoAdmin+`","password":"`+password+`"}`), nil)
		var session struct{ Token string }
		if s != 200 || json.Unmarshal(b, &session) != nil || session.Token == "" {
			t.Fatalf("admin login: %d %s", s, b)
		}
		grew := mem.during(t, func() {
			for _, r := range []struct {
				name, url, ctype string
				body             []byte
			}{
				{"login", login, "application/json", loginBomb},
				{"link exchange", exchange, "application/json", bomb(t, []byte(`{"token":"x"}`), inflated)},
				{"multipart study upload", srv.url + "/api/v1/surveys", mw.FormDataContentType(), uploadBomb},
			} {
				for _, enc := range []string{"gzip, gzip", "gzip"} {
					s, b := post(t, c, r.url, r.body, map[string]string{"Content-Encoding": enc, "Content-Type": r.ctype, "Authorization": "Bearer " + session.Token})
					if s != 415 || !bytes.Contains(b, []byte(`"code":"unsupported"`)) {
						t.Errorf("%s with Content-Encoding %q: %d %.200s, want 415", r.name, enc, s, b)
					}
				}
			}
		})
		if grew >= 32 {
			t.Errorf("refusing the bombs grew the server's peak memory by %.0f MiB", grew)
		}
	})

	// 30 wrong passwords for one account from one IP at once: at most 5 are
	// checked (401), the rest refused (429, or 503 without a slot). Once 5
	// failed, the right password is refused too.
	t.Run("30 parallel wrong passwords for one account", func(t *testing.T) {
		c := clientFrom("127.0.0.3")
		wrong := []byte(`{"email":"` + demoAdmin + `","password":"wrong-password-123"}`)
		got := burst(t, 30, func(int) int { s, _ := post(t, c, login, wrong, nil); return s })
		t.Logf("30 parallel wrong logins: %v", got)
		if got[401] > 5 || got[401] < 1 || got[401]+got[429]+got[503] != 30 {
			t.Fatalf("30 parallel wrong logins: %v; want at most 5 × 401, the rest 429 or 503", got)
		}
		for n := got[401]; n < 5; n++ { // a 503 took its reservation back
			if s, b := post(t, c, login, wrong, nil); s != 401 {
				t.Fatalf("wrong login %d: %d %s", n+1, s, b)
			}
		}
		s, b := post(t, c, login, []byte(`{"email":"`+demoAdmin+`","password":"`+password+`"}`), nil)
		if s != 429 {
			t.Fatalf("the right password after 5 failures: %d %s, want 429", s, b)
		}
	})

	// 60 link guesses from one IP at once: at most 20 are checked (404).
	t.Run("60 parallel link guesses", func(t *testing.T) {
		c := clientFrom("127.0.0.4")
		got := burst(t, 60, func(i int) int {
			s, _ := post(t, c, exchange, fmt.Appendf(nil, `{"token":"guess-%d-%s"}`, i, strings.Repeat("x", 40)), nil)
			return s
		})
		t.Logf("60 parallel link guesses: %v", got)
		if got[404] > 20 || got[404]+got[429] != 60 {
			t.Fatalf("60 parallel link guesses: %v; want at most 20 × 404, the rest 429", got)
		}
	})
}
