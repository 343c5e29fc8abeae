package keys_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"maps"
	"testing"

	"github.com/tilgang/tilgang/internal/cpr"
	"github.com/tilgang/tilgang/internal/keys"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var (
	ctx   = context.Background()
	actor = tilgang.Actor{Name: "rotation test", Source: "admin"}
)

// rig is a table with two organisations and the key material of a
// deployment: the look-up key, which never changes, and the sealing ring.
type rig struct {
	st         *store.Store
	org, other *tilgang.Organisation
	lookup     []byte
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{st: testenv.Store(t)}
	var err error
	if r.lookup, err = cpr.LookupKey(testenv.CPRKey); err != nil {
		t.Fatal(err)
	}
	r.org = &tilgang.Organisation{Name: "Firma A/S", CVR: "11111111", IAL: 3, Language: "da"}
	r.other = &tilgang.Organisation{Name: "Firma B ApS", CVR: "22222222", IAL: 3, Language: "en"}
	for _, o := range []*tilgang.Organisation{r.org, r.other} {
		if _, err := tenants.New(r.st).Provision(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// service is the users service of a function holding ring (public: SCIM
// and the import; private: the admin API) and the look-up key.
func (r *rig) service(t *testing.T, ring *cpr.Ring) *users.Service {
	t.Helper()
	v, err := cpr.NewVaultWithKeys(r.lookup, ring)
	if err != nil {
		t.Fatal(err)
	}
	return users.New(r.st, v, nil, nil)
}

func (r *rig) create(t *testing.T, svc *users.Service, org *tilgang.Organisation, email, number string) (*tilgang.User, error) {
	t.Helper()
	u := &tilgang.User{FirstName: "Test", LastName: "Person", Email: email}
	c, err := svc.Create(ctx, actor, org, users.NewRequest{User: u, CPR: number})
	return c.User, err
}

func (r *rig) mustCreate(t *testing.T, svc *users.Service, org *tilgang.Organisation, email, number string) *tilgang.User {
	t.Helper()
	u, err := r.create(t, svc, org, email, number)
	if err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	return u
}

// sealV1 seals as the first version did, with a key derived from the
// master key (written out here, so that the test holds the code to the
// copies the old code made).
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

func count(t *testing.T, st *store.Store, org *tilgang.Organisation) map[string]int {
	t.Helper()
	c, err := keys.Count(ctx, st, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestKeyRotation is issue 15's acceptance: users created under key 1
// still show masked CPR numbers, stay unique and are found by CPR number
// after rotation to key 2 and the re-seal; a CPR number created under key
// 2 collides with the same number under key 1. Copies of the first
// format (v1, master-derived) go through the same rotation.
func TestKeyRotation(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ring1, err := cpr.DeriveRing(testenv.CPRKey) // key "local-1", and the v1 legacy key
	if err != nil {
		t.Fatal(err)
	}
	sealer1, admin1 := r.service(t, ring1.Public()), r.service(t, ring1)

	// Key 1: four users of org, one in the other organisation; one copy
	// is made v1, as the code before key ids stored it.
	numbers := []string{"0101901234", "0201901234", "0301901234", "0401901234"}
	var old []*tilgang.User
	for i, n := range numbers {
		old = append(old, r.mustCreate(t, sealer1, r.org, string(rune('a'+i))+"@example.dk", n))
	}
	otherUser := r.mustCreate(t, sealer1, r.other, "b@example.dk", numbers[0])
	v1 := old[3]
	n3, _ := cpr.Parse(numbers[3])
	if err := r.st.ReplaceSealedCPR(ctx, v1, sealV1(t, testenv.CPRKey, n3, cpr.UserAAD(v1.OrgID, v1.ID))); err != nil {
		t.Fatal(err)
	}
	if got, want := count(t, r.st, r.org), map[string]int{"local-1": 3, cpr.LegacyKeyID: 1}; !maps.Equal(got, want) {
		t.Fatalf("counts under key 1 = %v, want %v", got, want)
	}

	// Rotate to key 2: the private ring keeps key 1, sealers get key 2.
	ring2, pub2, err := keys.Rotate(ring1, "k2")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := keys.Rotate(pub2, "k3"); err == nil {
		t.Error("a public ring was rotated")
	}
	sealer2, admin2 := r.service(t, pub2), r.service(t, ring2)

	// A CPR number created under key 2 collides with the same under key 1.
	if _, err := r.create(t, sealer2, r.org, "dup@example.dk", numbers[0]); !errors.Is(err, tilgang.ErrCPRTaken) {
		t.Fatalf("creating a CPR number of key 1 under key 2: %v, want ErrCPRTaken", err)
	}
	fresh := r.mustCreate(t, sealer2, r.org, "fresh@example.dk", "0501901234")
	if _, err := r.create(t, sealer1, r.org, "dup2@example.dk", "0501901234"); !errors.Is(err, tilgang.ErrCPRTaken) {
		t.Fatalf("creating a CPR number of key 2 under key 1: %v, want ErrCPRTaken", err)
	}
	// The admin function of key 1 (not yet restarted) cannot open key 2's
	// copy; the one of key 2 opens all.
	if _, err := admin1.MaskedCPR(fresh); err == nil {
		t.Error("the ring of key 1 opened a copy of key 2")
	}
	for _, u := range append(old, fresh) {
		stored, err := admin2.Get(ctx, r.org, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if m, err := admin2.MaskedCPR(stored); err != nil || len(m) != 11 {
			t.Errorf("before the re-seal, key 2's ring shows %q, %v for a copy of %s", m, err, cpr.KeyID(stored.CPR.Sealed))
		}
	}

	// Retiring key 1 is refused while copies name it.
	total := keys.Total(count(t, r.st, r.org), count(t, r.st, r.other))
	if _, _, err := keys.Retire(ring2, "local-1", total); !errors.Is(err, keys.ErrKeyInUse) {
		t.Fatalf("Retire before the re-seal: %v, want ErrKeyInUse", err)
	}

	// Re-seal in steps of two users, resuming from the cursor.
	rs, err := keys.NewResealer(r.st, ring2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keys.NewResealer(r.st, pub2); err == nil {
		t.Error("a Resealer was built on a public ring")
	}
	rs.PageSize = 2
	var sum keys.Progress
	cursor, steps := "", 0
	for {
		p, err := rs.Reseal(ctx, r.org.ID, cursor, 1)
		if err != nil {
			t.Fatal(err)
		}
		sum.Examined, sum.Current, sum.Resealed = sum.Examined+p.Examined, sum.Current+p.Current, sum.Resealed+p.Resealed
		if p.Left() != 0 || len(p.Unreadable) != 0 {
			t.Fatalf("re-seal left %+v", p)
		}
		steps++
		if p.Done() {
			break
		}
		cursor = p.Cursor
	}
	if sum.Examined != 5 || sum.Resealed != 4 || sum.Current != 1 || steps < 3 {
		t.Errorf("re-seal: %+v in %d steps; want 5 examined, 4 re-sealed, 1 current, in 3 steps", sum, steps)
	}
	if got, want := count(t, r.st, r.org), map[string]int{"k2": 5}; !maps.Equal(got, want) {
		t.Errorf("counts after the re-seal = %v, want %v", got, want)
	}
	// The other organisation is walked on its own.
	if got := count(t, r.st, r.other); got["local-1"] != 1 {
		t.Errorf("the other organisation's counts = %v; its walk has not run", got)
	}
	if p, err := rs.Reseal(ctx, r.other.ID, "", 0); err != nil || p.Resealed != 1 || !p.Done() {
		t.Fatalf("re-seal of the other organisation: %+v, %v", p, err)
	}
	// Idempotent: a second walk seals nothing.
	if p, err := rs.Reseal(ctx, r.org.ID, "", 0); err != nil || p.Resealed != 0 || p.Current != 5 {
		t.Errorf("second re-seal: %+v, %v; want nothing to do", p, err)
	}

	// Retire key 1 and the legacy key: only key 2 remains.
	total = keys.Total(count(t, r.st, r.org), count(t, r.st, r.other))
	ring3, _, err := keys.Retire(ring2, "local-1", total)
	if err != nil {
		t.Fatal(err)
	}
	ring3, pub3, err := keys.Retire(ring3, cpr.LegacyKeyID, total)
	if err != nil {
		t.Fatal(err)
	}
	if ids := ring3.IDs(); len(ids) != 1 || ids[0] != "k2" || pub3.CanOpen() {
		t.Fatalf("ring after retiring = %v (public %v)", ring3, pub3)
	}
	admin3, sealer3 := r.service(t, ring3), r.service(t, pub3)

	// Users of key 1: masked CPR shown, found by CPR, still unique.
	for i, u := range append(old, otherUser) {
		org, n := r.org, numbers[min(i, len(numbers)-1)]
		if u == otherUser {
			org, n = r.other, numbers[0]
		}
		if i < len(old) {
			n = numbers[i]
		}
		stored, err := admin3.Get(ctx, org, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if m, err := admin3.MaskedCPR(stored); err != nil || m != n[:6]+"-****" {
			t.Errorf("user %d: MaskedCPR = %q, %v", i, m, err)
		}
		num, _ := cpr.Parse(n)
		if found, err := admin3.ByCPR(ctx, org, num); err != nil || found.ID != u.ID {
			t.Errorf("user %d: ByCPR = %v, %v", i, found, err)
		}
		if found, err := sealer3.ByCPR(ctx, org, num); err != nil || found.ID != u.ID {
			t.Errorf("user %d: ByCPR through a sealer = %v, %v", i, found, err)
		}
		if _, err := r.create(t, sealer3, org, "again@example.dk", n); !errors.Is(err, tilgang.ErrCPRTaken) {
			t.Errorf("user %d: the CPR number is no longer unique: %v", i, err)
		}
		// The sealer stores but never opens.
		if _, err := sealer3.MaskedCPR(stored); !errors.Is(err, cpr.ErrNoKey) {
			t.Errorf("user %d: a sealer opened the copy: %v", i, err)
		}
	}
}

// TestResealNeverOverwritesAChange: the re-seal's write is conditional on
// the user it read; a user changed in between keeps the change, and the
// walk reads it again.
func TestResealNeverOverwritesAChange(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ring1, err := cpr.NewRing("k1")
	if err != nil {
		t.Fatal(err)
	}
	svc := r.service(t, ring1)
	u := r.mustCreate(t, svc, r.org, "a@example.dk", "0101901234")
	read, err := svc.Get(ctx, r.org, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	changed := *read
	changed.Phone = "+4512345678"
	if err := svc.Update(ctx, actor, r.org, read, &changed, users.AdminProfile); err != nil {
		t.Fatal(err)
	}
	ring2, _, err := keys.Rotate(ring1, "k2")
	if err != nil {
		t.Fatal(err)
	}
	v2, _ := cpr.NewVaultWithKeys(nil, ring2)
	n, _ := cpr.Parse("0101901234")
	sealed, err := v2.Seal(n, cpr.UserAAD(u.OrgID, u.ID))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.st.ReplaceSealedCPR(ctx, read, sealed); !errors.Is(err, tilgang.ErrStale) {
		t.Fatalf("ReplaceSealedCPR on a stale read: %v, want ErrStale", err)
	}
	now, err := svc.Get(ctx, r.org, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if now.Phone != "+4512345678" || cpr.KeyID(now.CPR.Sealed) != "k1" || now.Version != changed.Version {
		t.Errorf("after the refused write: phone %q, key %s, version %d", now.Phone, cpr.KeyID(now.CPR.Sealed), now.Version)
	}
	// The walk itself reads the current record and re-seals it, keeping
	// the change and the version (an identity provider's ETag).
	rs, err := keys.NewResealer(r.st, ring2)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := rs.Reseal(ctx, r.org.ID, "", 0); err != nil || p.Resealed != 1 {
		t.Fatalf("Reseal = %+v, %v", p, err)
	}
	after, err := r.service(t, ring2).Get(ctx, r.org, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Phone != now.Phone || after.Version != now.Version || cpr.KeyID(after.CPR.Sealed) != "k2" || after.CPR.Lookup != now.CPR.Lookup {
		t.Errorf("after the re-seal: phone %q, version %d (was %d), key %s, look-up changed %v",
			after.Phone, after.Version, now.Version, cpr.KeyID(after.CPR.Sealed), after.CPR.Lookup != now.CPR.Lookup)
	}
}

// TestRetireRefusesWhileUnsure: a key is retired only when the counts show
// no copy under it and no record that could not be read.
func TestRetireRefusesWhileUnsure(t *testing.T) {
	t.Parallel()
	r1, err := cpr.NewRing("k1")
	if err != nil {
		t.Fatal(err)
	}
	r2, _, err := keys.Rotate(r1, "k2")
	if err != nil {
		t.Fatal(err)
	}
	for _, counts := range []map[string]int{{"k1": 1}, {"k2": 3, keys.Unreadable: 1}} {
		if _, _, err := keys.Retire(r2, "k1", counts); !errors.Is(err, keys.ErrKeyInUse) {
			t.Errorf("Retire with counts %v: %v, want ErrKeyInUse", counts, err)
		}
	}
	if _, _, err := keys.Retire(r2, "k2", map[string]int{}); err == nil {
		t.Error("the current key was retired")
	}
	priv, pub, err := keys.Retire(r2, "k1", map[string]int{"k2": 3})
	if err != nil || len(priv.IDs()) != 1 || len(pub.IDs()) != 1 || pub.CanOpen() {
		t.Errorf("Retire = %v, %v, %v", priv, pub, err)
	}
}
