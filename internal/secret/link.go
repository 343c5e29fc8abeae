package secret

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/google/uuid"
)

// LinkKind says what a link opens.
type LinkKind byte

// Link kinds.
const (
	LinkActivation LinkKind = 'a'
	LinkInvitation LinkKind = 'i'
)

// Link names what a mailed link opens: the organisation, the user or
// invitation, and the nonce of the current issue. Issuing a new link
// changes the stored nonce, which kills every older token.
type Link struct {
	Kind  LinkKind
	OrgID string // UUID
	ID    string // UUID of the user or invitation
	Nonce string // UUID stored with the activation or invitation
}

// NewNonce returns a fresh random link nonce.
func NewNonce() string { return uuid.NewString() }

// ErrBadLink means a token was not made by Links.Token with this key: mangled,
// truncated or guessed. Pages show it exactly like an unknown link.
var ErrBadLink = errors.New("secret: not a link token")

// Links makes and checks link tokens. A token carries its Link and an HMAC
// over it under a key that lives outside the database, so the database holds
// no token (only the nonce) and a guessed token fails before any read. Build
// it with NewLinks.
type Links struct {
	key []byte
}

// NewLinks derives the link-token key from the deployment's link key
// (keys.Set.LinkKey; locally the master key).
func NewLinks(master []byte) (*Links, error) {
	if len(master) < 32 {
		return nil, errors.New("secret: the link key must hold at least 32 bytes")
	}
	key, err := hkdf.Key(sha256.New, master, nil, "tilgang link v1", 32)
	if err != nil {
		return nil, fmt.Errorf("secret: derive the link key: %w", err)
	}
	return &Links{key: key}, nil
}

const (
	linkBody = 1 + 3*16 // kind and three UUIDs
	linkMAC  = 16       // truncated HMAC-SHA256: 128 bits
)

// ErrNoLinkKey means a function without the link key was asked to make a
// link: a configuration error (see config.Functions).
var ErrNoLinkKey = errors.New("secret: this function holds no link key")

// Token returns the URL-safe token for l (87 characters). A nil *Links
// (a function without the link key) returns ErrNoLinkKey.
func (k *Links) Token(l Link) (string, error) {
	if k == nil {
		return "", ErrNoLinkKey
	}
	b := make([]byte, 0, linkBody+linkMAC)
	b = append(b, byte(l.Kind))
	for _, p := range []struct{ name, value string }{
		{"organisation id", l.OrgID}, {"user or invitation id", l.ID}, {"nonce", l.Nonce},
	} {
		// The error names the part and holds neither its value nor
		// uuid.Parse's error, which may quote it: a nonce is a secret.
		id, err := uuid.Parse(p.value)
		if err != nil {
			return "", fmt.Errorf("secret: the link's %s is not a UUID", p.name)
		}
		b = append(b, id[:]...)
	}
	b = append(b, k.mac(b)...)
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Parse checks token's MAC in constant time and returns its Link, or
// ErrBadLink (always, for a nil *Links).
func (k *Links) Parse(token string) (Link, error) {
	if k == nil {
		return Link{}, ErrBadLink
	}
	if base64.RawURLEncoding.DecodedLen(len(token)) != linkBody+linkMAC {
		return Link{}, ErrBadLink
	}
	// Strict: the 2 spare bits of the last character must be zero, so
	// that exactly one string decodes to a link.
	b, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(b) != linkBody+linkMAC {
		return Link{}, ErrBadLink
	}
	body, mac := b[:linkBody], b[linkBody:]
	if !hmac.Equal(mac, k.mac(body)) {
		return Link{}, ErrBadLink
	}
	part := func(i int) string { return uuid.UUID(body[1+16*i : 1+16*(i+1)]).String() }
	return Link{Kind: LinkKind(body[0]), OrgID: part(0), ID: part(1), Nonce: part(2)}, nil
}

func (k *Links) mac(body []byte) []byte {
	m := hmac.New(sha256.New, k.key)
	m.Write(body)
	return m.Sum(nil)[:linkMAC]
}
