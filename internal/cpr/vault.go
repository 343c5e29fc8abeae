package cpr

import (
	"crypto/hmac"
	"crypto/hpke"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
)

// MinKeySize is the shortest master or look-up key accepted, in bytes.
const MinKeySize = 32

// HKDF info strings of the master key of local runs (and of deployments
// before the keys were split). Changing either orphans every stored hash or
// sealV1 copy.
const (
	infoLookup = "tilgang cpr lookup v1"
	infoSeal   = "tilgang cpr seal v1"
)

// The first byte of a sealed number names its format. A new format gets a
// new byte so old copies stay readable.
const (
	// sealV1: AES-256-GCM under a key derived from the master key, 12-byte
	// random nonce, ten ASCII digits. Only opened now, never made.
	sealV1 byte = 1
	// sealV2: HPKE (RFC 9180, DHKEM(X25519)+HKDF-SHA256+AES-256-GCM) to a
	// ring key: the byte, the key id's length (one byte) and id, the
	// 32-byte encapsulated key, then ciphertext and tag of ten ASCII
	// digits. The header is authenticated with the caller's aad.
	sealV2 byte = 2
)

// infoSealV2 is HPKE's info for sealV2: it binds every copy to this use.
const infoSealV2 = "tilgang cpr seal v2"

// encLen is the size of DHKEM(X25519)'s encapsulated key.
const encLen = 32

// ErrOpen is returned by Open for every failure alike (wrong key, wrong aad,
// damage, unknown format or key), so that an attacker learns nothing from
// which.
var ErrOpen = errors.New("cpr: sealed number cannot be opened")

// ErrNoKey means a Vault was asked for what its keys cannot do: seal
// without a ring, open without private keys, look up without a look-up key.
// It is a configuration error of the function, not of the data.
var ErrNoKey = errors.New("cpr: this vault holds no key for that")

// Vault turns CPR numbers into what may be stored: a keyed look-up hash and
// a sealed copy. The look-up key never rotates (a user is found by the same
// hash for ever); the sealing keys form a Ring that does. A Vault is safe
// for concurrent use. The zero value is not usable; build one with NewVault
// or NewVaultWithKeys.
type Vault struct {
	// Only a closure and the ring hold key material, never a byte slice,
	// so that printing a Vault (or a struct holding one) cannot show a key.
	mac  func() hash.Hash // nil: no look-up key
	ring *Ring            // nil: no sealing keys
}

// NewVault derives a whole vault from one master key with HKDF-SHA-256:
// the look-up key, and a private ring that seals sealV2 copies to a key
// derived from master and opens the sealV1 copies master sealed before
// (DeriveRing). It serves local runs and tests; deployments hold the keys
// separately (NewVaultWithKeys). key must be at least MinKeySize random
// bytes.
func NewVault(key []byte) (*Vault, error) {
	lookup, err := LookupKey(key)
	if err != nil {
		return nil, err
	}
	ring, err := DeriveRing(key)
	if err != nil {
		return nil, err
	}
	return NewVaultWithKeys(lookup, ring)
}

// NewVaultWithKeys returns a vault of a look-up key (nil: none) and a ring
// (nil: none). A public ring seals but cannot open; a private ring does
// both.
func NewVaultWithKeys(lookupKey []byte, ring *Ring) (*Vault, error) {
	v := &Vault{ring: ring}
	if lookupKey != nil {
		if len(lookupKey) < MinKeySize {
			return nil, fmt.Errorf("cpr: look-up key is %d bytes, want at least %d", len(lookupKey), MinKeySize)
		}
		key := append([]byte(nil), lookupKey...)
		v.mac = func() hash.Hash { return hmac.New(sha256.New, key) }
	}
	if ring != nil && len(ring.public) == 0 {
		return nil, fmt.Errorf("%w: no keys", ErrRing)
	}
	return v, nil
}

// CanLookup, CanSeal and CanOpen say which keys the vault holds.
func (v *Vault) CanLookup() bool { return v != nil && v.mac != nil }

// CanSeal reports whether the vault holds a ring to seal to.
func (v *Vault) CanSeal() bool { return v != nil && v.ring != nil }

// CanOpen reports whether the vault holds private keys.
func (v *Vault) CanOpen() bool { return v != nil && v.ring.CanOpen() }

// CurrentKey returns the id of the key Seal seals to ("" without a ring).
func (v *Vault) CurrentKey() string {
	if v == nil {
		return ""
	}
	return v.ring.Current()
}

