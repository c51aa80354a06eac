package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"golang.org/x/crypto/argon2"
)

// argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, 1 lane),
// about 30 ms per hash on the reference machine. Hashes record their
// parameters, so raising these later rehashes on the next sign-in.
var argonParams = struct {
	memory  uint32
	time    uint32
	threads uint8
	keyLen  uint32
	saltLen int
}{memory: 19 * 1024, time: 2, threads: 1, keyLen: 32, saltLen: 16}

// HashPassword returns the argon2id PHC string for pw.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, argonParams.saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, argonParams.time, argonParams.memory, argonParams.threads, argonParams.keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonParams.memory, argonParams.time,
		argonParams.threads, base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches the PHC hash, and whether the hash
// uses weaker parameters than today's and should be replaced.
func CheckPassword(hash, pw string) (ok, rehash bool) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, false
	}
	var version int
	var memory, tm uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &tm, &threads); err != nil {
		return false, false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, false
	}
	got := argon2.IDKey([]byte(pw), salt, tm, memory, threads, uint32(len(want)))
	ok = subtle.ConstantTimeCompare(got, want) == 1
	rehash = memory < argonParams.memory || tm < argonParams.time
	return ok, rehash
}

// dummyHash is compared against when an account does not exist, so a wrong
// e-mail address costs the same time as a wrong password.
var dummyHash, _ = HashPassword("certhub-timing-equaliser")

// A handful of passwords that every guessing list starts with.
var commonPasswords = map[string]bool{
	"password1234": true, "123456789012": true, "qwertyuiopas": true, "passwordpassword": true,
	"administrator": true, "changeme1234": true, "letmein12345": true, "welcome12345": true,
	"iloveyou1234": true, "111111111111": true, "000000000000": true, "abcdefghijkl": true,
	"certhub12345": true, "p@ssw0rd1234": true, "password123!": true, "qwerty123456": true,
}

// MinPasswordLength is the shortest password accepted (NIST SP 800-63B asks
// for at least 8; certhub guards national infrastructure and asks for 12).
const MinPasswordLength = 12

// PasswordProblem returns why pw is not acceptable for the account, or "".
func PasswordProblem(pw, email, name string) string {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLength:
		return fmt.Sprintf("must be at least %d characters long", MinPasswordLength)
	case len(pw) > 512:
		return "must be at most 512 bytes long"
	case !utf8.ValidString(pw):
		return "must be valid text"
	}
	low := strings.ToLower(pw)
	if commonPasswords[low] {
		return "is one of the most common passwords; choose another"
	}
	if strings.Count(low, string([]rune(low)[0])) == n {
		return "must not repeat a single character"
	}
	if email != "" && (low == strings.ToLower(email) || low == strings.ToLower(strings.Split(email, "@")[0])) {
		return "must not be your e-mail address"
	}
	if name != "" && low == strings.ToLower(strings.ReplaceAll(name, " ", "")) {
		return "must not be your name"
	}
	return ""
}

// GeneratePassword returns a random password for accounts made from the
// command line: 20 characters from an alphabet without look-alikes.
func GeneratePassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// TOTP: RFC 6238 with the parameters every authenticator app supports.
var totpOpts = totp.ValidateOpts{Period: 30, Skew: 0, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// NewTOTPKey makes a new TOTP secret for account, with its otpauth:// URL.
func NewTOTPKey(issuer, account string) (*otp.Key, error) {
	return totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
}

// matchTOTP returns the time step code matches for secret at now, allowing
// one step of clock drift either way, and ok=false when it matches none.
// Callers reject a step at or before the last one accepted, so a code can be
// used only once.
func matchTOTP(secret, code string, now time.Time) (step int64, ok bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 {
		return 0, false
	}
	cur := now.Unix() / 30
	for _, s := range []int64{cur - 1, cur, cur + 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*30, 0), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// API tokens are "chub_" and 32 random bytes in lower-case base32: long enough
// that guessing is hopeless, so they are stored as a plain SHA-256.
const tokenPrefix = "chub_"

var tokenEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

func newToken() (raw, hash, prefix string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	raw = tokenPrefix + strings.ToLower(tokenEncoding.EncodeToString(b))
	return raw, HashSecret(raw), raw[:len(tokenPrefix)+6]
}

// looksLikeToken rejects obviously malformed tokens before touching the database.
func looksLikeToken(raw string) bool {
	if !strings.HasPrefix(raw, tokenPrefix) || len(raw) != len(tokenPrefix)+52 {
		return false
	}
	_, err := tokenEncoding.DecodeString(strings.ToUpper(raw[len(tokenPrefix):]))
	return err == nil
}

// HashSecret is how high-entropy secrets (API tokens, session and link
// tokens, report follow links, subscription links) are stored: hex SHA-256.
func HashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// NewLinkSecret makes the 256-bit secret of a link sent by e-mail or shown
// once, and the hash that is stored of it.
func NewLinkSecret() (raw, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	raw = base64.RawURLEncoding.EncodeToString(b)
	return raw, HashSecret(raw)
}
