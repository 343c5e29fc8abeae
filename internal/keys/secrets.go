package keys

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/tilgang/tilgang/internal/cpr"
)

// Secrets are the SecretStrings of a deployment's four key secrets, as
// `tilgang keys init` creates them (README, "Keys"). They are secrets:
// never log or print them anywhere but into Secrets Manager and the
// operator's offline backup.
type Secrets struct {
	LookupKey string // CPR_LOOKUP_KEY_SECRET: base64 of 32 bytes
	LinkKey   string // LINK_KEY_SECRET: base64 of 32 bytes
	SealKey   string // CPR_SEAL_PUBLIC_SECRET: JSON of the public ring
	OpenKey   string // CPR_SEAL_KEYS_SECRET: JSON of the private ring
}

// String hides the values.
func (Secrets) String() string { return "keys.Secrets(…)" }

// GoString hides the values.
func (s Secrets) GoString() string { return s.String() }

// NewSecrets makes the secrets of a new deployment: fresh random look-up
// and link keys and a ring of one fresh key, firstID (for example the
// month, "2026-12"). `tilgang keys init` calls it.
func NewSecrets(firstID string) (Secrets, error) {
	ring, err := cpr.NewRing(firstID)
	if err != nil {
		return Secrets{}, err
	}
	return secretsOf(random32(), random32(), ring)
}

// SplitMaster makes the secrets of a deployment that ran on one master
// key (CPR_KEY_SECRET, before key ids): the look-up key the master gave,
// so every stored look-up hash stays valid; a fresh link key, so that the
// mailer no longer holds a key that derives the others (links and codes
// issued before stop working: resend them); and a ring of one fresh key,
// firstID, that also opens the copies the master sealed (their legacy key)
// until the re-seal has moved them and `keys retire --id v1` drops it.
// `tilgang keys split` calls it.
func SplitMaster(master []byte, firstID string) (Secrets, error) {
	lookup, err := cpr.LookupKey(master)
	if err != nil {
		return Secrets{}, err
	}
	derived, err := cpr.DeriveRing(master)
	if err != nil {
		return Secrets{}, err
	}
	ring, err := derived.WithNewKey(firstID)
	if err != nil {
		return Secrets{}, err
	}
	if ring, err = ring.Without("local-1"); err != nil {
		return Secrets{}, err
	}
	return secretsOf(lookup, random32(), ring)
}

func secretsOf(lookup, link []byte, ring *cpr.Ring) (Secrets, error) {
	priv, err := json.Marshal(ring)
	if err != nil {
		return Secrets{}, fmt.Errorf("keys: %w", err)
	}
	pub, err := json.Marshal(ring.Public())
	if err != nil {
		return Secrets{}, fmt.Errorf("keys: %w", err)
	}
	return Secrets{
		LookupKey: base64.StdEncoding.EncodeToString(lookup),
		LinkKey:   base64.StdEncoding.EncodeToString(link),
		SealKey:   string(pub), OpenKey: string(priv),
	}, nil
}

func random32() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return b
}
