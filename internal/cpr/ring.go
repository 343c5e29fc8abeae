package cpr

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/hpke"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// LegacyKeyID names, in key counts and status reports, the copies of the
// first format (sealV1): AES-256-GCM under a key derived from the old
// master key, which name no key. It is not a valid id of a ring key.
const LegacyKeyID = "v1"

// The HPKE suite of sealV2 (RFC 9180): DHKEM(X25519, HKDF-SHA256),
// HKDF-SHA256, AES-256-GCM.
var (
	kem  = hpke.DHKEM(ecdh.X25519())
	kdf  = hpke.HKDFSHA256()
	aead = hpke.AES256GCM()
)

// Ring is the set of CPR sealing keys of a deployment (SPEC §13 Keys):
// X25519 key pairs by key id, one of them current. Copies are sealed to
// the current key's public half and name its id; a copy is opened with the
// private half of the key it names. A private ring (the admin function's)
// holds private keys and may also hold the legacy key of sealV1 copies; a
// public ring (the functions that only store CPR numbers) holds only public
// keys, and can seal but open nothing.
//
// A Ring is immutable and safe for concurrent use. The zero value holds no
// key; parse one with ParseRing or make one with NewRing or DeriveRing.
type Ring struct {
	current string
	public  map[string]hpke.PublicKey
	private map[string]hpke.PrivateKey // nil in a public ring
	legacy  cipher.AEAD                // opens sealV1 copies; nil if none
	// legacyKey is kept only to marshal a private ring again.
	legacyKey []byte
}

// ringJSON is the stored form of a ring: the JSON a secret holds.
//
//	{"current": "2026-12",
//	 "keys": {"2026-12": {"private": "<base64>"}, "2026-06": {"private": "<base64>"}},
//	 "legacy": "<base64 of the sealV1 AES key>"}
//
// A public ring has {"public": "<base64>"} entries and no legacy key.
type ringJSON struct {
	Current string             `json:"current"`
	Keys    map[string]keyJSON `json:"keys"`
	Legacy  string             `json:"legacy,omitempty"`
}

type keyJSON struct {
	Public  string `json:"public,omitempty"`
	Private string `json:"private,omitempty"`
}

// maxKeyIDLen bounds a key id: it is written into every sealed copy.
const maxKeyIDLen = 32

// ValidKeyID reports whether id may name a ring key: 1 to 32 characters
// from a-z, 0-9, '-' and '.', not LegacyKeyID. Dates ("2026-12") make good
// ids.
func ValidKeyID(id string) bool {
	if id == "" || len(id) > maxKeyIDLen || id == LegacyKeyID {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// ErrRing is wrapped by every error of ParseRing. Its messages name the
// field that is wrong, never a key's value.
var ErrRing = errors.New("cpr: key ring")

// ParseRing reads a ring from its JSON. Every entry must be all private or
// all public; the current id must name one of them; an entry with both
// halves must have matching halves. Unknown fields are refused, so a typo
// cannot silently drop a key.
func ParseRing(data []byte) (*Ring, error) {
	var j ringJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return nil, fmt.Errorf("%w: not the JSON of a key ring (want {\"current\": id, \"keys\": {id: {\"private\"|\"public\": base64}}}): %s", ErrRing, jsonProblem(err))
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: text after the JSON object", ErrRing)
	}
	if len(j.Keys) == 0 {
		return nil, fmt.Errorf("%w: no keys", ErrRing)
	}
	if !ValidKeyID(j.Current) {
		return nil, fmt.Errorf("%w: current key id %q is not a valid id (a-z, 0-9, '-', '.'; at most %d)", ErrRing, clip(j.Current), maxKeyIDLen)
	}
	if _, ok := j.Keys[j.Current]; !ok {
		return nil, fmt.Errorf("%w: the current key %q is not among the keys", ErrRing, j.Current)
	}
	r := &Ring{current: j.Current, public: map[string]hpke.PublicKey{}}
	privates := 0
	for _, id := range slices.Sorted(maps.Keys(j.Keys)) {
		if !ValidKeyID(id) {
			return nil, fmt.Errorf("%w: key id %q is not a valid id", ErrRing, clip(id))
		}
		k := j.Keys[id]
		switch {
		case k.Private != "":
			raw, err := base64.StdEncoding.DecodeString(k.Private)
			if err != nil {
				return nil, fmt.Errorf("%w: key %s: the private key is not base64", ErrRing, id)
			}
			priv, err := kem.NewPrivateKey(raw)
			clear(raw)
			if err != nil {
				return nil, fmt.Errorf("%w: key %s: not an X25519 private key", ErrRing, id)
			}
			if r.private == nil {
				r.private = map[string]hpke.PrivateKey{}
			}
			r.private[id], r.public[id] = priv, priv.PublicKey()
			privates++
			if k.Public != "" {
				pub, err := parsePublic(k.Public)
				if err != nil {
					return nil, fmt.Errorf("%w: key %s: %v", ErrRing, id, err)
				}
				if !bytes.Equal(pub.Bytes(), r.public[id].Bytes()) {
					return nil, fmt.Errorf("%w: key %s: the public key is not the private key's", ErrRing, id)
				}
			}
		case k.Public != "":
			pub, err := parsePublic(k.Public)
			if err != nil {
				return nil, fmt.Errorf("%w: key %s: %v", ErrRing, id, err)
			}
			r.public[id] = pub
		default:
			return nil, fmt.Errorf("%w: key %s has neither a private nor a public key", ErrRing, id)
		}
	}
	if privates != 0 && privates != len(j.Keys) {
		return nil, fmt.Errorf("%w: some keys are private and some public; a ring is one or the other", ErrRing)
	}
	if j.Legacy != "" {
		if privates == 0 {
			return nil, fmt.Errorf("%w: a public ring holds no legacy key", ErrRing)
		}
		key, err := base64.StdEncoding.DecodeString(j.Legacy)
		if err != nil || len(key) != 32 {
			return nil, fmt.Errorf("%w: the legacy key is not the base64 of 32 bytes", ErrRing)
		}
		if err := r.setLegacy(key); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func parsePublic(s string) (hpke.PublicKey, error) {
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, errors.New("the public key is not base64")
	}
	pub, err := kem.NewPublicKey(raw)
	if err != nil {
		return nil, errors.New("not an X25519 public key")
	}
	// A low-order point parses, but no copy can be sealed to it: find
	// that at start, not at the first CPR number.
	if _, _, err := hpke.NewSender(pub, kdf, aead, []byte(infoSealV2)); err != nil {
		return nil, errors.New("not a usable X25519 public key")
	}
	return pub, nil
}

// jsonProblem describes a decoding error without quoting the input, which
// may hold a key.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("syntax error at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %q has the wrong type", typ.Field)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + clip(strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return "not a JSON object"
}

// clip shortens what an error quotes from its input.
func clip(s string) string {
	if len(s) > maxKeyIDLen+2 {
		return s[:maxKeyIDLen] + "…"
	}
	return s
}

func (r *Ring) setLegacy(key []byte) error {
	block, err := aes.NewCipher(key)
	if err != nil {
		return fmt.Errorf("cpr: %w", err)
	}
	// Random 96-bit nonces allow 2^32 seals per key; v1 copies are only
	// opened now, never made.
	a, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return fmt.Errorf("cpr: %w", err)
	}
	r.legacy, r.legacyKey = a, slices.Clone(key)
	return nil
}

