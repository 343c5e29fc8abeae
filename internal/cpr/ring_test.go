package cpr

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func newRing(t testing.TB, id string) *Ring {
	t.Helper()
	r, err := NewRing(id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func vaultOf(t testing.TB, lookup []byte, r *Ring) *Vault {
	t.Helper()
	v, err := NewVaultWithKeys(lookup, r)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestSealerCannotOpen: a function that holds only the public ring seals
// copies that the private ring opens, and opens none itself, not even its
// own.
func TestSealerCannotOpen(t *testing.T) {
	t.Parallel()
	private := newRing(t, "2026-12")
	sealer := vaultOf(t, testKey(1), private.Public())
	opener := vaultOf(t, testKey(1), private)
	n := mustParse(t, secret)
	aad := []byte("org-1/user-1")
	sealed, err := sealer.Seal(n, aad)
	if err != nil {
		t.Fatal(err)
	}
	if sealer.CanOpen() || !sealer.CanSeal() {
		t.Errorf("public vault: CanOpen %v, CanSeal %v", sealer.CanOpen(), sealer.CanSeal())
	}
	if got, err := sealer.Open(sealed, aad); !errors.Is(err, ErrNoKey) || !got.IsZero() {
		t.Errorf("the sealer opened its own copy: %v, %v", got, err)
	}
	if got, err := opener.Open(sealed, aad); err != nil || got != n {
		t.Errorf("the private ring does not open the sealer's copy: %v, %v", got, err)
	}
	// The public ring's stored form holds no private key.
	b, err := json.Marshal(private.Public())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("private")) {
		t.Errorf("public ring JSON holds a private key: %s", b)
	}
	if _, err := private.Public().WithNewKey("next"); err == nil {
		t.Error("a public ring got a new key")
	}
}

// sealV1For seals n as the first format did, written out here rather than
// taken from the package, so that the test holds the package to copies
// made by the old code: AES-256-GCM under HKDF-SHA-256(master, "tilgang
// cpr seal v1"), random nonce, the version byte before the aad.
func sealV1For(t *testing.T, master []byte, n Number, aad []byte) []byte {
	t.Helper()
	prk := hmacSHA256(make([]byte, sha256.Size), master)
	key := hmacSHA256(prk, []byte("tilgang cpr seal v1"), []byte{1})
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	g, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		t.Fatal(err)
	}
	return g.Seal([]byte{1}, nil, []byte(n.Digits()), append([]byte{1}, aad...))
}

// TestV1CopiesStillOpen: copies of the first format open with the legacy
// key of a ring, whether derived from the master key (local runs) or
// carried in a stored private ring across rotations, until the legacy key
// is retired.
func TestV1CopiesStillOpen(t *testing.T) {
	t.Parallel()
	master := testKey(7)
	n := mustParse(t, secret)
	aad := []byte("org-1/user-1")
	old := sealV1For(t, master, n, aad)
	if KeyID(old) != LegacyKeyID {
		t.Fatalf("KeyID of a v1 copy = %q", KeyID(old))
	}
	derived, err := DeriveRing(master)
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := derived.WithNewKey("2027-01")
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(rotated)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := ParseRing(b)
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]*Ring{"derived": derived, "rotated and stored": stored} {
		got, err := vaultOf(t, nil, r).Open(old, aad)
		if err != nil || got != n {
			t.Errorf("%s: Open(v1) = %v, %v", name, got, err)
		}
		if _, err := vaultOf(t, nil, r).Open(old, []byte("org-1/user-2")); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: v1 copy opened under another user", name)
		}
	}
	retired, err := stored.Without(LegacyKeyID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vaultOf(t, nil, retired).Open(old, aad); !errors.Is(err, ErrOpen) {
		t.Errorf("the v1 copy opened after the legacy key was retired: %v", err)
	}
	if _, err := vaultOf(t, nil, derived.Public()).Open(old, aad); !errors.Is(err, ErrNoKey) {
		t.Errorf("a public ring opened a v1 copy: %v", err)
	}
}

// TestRotation: after WithNewKey, new copies name the new key, and copies
// under the old key open until it is removed; the current key cannot be
// removed.
func TestRotation(t *testing.T) {
	t.Parallel()
	n := mustParse(t, secret)
	aad := []byte("o/u")
	r1 := newRing(t, "k1")
	c1, err := vaultOf(t, nil, r1).Seal(n, aad)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := r1.WithNewKey("k2")
	if err != nil {
		t.Fatal(err)
	}
	c2, err := vaultOf(t, nil, r2).Seal(n, aad)
	if err != nil {
		t.Fatal(err)
	}
	if KeyID(c1) != "k1" || KeyID(c2) != "k2" || r2.Current() != "k2" || strings.Join(r2.IDs(), ",") != "k1,k2" {
		t.Fatalf("ids: c1 %s, c2 %s, current %s, ids %v", KeyID(c1), KeyID(c2), r2.Current(), r2.IDs())
	}
	v2 := vaultOf(t, nil, r2)
	for _, c := range [][]byte{c1, c2} {
		if got, err := v2.Open(c, aad); err != nil || got != n {
			t.Errorf("Open(%s) = %v, %v", KeyID(c), got, err)
		}
	}
	if _, err := vaultOf(t, nil, r1).Open(c2, aad); !errors.Is(err, ErrOpen) {
		t.Errorf("the old ring opened a copy of the new key: %v", err)
	}
	// A copy relabelled with another id of the same length fails.
	relabelled := bytes.Clone(c2)
	relabelled[3] = '1'
	if _, err := v2.Open(relabelled, aad); !errors.Is(err, ErrOpen) {
		t.Errorf("a relabelled copy opened: %v", err)
	}
	if _, err := r2.Without("k2"); err == nil {
		t.Error("the current key was removed")
	}
	if _, err := r2.WithNewKey("k1"); err == nil {
		t.Error("a key id was reused")
	}
	r3, err := r2.Without("k1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vaultOf(t, nil, r3).Open(c1, aad); !errors.Is(err, ErrOpen) {
		t.Errorf("a removed key still opens: %v", err)
	}
	if _, err := vaultOf(t, nil, r3).Open(c2, aad); err != nil {
		t.Errorf("the current key no longer opens: %v", err)
	}
}

