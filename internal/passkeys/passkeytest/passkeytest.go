// Package passkeytest is a software passkey for tests: the ceremonies'
// own tests and the test of the functions' grants run registration and
// sign-in with it, without a browser.
package passkeytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"testing"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
)

// Authenticator is a software passkey: one P-256 key, discoverable,
// attesting with "none", as Chromium's virtual authenticator does in the
// console's browser test. It answers the options the begin endpoints send
// with the body the console's script posts to the finish endpoints.
type Authenticator struct {
	key    *ecdsa.PrivateKey
	id     []byte // the credential id
	user   []byte // the user handle, the user's id
	count  uint32
	rpID   string
	origin string
}

// New returns a passkey for the relying party rpID (the console's host)
// at origin (scheme://host[:port]), not yet registered.
func New(t testing.TB, rpID, origin string) *Authenticator {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	return &Authenticator{key: key, id: id, rpID: rpID, origin: origin}
}

var b64 = base64.RawURLEncoding

// options are what the begin endpoints answer, as far as an
// authenticator reads them.
type options struct {
	PublicKey struct {
		Challenge string `json:"challenge"`
		User      struct {
			ID string `json:"id"`
		} `json:"user"`
	} `json:"publicKey"`
}

func parseOptions(t testing.TB, raw []byte) options {
	t.Helper()
	var o options
	if err := json.Unmarshal(raw, &o); err != nil || o.PublicKey.Challenge == "" {
		t.Fatalf("options %s: %v", raw, err)
	}
	return o
}

func (a *Authenticator) clientData(t testing.TB, typ, challenge string) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": a.origin, "crossOrigin": false})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// authData is the authenticator data: the relying party's hash, the
// flags (user present and verified) and the signature count.
func (a *Authenticator) authData(flags byte) []byte {
	rp := sha256.Sum256([]byte(a.rpID))
	out := append(rp[:], flags|0x05)
	return binary.BigEndian.AppendUint32(out, a.count)
}

// Create answers registration options: navigator.credentials.create.
// It returns the JSON body of register/finish.
func (a *Authenticator) Create(t testing.TB, raw []byte) json.RawMessage {
	t.Helper()
	o := parseOptions(t, raw)
	user, err := b64.DecodeString(o.PublicKey.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	a.user = user
	cose, err := webauthncbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1,
		-2: a.key.X.FillBytes(make([]byte, 32)), -3: a.key.Y.FillBytes(make([]byte, 32))})
	if err != nil {
		t.Fatal(err)
	}
	data := a.authData(0x40) // attested credential data follows
	data = append(data, make([]byte, 16)...)
	data = binary.BigEndian.AppendUint16(data, uint16(len(a.id)))
	data = append(append(data, a.id...), cose...)
	att, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": data})
	if err != nil {
		t.Fatal(err)
	}
	return marshal(t, map[string]any{"id": b64.EncodeToString(a.id), "rawId": b64.EncodeToString(a.id), "type": "public-key",
		"response": map[string]any{
			"attestationObject": b64.EncodeToString(att),
			"clientDataJSON":    b64.EncodeToString(a.clientData(t, "webauthn.create", o.PublicKey.Challenge)),
			"transports":        []string{"internal"},
		}})
}

// Get answers sign-in options: navigator.credentials.get, signed with
// the key for the user handle user (nil: the one it was created for). It
// returns the JSON body of signin/finish.
func (a *Authenticator) Get(t testing.TB, raw []byte, user []byte) json.RawMessage {
	t.Helper()
	o := parseOptions(t, raw)
	if user == nil {
		user = a.user
	}
	a.count++
	data := a.authData(0)
	cd := a.clientData(t, "webauthn.get", o.PublicKey.Challenge)
	cdHash := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, data...), cdHash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, a.key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return marshal(t, map[string]any{"id": b64.EncodeToString(a.id), "rawId": b64.EncodeToString(a.id), "type": "public-key",
		"response": map[string]any{
			"authenticatorData": b64.EncodeToString(data),
			"clientDataJSON":    b64.EncodeToString(cd),
			"signature":         b64.EncodeToString(sig),
			"userHandle":        b64.EncodeToString(user),
		}})
}

func marshal(t testing.TB, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
