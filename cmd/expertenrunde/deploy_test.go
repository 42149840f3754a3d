package main

// No Docker engine runs where the tests run. These tests check what can be
// checked without one: docker-compose.yml parses and wires the services the
// app needs with settings the app reads and accepts, the Dockerfile's Go
// build compiles with its flags, and .dockerignore keeps local data and
// dependencies out of the build context.

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/expertenrunde/expertenrunde/internal/config"
)

const repoRoot = "../.."

// composeFile is the part of docker-compose.yml the tests read.
type composeFile struct {
	Services map[string]struct {
		Image       string
		Build       any
		Command     []string
		Restart     string
		Environment map[string]string
		DependsOn   map[string]struct{ Condition string } `yaml:"depends_on"`
		Healthcheck struct{ Test stringOrList }
	}
}

// stringOrList is a compose value given as one string or as a list.
type stringOrList []string

func (s *stringOrList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*s = []string{n.Value}
		return nil
	}
	return n.Decode((*[]string)(s))
}

// configNames returns the environment variables the app reads
// (config.FromEnv asks for every one of them).
func configNames() map[string]bool {
	names := map[string]bool{}
	_, _ = config.FromEnv(func(k string) string { names[k] = true; return "" })
	return names
}

// dockerfile returns the Dockerfile's instructions, continuation lines
// joined and comments dropped.
func dockerfile(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	cur := ""
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if cur == "" && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cur += strings.TrimSuffix(line, "\\") + " "
			continue
		}
		out = append(out, strings.Join(strings.Fields(cur+line), " "))
		cur = ""
	}
	return out
}

// shellWords splits a command line like sh does for plain words and
// quoted strings (no expansions).
func shellWords(s string) []string {
	var words []string
	var w strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			w.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words, inWord = append(words, w.String()), false
				w.Reset()
			}
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words
}

// dockerEnv returns the variables the Dockerfile's ENV instructions set.
func dockerEnv(t *testing.T) map[string]string {
	env := map[string]string{}
	for _, ins := range dockerfile(t) {
		if rest, ok := strings.CutPrefix(ins, "ENV "); ok {
			for _, kv := range shellWords(rest) {
				k, v, _ := strings.Cut(kv, "=")
				env[k] = v
			}
		}
	}
	return env
}

func TestComposeFile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	app, ok := c.Services["app"]
	if !ok || app.Build == nil {
		t.Fatalf("no app service built from the Dockerfile: %+v", c.Services)
	}
	if app.Restart != "unless-stopped" {
		t.Errorf("app: restart %q, want unless-stopped", app.Restart)
	}

	// Every variable set for the app is one it reads, the required ones are
	// set, and together with the image's ENV they make a valid configuration.
	names := configNames()
	for k := range app.Environment {
		if !names[k] {
			t.Errorf("app: %s is set, but the app does not read it (internal/config)", k)
		}
	}
	for _, k := range []string{"MONGODB_URI", "EXPERTENRUNDE_BASE_URL", "EXPERTENRUNDE_SMTP_HOST"} {
		if app.Environment[k] == "" {
			t.Errorf("app: %s is not set", k)
		}
	}
	env := dockerEnv(t)
	for k, v := range app.Environment {
		env[k] = v
	}
	cfg, err := config.FromEnv(func(k string) string { return env[k] })
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		t.Errorf("the app's configuration in the container: %v", err)
	}

	// The services the app's settings name are defined; the app waits for
	// the database to be healthy.
	uri, err := url.Parse(app.Environment["MONGODB_URI"])
	if err != nil {
		t.Fatalf("MONGODB_URI: %v", err)
	}
	mongoHost := uri.Hostname()
	needs := map[string]string{mongoHost: "service_healthy", app.Environment["EXPERTENRUNDE_SMTP_HOST"]: "service_started"}
	for name, cond := range needs {
		if _, ok := c.Services[name]; !ok {
			t.Errorf("the app needs the service %q, which is not defined", name)
		}
		if got := app.DependsOn[name].Condition; got != cond {
			t.Errorf("app: depends_on %s condition %q, want %q", name, got, cond)
		}
	}

	// MongoDB: a replica set, initiated by the health check, healthy only
	// as the writable primary.
	mongo := c.Services[mongoHost]
	rs := uri.Query().Get("replicaSet")
	if i := slices.Index(mongo.Command, "--replSet"); rs == "" || i < 0 || i+1 >= len(mongo.Command) || mongo.Command[i+1] != rs {
		t.Errorf("MONGODB_URI names replica set %q, mongo runs %v", rs, mongo.Command)
	}
	check := strings.Join(mongo.Healthcheck.Test, " ")
	for _, want := range []string{"db.hello().isWritablePrimary", "rs.initiate(", "_id: '" + rs + "'", "host: '" + uri.Host + "'", "quit(1)"} {
		if !strings.Contains(check, want) {
			t.Errorf("the mongo health check lacks %q: %s", want, check)
		}
	}

	// Images are pinned to a version.
	for name, s := range c.Services {
		if s.Build != nil {
			continue
		}
		if _, tag, _ := strings.Cut(s.Image, ":"); !regexp.MustCompile(`^v?\d`).MatchString(tag) {
			t.Errorf("service %s: image %q is not pinned to a version", name, s.Image)
		}
	}

	// The app's health check is the binary's healthcheck command.
	if want := (stringOrList{"CMD", "/expertenrunde", "healthcheck"}); !slices.Equal(app.Healthcheck.Test, want) {
		t.Errorf("app health check %v, want %v", app.Healthcheck.Test, want)
	}
}

