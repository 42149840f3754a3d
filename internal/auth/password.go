// Package auth holds password hashing, token issuing and verification, and
// CSRF tokens. It knows nothing of HTTP frameworks or databases.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Argon2id parameters: the OWASP recommendation (19 MiB, 2 passes, 1 lane).
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16
)

// dummyHash is verified against when an account does not exist, so that a
// login for an unknown e-mail costs as much time as one for a known e-mail.
var dummyHash = mustHash("expertenrunde-timing-equaliser")

// CheckPassword returns EINVALID naming the field "password" when pw is too short.
func CheckPassword(pw string) error {
	if utf8.RuneCountInString(pw) < delphi.MinPasswordLength {
		return delphi.FieldErrorf(delphi.EINVALID, "password", "password must be at least %d characters", delphi.MinPasswordLength)
	}
	return nil
}

// HashPassword returns the argon2id hash of pw in PHC string format.
func HashPassword(pw string) (string, error) {
	if err := CheckPassword(pw); err != nil {
		return "", err
	}
	return hash(pw)
}

func mustHash(pw string) string {
	h, err := hash(pw)
	if err != nil {
		panic(err)
	}
	return h
}

func hash(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemoryKiB, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether pw matches the PHC-encoded argon2id hash.
// An empty hash (unknown account) is checked against a dummy hash and fails.
func VerifyPassword(encoded, pw string) bool {
	if encoded == "" {
		verify(dummyHash, pw)
		return false
	}
	ok, err := verify(encoded, pw)
	return err == nil && ok
}

func verify(encoded, pw string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("not an argon2id hash")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errors.New("unsupported argon2 version")
	}
	var mem, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &t, &p); err != nil {
		return false, err
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, err
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(pw), salt, t, mem, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
