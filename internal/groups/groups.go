// Package groups is the application logic of SCIM groups (SPEC §5): the
// rules of a group's fields applied on top of the store, and the roles
// that membership gives through the organisation's groupRoles. The SCIM
// layer calls it.
package groups

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// Service creates, changes and reads groups. Build it with New.
type Service struct {
	store *store.Store
	users *users.Service
	log   *slog.Logger
}

// New returns a service over st that grants and revokes the roles of
// groupRoles through u.
func New(st *store.Store, u *users.Service, opts ...Option) *Service {
	s := &Service{store: st, users: u, log: slog.Default()}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Option configures a Service.
type Option func(*Service)

// WithLogger makes the service log to log instead of slog.Default().
func WithLogger(log *slog.Logger) Option { return func(s *Service) { s.log = log } }

// MaxLength is how many characters a group's displayName and externalId
// may hold.
const MaxLength = 256

// Create validates g and stores it as a new group of org, with members,
// ids of org's users, as its first members; the id, times and version are
// set here. Every member gets the roles that groupRoles map the group to
// (see Update).
//
// Errors: *tilgang.Error values of Kind KindInvalid for displayName and
// externalId (joined, all at once); tilgang.ErrGroupNameTaken,
// tilgang.ErrGroupExternalIDTaken, tilgang.ErrUnknownMember. An error in
// granting roles (not a refusal) comes after the group is stored: then the
// group exists with all its members.
func (s *Service) Create(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, g *tilgang.Group, members []string) error {
	g.ID, g.OrgID = uuid.NewString(), org.ID
	if err := check(g); err != nil {
		return err
	}
	if err := s.store.CreateGroup(ctx, g, members); err != nil {
		return err
	}
	return s.grant(ctx, actor, org, g, distinct(members))
}

// Get reads one group of org, without its members. An id that is no UUID
// names no group.
func (s *Service) Get(ctx context.Context, org *tilgang.Organisation, id string) (*tilgang.Group, error) {
	parsed, err := uuid.Parse(id)
	if err != nil {
		return nil, tilgang.ErrGroupNotFound
	}
	return s.store.Group(ctx, org.ID, parsed.String())
}

// ByDisplayName finds org's group by displayName, compared as
// tilgang.FoldName folds, with key look-ups.
func (s *Service) ByDisplayName(ctx context.Context, org *tilgang.Organisation, displayName string) (*tilgang.Group, error) {
	if utf8.RuneCountInString(strings.TrimSpace(displayName)) > MaxLength {
		return nil, tilgang.ErrGroupNotFound // no stored name is that long
	}
	return s.store.GroupByDisplayName(ctx, org.ID, displayName)
}

// ByExternalID finds org's group by externalId with key look-ups.
func (s *Service) ByExternalID(ctx context.Context, org *tilgang.Organisation, externalID string) (*tilgang.Group, error) {
	if utf8.RuneCountInString(externalID) > MaxLength {
		return nil, tilgang.ErrGroupNotFound
	}
	return s.store.GroupByExternalID(ctx, org.ID, externalID)
}

// Update stores g's displayName and externalId in place of old's (no write
// when neither changed) and changes the members as m says. Afterwards g
// holds the group as stored, its Version and UpdatedAt including the moves
// that member changes make, for the SCIM layer's ETag.
//
// The rename is conditional on old's version. A version that moved only
// because members changed meanwhile (membership changes move it too, and
// commute) is no conflict: the group is read again and, if its
// displayName and externalId are still old's, the rename is made on it.
// Otherwise it fails with tilgang.ErrStale.
//
// Members are added before they are removed: AddMembers refuses unknown
// ids before writing anything, so such a request changes no member (a
// rename in the same request is stored already). An id both added and
// removed ends removed: the caller should net PATCH operations first.
//
// The members that the change added get the roles groupRoles map the
// group (as renamed) to; those it removed lose them, unless another group
// they are still in gives the same role. A role that the licence refuses
// (maxAdmins) is no error: the membership holds and the refusal is in the
// user's history (users.ActionRoleRefused).
//
// Limitations, known: a rename that changes which groupRoles name the
// group, and a change of the organisation's groupRoles, do not re-evaluate
// the existing members (only members added or removed afterwards get or
// lose roles). A revoke takes the role however the user got it, also when
// an administrator had given it by hand. A role is granted to the members
// this change reports as added (store.AddMembers): when granting fails
// with an error other than a refusal, the request fails, and the identity
// provider's retry does not grant it again (the members are no longer
// new).
//
// Errors: the Kind KindInvalid errors of Create; tilgang.ErrGroupNotFound
// (also for a group of another organisation); tilgang.ErrStale;
// tilgang.ErrGroupNameTaken, tilgang.ErrGroupExternalIDTaken,
// tilgang.ErrUnknownMember.
func (s *Service) Update(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, old, g *tilgang.Group, m tilgang.MemberChange) error {
	if old.OrgID != org.ID || (g.OrgID != "" && g.OrgID != org.ID) {
		return tilgang.ErrGroupNotFound
	}
	g.ID, g.OrgID = old.ID, old.OrgID
	if err := check(g); err != nil {
		return err
	}
	if sameNames(g, old) {
		g.Version, g.CreatedAt, g.UpdatedAt = old.Version, old.CreatedAt, old.UpdatedAt
	} else if err := s.rename(ctx, old, g); err != nil {
		return err
	}
	if m.IsZero() {
		return nil
	}
	var added, removed []string
	var err error
	if m.Replace {
		added, removed, err = s.store.ReplaceMembers(ctx, g, m.Members)
	} else {
		if added, err = s.store.AddMembers(ctx, g, m.Add); err == nil {
			removed, err = s.store.RemoveMembers(ctx, g, m.Remove)
		}
	}
	if err != nil {
		return err
	}
	return errors.Join(s.grant(ctx, actor, org, g, added), s.revoke(ctx, actor, org, g, removed))
}

// rename replaces old with g, retrying on a version moved by member changes
// only (see Update).
func (s *Service) rename(ctx context.Context, old, g *tilgang.Group) error {
	want := *g
	cur := old
	renamed := false // by someone else: a conflict that no retry resolves
	_, err := tilgang.RetryStale(ctx, func() (struct{}, error) {
		if cur == nil {
			stored, err := s.store.Group(ctx, old.OrgID, old.ID)
			if err != nil {
				return struct{}{}, err
			}
			if renamed = !sameNames(stored, old); renamed {
				return struct{}{}, nil
			}
			cur = stored
		}
		*g = want
		err := s.store.ReplaceGroup(ctx, cur, g)
		cur = nil // a retry reads the group again
		return struct{}{}, err
	})
	if err == nil && renamed {
		err = tilgang.ErrStale
	}
	return err
}

// sameNames reports whether a and b have the same displayName and
// externalId: whether a version between them moved by member changes only.
func sameNames(a, b *tilgang.Group) bool {
	return a.DisplayName == b.DisplayName && a.ExternalID == b.ExternalID
}

// Delete deletes g, with its memberships, and takes from its members the
// roles groupRoles map it to, unless another group they are still in
// gives the same role. A member added while the group is deleted moves
// its version; the delete then reads the group again and removes that
// member too.
//
// Errors: tilgang.ErrGroupNotFound (also for a group of another
// organisation), tilgang.ErrStale (renamed meanwhile).
func (s *Service) Delete(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, g *tilgang.Group) error {
	if g.OrgID != org.ID {
		return tilgang.ErrGroupNotFound
	}
	mapped := len(org.RolesOfGroup(g.ID, g.DisplayName)) > 0
	members := map[string]bool{}
	cur := g
	renamed := false // by someone else: a conflict that no retry resolves
	_, err := tilgang.RetryStale(ctx, func() (struct{}, error) {
		if cur == nil {
			stored, err := s.store.Group(ctx, g.OrgID, g.ID)
			if err != nil {
				return struct{}{}, err
			}
			if renamed = !sameNames(stored, g); renamed {
				return struct{}{}, nil
			}
			cur = stored
		}
		if mapped {
			if err := s.eachMember(ctx, cur, func(id string) { members[id] = true }); err != nil {
				return struct{}{}, err
			}
		}
		err := s.store.DeleteGroup(ctx, cur)
		cur = nil
		return struct{}{}, err
	})
	if err == nil && renamed {
		err = tilgang.ErrStale
	}
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(members))
	for id := range members {
		ids = append(ids, id)
	}
	return s.revoke(ctx, actor, org, g, ids)
}

