package secret

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestLinkRoundTrip(t *testing.T) {
	t.Parallel()
	k, err := NewLinks(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	l := Link{Kind: LinkActivation, OrgID: NewNonce(), ID: NewNonce(), Nonce: NewNonce()}
	tok, err := k.Token(l)
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) != 87 {
		t.Errorf("token length %d, want 87", len(tok))
	}
	got, err := k.Parse(tok)
	if err != nil || got != l {
		t.Fatalf("Parse = %+v, %v; want %+v", got, err, l)
	}
	other, _ := NewLinks(bytes.Repeat([]byte{8}, 32))
	for name, bad := range map[string]string{
		"other key": func() string { s, _ := other.Token(l); return s }(),
		"flipped":   tok[:40] + string(tok[40]^1) + tok[41:],
		"short":     tok[:86],
		"long":      tok + "A",
		"empty":     "",
		"not b64":   "!!" + tok[2:],
	} {
		if _, err := k.Parse(bad); !errors.Is(err, ErrBadLink) {
			t.Errorf("%s: Parse err = %v, want ErrBadLink", name, err)
		}
	}
	if _, err := k.Token(Link{Kind: LinkInvitation, OrgID: "x"}); err == nil {
		t.Error("Token accepted a non-UUID part")
	}
}

// linkAlphabet is base64url's alphabet, in the order of the values.
const linkAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// TestLinkTokenIsCanonical checks that one token, and only that string,
// decodes to a link: 87 base64url characters carry 522 bits for 520, and
// a decoder that ignores the 2 spare bits takes four strings for each
// token.
func TestLinkTokenIsCanonical(t *testing.T) {
	t.Parallel()
	k, err := NewLinks(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := k.Token(Link{Kind: LinkActivation, OrgID: NewNonce(), ID: NewNonce(), Nonce: NewNonce()})
	if err != nil {
		t.Fatal(err)
	}
	last := strings.IndexByte(linkAlphabet, tok[len(tok)-1])
	if last%4 != 0 {
		t.Fatalf("the token's spare bits are set: %q", tok)
	}
	for spare := 1; spare < 4; spare++ {
		other := tok[:len(tok)-1] + string(linkAlphabet[last|spare])
		if _, err := k.Parse(other); !errors.Is(err, ErrBadLink) {
			t.Errorf("spare bits %02b: Parse err = %v, want ErrBadLink", spare, err)
		}
	}
}

// TestLinkTokenErrorHoldsNoValue checks that a part that is no UUID is
// named, not quoted: the value may be a nonce, which is a secret.
func TestLinkTokenErrorHoldsNoValue(t *testing.T) {
	t.Parallel()
	k, err := NewLinks(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	const secretish = "urn:uuid:not-a-nonce-value"
	for _, tt := range []struct {
		part string
		link Link
	}{
		{"organisation", Link{Kind: LinkActivation, OrgID: secretish, ID: NewNonce(), Nonce: NewNonce()}},
		{"user or invitation", Link{Kind: LinkActivation, OrgID: NewNonce(), ID: secretish, Nonce: NewNonce()}},
		{"nonce", Link{Kind: LinkActivation, OrgID: NewNonce(), ID: NewNonce(), Nonce: secretish}},
	} {
		_, err := k.Token(tt.link)
		if err == nil {
			t.Fatalf("%s: Token accepted a part that is no UUID", tt.part)
		}
		if msg := err.Error(); strings.Contains(msg, "not-a-nonce") || strings.Contains(msg, "urn:uuid") || !strings.Contains(msg, tt.part) {
			t.Errorf("%s: error %q: want it to name the part and not hold its value", tt.part, msg)
		}
	}
}

// FuzzLinkParse checks that tokens are canonical: a string that parses is
// exactly the token of the link it parses to.
func FuzzLinkParse(f *testing.F) {
	k, err := NewLinks(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		f.Fatal(err)
	}
	tok, err := k.Token(Link{Kind: LinkInvitation, OrgID: NewNonce(), ID: NewNonce(), Nonce: NewNonce()})
	if err != nil {
		f.Fatal(err)
	}
	// The token with its spare bits set, and with a newline, which
	// base64 decoders skip.
	spare := tok[:86] + string(linkAlphabet[strings.IndexByte(linkAlphabet, tok[86])|3])
	for _, seed := range []string{tok, spare, tok[:40] + "\n" + tok[40:86], "", "!!"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := k.Parse(s)
		if err != nil {
			return
		}
		again, err := k.Token(l)
		if err != nil || again != s {
			t.Fatalf("Parse(%q) = %+v, whose token is %q (%v)", s, l, again, err)
		}
	})
}
