package keys

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/tilgang/tilgang/internal/cpr"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// Rotation of the CPR sealing keys (SPEC §13 Keys). The look-up key never
// rotates, so a user stays findable and unique by CPR number throughout;
// only the sealed copies change. The operator command's verbs call:
//
//   - tilgang keys status: Count for each organisation (ids of the keys
//     the copies name, LegacyKeyID for first-format copies), with the
//     ring's ids and current key from the private ring's secret.
//   - tilgang keys rotate --id <new id>: Rotate on the private ring read
//     from its secret; store the private ring (PutSecretValue on
//     CPR_SEAL_KEYS_SECRET's secret) before the public ring (on
//     CPR_SEAL_PUBLIC_SECRET's), so that the admin function can open
//     every copy sealed to the new key; then make every function that
//     reads either secret start afresh (lambda UpdateFunctionConfiguration,
//     and wait for LastUpdateStatus Successful), since functions read the
//     secrets at cold start. Until then warm functions still seal to the
//     old key, which stays readable.
//   - tilgang keys reseal [--org <id>] [--from <cursor>]: Resealer.Reseal
//     for each organisation, page after page until Progress.Done, printing
//     the progress (and the cursor, to resume). Run it after rotate has
//     restarted the functions. It is idempotent: copies already under the
//     current key are left alone, so it may be run again at any time.
//   - tilgang keys retire --id <old id>: Count across all organisations;
//     Retire refuses while any copy names the key. Store the private ring,
//     then the public ring. Keep a backup of the old ring (README) until
//     the point-in-time-recovery window has passed: a restored table holds
//     copies under it.

// Rotate returns the private ring with a fresh key, newID, made current,
// and its public half: the new contents of the two ring secrets. The old
// keys stay, so that every stored copy opens until the re-seal is done.
func Rotate(private *cpr.Ring, newID string) (priv, pub *cpr.Ring, err error) {
	if !private.CanOpen() {
		return nil, nil, errors.New("keys: rotate the private ring (CPR_SEAL_KEYS_SECRET), not the public one")
	}
	priv, err = private.WithNewKey(newID)
	if err != nil {
		return nil, nil, fmt.Errorf("keys: rotate: %w", err)
	}
	return priv, priv.Public(), nil
}

// ErrKeyInUse is Retire's answer while stored copies still name the key.
var ErrKeyInUse = errors.New("keys: stored CPR copies still name the key; run the re-seal first")

// Retire returns the private ring without key id and its public half, if
// counts (Count over every organisation, added up) show that no stored copy
// names id; else ErrKeyInUse. The current key is never retired.
//
// User records that do not decode (Unreadable in counts) may hold copies
// under id, so they too refuse: the operator repairs them, or deliberately
// drops them from counts. Count reads the users' index, which lags the
// table by well under a second: run it after rotate has restarted every
// function (so that nothing seals to id any more) and after a re-seal walk.
func Retire(private *cpr.Ring, id string, counts map[string]int) (priv, pub *cpr.Ring, err error) {
	if n := counts[id]; n > 0 {
		return nil, nil, fmt.Errorf("%w (%d copies name %s)", ErrKeyInUse, n, id)
	}
	if n := counts[Unreadable]; n > 0 {
		return nil, nil, fmt.Errorf("%w: %d user records do not decode and may hold copies under %s", ErrKeyInUse, n, id)
	}
	priv, err = private.Without(id)
	if err != nil {
		return nil, nil, fmt.Errorf("keys: retire: %w", err)
	}
	return priv, priv.Public(), nil
}

// Unreadable is Count's entry for user records that do not decode. The
// parentheses make it no valid key id.
const Unreadable = "(unreadable)"

// Count returns how many of orgID's stored CPR copies name each key id
// (cpr.LegacyKeyID for first-format copies). It needs no key. Unreadable
// user records are counted under Unreadable.
func Count(ctx context.Context, st *store.Store, orgID string) (map[string]int, error) {
	counts := map[string]int{}
	err := walk(ctx, st, orgID, "", 0, 0, func(page tilgang.UserPage) error {
		for _, u := range page.Users {
			if !u.CPR.IsZero() {
				counts[cpr.KeyID(u.CPR.Sealed)]++
			}
		}
		counts[Unreadable] += len(page.Unreadable)
		return nil
	})
	if counts[Unreadable] == 0 {
		delete(counts, Unreadable)
	}
	return counts, err
}

// Resealer seals stored CPR copies again to the current key of a private
// ring. Build it with NewResealer.
type Resealer struct {
	// PageSize is how many users one page reads; 0 means
	// tilgang.MaxPageSize. A small one makes small steps to resume from.
	PageSize int
	st       *store.Store
	vault    *cpr.Vault
}

// NewResealer returns a Resealer over st with the private ring.
func NewResealer(st *store.Store, private *cpr.Ring) (*Resealer, error) {
	if !private.CanOpen() {
		return nil, errors.New("keys: re-sealing needs the private ring (CPR_SEAL_KEYS_SECRET)")
	}
	v, err := cpr.NewVaultWithKeys(nil, private)
	if err != nil {
		return nil, err
	}
	return &Resealer{st: st, vault: v}, nil
}