func TestRingRoundTripAndErrors(t *testing.T) {
	t.Parallel()
	r, err := newRing(t, "a").WithNewKey("b")
	if err != nil {
		t.Fatal(err)
	}
	priv, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := json.Marshal(r.Public())
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"private": priv, "public": pub} {
		got, err := ParseRing(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		again, _ := json.Marshal(got)
		if !bytes.Equal(again, b) || got.CanOpen() != (name == "private") {
			t.Errorf("%s: round trip %s != %s", name, again, b)
		}
	}
	var j map[string]any
	_ = json.Unmarshal(priv, &j)
	privB := j["keys"].(map[string]any)["b"].(map[string]any)["private"].(string)
	pubA := func() string {
		var pj map[string]any
		_ = json.Unmarshal(pub, &pj)
		return pj["keys"].(map[string]any)["a"].(map[string]any)["public"].(string)
	}()
	tests := []struct{ name, in, says string }{
		{"empty", ``, "not the JSON"},
		{"array", `[]`, "not the JSON"},
		{"no keys", `{"current":"a","keys":{}}`, "no keys"},
		{"current missing", `{"current":"z","keys":{"b":{"private":"` + privB + `"}}}`, "not among"},
		{"bad id", `{"current":"B","keys":{"B":{"private":"` + privB + `"}}}`, "not a valid id"},
		{"v1 id", `{"current":"v1","keys":{"v1":{"private":"` + privB + `"}}}`, "not a valid id"},
		{"unknown field", `{"current":"b","keys":{"b":{"private":"` + privB + `"}},"curent":"x"}`, "unknown field"},
		{"not base64", `{"current":"b","keys":{"b":{"private":"!!"}}}`, "not base64"},
		{"short key", `{"current":"b","keys":{"b":{"public":"AAAA"}}}`, "not an X25519"},
		{"mixed", `{"current":"b","keys":{"b":{"private":"` + privB + `"},"a":{"public":"` + pubA + `"}}}`, "one or the other"},
		{"mismatch", `{"current":"b","keys":{"b":{"private":"` + privB + `","public":"` + pubA + `"}}}`, "not the private key's"},
		{"neither", `{"current":"b","keys":{"b":{}}}`, "neither"},
		{"public legacy", `{"current":"a","keys":{"a":{"public":"` + pubA + `"}},"legacy":"` + pubA + `"}`, "no legacy"},
		{"short legacy", `{"current":"b","keys":{"b":{"private":"` + privB + `"}},"legacy":"AAAA"}`, "32 bytes"},
		{"trailing", `{"current":"b","keys":{"b":{"private":"` + privB + `"}}} {}`, "after the JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseRing([]byte(tc.in))
			if !errors.Is(err, ErrRing) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("ParseRing error = %v; want ErrRing saying %q", err, tc.says)
			}
			if strings.Contains(err.Error(), privB[:12]) {
				t.Errorf("the error quotes a key: %v", err)
			}
		})
	}
}

func TestRingPrintsNoKey(t *testing.T) {
	t.Parallel()
	r, err := DeriveRing(testKey('K'))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(r)
	var j ringJSON
	_ = json.Unmarshal(b, &j)
	out := fmt.Sprintf("%v %+v %#v %s", r, r, r, r)
	for _, secret := range []string{j.Keys["local-1"].Private, j.Legacy} {
		if strings.Contains(out, secret) {
			t.Errorf("printing a Ring shows a key: %s", out)
		}
	}
	if !strings.Contains(out, "local-1") {
		t.Errorf("printing a Ring does not name its keys: %s", out)
	}
}

// FuzzParseRing: whatever a secret holds, ParseRing answers a usable ring
// or an ErrRing, and a ring that parses survives its own round trip and
// seals what it opens.
func FuzzParseRing(f *testing.F) {
	r, err := DeriveRing(testKey(3))
	if err != nil {
		f.Fatal(err)
	}
	r, _ = r.WithNewKey("2026-12")
	priv, _ := json.Marshal(r)
	pub, _ := json.Marshal(r.Public())
	for _, s := range []string{string(priv), string(pub), `{}`, `{"current":"a","keys":{"a":{}}}`, `null`, `{"current":"a","keys":{"a":{"public":"` + strings.Repeat("A", 43) + `="}}}`} {
		f.Add([]byte(s))
	}
	n := mustParse(f, secret)
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRing(b)
		if err != nil {
			if !errors.Is(err, ErrRing) {
				t.Fatalf("error %v is not ErrRing", err)
			}
			return
		}
		again, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := ParseRing(again)
		if err != nil || r2.Current() != r.Current() || strings.Join(r2.IDs(), ",") != strings.Join(r.IDs(), ",") {
			t.Fatalf("round trip: %v, %v", r2, err)
		}
		v, err := NewVaultWithKeys(nil, r)
		if err != nil {
			t.Fatal(err)
		}
		sealed, err := v.Seal(n, []byte("a"))
		if err != nil {
			t.Fatal(err)
		}
		if r.CanOpen() {
			if got, err := v.Open(sealed, []byte("a")); err != nil || got != n {
				t.Fatalf("Open = %v, %v", got, err)
			}
		}
	})
}
