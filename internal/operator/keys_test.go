package operator_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/tilgang/tilgang/internal/cpr"
	"github.com/tilgang/tilgang/internal/operator"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// sealV1 seals as the first version did, with a key derived from the
// master key (written out, so that the test holds the code to the copies
// the old code made).
func sealV1(t *testing.T, master []byte, n cpr.Number, aad []byte) []byte {
	t.Helper()
	key, err := hkdf.Key(sha256.New, master, nil, "tilgang cpr seal v1", 32)
	if err != nil {
		t.Fatal(err)
	}
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

type keysStatus struct {
	Current       string
	Ring          []string
	Copies        map[string]int
	Organisations []struct {
		OrgID  string
		Copies map[string]int
	}
}

type resealed struct {
	OrgID                           string
	Cursor                          string
	Examined, Current, Resealed     int
	Changed, Unopenable, Unreadable []string
}

// TestKeysStatusAndReseal: against make dev (keys from its master key,
// keys.FromMaster), keys status counts the copies under each key id, and
// keys reseal moves the first-format copies to the current key, after
// which every copy still opens; a second re-seal has nothing to do.
func TestKeysStatusAndReseal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := newProduct(t)
	orgID := p.createOrg("--name", "Nøgler ApS")
	emptyID := p.createOrg("--name", "Tom ApS")
	org, err := p.app.Tenants.Organisation(ctx, orgID)
	if err != nil {
		t.Fatal(err)
	}
	var created []*tilgang.User
	for i := range 3 {
		c, err := p.app.Users.Create(ctx, tilgang.Actor{Name: "test", Source: "admin"}, org, users.NewRequest{
			User: &tilgang.User{FirstName: "Anna", LastName: "Hansen", Email: fmt.Sprintf("anna%d@noegler.example", i)},
			CPR:  fmt.Sprintf("0%d01901234", i+1),
		})
		if err != nil {
			t.Fatal(err)
		}
		created = append(created, c.User)
	}
	// Two copies as the code before key ids stored them.
	for _, u := range created[:2] {
		n, _ := cpr.Parse(fmt.Sprintf("0%d01901234", slices.Index(created, u)+1))
		if err := p.app.Store.ReplaceSealedCPR(ctx, u, sealV1(t, testenv.CPRKey, n, cpr.UserAAD(u.OrgID, u.ID))); err != nil {
			t.Fatal(err)
		}
	}

	var st keysStatus
	p.json(&st, "keys", "status")
	if st.Current != "local-1" || !slices.Equal(st.Ring, []string{cpr.LegacyKeyID, "local-1"}) ||
		!maps.Equal(st.Copies, map[string]int{"local-1": 1, cpr.LegacyKeyID: 2}) || len(st.Organisations) != 2 {
		t.Fatalf("keys status before the re-seal: %+v", st)
	}
	text, err := p.tilgang("keys", "status", "--org", emptyID)
	if err != nil || !strings.Contains(text, "local-1 (current)") || !strings.Contains(text, "no CPR copies") {
		t.Fatalf("keys status --org (text): %v\n%s", err, text)
	}

	var out []resealed
	p.json(&out, "keys", "reseal", "--org", orgID)
	if len(out) != 1 || out[0].OrgID != orgID || out[0].Examined != 3 || out[0].Current != 1 || out[0].Resealed != 2 || out[0].Cursor != "" {
		t.Fatalf("keys reseal: %+v", out)
	}
	st = keysStatus{}
	p.json(&st, "keys", "status", "--org", orgID)
	if !maps.Equal(st.Copies, map[string]int{"local-1": 3}) {
		t.Fatalf("keys status after the re-seal: %+v", st)
	}
	for _, u := range created {
		stored, err := p.app.Users.Get(ctx, org, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if m, err := p.app.Users.MaskedCPR(stored); err != nil || len(m) != 11 {
			t.Errorf("after the re-seal, user %s shows %q, %v", u.ID, m, err)
		}
	}
	text, err = p.tilgang("keys", "reseal")
	if err != nil || !strings.Contains(text, "3 copies, 3 already current, 0 re-sealed") {
		t.Fatalf("second keys reseal: %v\n%s", err, text)
	}
	if _, err := p.tilgang("keys", "rotate", "--id", "2027-06"); operator.ExitCode(err) != 2 || !strings.Contains(err.Error(), "CPR_KEY") {
		t.Errorf("keys rotate --local: %v", err)
	}
}