// eachMember hands every member of g to fn, a page at a time.
func (s *Service) eachMember(ctx context.Context, g *tilgang.Group, fn func(string)) error {
	cursor := ""
	for {
		page, err := s.store.Members(ctx, g, tilgang.MaxPageSize, cursor)
		if err != nil {
			return err
		}
		for _, id := range page.UserIDs {
			fn(id)
		}
		if page.NextCursor == "" {
			return nil
		}
		cursor = page.NextCursor
	}
}

// Page lists a page of org's groups in displayName order, without members.
// A group whose stored record could not be read is named in the page's
// Unreadable and logged by id, and the rest of the page answers (SPEC §14).
func (s *Service) Page(ctx context.Context, org *tilgang.Organisation, cursor string, limit int) (tilgang.GroupPage, error) {
	page, err := s.store.Groups(ctx, org.ID, limit, cursor)
	for _, id := range page.Unreadable {
		s.log.WarnContext(ctx, "group unreadable", slog.String("orgId", org.ID), slog.String("groupId", id))
	}
	return page, err
}

// Count counts org's groups.
func (s *Service) Count(ctx context.Context, org *tilgang.Organisation) (int, error) {
	return s.store.CountGroups(ctx, org.ID)
}

// Members lists a page of g's members in user id order.
func (s *Service) Members(ctx context.Context, org *tilgang.Organisation, g *tilgang.Group, cursor string, limit int) (tilgang.MemberPage, error) {
	if g.OrgID != org.ID {
		return tilgang.MemberPage{}, tilgang.ErrGroupNotFound
	}
	return s.store.Members(ctx, g, limit, cursor)
}

