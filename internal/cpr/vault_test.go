package cpr

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, MinKeySize) }

func newVault(t testing.TB, key []byte) *Vault {
	t.Helper()
	v, err := NewVault(key)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestNewVaultKeyLength(t *testing.T) {
	t.Parallel()
	tests := []struct {
		size int
		ok   bool
	}{{0, false}, {16, false}, {31, false}, {32, true}, {64, true}}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.size), func(t *testing.T) {
			t.Parallel()
			v, err := NewVault(make([]byte, tc.size))
			if (err == nil) != tc.ok || (v != nil) != tc.ok {
				t.Errorf("NewVault(%d bytes) = %v, %v; want ok %v", tc.size, v, err, tc.ok)
			}
		})
	}
}

// hmacSHA256 is written out here so that the test checks the key
// derivation against RFC 5869 directly rather than against crypto/hkdf.
func hmacSHA256(key []byte, parts ...[]byte) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

func TestLookup(t *testing.T) {
	t.Parallel()
	master := testKey(7)
	v := newVault(t, master)
	n := mustParse(t, secret)

	// RFC 5869 with no salt (32 zero bytes) and one output block.
	prk := hmacSHA256(make([]byte, sha256.Size), master)
	lookupKey := hmacSHA256(prk, []byte("tilgang cpr lookup v1"), []byte{1})
	want := hex.EncodeToString(hmacSHA256(lookupKey, []byte("org-1"), []byte{0}, []byte(secret)))

	tests := []struct {
		name  string
		got   string
		equal bool
	}{
		{"matches the documented construction", v.Lookup("org-1", n), true},
		{"stable across vaults with one key", newVault(t, master).Lookup("org-1", n), true},
		{"same number from dash form", v.Lookup("org-1", mustParse(t, "150582-3917")), true},
		{"other organisation", v.Lookup("org-2", n), false},
		{"other number", v.Lookup("org-1", mustParse(t, "1505823918")), false},
		{"other key", newVault(t, testKey(8)).Lookup("org-1", n), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if (tc.got == want) != tc.equal {
				t.Errorf("Lookup = %s, want equal to %s: %v", tc.got, want, tc.equal)
			}
			if len(tc.got) != 64 || strings.Contains(tc.got, secret) {
				t.Errorf("Lookup = %q, want 64 hex digits", tc.got)
			}
		})
	}
	if got := v.Lookup("org-1", Number{}); got != "" {
		t.Errorf("Lookup of the zero Number = %q, want empty", got)
	}
}

func TestSealOpen(t *testing.T) {
	t.Parallel()
	v := newVault(t, testKey(7))
	n := mustParse(t, secret)
	aad := []byte("org-1/user-1")
	sealed, err := v.Seal(n, aad)
	if err != nil {
		t.Fatal(err)
	}
	// Format 2, the key id "local-1", HPKE's encapsulated key, ten digits
	// and the tag.
	if want := 1 + 1 + 7 + 32 + 10 + 16; sealed[0] != 2 || len(sealed) != want || KeyID(sealed) != "local-1" {
		t.Errorf("sealed = %x, want version 2, key local-1 and %d bytes", sealed, want)
	}
	if bytes.Contains(sealed, []byte(secret)) {
		t.Errorf("sealed copy contains the digits")
	}
	again, _ := v.Seal(n, aad)
	if bytes.Equal(sealed, again) {
		t.Errorf("two seals are identical: the nonce is not random")
	}
	got, err := v.Open(sealed, aad)
	if err != nil || got != n {
		t.Fatalf("Open = %v, %v; want %v", got, err, n)
	}
	if _, err := v.Seal(Number{}, aad); err == nil {
		t.Errorf("Seal of the zero Number succeeded")
	}

	flip := func(i int) []byte {
		b := bytes.Clone(sealed)
		b[i] ^= 0x01
		return b
	}
	tests := []struct {
		name   string
		vault  *Vault
		sealed []byte
		aad    []byte
	}{
		{"wrong aad", v, sealed, []byte("org-1/user-2")},
		{"no aad", v, sealed, nil},
		{"wrong key", newVault(t, testKey(8)), sealed, aad},
		{"version changed", v, flip(0), aad},
		{"key id length changed", v, flip(1), aad},
		{"key id changed", v, flip(5), aad},
		{"encapsulated key changed", v, flip(15), aad},
		{"ciphertext changed", v, flip(45), aad},
		{"tag changed", v, flip(len(sealed) - 1), aad},
		{"truncated", v, sealed[:len(sealed)-1], aad},
		{"version only", v, sealed[:1], aad},
		{"header only", v, sealed[:9], aad},
		{"empty", v, nil, aad},
		{"extended", v, append(bytes.Clone(sealed), 0), aad},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.vault.Open(tc.sealed, tc.aad)
			if !errors.Is(err, ErrOpen) || !got.IsZero() {
				t.Errorf("Open = %v, %v; want ErrOpen", got, err)
			}
		})
	}
	t.Run("every bit", func(t *testing.T) {
		t.Parallel()
		for i := range len(sealed) * 8 {
			b := bytes.Clone(sealed)
			b[i/8] ^= 1 << (i % 8)
			if _, err := v.Open(b, aad); err == nil {
				t.Fatalf("Open accepted a copy with bit %d flipped", i)
			}
		}
	})
}

func TestVaultConcurrent(t *testing.T) {
	t.Parallel()
	v := newVault(t, testKey(7))
	n := mustParse(t, secret)
	want := v.Lookup("org", n)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			aad := []byte(fmt.Sprint("user-", i))
			for range 100 {
				if v.Lookup("org", n) != want {
					t.Error("Lookup changed")
				}
				s, err := v.Seal(n, aad)
				if err != nil {
					t.Error(err)
					return
				}
				if got, err := v.Open(s, aad); err != nil || got != n {
					t.Errorf("Open = %v, %v", got, err)
				}
			}
		})
	}
	wg.Wait()
}

func TestVaultPrintsNoKey(t *testing.T) {
	t.Parallel()
	v := newVault(t, testKey('K'))
	out := fmt.Sprintf("%v %+v %#v", v, *v, v)
	if strings.Contains(out, "KKKK") || strings.Contains(out, "75 75 75") {
		t.Errorf("printing a Vault shows key material: %s", out)
	}
}
