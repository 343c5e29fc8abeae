// Package secret makes and checks the product's secrets: bearer tokens,
// activation link tokens and temporary activation codes. Only hashes of them
// are ever stored.
package secret

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// NewToken returns a token of 256 random bits, base64url-encoded after
// prefix (which tells a reader what the token opens, as in "tlg_scim_"), and
// the hash to store for it. A token this strong needs no key or salt in its
// hash: a plain SHA-256 cannot be searched.
func NewToken(prefix string) (token, hash string) {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	token = prefix + base64.RawURLEncoding.EncodeToString(b[:])
	return token, HashToken(token)
}

// HashToken returns the stored form of a token: hex SHA-256.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CodeAlphabet leaves out letters and digits that people mix up when they
// read a code aloud or type it from paper: 0/O, 1/I/L, 5/S, 8/B, 2/Z.
const CodeAlphabet = "ACDEFGHJKMNPQRTUVWXY34679"

// CodeLength is the length of a temporary activation code.
const CodeLength = 8

// NewCode returns a temporary activation code of CodeLength characters from
// CodeAlphabet (about 37 bits).
func NewCode() string {
	var b strings.Builder
	buf := make([]byte, 1)
	for b.Len() < CodeLength {
		_, _ = rand.Read(buf)
		// Rejection sampling keeps every character equally likely.
		if int(buf[0]) < 256-256%len(CodeAlphabet) {
			b.WriteByte(CodeAlphabet[int(buf[0])%len(CodeAlphabet)])
		}
	}
	return b.String()
}

// NormaliseCode turns what a person typed into the form NewCode made:
// upper case, without spaces or hyphens.
func NormaliseCode(s string) string {
	s = strings.ToUpper(s)
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, s)
}

// Codes hashes activation codes with a key. A code is short enough to be
// found by trying them all against a plain hash, so its hash needs a key
// that lives outside the database. Build it with NewCodes.
type Codes struct {
	key []byte
}

// NewCodes derives the code-hashing key from the deployment's link key
// (keys.Set.LinkKey; locally the master key).
func NewCodes(master []byte) (*Codes, error) {
	if len(master) < 32 {
		return nil, errors.New("secret: the link key must hold at least 32 bytes")
	}
	key, err := hkdf.Key(sha256.New, master, nil, "tilgang activation code v1", 32)
	if err != nil {
		return nil, fmt.Errorf("secret: derive the code key: %w", err)
	}
	return &Codes{key: key}, nil
}

// Hash returns the keyed hash of code for the user with userID; binding the
// user means one user's hash is no use for another.
func (c *Codes) Hash(userID, code string) string {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(userID))
	m.Write([]byte{0})
	m.Write([]byte(NormaliseCode(code)))
	return hex.EncodeToString(m.Sum(nil))
}

// Match reports in constant time whether code hashes to hash for userID.
// A nil *Codes (a function without the link key) matches nothing.
func (c *Codes) Match(userID, code, hash string) bool {
	if c == nil {
		return false
	}
	return hmac.Equal([]byte(c.Hash(userID, code)), []byte(hash))
}