// HasMembers returns those of userIDs that are members of g, in the order
// given, however large the group.
func (s *Service) HasMembers(ctx context.Context, org *tilgang.Organisation, g *tilgang.Group, userIDs []string) ([]string, error) {
	if g.OrgID != org.ID {
		return nil, tilgang.ErrGroupNotFound
	}
	return s.store.HasMembers(ctx, g, userIDs)
}

// OfUser returns the groups org's user userID is in: its read-only groups
// attribute. It shows a membership a moment after the change that made it
// (the store reads an index).
func (s *Service) OfUser(ctx context.Context, org *tilgang.Organisation, userID string) ([]tilgang.GroupRef, error) {
	return s.store.GroupsOfUser(ctx, org.ID, userID)
}

// check applies the rules of a group's fields to g and brings them to
// their stored form (trimmed). It returns every problem at once.
func check(g *tilgang.Group) error {
	g.DisplayName, g.ExternalID = strings.TrimSpace(g.DisplayName), strings.TrimSpace(g.ExternalID)
	var errs []error
	if g.DisplayName == "" {
		errs = append(errs, tilgang.ErrRequired.At("displayName"))
	}
	for _, f := range []struct{ name, v string }{{"displayName", g.DisplayName}, {"externalId", g.ExternalID}} {
		if utf8.RuneCountInString(f.v) > MaxLength {
			errs = append(errs, tilgang.ErrTooLong.At(f.name).WithMessage(fmt.Sprintf("at most %d characters", MaxLength)))
		}
		switch {
		case !utf8.ValidString(f.v):
			errs = append(errs, errPlainText.At(f.name))
		case tilgang.HasControl(f.v): // names reach pages (SPEC §14)
			errs = append(errs, tilgang.ErrTextControl.At(f.name))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

// errPlainText refuses free text that is not plain text (SPEC §14).
var errPlainText = tilgang.Invalid("", "field.invalid", "invalid UTF-8 is not allowed")

// distinct returns ids without repeats or empty ids, in the order given.
func distinct(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