// Progress is what one call of Reseal did, and where to go on from.
type Progress struct {
	// Cursor resumes the walk at the next page; "" once the organisation
	// is done (Done).
	Cursor string `json:"cursor,omitempty"`
	// Examined users with a CPR copy; Current of them were already under
	// the current key; Resealed were sealed to it now.
	Examined int `json:"examined"`
	Current  int `json:"current"`
	Resealed int `json:"resealed"`
	// Changed users changed under the walk more often than it retried;
	// their copies are left as they were, for the next walk.
	Changed []string `json:"changed,omitempty"`
	// Unopenable copies open with no key of the ring (damaged, or under a
	// key already removed), by user id. They are logged nowhere else.
	Unopenable []string `json:"unopenable,omitempty"`
	// Unreadable user records (SPEC §14), by id.
	Unreadable []string `json:"unreadable,omitempty"`
}

// Done reports whether the walk reached the organisation's last user.
func (p Progress) Done() bool { return p.Cursor == "" }

// Left reports how many copies this call left under an old key.
func (p Progress) Left() int { return len(p.Changed) + len(p.Unopenable) }

// retries is how often Reseal reads a user again that changed under it.
const retries = 3

// Reseal walks orgID's users from cursor ("" for the first) for at most
// pages pages of tilgang.MaxPageSize (0: to the end), and seals every copy
// that does not name the ring's current key again to it: it opens the
// copy with the key the copy names and writes the new copy only if the
// user is unchanged (store.ReplaceSealedCPR); a user that changed is read
// again. The look-up hash is not touched. Safe to run concurrently with
// traffic and with itself, and to repeat. On an error, Progress.Cursor is
// where to resume.
func (r *Resealer) Reseal(ctx context.Context, orgID, cursor string, pages int) (Progress, error) {
	p := Progress{Cursor: cursor} // where to resume if the first page fails
	current := r.vault.CurrentKey()
	err := walk(ctx, r.st, orgID, cursor, pages, r.PageSize, func(page tilgang.UserPage) error {
		p.Unreadable = append(p.Unreadable, page.Unreadable...)
		for _, u := range page.Users {
			if u.CPR.IsZero() {
				continue
			}
			p.Examined++
			if cpr.KeyID(u.CPR.Sealed) == current {
				p.Current++
				continue
			}
			done, err := r.resealUser(ctx, u, current)
			switch {
			case errors.Is(err, cpr.ErrOpen):
				p.Unopenable = append(p.Unopenable, u.ID)
			case err != nil:
				return err
			case done:
				p.Resealed++
			case !done:
				p.Changed = append(p.Changed, u.ID)
			}
		}
		p.Cursor = page.NextCursor
		return nil
	})
	return p, err
}

// resealUser re-seals u's copy, reading u again when it changed under it.
// It reports false if u kept changing, or is now under the current key by
// someone else's hand (then true), or gone (true: nothing to do).
func (r *Resealer) resealUser(ctx context.Context, u *tilgang.User, current string) (bool, error) {
	for range retries {
		aad := cpr.UserAAD(u.OrgID, u.ID)
		n, err := r.vault.Open(u.CPR.Sealed, aad)
		if err != nil {
			return false, err
		}
		sealed, err := r.vault.Seal(n, aad)
		if err != nil {
			return false, err
		}
		err = r.st.ReplaceSealedCPR(ctx, u, sealed)
		if !errors.Is(err, tilgang.ErrStale) {
			return err == nil, err
		}
		u, err = r.st.User(ctx, u.OrgID, u.ID)
		if errors.Is(err, tilgang.ErrUserNotFound) {
			return true, nil
		}
		if err != nil {
			return false, err
		}
		if u.CPR.IsZero() || cpr.KeyID(u.CPR.Sealed) == current {
			return true, nil
		}
	}
	return false, nil
}

// walk calls fn for each page of size users (0: tilgang.MaxPageSize) of
// orgID's users from cursor, at most pages pages (0: all).
func walk(ctx context.Context, st *store.Store, orgID, cursor string, pages, size int, fn func(tilgang.UserPage) error) error {
	if size <= 0 {
		size = tilgang.MaxPageSize
	}
	for i := 0; pages == 0 || i < pages; i++ {
		page, err := st.Users(ctx, orgID, tilgang.UserQuery{Limit: size, Cursor: cursor})
		if err != nil {
			return fmt.Errorf("keys: users of organisation %s: %w", orgID, err)
		}
		if err := fn(page); err != nil {
			return err
		}
		if cursor = page.NextCursor; cursor == "" {
			return nil
		}
	}
	return nil
}

// Total adds up counts of several organisations.
func Total(counts ...map[string]int) map[string]int {
	out := map[string]int{}
	for _, c := range counts {
		for _, id := range slices.Sorted(maps.Keys(c)) {
			out[id] += c[id]
		}
	}
	return out
}
