package delphi

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// NewAccessToken returns a fresh expert link token (256 bits from
// crypto/rand, base64url without padding) and its SHA-256 hex, the only form
// the store keeps.
func NewAccessToken() (token, hash string) {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails
	token = base64.RawURLEncoding.EncodeToString(b[:])
	return token, HashAccessToken(token)
}

// HashAccessToken returns the SHA-256 hex of a link token, the key under
// which ExpertStore.ExpertByTokenHash finds the expert.
func HashAccessToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// AccessLink is the expert's personal link for a token: baseURL/p/token.
func AccessLink(baseURL, token string) string {
	for len(baseURL) > 0 && baseURL[len(baseURL)-1] == '/' {
		baseURL = baseURL[:len(baseURL)-1]
	}
	return baseURL + "/p/" + token
}
