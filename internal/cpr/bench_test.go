package cpr

import (
	"crypto/aes"
	"crypto/cipher"
	"testing"
)

// BenchmarkSeal compares sealing to a ring key (sealV2: HPKE, two X25519
// operations) with the AES-GCM of the first format, in one run, and opening
// both. A SCIM or CSV create with a CPR number seals once; the admin API
// opens once per user shown.
func BenchmarkSeal(b *testing.B) {
	n := mustParse(b, secret)
	aad := UserAAD("org", "user")
	v := newVault(b, testKey(7))
	legacyKey, err := LegacySealKey(testKey(7))
	if err != nil {
		b.Fatal(err)
	}
	block, _ := aes.NewCipher(legacyKey)
	gcm, _ := cipher.NewGCMWithRandomNonce(block)
	sealV1 := func() []byte {
		return gcm.Seal([]byte{sealV1}, nil, []byte(n.Digits()), additional([]byte{sealV1}, aad))
	}
	b.Run("v1-aes-gcm", func(b *testing.B) {
		for b.Loop() {
			sealV1()
		}
	})
	b.Run("v2-hpke", func(b *testing.B) {
		for b.Loop() {
			if _, err := v.Seal(n, aad); err != nil {
				b.Fatal(err)
			}
		}
	})
	old := sealV1()
	b.Run("open-v1", func(b *testing.B) {
		for b.Loop() {
			if _, err := v.Open(old, aad); err != nil {
				b.Fatal(err)
			}
		}
	})
	sealed, _ := v.Seal(n, aad)
	b.Run("open-v2", func(b *testing.B) {
		for b.Loop() {
			if _, err := v.Open(sealed, aad); err != nil {
				b.Fatal(err)
			}
		}
	})
}
