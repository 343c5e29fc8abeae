package keys_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tilgang/tilgang/internal/cpr"
	"github.com/tilgang/tilgang/internal/keys"
	"github.com/tilgang/tilgang/internal/testenv"
)

// parse reads the four secrets as the functions do at cold start.
func parse(t *testing.T, s keys.Secrets) keys.Set {
	t.Helper()
	var set keys.Set
	var err error
	if set.LookupKey, err = keys.ParseKey(s.LookupKey); err != nil {
		t.Fatal(err)
	}
	if set.LinkKey, err = keys.ParseKey(s.LinkKey); err != nil {
		t.Fatal(err)
	}
	if set.SealKey, err = cpr.ParseRing([]byte(s.SealKey)); err != nil {
		t.Fatal(err)
	}
	if set.OpenKey, err = cpr.ParseRing([]byte(s.OpenKey)); err != nil {
		t.Fatal(err)
	}
	return set
}

func TestNewSecrets(t *testing.T) {
	t.Parallel()
	s, err := keys.NewSecrets("2026-12")
	if err != nil {
		t.Fatal(err)
	}
	set := parse(t, s)
	if set.SealKey.CanOpen() || !set.OpenKey.CanOpen() || set.OpenKey.Current() != "2026-12" {
		t.Fatalf("rings: %v, %v", set.SealKey, set.OpenKey)
	}
	if strings.Contains(s.SealKey, "private") || strings.Contains(s.OpenKey, "legacy") {
		t.Errorf("public ring %s / private ring of a new deployment with a legacy key", s.SealKey)
	}
	if out := s.String() + s.GoString(); strings.Contains(out, s.LookupKey) || strings.Contains(out, s.LinkKey) {
		t.Errorf("Secrets print their values: %s", out)
	}
	other, _ := keys.NewSecrets("2026-12")
	if other.LookupKey == s.LookupKey || other.LinkKey == s.LinkKey || other.OpenKey == s.OpenKey {
		t.Error("two deployments share a key")
	}
	if _, err := keys.NewSecrets("V1"); !errors.Is(err, cpr.ErrRing) {
		t.Errorf("an invalid first id: %v", err)
	}
}

// TestSplitMaster: a deployment of one master key moves to the separate
// secrets without losing a look-up hash or a sealed copy, and without the
// link key deriving the others.
func TestSplitMaster(t *testing.T) {
	t.Parallel()
	master := testenv.CPRKey
	s, err := keys.SplitMaster(master, "2026-12")
	if err != nil {
		t.Fatal(err)
	}
	set := parse(t, s)
	before, err := keys.FromMaster(master)
	if err != nil {
		t.Fatal(err)
	}
	old, _ := before.Vault()
	split, err := set.Vault()
	if err != nil {
		t.Fatal(err)
	}
	n, _ := cpr.Parse("0101901234")
	if old.Lookup("org", n) != split.Lookup("org", n) {
		t.Error("the look-up hash changed")
	}
	aad := cpr.UserAAD("org", "user")
	v1 := sealV1(t, master, n, aad)
	if got, err := split.Open(v1, aad); err != nil || got != n {
		t.Errorf("a copy of the master key does not open: %v, %v", got, err)
	}
	if ids := set.OpenKey.IDs(); strings.Join(ids, ",") != cpr.LegacyKeyID+",2026-12" {
		t.Errorf("ring ids %v; want the legacy key and the new key only", ids)
	}
	if string(set.LinkKey) == string(master) {
		t.Error("the link key is the master key: the mailer could derive every other key")
	}
	sealed, err := split.Seal(n, aad)
	if err != nil || cpr.KeyID(sealed) != "2026-12" {
		t.Errorf("new copies name %q (%v)", cpr.KeyID(sealed), err)
	}
}

// TestFromMasterKeepsLocalData: local runs derive the keys of earlier
// versions, so a make dev table and every test key stay valid.
func TestFromMasterKeepsLocalData(t *testing.T) {
	t.Parallel()
	set, err := keys.FromMaster(testenv.CPRKey)
	if err != nil {
		t.Fatal(err)
	}
	if string(set.LinkKey) != string(testenv.CPRKey) || set.SealKey.CanOpen() || !set.OpenKey.CanOpen() {
		t.Fatalf("FromMaster = %v", set)
	}
	if out := set.String() + set.GoString(); strings.Contains(out, string(testenv.CPRKey[:8])) || out != "keys.Set(lookup,link,seal,open)"+"keys.Set(lookup,link,seal,open)" {
		t.Errorf("Set prints %q", out)
	}
}
