// Package keys holds a deployment's key material by purpose (SPEC §13
// Keys, §14), so that each function holds only the keys it uses:
//
//   - the look-up key: HMAC of CPR numbers for look-ups and the CPR guard.
//     It never rotates: rotating it would change every look-up hash, and
//     with them a user's findability by CPR and CPR uniqueness.
//   - the link key: the HMAC of mailed link tokens, the hash of temporary
//     activation codes and the pages' cookies derive from it.
//   - the sealing ring (cpr.Ring): X25519 keys by id, one current. The
//     functions that store CPR numbers hold its public half and can seal
//     but not open; only the admin function, which shows cprMasked, holds
//     the private ring. It rotates (see rotation.go).
//
// In AWS each is a Secrets Manager secret, read at cold start by the
// functions whose config.Need names it. Local runs and tests set one master
// key (CPR_KEY), from which FromMaster derives all of them, as the single
// master key of earlier versions did: data made under it stays readable.
package keys

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/tilgang/tilgang/internal/cpr"
)

// Set is the key material one function holds. A nil field is a key it
// does not hold; the zero Set holds none. Field names match config.Need's,
// so that a test can check each function's need against what its handler
// reads.
type Set struct {
	// LookupKey is the HMAC key of CPR look-up hashes (32 bytes or more).
	LookupKey []byte
	// LinkKey is the root of the link, activation-code and page-cookie
	// keys (32 bytes or more).
	LinkKey []byte
	// SealKey is the public sealing ring: seals, cannot open.
	SealKey *cpr.Ring
	// OpenKey is the private sealing ring: opens, and seals to its
	// current key.
	OpenKey *cpr.Ring
}

// String names which keys s holds, never their values.
func (s Set) String() string {
	var held []string
	for _, k := range []struct {
		name string
		on   bool
	}{{"lookup", s.LookupKey != nil}, {"link", s.LinkKey != nil}, {"seal", s.SealKey != nil}, {"open", s.OpenKey != nil}} {
		if k.on {
			held = append(held, k.name)
		}
	}
	return "keys.Set(" + strings.Join(held, ",") + ")"
}

// GoString is String: %#v shows no key either.
func (s Set) GoString() string { return s.String() }

// Vault returns the CPR vault of s's look-up key and ring (the private
// ring if s holds it, else the public one); nil if s holds neither.
func (s Set) Vault() (*cpr.Vault, error) {
	ring := s.OpenKey
	if ring == nil {
		ring = s.SealKey
	}
	if s.LookupKey == nil && ring == nil {
		return nil, nil
	}
	return cpr.NewVaultWithKeys(s.LookupKey, ring)
}

// FromMaster derives every key from one master key of at least 32 bytes:
// the look-up key as the master key always gave it (so stored look-up
// hashes stay valid), the master itself as the link key (so links, codes
// and cookies stay valid), and cpr.DeriveRing's ring, which opens the
// sealV1 copies master sealed. It serves local runs, and is what a
// deployment of one master key moves to (see README, "Keys").
func FromMaster(master []byte) (Set, error) {
	lookup, err := cpr.LookupKey(master)
	if err != nil {
		return Set{}, err
	}
	ring, err := cpr.DeriveRing(master)
	if err != nil {
		return Set{}, err
	}
	return Set{LookupKey: lookup, LinkKey: append([]byte(nil), master...), SealKey: ring.Public(), OpenKey: ring}, nil
}

// ParseKey reads a secret that holds one key: the standard base64 of at
// least 32 bytes, surrounding white space ignored. Errors never quote the
// secret.
func ParseKey(secret string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(secret))
	if err != nil {
		return nil, errors.New("the key is not standard base64")
	}
	if len(key) < cpr.MinKeySize {
		return nil, fmt.Errorf("the key must hold at least %d bytes, has %d", cpr.MinKeySize, len(key))
	}
	return key, nil
}
