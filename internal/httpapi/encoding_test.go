package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// gzipTwice is body compressed with gzip, and the result again: what
// "Content-Encoding: gzip, gzip" announces.
func gzipTwice(t *testing.T, body []byte) []byte {
	t.Helper()
	for range 2 {
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		if _, err := w.Write(body); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		body = buf.Bytes()
	}
	return body
}

// TestAttackCompressedBodiesEveryRoute: every row of every area's route
// table (and the routes outside them) answers 415 with the JSON error to a
// body sent with "Content-Encoding: gzip, gzip", with valid credentials and
// a body the route would accept; Fiber's c.Body() would have inflated it
// without a cap. Other encodings and spellings are refused as well;
// identity is accepted (the controls).
func TestAttackCompressedBodiesEveryRoute(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t)
	x := e.addExpert(ptStudy, "wiss")
	xJWT := e.session(x)
	admin := e.login("admin")
	future := e.ts(10 * 24 * time.Hour)
	vals := map[string]string{"id": ptStudy, "n": "1", "expertId": x.ID, "itemId": "r1", "argumentId": "no-such-argument", "sid": "no-such-suggestion"}
	adminLogin := []byte(`{"email":"admin@example.org","password":"` + testPassword + `"}`)

	routes := e.srv.AreaRoutes()
	if len(routes) < 40 {
		t.Fatalf("only %d routes in the route tables; the walk would prove little", len(routes))
	}
	registered := map[apiRoute]bool{}
	for _, r := range apiRoutes(t, e.srv) {
		registered[r] = true
	}
	for _, r := range routes {
		ar := apiRoute{r.Method, r.Path}
		if !registered[ar] {
			t.Errorf("%s is in a route table but not registered", ar)
		}
		ctype, body, query := atkBody(t, ar, future)
		bearer := admin
		switch {
		case ar.String() == "POST /api/v1/auth/login":
			bearer, body = "", adminLogin
		case ar.String() == "POST /api/v1/participation/session":
			bearer, body = "", []byte(`{"token":"`+x.token+`"}`)
		case ar.expertRoute():
			bearer = xJWT
			if strings.Contains(ar.Path, "/answers/") {
				body = []byte(`{"value":4,"seq":1}`)
			}
		}
		if body == nil {
			body = []byte(`{}`)
		}
		if ctype == "" {
			ctype = "application/json"
		}
		s, _, b := e.atkReq(r.Method, fill(t, r.Path, vals)+query, bearer, ctype, gzipTwice(t, body), map[string]string{"Content-Encoding": "gzip, gzip"})
		if s != 415 || !bytes.Contains(b, []byte(`"code":"unsupported"`)) {
			t.Errorf("%s with a gzip, gzip body: %d %.200s, want 415", ar, s, b)
		}
	}
	for _, path := range []string{"/healthz", "/readyz", "/api/v1/openapi.json", "/", "/surveys"} {
		s, _, b := e.atkReq("GET", path, "", "application/json", gzipTwice(t, []byte("{}")), map[string]string{"Content-Encoding": "gzip, gzip"})
		if s != 415 || !bytes.Contains(b, []byte(`"code":"unsupported"`)) {
			t.Errorf("GET %s with a gzip, gzip body: %d %.200s, want 415", path, s, b)
		}
	}

	// One route, every encoding and spelling.
	var deflated bytes.Buffer
	zw := zlib.NewWriter(&deflated)
	_, _ = zw.Write(adminLogin)
	_ = zw.Close()
	for _, enc := range []string{"gzip", "GZIP", "x-gzip", "deflate", "br", "zstd", "compress", "identity, gzip", "gzip, identity", "made-up"} {
		s, h, b := e.atkReq("POST", "/api/v1/auth/login", "", "application/json", deflated.Bytes(), map[string]string{"Content-Encoding": enc})
		if s != 415 || !bytes.Contains(b, []byte(`"code":"unsupported"`)) || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("login with Content-Encoding %q: %d %.200s, want 415 JSON with the security headers", enc, s, b)
		}
	}
	req := jsonReq("POST", "/api/v1/auth/login", string(gzipTwice(t, adminLogin)))
	req.Header.Add("Content-Encoding", "identity")
	req.Header.Add("Content-Encoding", "gzip")
	if s, _, b := e.do(req); s != 415 {
		t.Errorf("Content-Encoding in two header lines: %d %.200s, want 415", s, b)
	}
	// The controls: no encoding, or identity, is read as sent.
	for _, enc := range []string{"", "identity", "IDENTITY"} {
		req := jsonReq("POST", "/api/v1/auth/login", string(adminLogin))
		if enc != "" {
			req.Header.Set("Content-Encoding", enc)
		}
		if s, _, b := e.do(req); s != http.StatusOK {
			t.Errorf("login with Content-Encoding %q: %d %.200s, want 200", enc, s, b)
		}
	}
}

// TestBodyIsReadOnlyThroughRequestBody: no non-test file of the package
// reads the body except through requestBody, which takes the raw bytes.
// Fiber's Body() inflates compressed bodies without a cap; the other
// readers would bypass the one helper.
func TestBodyIsReadOnlyThroughRequestBody(t *testing.T) {
	t.Parallel()
	readers := map[string]bool{
		"Body": true, "BodyRaw": true, "PostBody": true, "BodyStream": true, "BodyUncompressed": true,
		"BodyGunzip": true, "BodyInflate": true, "BodyUnbrotli": true, "BodyWriteTo": true, "BodyParser": true,
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	inHelper := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			fn, _ := decl.(*ast.FuncDecl)
			ast.Inspect(decl, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok || !readers[sel.Sel.Name] {
					return true
				}
				if fn != nil && fn.Recv == nil && fn.Name.Name == "requestBody" {
					inHelper++
					return true
				}
				t.Errorf("%s: .%s() reads the request body; use requestBody(c)", fset.Position(call.Pos()), sel.Sel.Name)
				return true
			})
		}
	}
	if inHelper != 1 {
		t.Errorf("requestBody reads the body %d times, want exactly once", inHelper)
	}
}