// Lookup returns the hex HMAC-SHA-256 of orgID, a zero byte and n's digits:
// the key under which an organisation finds a user by CPR. orgID is part of
// it so that hashes of one person in two organisations cannot be linked.
// The zero Number, and a vault without a look-up key, give "": no hash
// matches it.
func (v *Vault) Lookup(orgID string, n Number) string {
	if n.IsZero() || !v.CanLookup() {
		return ""
	}
	m := v.mac()
	io.WriteString(m, orgID)
	m.Write([]byte{0})
	io.WriteString(m, n.Digits())
	return hex.EncodeToString(m.Sum(nil))
}

// Seal encrypts n to the ring's current key (sealV2). aad binds the copy
// to its owner: callers pass the organisation and user ids, so that a copy
// moved to another user's record will not open there. The same aad must be
// given to Open.
func (v *Vault) Seal(n Number, aad []byte) ([]byte, error) {
	if n.IsZero() {
		return nil, errors.New("cpr: cannot seal the zero Number")
	}
	if !v.CanSeal() {
		return nil, fmt.Errorf("%w: seal (no sealing key ring)", ErrNoKey)
	}
	id := v.ring.current
	header := make([]byte, 0, 2+len(id))
	header = append(header, sealV2, byte(len(id)))
	header = append(header, id...)
	enc, sender, err := hpke.NewSender(v.ring.public[id], kdf, aead, []byte(infoSealV2))
	if err != nil {
		return nil, fmt.Errorf("cpr: seal: %w", err)
	}
	ct, err := sender.Seal(additional(header, aad), []byte(n.Digits()))
	if err != nil {
		return nil, fmt.Errorf("cpr: seal: %w", err)
	}
	out := make([]byte, 0, len(header)+len(enc)+len(ct))
	return append(append(append(out, header...), enc...), ct...), nil
}

// KeyID returns the id of the key that sealed a copy: LegacyKeyID for a
// sealV1 copy, "" for what is no sealed copy. It reads only the header,
// which is authenticated when the copy is opened.
func KeyID(sealed []byte) string {
	switch {
	case len(sealed) > 0 && sealed[0] == sealV1:
		return LegacyKeyID
	case len(sealed) > 2 && sealed[0] == sealV2 && len(sealed) >= 2+int(sealed[1]) && sealed[1] > 0:
		return string(sealed[2 : 2+int(sealed[1])])
	}
	return ""
}

// Open decrypts what Seal returned (or a sealV1 copy), given the same aad,
// with the key the copy names. Any failure is ErrOpen; a vault without
// private keys fails with ErrNoKey.
func (v *Vault) Open(sealed, aad []byte) (Number, error) {
	if !v.CanOpen() {
		return Number{}, fmt.Errorf("%w: open (no private keys)", ErrNoKey)
	}
	var plain []byte
	var err error
	switch KeyID(sealed) {
	case "":
		return Number{}, ErrOpen
	case LegacyKeyID:
		if v.ring.legacy == nil {
			return Number{}, ErrOpen
		}
		plain, err = v.ring.legacy.Open(nil, nil, sealed[1:], additional(sealed[:1], aad))
	default:
		n := 2 + int(sealed[1])
		priv, ok := v.ring.private[string(sealed[2:n])]
		if !ok || len(sealed) < n+encLen {
			return Number{}, ErrOpen
		}
		var r *hpke.Recipient
		if r, err = hpke.NewRecipient(sealed[n:n+encLen], priv, kdf, aead, []byte(infoSealV2)); err == nil {
			plain, err = r.Open(additional(sealed[:n], aad), sealed[n+encLen:])
		}
	}
	if err != nil {
		return Number{}, ErrOpen
	}
	num, err := Parse(string(plain))
	ok := len(plain) == 10
	clear(plain)
	if err != nil || !ok {
		return Number{}, ErrOpen
	}
	return num, nil
}

// additional authenticates the copy's header (format byte, and for sealV2
// the key id) along with the caller's aad, so that a copy cannot be
// relabelled as another format or key.
func additional(header, aad []byte) []byte {
	return append(append([]byte(nil), header...), aad...)
}

// UserAAD is the aad of a user's sealed copy: the organisation and user
// ids, so that a copy moved to another user's record does not open there.
// Everything that seals or opens a stored copy uses it.
func UserAAD(orgID, userID string) []byte { return []byte(orgID + "/" + userID) }
