package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters: OWASP's minimum (19 MiB, 2 passes, 1 lane); a check
// takes about 0.15 s on a busy 2-core machine (BenchmarkCheckPassword).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// MinPasswordLength is the shortest password an account may have.
const MinPasswordLength = 12

// HashPassword returns the argon2id hash of password in the PHC string
// format ($argon2id$v=19$m=...,t=...,p=...$salt$hash).
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches a hash made by
// HashPassword (with whatever parameters it recorded).
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || m > 1<<21 || t > 64 {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// CheckPasswordStrength refuses a password that is too short to offer.
func CheckPasswordStrength(password string) error {
	if n := len([]rune(password)); n < MinPasswordLength {
		return fmt.Errorf("%w: the password has %d characters; use at least %d (a few words make a good one)", ErrInvalid, n, MinPasswordLength)
	}
	return nil
}

// secretHash is how tokens, session cookies and courier codes are kept:
// they are long random strings, so SHA-256 is enough and a lookup by hash
// is possible.
func secretHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// randomText returns n random bytes as unpadded base64url.
func randomText(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// courierAlphabet leaves out letters and digits a person misreads on
// paper (0/O, 1/I/L).
const courierAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// randomCode returns n characters of courierAlphabet.
func randomCode(n int) string {
	var sb strings.Builder
	for range n {
		sb.WriteByte(courierAlphabet[randIndex(len(courierAlphabet))])
	}
	return sb.String()
}

// randomDigits returns n decimal digits.
func randomDigits(n int) string {
	var sb strings.Builder
	for range n {
		sb.WriteByte(byte('0' + randIndex(10)))
	}
	return sb.String()
}

// randIndex returns a uniform random number in [0, n).
func randIndex(n int) int {
	limit := 256 - 256%n
	var b [1]byte
	for {
		_, _ = rand.Read(b[:])
		if int(b[0]) < limit {
			return int(b[0]) % n
		}
	}
}

// NewPassword returns a random password of 20 characters a person can
// type (the courier alphabet, in groups of five).
func NewPassword() string {
	c := randomCode(20)
	return c[:5] + "-" + c[5:10] + "-" + c[10:15] + "-" + c[15:]
}
