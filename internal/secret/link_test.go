package secret

import (
	"bytes"
	"errors"
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
