package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Issuer and audiences of the tokens this platform issues.
const (
	Issuer         = "expertenrunde"
	AudienceStaff  = "expertenrunde-staff"
	AudienceExpert = "expertenrunde-expert"
)

// MinSecretLength is the minimum JWT secret length in bytes.
const MinSecretLength = 32

// Claims are the JWT claims of a session. SurveyID is set on expert sessions,
// which are scoped to one study and one expert (the subject).
type Claims struct {
	SessionID string `json:"sid"`
	SurveyID  string `json:"survey,omitempty"`
	jwt.RegisteredClaims
}

// Tokens issues and verifies HS256 tokens with one secret.
type Tokens struct {
	secret []byte
	now    func() time.Time
}

// NewTokens returns a token service; the secret must be at least 32 bytes.
func NewTokens(secret []byte, now func() time.Time) (*Tokens, error) {
	if len(secret) < MinSecretLength {
		return nil, fmt.Errorf("JWT secret is %d bytes; at least %d are required", len(secret), MinSecretLength)
	}
	if now == nil {
		now = time.Now
	}
	return &Tokens{secret: secret, now: now}, nil
}

// Issue signs a token for subject and session with the given audience and lifetime.
func (t *Tokens) Issue(audience, subject, sessionID, surveyID string, ttl time.Duration) (string, time.Time, error) {
	now := t.now().UTC().Truncate(time.Second)
	exp := now.Add(ttl)
	claims := Claims{
		SessionID: sessionID,
		SurveyID:  surveyID,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    Issuer,
			Subject:   subject,
			Audience:  jwt.ClaimStrings{audience},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
		},
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(t.secret)
	return s, exp, err
}

// Parse verifies a token strictly: HS256 only, issuer, audience, exp, nbf and
// iat are all required and checked. Any failure is EUNAUTHORIZED.
func (t *Tokens) Parse(token, audience string) (*Claims, error) {
	claims := &Claims{}
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(Issuer),
		jwt.WithAudience(audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(t.now),
	)
	_, err := p.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return t.secret, nil })
	if err != nil {
		return nil, &delphi.Error{Code: delphi.EUNAUTHORIZED, Message: "invalid or expired session", Err: err}
	}
	if claims.NotBefore == nil || claims.Subject == "" || claims.SessionID == "" {
		return nil, delphi.Errorf(delphi.EUNAUTHORIZED, "invalid or expired session")
	}
	return claims, nil
}

// CSRFToken derives the CSRF token bound to a session: an HMAC of its id, so
// it needs no storage and cannot be planted by another site.
func (t *Tokens) CSRFToken(sessionID string) string {
	m := hmac.New(sha256.New, t.secret)
	m.Write([]byte("csrf:" + sessionID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CheckCSRF reports whether token is the CSRF token of the session.
func (t *Tokens) CheckCSRF(sessionID, token string) bool {
	return hmac.Equal([]byte(t.CSRFToken(sessionID)), []byte(token))
}

// RandomID returns n random bytes, hex-encoded.
func RandomID(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

// LoadOrCreateSecret returns the secret given, or else the one kept in
// dir/jwt-secret, creating it (32 random bytes, hex, mode 0600) on first use.
func LoadOrCreateSecret(given, dir string) ([]byte, error) {
	if given != "" {
		if len(given) < MinSecretLength {
			return nil, fmt.Errorf("EXPERTENRUNDE_JWT_SECRET is %d bytes; at least %d are required", len(given), MinSecretLength)
		}
		return []byte(given), nil
	}
	path := filepath.Join(dir, "jwt-secret")
	b, err := os.ReadFile(path)
	if err == nil {
		s := strings.TrimSpace(string(b))
		if len(s) < MinSecretLength {
			return nil, fmt.Errorf("%s holds %d bytes; at least %d are required", path, len(s), MinSecretLength)
		}
		return []byte(s), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	s := RandomID(32)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) { // another process won the race
			return LoadOrCreateSecret("", dir)
		}
		return nil, err
	}
	if _, err := f.WriteString(s + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	return []byte(s), f.Close()
}
