package cpr

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
)

// MinKeySize is the shortest master key NewVault accepts, in bytes.
const MinKeySize = 32

// HKDF info strings. Changing either orphans every stored hash or copy.
const (
	infoLookup = "tilgang cpr lookup v1"
	infoSeal   = "tilgang cpr seal v1"
)

// sealV1 is the first byte of a sealed number: AES-256-GCM, 12-byte random
// nonce, ten ASCII digits. A new format gets a new byte so old copies stay
// readable.
const sealV1 byte = 1

// ErrOpen is returned by Open for every failure alike (wrong key, wrong aad,
// damage, unknown format), so that an attacker learns nothing from which.
var ErrOpen = errors.New("cpr: sealed number cannot be opened")

// Vault turns CPR numbers into what may be stored: a keyed look-up hash and
// an encrypted copy. Its two keys are derived from one master key, so that
// neither use weakens the other. A Vault is safe for concurrent use. The
// zero value is not usable; build one with NewVault.
type Vault struct {
	// Only a closure and an AEAD hold key material, never a byte slice, so
	// that printing a Vault (or a struct holding one) cannot show a key.
	mac  func() hash.Hash
	aead cipher.AEAD
}

// NewVault derives the look-up and sealing keys from key with HKDF-SHA-256.
// key must be at least MinKeySize random bytes.
func NewVault(key []byte) (*Vault, error) {
	if len(key) < MinKeySize {
		return nil, fmt.Errorf("cpr: vault key is %d bytes, want at least %d", len(key), MinKeySize)
	}
	lookupKey, err := hkdf.Key(sha256.New, key, nil, infoLookup, 32)
	if err != nil {
		return nil, fmt.Errorf("cpr: deriving look-up key: %w", err)
	}
	sealKey, err := hkdf.Key(sha256.New, key, nil, infoSeal, 32)
	if err != nil {
		return nil, fmt.Errorf("cpr: deriving sealing key: %w", err)
	}
	block, err := aes.NewCipher(sealKey)
	if err != nil {
		return nil, fmt.Errorf("cpr: %w", err)
	}
	// Random 96-bit nonces allow 2^32 seals per key: far more CPR numbers
	// than any organisation, or Denmark, has.
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("cpr: %w", err)
	}
	return &Vault{
		mac:  func() hash.Hash { return hmac.New(sha256.New, lookupKey) },
		aead: aead,
	}, nil
}

// Lookup returns the hex HMAC-SHA-256 of orgID, a zero byte and n's digits:
// the key under which an organisation finds a user by CPR. orgID is part of
// it so that hashes of one person in two organisations cannot be linked.
// The zero Number has no hash: Lookup returns "".
func (v *Vault) Lookup(orgID string, n Number) string {
	if n.IsZero() {
		return ""
	}
	m := v.mac()
	io.WriteString(m, orgID)
	m.Write([]byte{0})
	io.WriteString(m, n.Digits())
	return hex.EncodeToString(m.Sum(nil))
}

// Seal encrypts n as version byte, nonce, ciphertext and tag. aad binds the
// copy to its owner: callers pass the organisation and user ids, so that a
// copy moved to another user's record will not open there. The same aad
// must be given to Open.
func (v *Vault) Seal(n Number, aad []byte) ([]byte, error) {
	if n.IsZero() {
		return nil, errors.New("cpr: cannot seal the zero Number")
	}
	out := make([]byte, 1, 1+v.aead.Overhead()+10)
	out[0] = sealV1
	return v.aead.Seal(out, nil, []byte(n.Digits()), additional(sealV1, aad)), nil
}

// Open decrypts what Seal returned, given the same aad. Any failure is
// ErrOpen.
func (v *Vault) Open(sealed, aad []byte) (Number, error) {
	if len(sealed) < 1 || sealed[0] != sealV1 {
		return Number{}, ErrOpen
	}
	plain, err := v.aead.Open(nil, nil, sealed[1:], additional(sealV1, aad))
	if err != nil {
		return Number{}, ErrOpen
	}
	n, err := Parse(string(plain))
	clear(plain)
	if err != nil || len(plain) != 10 {
		return Number{}, ErrOpen
	}
	return n, nil
}

// additional authenticates the version byte along with the caller's aad, so
// that a copy cannot be relabelled as another format.
func additional(version byte, aad []byte) []byte {
	return append([]byte{version}, aad...)
}