func TestDockerfile(t *testing.T) {
	ins := dockerfile(t)
	all := strings.Join(ins, "\n")
	for _, want := range []string{
		"COPY --from=ui /src/frontend/dist/app ./frontend/dist/app", // vite's outDir (frontend/vite.config.ts)
		"COPY --from=build /out/expertenrunde /expertenrunde",
		"ca-certificates",
		`HEALTHCHECK --interval=30s --timeout=15s --start-period=2m --retries=3 CMD ["/expertenrunde", "healthcheck"]`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("the Dockerfile lacks %q", want)
		}
	}
	names := configNames()
	env := dockerEnv(t)
	for k := range env {
		if !names[k] {
			t.Errorf("the Dockerfile sets %s, which the app does not read", k)
		}
	}
	if env["EXPERTENRUNDE_ADDR"] != "0.0.0.0:8080" {
		t.Errorf("EXPERTENRUNDE_ADDR in the image: %q, want 0.0.0.0:8080", env["EXPERTENRUNDE_ADDR"])
	}
	// The health check's command exists and reads that address.
	m, _, _ := newMain(t, t.TempDir(), env)
	if err := m.ParseFlags([]string{"healthcheck"}); err != nil {
		t.Errorf("expertenrunde healthcheck with the image's environment: %v", err)
	}
	if u, err := probeURL(m.Config.Addr); err != nil || u != "http://127.0.0.1:8080/readyz" {
		t.Errorf("the health check in the image probes %q, %v", u, err)
	}
}

// TestDockerfileBuildCompiles runs the Dockerfile's go build line (its
// environment, tags and linker flags) against this checkout, then the
// binary's version command.
func TestDockerfileBuildCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the binary")
	}
	var build []string
	for _, ins := range dockerfile(t) {
		if rest, ok := strings.CutPrefix(ins, "RUN "); ok && strings.Contains(rest, "go build") {
			build = shellWords(strings.ReplaceAll(rest, "${VERSION}", "deploy-test"))
		}
	}
	goAt := slices.Index(build, "go")
	if goAt < 0 || goAt+1 >= len(build) || build[goAt+1] != "build" {
		t.Fatalf("no go build line in the Dockerfile: %q", build)
	}
	env := build[:goAt]
	args := build[goAt+2:]
	if !slices.Contains(env, "CGO_ENABLED=0") || !slices.Contains(args, "-tags") || !slices.Contains(args, "./cmd/expertenrunde") {
		t.Fatalf("the Dockerfile's build is not the static build of ./cmd/expertenrunde with tags: %q", build)
	}
	out := filepath.Join(t.TempDir(), "expertenrunde")
	if i := slices.Index(args, "-o"); i >= 0 && i+1 < len(args) {
		args[i+1] = out
	} else {
		t.Fatalf("no -o in %q", args)
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(context.Background(), goBin, append([]string{"build"}, args...)...)
	cmd.Dir = repoRoot
	// The golang image sets no GOFLAGS; the caller's (say -race) must not
	// change the build.
	cmd.Env = append(os.Environ(), append([]string{"GOFLAGS="}, env...)...)
	t.Logf("CGO_ENABLED=0 go build %s", strings.Join(args, " "))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the Dockerfile's go build failed: %v\n%s", err, b)
	}
	b, err := exec.Command(out, "version").CombinedOutput()
	if err != nil || strings.TrimSpace(string(b)) != "expertenrunde deploy-test" {
		t.Errorf("the built binary's version: %q %v (the -X main.Version flag)", b, err)
	}
}

// dockerIgnored reports whether a .dockerignore pattern excludes name (a
// slash path relative to the context): a pattern matches the path or one
// of its parent directories, and a leading **/ matches at any depth.
func dockerIgnored(patterns []string, name string) bool {
	parts := strings.Split(name, "/")
	for _, p := range patterns {
		p = strings.TrimSuffix(p, "/")
		anyDepth := strings.HasPrefix(p, "**/")
		p = strings.TrimPrefix(p, "**/")
		for end := 1; end <= len(parts); end++ {
			for start := 0; start < end; start++ {
				if start > 0 && !anyDepth {
					break
				}
				if ok, _ := path.Match(p, strings.Join(parts[start:end], "/")); ok {
					return true
				}
			}
		}
	}
	return false
}

func TestDockerignore(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			if strings.HasPrefix(line, "!") {
				t.Errorf(".dockerignore re-includes %s; this test does not handle exceptions", line)
			}
			patterns = append(patterns, line)
		}
	}
	for _, name := range []string{
		"data/jwt-secret", "data/db/expertenrunde.sqlite", // the JWT secret and the password hashes
		"frontend/node_modules/vite/package.json", "e2e/node_modules/playwright-core/package.json",
		"bin/expertenrunde", "frontend/dist/app/index.html", ".git/HEAD",
	} {
		if !dockerIgnored(patterns, name) {
			t.Errorf(".dockerignore lets %s into the build context", name)
		}
	}
	for _, name := range []string{"go.mod", "cmd/expertenrunde/main.go", "frontend/dist/placeholder.html", "frontend/src/main.tsx", "surveys/schema.json"} {
		if dockerIgnored(patterns, name) {
			t.Errorf(".dockerignore keeps %s, which the image build needs, out", name)
		}
	}
}
