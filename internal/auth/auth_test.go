package auth

import (
	"crypto/rand"
	"crypto/rsa"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

func TestPasswordHashAndVerify(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("unexpected hash format %q", h)
	}
	if !VerifyPassword(h, "correct horse battery") {
		t.Error("right password rejected")
	}
	if VerifyPassword(h, "correct horse batterY") {
		t.Error("wrong password accepted")
	}
	if VerifyPassword("", "anything at all") {
		t.Error("empty hash accepted")
	}
	if VerifyPassword("$argon2id$garbage", "x") {
		t.Error("garbage hash accepted")
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Error("two hashes of one password are equal: salt missing")
	}
}

func TestPasswordTooShort(t *testing.T) {
	_, err := HashPassword("elevenchars")
	if delphi.ErrorCode(err) != delphi.EINVALID || delphi.AsError(err).Field != "password" {
		t.Fatalf("want EINVALID on field password, got %v", err)
	}
	// 12 characters, counted as runes not bytes.
	if _, err := HashPassword("äöüäöüäöüäöü"); err != nil {
		t.Fatalf("12 umlauts rejected: %v", err)
	}
}

var secret = []byte("0123456789abcdef0123456789abcdef")

func newTokens(t *testing.T, now time.Time) *Tokens {
	t.Helper()
	tk, err := NewTokens(secret, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestShortSecretRefused(t *testing.T) {
	if _, err := NewTokens([]byte("short"), nil); err == nil {
		t.Fatal("short secret accepted")
	}
	if _, err := LoadOrCreateSecret("too-short-secret", t.TempDir()); err == nil {
		t.Fatal("short env secret accepted")
	}
}

func TestSecretCreatedOnceAndKept(t *testing.T) {
	dir := t.TempDir()
	a, err := LoadOrCreateSecret("", dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadOrCreateSecret("", dir)
	if err != nil {
		t.Fatal(err)
	}
	if string(a) != string(b) || len(a) < MinSecretLength {
		t.Fatalf("secret not kept: %q vs %q", a, b)
	}
	fi, err := os.Stat(filepath.Join(dir, "jwt-secret"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("secret file mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestTokenRoundTrip(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	tk := newTokens(t, now)
	s, exp, err := tk.Issue(AudienceStaff, "user1", "sess1", "", 30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !exp.Equal(now.Add(30 * time.Minute)) {
		t.Errorf("exp %v", exp)
	}
	c, err := tk.Parse(s, AudienceStaff)
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject != "user1" || c.SessionID != "sess1" {
		t.Errorf("claims %+v", c)
	}
}

// TestTokenAttacks: every forged, stale or misdirected token is rejected.
func TestTokenAttacks(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	tk := newTokens(t, now)
	valid := func() Claims {
		return Claims{SessionID: "s", RegisteredClaims: jwt.RegisteredClaims{
			Issuer: Issuer, Subject: "u", Audience: jwt.ClaimStrings{AudienceStaff},
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute)),
		}}
	}
	sign := func(c Claims, key []byte) string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := jwt.NewWithClaims(jwt.SigningMethodRS256, valid()).SignedString(rsaKey)
	if err != nil {
		t.Fatal(err)
	}
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, valid()).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	hs384, err := jwt.NewWithClaims(jwt.SigningMethodHS384, valid()).SignedString(secret)
	if err != nil {
		t.Fatal(err)
	}
	mod := func(f func(*Claims)) Claims { c := valid(); f(&c); return c }
	cases := map[string]string{
		"alg none":                none,
		"RS256 (HS/RS confusion)": rs,
		"HS384 not allowed":       hs384,
		"wrong key":               sign(valid(), []byte("another-secret-another-secret-xx")),
		"expired":                 sign(mod(func(c *Claims) { c.ExpiresAt = jwt.NewNumericDate(now.Add(-time.Second)) }), secret),
		"no exp":                  sign(mod(func(c *Claims) { c.ExpiresAt = nil }), secret),
		"not yet valid":           sign(mod(func(c *Claims) { c.NotBefore = jwt.NewNumericDate(now.Add(time.Hour)) }), secret),
		"issued in future":        sign(mod(func(c *Claims) { c.IssuedAt = jwt.NewNumericDate(now.Add(time.Hour)) }), secret),
		"wrong audience":          sign(mod(func(c *Claims) { c.Audience = jwt.ClaimStrings{AudienceExpert} }), secret),
		"wrong issuer":            sign(mod(func(c *Claims) { c.Issuer = "someone-else" }), secret),
		"no session":              sign(mod(func(c *Claims) { c.SessionID = "" }), secret),
		"garbage":                 "not.a.token",
	}
	// The control: the valid token passes, so each failure below is the attack's doing.
	if _, err := tk.Parse(sign(valid(), secret), AudienceStaff); err != nil {
		t.Fatalf("control token rejected: %v", err)
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := tk.Parse(tok, AudienceStaff)
			if delphi.ErrorCode(err) != delphi.EUNAUTHORIZED {
				t.Fatalf("want EUNAUTHORIZED, got %v", err)
			}
		})
	}
}

func TestCSRF(t *testing.T) {
	tk := newTokens(t, time.Now())
	a := tk.CSRFToken("session-a")
	if !tk.CheckCSRF("session-a", a) {
		t.Error("own token rejected")
	}
	if tk.CheckCSRF("session-b", a) {
		t.Error("token of another session accepted")
	}
	if tk.CheckCSRF("session-a", "") {
		t.Error("empty token accepted")
	}
}