// MarshalJSON returns the ring's stored form: private keys for a private
// ring (with the legacy key), public keys for a public one.
func (r *Ring) MarshalJSON() ([]byte, error) {
	j := ringJSON{Current: r.current, Keys: map[string]keyJSON{}}
	for id, pub := range r.public {
		if priv, ok := r.private[id]; ok {
			b, err := priv.Bytes()
			if err != nil {
				return nil, fmt.Errorf("cpr: key %s: %w", id, err)
			}
			j.Keys[id] = keyJSON{Private: base64.StdEncoding.EncodeToString(b)}
			continue
		}
		j.Keys[id] = keyJSON{Public: base64.StdEncoding.EncodeToString(pub.Bytes())}
	}
	if r.legacyKey != nil {
		j.Legacy = base64.StdEncoding.EncodeToString(r.legacyKey)
	}
	return json.Marshal(j)
}

// String names the ring's keys, never their values, so that a ring that
// reaches a log shows nothing secret.
func (r *Ring) String() string {
	kind := "public"
	if r.CanOpen() {
		kind = "private"
	}
	return fmt.Sprintf("cpr.Ring(%s, current %s, keys %s)", kind, r.current, strings.Join(r.IDs(), ","))
}

// GoString is String, so that %#v shows no key either.
func (r *Ring) GoString() string { return r.String() }

// Current returns the id of the key new copies are sealed to.
func (r *Ring) Current() string {
	if r == nil {
		return ""
	}
	return r.current
}

// IDs returns the ids of the ring's keys in order, LegacyKeyID first if
// the ring opens sealV1 copies.
func (r *Ring) IDs() []string {
	if r == nil {
		return nil
	}
	ids := slices.Sorted(maps.Keys(r.public))
	if r.legacy != nil {
		ids = append([]string{LegacyKeyID}, ids...)
	}
	return ids
}

// CanOpen reports whether r holds private keys.
func (r *Ring) CanOpen() bool { return r != nil && len(r.private) > 0 }

// Public returns the ring's public half: what the functions that only
// store CPR numbers get.
func (r *Ring) Public() *Ring {
	return &Ring{current: r.current, public: maps.Clone(r.public)}
}

// NewRing returns a private ring of one fresh key, id, as its current key.
func NewRing(id string) (*Ring, error) {
	return (&Ring{public: map[string]hpke.PublicKey{}}).WithNewKey(id)
}

