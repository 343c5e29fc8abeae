package operator

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/tilgang/tilgang/internal/config"
	"github.com/tilgang/tilgang/internal/keys"
)

func TestStageSecrets(t *testing.T) {
	t.Parallel()
	dev := config.KeySecrets{LookupKey: "tilgang/dev/cpr-lookup-key", LinkKey: "tilgang/dev/link-key",
		SealKey: "tilgang/dev/cpr-seal-public", OpenKey: "tilgang/dev/cpr-seal-keys"}
	tests := []struct {
		name  string
		given config.KeySecrets
		stage string
		want  config.KeySecrets
		err   string
	}{
		{name: "stage", stage: "dev", want: dev},
		{name: "a flag wins", given: config.KeySecrets{LinkKey: "other/link"}, stage: "dev",
			want: config.KeySecrets{LookupKey: dev.LookupKey, LinkKey: "other/link", SealKey: dev.SealKey, OpenKey: dev.OpenKey}},
		{name: "all flags", given: config.KeySecrets{LookupKey: "a", LinkKey: "b", SealKey: "c", OpenKey: "d"},
			want: config.KeySecrets{LookupKey: "a", LinkKey: "b", SealKey: "c", OpenKey: "d"}},
		{name: "nothing", err: "--lookup-key-secret, --link-key-secret, --seal-keys-secret, --seal-public-secret"},
		{name: "some flags", given: config.KeySecrets{LookupKey: "a", LinkKey: "b"}, err: "--seal-keys-secret, --seal-public-secret"},
		{name: "stage with a slash", stage: "dev/x", err: "a stage is"},
	}
	for _, tt := range tests {
		got, err := stageSecrets(tt.given, tt.stage)
		if tt.err != "" {
			if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: %v, want a usage error saying %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
	}
}

// values are secret values by the parameter that names each secret.
func values(s keys.Secrets) map[string]string {
	return map[string]string{"CprLookupKeySecretId": s.LookupKey, "LinkKeySecretId": s.LinkKey,
		"CprSealPublicSecretId": s.SealKey, "CprSealKeysSecretId": s.OpenKey}
}

// TestParseKeySet: what init writes, the command reads back; a ring in the
// wrong secret, or a malformed key, is refused without quoting it.
func TestParseKeySet(t *testing.T) {
	t.Parallel()
	s, err := keys.NewSecrets("2026-12")
	if err != nil {
		t.Fatal(err)
	}
	set, err := parseKeySet(values(s))
	if err != nil || len(set.LookupKey) != 32 || len(set.LinkKey) != 32 || set.SealKey.CanOpen() || !set.OpenKey.CanOpen() || set.OpenKey.Current() != "2026-12" {
		t.Fatalf("parsed %v, %v", set, err)
	}
	if set, err := parseKeySet(map[string]string{"LinkKeySecretId": s.LinkKey}); err != nil || set.LookupKey != nil || set.LinkKey == nil || set.OpenKey != nil {
		t.Fatalf("link key only: %v, %v", set, err)
	}
	secretValue := "not-base64-" + s.LinkKey[:8]
	tests := []struct {
		name   string
		values map[string]string
		want   string
	}{
		{"private ring as the public one", map[string]string{"CprSealPublicSecretId": s.OpenKey}, "holds private keys"},
		{"public ring as the private one", map[string]string{"CprSealKeysSecretId": s.SealKey}, "only public keys"},
		{"malformed look-up key", map[string]string{"CprLookupKeySecretId": secretValue}, "the CPR look-up key"},
		{"short link key", map[string]string{"LinkKeySecretId": "c2hvcnQ="}, "at least 32 bytes"},
		{"ring not JSON", map[string]string{"CprSealKeysSecretId": secretValue}, "private CPR sealing ring"},
	}
	for _, tt := range tests {
		_, err := parseKeySet(tt.values)
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), secretValue) {
			t.Errorf("%s: %v, want an error saying %q and not quoting the value", tt.name, err, tt.want)
		}
	}
}

// TestRingValuesRotateAndRetire: rotate's and retire's new secret values
// parse back as the rings they mean; the public value holds no private
// key.
func TestRingValuesRotateAndRetire(t *testing.T) {
	t.Parallel()
	s, err := keys.NewSecrets("2026-12")
	if err != nil {
		t.Fatal(err)
	}
	ring, err := parsePrivateRing(s.OpenKey)
	if err != nil {
		t.Fatal(err)
	}
	priv, pub, err := keys.Rotate(ring, "2027-06")
	if err != nil {
		t.Fatal(err)
	}
	privValue, pubValue, err := ringValues(priv, pub)
	if err != nil {
		t.Fatal(err)
	}
	back, err := parseKeySet(map[string]string{"CprSealKeysSecretId": privValue, "CprSealPublicSecretId": pubValue})
	if err != nil || back.OpenKey.Current() != "2027-06" || !slices.Equal(back.OpenKey.IDs(), []string{"2026-12", "2027-06"}) ||
		back.SealKey.Current() != "2027-06" || strings.Contains(pubValue, "private") {
		t.Fatalf("rotated: %v %v, %v; public value %s", back.OpenKey, back.SealKey, err, pubValue)
	}
	if _, _, err := keys.Retire(back.OpenKey, "2026-12", map[string]int{"2026-12": 1}); !errors.Is(err, keys.ErrKeyInUse) {
		t.Fatalf("retire a key in use: %v", err)
	}
	priv, pub, err = keys.Retire(back.OpenKey, "2026-12", map[string]int{"2027-06": 3})
	if err != nil {
		t.Fatal(err)
	}
	if privValue, pubValue, err = ringValues(priv, pub); err != nil {
		t.Fatal(err)
	}
	back, err = parseKeySet(map[string]string{"CprSealKeysSecretId": privValue, "CprSealPublicSecretId": pubValue})
	if err != nil || !slices.Equal(back.OpenKey.IDs(), []string{"2027-06"}) || !slices.Equal(back.SealKey.IDs(), []string{"2027-06"}) {
		t.Fatalf("retired: %v %v, %v", back.OpenKey, back.SealKey, err)
	}
	if _, err := parsePrivateRing(pubValue); err == nil {
		t.Error("a public ring parsed as the private one")
	}
}

func TestReadsRing(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		vars map[string]string
		want bool
	}{
		{map[string]string{config.EnvSealKeySecret: "tilgang/dev/cpr-seal-public", config.EnvLookupKeySecret: "x"}, true},
		{map[string]string{config.EnvOpenKeySecret: "tilgang/dev/cpr-seal-keys"}, true},
		{map[string]string{config.EnvLinkKeySecret: "tilgang/dev/link-key"}, false},
		{nil, false},
	} {
		if got := readsRing(tt.vars); got != tt.want {
			t.Errorf("readsRing(%v) = %v", tt.vars, got)
		}
	}
}
