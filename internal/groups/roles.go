package groups

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// The roles of groupRoles (SPEC §5): membership of a mapped group gives
// its roles, leaving it takes them, each as a normal user update through
// the users service with its history entry. The store reports which ids a
// change added or removed; those are the users acted on. Granting and
// revoking are idempotent (a user that has the role, or lacks it, is not
// written), so acting twice on one id, as concurrent requests may, is
// acting once.

// parallel bounds how many users are updated at once for one request.
const parallel = 8

// grant gives the users ids, new members of g, the roles groupRoles map g
// to. A role the licence or the rules refuse is recorded on the user and
// logged, never an error: the membership holds (SPEC §5).
func (s *Service) grant(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, g *tilgang.Group, ids []string) error {
	roles := org.RolesOfGroup(g.ID, g.DisplayName)
	if len(roles) == 0 || len(ids) == 0 {
		return nil
	}
	return each(ctx, ids, func(ctx context.Context, id string) error {
		return s.grantTo(ctx, actor, org, g, id, roles)
	})
}

func (s *Service) grantTo(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, g *tilgang.Group, userID string, roles []tilgang.Role) error {
	err := s.users.GrantRoles(ctx, actor, org, userID, roles)
	switch {
	case err == nil, errors.Is(err, tilgang.ErrUserNotFound): // deleted meanwhile: nothing to give
		return nil
	case !errors.Is(err, tilgang.ErrMaxAdmins) && !errors.Is(err, tilgang.ErrAnonymousAdmin):
		return err
	}
	// Only an admin role can be refused: give the others alone.
	var code string
	var te *tilgang.Error
	if errors.As(err, &te) {
		code = te.Code
	}
	rest := slices.DeleteFunc(slices.Clone(roles), tilgang.Role.IsAdmin)
	if len(rest) > 0 {
		if err := s.users.GrantRoles(ctx, actor, org, userID, rest); err != nil && !errors.Is(err, tilgang.ErrUserNotFound) {
			return err
		}
	}
	s.log.WarnContext(ctx, "groups: a role that group membership gives was refused; the membership holds",
		slog.String("org", org.ID), slog.String("group", g.ID), slog.String("user", userID), slog.String("reason", code))
	if err := s.users.RecordRoleRefused(ctx, actor, org, userID); err != nil {
		return err
	}
	return nil
}

// revoke takes from the users ids, who left g, the roles groupRoles map g
// to, but those that another group each is still in gives. The other
// groups are read from an index that may still show g for a moment after
// the change; g itself is left out by id.
func (s *Service) revoke(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, g *tilgang.Group, ids []string) error {
	roles := org.RolesOfGroup(g.ID, g.DisplayName)
	if len(roles) == 0 || len(ids) == 0 {
		return nil
	}
	return each(ctx, ids, func(ctx context.Context, id string) error {
		refs, err := s.store.GroupsOfUser(ctx, org.ID, id)
		if err != nil {
			return err
		}
		var kept []tilgang.Role
		for _, ref := range refs {
			if ref.ID != g.ID {
				kept = append(kept, org.RolesOfGroup(ref.ID, ref.DisplayName)...)
			}
		}
		take := slices.DeleteFunc(slices.Clone(roles), func(r tilgang.Role) bool { return slices.Contains(kept, r) })
		if len(take) == 0 {
			return nil
		}
		err = s.users.RevokeRoles(ctx, actor, org, id, take)
		if errors.Is(err, tilgang.ErrUserNotFound) {
			return nil // deleted: it has no roles left to take
		}
		return err
	})
}

// each runs fn for every id, at most parallel at once, and returns the
// errors joined. It runs fn for all ids even after an error, so that one
// failing user does not keep the others from their roles.
func each(ctx context.Context, ids []string, fn func(context.Context, string) error) error {
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
		sem  = make(chan struct{}, parallel)
	)
	for _, id := range ids {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(ctx, id); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