// WithNewKey returns a copy of the private ring r with a fresh key, id,
// made current: the first step of a rotation. The older keys stay, so
// that every copy still opens until the re-seal is done.
func (r *Ring) WithNewKey(id string) (*Ring, error) {
	if !ValidKeyID(id) {
		return nil, fmt.Errorf("%w: %q is not a valid key id (a-z, 0-9, '-', '.'; at most %d)", ErrRing, clip(id), maxKeyIDLen)
	}
	if _, taken := r.public[id]; taken {
		return nil, fmt.Errorf("%w: the ring already has a key %s", ErrRing, id)
	}
	if len(r.public) > 0 && !r.CanOpen() {
		return nil, fmt.Errorf("%w: a public ring cannot get new keys; rotate the private ring", ErrRing)
	}
	priv, err := kem.GenerateKey()
	if err != nil {
		return nil, fmt.Errorf("cpr: generate a key: %w", err)
	}
	out := r.clone()
	out.current, out.private[id], out.public[id] = id, priv, priv.PublicKey()
	return out, nil
}

// Without returns a copy of the private ring r without the key id (or,
// for LegacyKeyID, without the legacy key): the last step of a rotation,
// once no stored copy names id. The current key cannot be removed.
func (r *Ring) Without(id string) (*Ring, error) {
	out := r.clone()
	switch {
	case id == LegacyKeyID && r.legacy != nil:
		out.legacy, out.legacyKey = nil, nil
	case id == r.current:
		return nil, fmt.Errorf("%w: %s is the current key; rotate to a new key first", ErrRing, id)
	case r.public[id] != nil:
		delete(out.public, id)
		delete(out.private, id)
	default:
		return nil, fmt.Errorf("%w: the ring has no key %s", ErrRing, clip(id))
	}
	return out, nil
}

func (r *Ring) clone() *Ring {
	out := &Ring{current: r.current, public: maps.Clone(r.public), private: maps.Clone(r.private), legacy: r.legacy, legacyKey: r.legacyKey}
	if out.public == nil {
		out.public = map[string]hpke.PublicKey{}
	}
	if out.private == nil {
		out.private = map[string]hpke.PrivateKey{}
	}
	return out
}

// DeriveRing derives a private ring from a master key: the ring of local
// runs (CPR_KEY), and of a deployment that moves from one master key to
// the separate secrets. Its one key, id "local-1", derives with HPKE's
// DeriveKeyPair; its legacy key is the sealV1 key the master gave, so
// copies sealed before still open.
func DeriveRing(master []byte) (*Ring, error) {
	if len(master) < MinKeySize {
		return nil, fmt.Errorf("cpr: master key is %d bytes, want at least %d", len(master), MinKeySize)
	}
	ikm, err := hkdf.Key(sha256.New, master, nil, infoSealV2Local, 32)
	if err != nil {
		return nil, fmt.Errorf("cpr: deriving the local sealing key: %w", err)
	}
	priv, err := kem.DeriveKeyPair(ikm)
	if err != nil {
		return nil, fmt.Errorf("cpr: deriving the local sealing key: %w", err)
	}
	legacy, err := LegacySealKey(master)
	if err != nil {
		return nil, err
	}
	r := &Ring{current: localKeyID, public: map[string]hpke.PublicKey{localKeyID: priv.PublicKey()},
		private: map[string]hpke.PrivateKey{localKeyID: priv}}
	if err := r.setLegacy(legacy); err != nil {
		return nil, err
	}
	return r, nil
}

// localKeyID is the id of DeriveRing's key.
const localKeyID = "local-1"

// infoSealV2Local derives DeriveRing's key pair from a master key.
const infoSealV2Local = "tilgang cpr seal v2 local"

// LegacySealKey returns the AES key with which master sealed sealV1 copies:
// what a private ring's "legacy" field holds while such copies remain.
func LegacySealKey(master []byte) ([]byte, error) {
	if len(master) < MinKeySize {
		return nil, fmt.Errorf("cpr: master key is %d bytes, want at least %d", len(master), MinKeySize)
	}
	key, err := hkdf.Key(sha256.New, master, nil, infoSeal, 32)
	if err != nil {
		return nil, fmt.Errorf("cpr: deriving the legacy sealing key: %w", err)
	}
	return key, nil
}

// LookupKey returns the look-up key master gave: what the look-up secret
// holds, so that every stored look-up hash stays valid.
func LookupKey(master []byte) ([]byte, error) {
	if len(master) < MinKeySize {
		return nil, fmt.Errorf("cpr: master key is %d bytes, want at least %d", len(master), MinKeySize)
	}
	key, err := hkdf.Key(sha256.New, master, nil, infoLookup, 32)
	if err != nil {
		return nil, fmt.Errorf("cpr: deriving look-up key: %w", err)
	}
	return key, nil
}
