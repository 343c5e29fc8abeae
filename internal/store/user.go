package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/tilgang"
)

type roleItem struct {
	Role    string `dynamodbav:"role"`
	OrgUnit string `dynamodbav:"orgUnit,omitempty"`
}

type activationItem struct {
	LinkID         string    `dynamodbav:"linkId,omitempty"`
	CodeHash       string    `dynamodbav:"codeHash,omitempty"`
	IssuedAt       time.Time `dynamodbav:"issuedAt"`
	ExpiresAt      time.Time `dynamodbav:"expiresAt"`
	FailedAttempts int       `dynamodbav:"failedAttempts"`
}

// userItem is a user as stored. GSI1 lists an organisation's users by
// folded userName; GSI2 does the same per status. search holds the folded
// words that the admin API's q parameter matches.
type userItem struct {
	PK             string          `dynamodbav:"PK"`
	SK             string          `dynamodbav:"SK"`
	GSI1PK         string          `dynamodbav:"GSI1PK"`
	GSI1SK         string          `dynamodbav:"GSI1SK"`
	GSI2PK         string          `dynamodbav:"GSI2PK"`
	GSI2SK         string          `dynamodbav:"GSI2SK"`
	Type           string          `dynamodbav:"type"`
	Search         string          `dynamodbav:"search"`
	ID             string          `dynamodbav:"id"`
	OrgID          string          `dynamodbav:"orgId"`
	UserName       string          `dynamodbav:"userName"`
	ExternalID     string          `dynamodbav:"externalId,omitempty"`
	FirstName      string          `dynamodbav:"firstName,omitempty"`
	LastName       string          `dynamodbav:"lastName,omitempty"`
	Email          string          `dynamodbav:"email,omitempty"`
	Phone          string          `dynamodbav:"phone,omitempty"`
	CPRLookup      string          `dynamodbav:"cprLookup,omitempty"`
	CPRSealed      []byte          `dynamodbav:"cprSealed,omitempty"`
	DateOfBirth    string          `dynamodbav:"dateOfBirth,omitempty"`
	Anonymous      bool            `dynamodbav:"anonymous"`
	ReferenceText  string          `dynamodbav:"referenceText,omitempty"`
	TargetIAL      int             `dynamodbav:"targetIal,omitempty"`
	EAN            string          `dynamodbav:"ean,omitempty"`
	PNumber        string          `dynamodbav:"pNumber,omitempty"`
	SENumber       string          `dynamodbav:"seNumber,omitempty"`
	LoginMeans     string          `dynamodbav:"loginMeans,omitempty"`
	Authenticators []string        `dynamodbav:"authenticators,omitempty"`
	Rights         []string        `dynamodbav:"rights,omitempty"`
	CanSign        bool            `dynamodbav:"canSign"`
	SealProfiles   []string        `dynamodbav:"sealProfiles,omitempty"`
	Kind           string          `dynamodbav:"kind,omitempty"`
	Roles          []roleItem      `dynamodbav:"roles,omitempty"`
	Department     string          `dynamodbav:"department,omitempty"`
	EmployeeNumber string          `dynamodbav:"employeeNumber,omitempty"`
	Organization   string          `dynamodbav:"organization,omitempty"`
	Manager        string          `dynamodbav:"manager,omitempty"`
	SCIM           string          `dynamodbav:"scim,omitempty"`
	Status         string          `dynamodbav:"status"`
	PrevStatus     string          `dynamodbav:"statusBeforeDeactivation,omitempty"`
	DeactFrom      string          `dynamodbav:"deactivationFrom,omitempty"`
	DeactTo        string          `dynamodbav:"deactivationTo,omitempty"`
	Activation     *activationItem `dynamodbav:"activation,omitempty"`
	CreatedAt      time.Time       `dynamodbav:"createdAt"`
	UpdatedAt      time.Time       `dynamodbav:"updatedAt"`
	InvitationID   string          `dynamodbav:"invitationId,omitempty"`
	// UserNameKey is the key of the userName guard (tilgang.User's); an
	// item written before it was kept has its guard under the legacy fold.
	UserNameKey string `dynamodbav:"userNameKey,omitempty"`
	Version     int64  `dynamodbav:"version"`
}

func toUserItem(u *tilgang.User) userItem {
	folded := tilgang.FoldUserName(u.UserName)
	it := userItem{
		PK: userPK(u.OrgID, u.ID), SK: skUser,
		GSI1PK: orgUsersPK(u.OrgID), GSI1SK: folded,
		GSI2PK: orgStatusPK(u.OrgID, string(u.Status)), GSI2SK: folded,
		Type:   typeUser,
		Search: strings.ToLower(strings.Join([]string{u.FirstName, u.LastName, u.Email, u.UserName}, " ")),
		ID:     u.ID, OrgID: u.OrgID, UserName: u.UserName, ExternalID: u.ExternalID,
		FirstName: u.FirstName, LastName: u.LastName, Email: u.Email, Phone: u.Phone,
		CPRLookup: u.CPR.Lookup, CPRSealed: u.CPR.Sealed, DateOfBirth: u.DateOfBirth,
		Anonymous: u.Anonymous, ReferenceText: u.ReferenceText, TargetIAL: u.TargetIAL,
		EAN: u.EAN, PNumber: u.PNumber, SENumber: u.SENumber, LoginMeans: u.LoginMeans,
		Authenticators: u.Authenticators, Rights: u.Rights, CanSign: u.CanSign, SealProfiles: u.SealProfiles,
		Kind: u.Kind, Department: u.Department, EmployeeNumber: u.EmployeeNumber, Organization: u.Organization, Manager: u.Manager,
		SCIM:   string(u.SCIMAttributes),
		Status: string(u.Status), PrevStatus: string(u.StatusBeforeDeactivation),
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt, InvitationID: u.InvitationID, Version: u.Version,
		UserNameKey: userNameKey(u),
	}
	for _, r := range u.Roles {
		it.Roles = append(it.Roles, roleItem(r))
	}
	if d := u.Deactivation; d != nil {
		it.DeactFrom, it.DeactTo = d.From, d.To
	}
	if a := u.Activation; a != nil {
		it.Activation = &activationItem{LinkID: a.LinkID, CodeHash: a.CodeHash, IssuedAt: a.IssuedAt, ExpiresAt: a.ExpiresAt, FailedAttempts: a.FailedAttempts}
	}
	return it
}

var userKind = itemKind[userItem, *tilgang.User]{name: "user", read: strongly, notFound: tilgang.ErrUserNotFound, as: (*userItem).user}

func (it *userItem) user() *tilgang.User {
	u := &tilgang.User{
		ID: it.ID, OrgID: it.OrgID, UserName: it.UserName, ExternalID: it.ExternalID,
		FirstName: it.FirstName, LastName: it.LastName, Email: it.Email, Phone: it.Phone,
		CPR:         tilgang.SealedCPR{Lookup: it.CPRLookup, Sealed: it.CPRSealed},
		DateOfBirth: it.DateOfBirth, Anonymous: it.Anonymous, ReferenceText: it.ReferenceText,
		TargetIAL: it.TargetIAL, EAN: it.EAN, PNumber: it.PNumber, SENumber: it.SENumber,
		LoginMeans: it.LoginMeans, Authenticators: it.Authenticators, Rights: it.Rights,
		CanSign: it.CanSign, SealProfiles: it.SealProfiles, Kind: it.Kind, Department: it.Department,
		EmployeeNumber: it.EmployeeNumber, Organization: it.Organization, Manager: it.Manager, SCIMAttributes: scimAttributes(it.SCIM),
		Status: tilgang.Status(it.Status), StatusBeforeDeactivation: tilgang.Status(it.PrevStatus),
		CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt, InvitationID: it.InvitationID, Version: it.Version,
		UserNameKey: cmp.Or(it.UserNameKey, tilgang.LegacyFoldUserName(it.UserName)),
	}
	for _, r := range it.Roles {
		u.Roles = append(u.Roles, tilgang.Role(r))
	}
	if it.DeactFrom != "" {
		u.Deactivation = &tilgang.Deactivation{From: it.DeactFrom, To: it.DeactTo}
	}
	if a := it.Activation; a != nil {
		u.Activation = &tilgang.Activation{LinkID: a.LinkID, CodeHash: a.CodeHash, IssuedAt: a.IssuedAt, ExpiresAt: a.ExpiresAt, FailedAttempts: a.FailedAttempts}
	}
	return u
}

// guard is one uniqueness guard of a user: its key and the error to return
// when another user holds it.
type guard struct {
	pk  string
	err error
}

func guards(u *tilgang.User) []guard {
	g := []guard{{userNameKeyPK(u.OrgID, userNameKey(u)), tilgang.ErrUserNameTaken}}
	if u.ExternalID != "" {
		g = append(g, guard{externalIDGuardPK(u.OrgID, u.ExternalID), tilgang.ErrExternalIDTaken})
	}
	if !u.CPR.IsZero() {
		g = append(g, guard{cprGuardPK(u.OrgID, u.CPR.Lookup), tilgang.ErrCPRTaken})
	}
	return g
}

// guardItem is a uniqueness guard as stored: it holds its owner's id.
type guardItem struct {
	UserID string `dynamodbav:"userId"`
}

var guardKind = itemKind[guardItem, string]{name: "guard", read: strongly, notFound: tilgang.ErrUserNotFound,
	as: func(g *guardItem) string { return g.UserID }}

func (t *txn) putGuard(g guard, u *tilgang.User) {
	t.put(map[string]types.AttributeValue{
		attrPK: str(g.pk), attrSK: str(skGuard), attrType: str(typeGuard), "userId": str(u.ID),
	}, absent, g.err)
}

func (t *txn) deleteGuard(g guard, u *tilgang.User) {
	t.delete(itemKey(g.pk, skGuard), heldBy("userId", u.ID), nil)
}

// userNameKey is the key of u's userName guard: the one it was read with,
// or, for a new userName, FoldUserName's.
func userNameKey(u *tilgang.User) string {
	return cmp.Or(u.UserNameKey, tilgang.FoldUserName(u.UserName))
}

// setUserNameKey gives u, which replaces old (nil for a new user), the key
// of its userName guard: old's for the same userName, which keeps a user
// stored under the legacy fold changeable before the guard migration moved
// it (RefoldGuards), and FoldUserName's for a new or changed one.
func setUserNameKey(old, u *tilgang.User) {
	u.UserNameKey = ""
	if old != nil && u.UserName == old.UserName {
		u.UserNameKey = old.UserNameKey
	}
	u.UserNameKey = userNameKey(u)
}

// checkLegacyUserName adds, for a new userName guard whose legacy fold
// differs, a check that no user not yet moved by RefoldGuards holds the
// name under the legacy fold: until the migration ran, the legacy guard is
// that user's only one.
func (t *txn) checkLegacyUserName(u *tilgang.User) {
	legacy := tilgang.LegacyFoldUserName(u.UserName)
	if legacy == u.UserNameKey {
		return
	}
	t.check(itemKey(userNameKeyPK(u.OrgID, legacy), skGuard), cond{
		expr:   "attribute_not_exists(PK) OR userId = :id",
		values: map[string]types.AttributeValue{":id": str(u.ID)},
	}, tilgang.ErrUserNameTaken)
}

// errUserExists refuses a new user whose id is taken.
var errUserExists = &tilgang.Error{Kind: tilgang.KindConflict, Code: "user.exists", Field: "id", Message: "a user with this id exists"}

// createUser adds the writes that create u: the user item, a guard per
// unique value, its place in the admin count (refused beyond maxAdmins, 0
// for no limit) and its schedule.
func (t *txn) createUser(u *tilgang.User, maxAdmins int) {
	setUserNameKey(nil, u)
	t.put(toUserItem(u), absent, errUserExists)
	for _, g := range guards(u) {
		t.putGuard(g, u)
	}
	t.checkLegacyUserName(u)
	if u.IsAdmin() {
		t.countAdmins(u.OrgID, +1, maxAdmins)
	}
	t.countUser(u.OrgID, u.Status, +1)
	t.moveSchedule(nil, u, nil)
	t.moveSignIn(nil, u)
}

// replaceUser adds the writes that replace old with u: the user item, if
// old is still the stored version; the guards of values that changed; the
// admin count, if u gains or loses an admin role (refused beyond
// maxAdmins); and the schedule moves, but for skip, an entry that the
// caller's transaction removes itself (nil for none).
func (t *txn) replaceUser(old, u *tilgang.User, maxAdmins int, skip *Due) {
	if len(old.Unreadable) > 0 && t.err == nil {
		// What could not be read would be stored as a guess.
		t.err = tilgang.ErrUserUnreadable
	}
	// The link to the invitation is the store's: a door that builds u
	// afresh (a SCIM PUT) must not lose what deletion will erase.
	u.InvitationID = old.InvitationID
	setUserNameKey(old, u)
	t.put(toUserItem(u), atVersion(old.Version), nil)
	oldGuards, newGuards := guards(old), guards(u)
	if u.UserNameKey != old.UserNameKey {
		t.checkLegacyUserName(u)
	}
	for _, g := range oldGuards {
		if !containsGuard(newGuards, g.pk) {
			t.deleteGuard(g, old)
		}
	}
	for _, g := range newGuards {
		if !containsGuard(oldGuards, g.pk) {
			t.putGuard(g, u)
		}
	}
	switch {
	case u.IsAdmin() && !old.IsAdmin():
		t.countAdmins(u.OrgID, +1, maxAdmins)
	case old.IsAdmin() && !u.IsAdmin():
		t.countAdmins(u.OrgID, -1, 0)
	}
	if u.Status != old.Status {
		t.countUser(u.OrgID, old.Status, -1)
		t.countUser(u.OrgID, u.Status, +1)
	}
	t.moveSchedule(old, u, skip)
	t.moveSignIn(old, u)
}

// deleteUser adds the writes that erase u, as SPEC §4 and §14 delete: the
// user item, if u is still the stored version; its guards, freeing
// userName, externalId and CPR (the CPR guard's key is the look-up hash);
// its place in the admin count; its schedule; its mail state (mailstate.go);
// and the copy of its address
// in the invitation that created it (eraseInvitation). The history stays,
// with the entry of the change, which holds no personal data, and so do
// its outbox items, which hold ids only (putMail): the mailer finds the
// user gone and skips them. Its group memberships, which may be more than
// a transaction holds, go after the transaction (LeaveGroups).
func (t *txn) deleteUser(u *tilgang.User) {
	t.delete(itemKey(userPK(u.OrgID, u.ID), skUser), atVersion(u.Version), nil)
	t.deleteMailState(userPK(u.OrgID, u.ID))
	for _, g := range guards(u) {
		t.deleteGuard(g, u)
	}
	if u.IsAdmin() {
		t.countAdmins(u.OrgID, -1, 0)
	}
	t.countUser(u.OrgID, u.Status, -1)
	t.moveSchedule(u, nil, nil)
	t.moveSignIn(u, nil)
	if u.InvitationID != "" {
		t.eraseInvitation(u.OrgID, u.InvitationID)
	}
}

// CreateUser stores a new user with its guards, the change's history entry
// and mail, all in one transaction. It sets CreatedAt, UpdatedAt and
// Version 1 on u.
func (s *Store) CreateUser(ctx context.Context, u *tilgang.User, c tilgang.Change) error {
	now := s.now().UTC()
	u.CreatedAt, u.UpdatedAt, u.Version = now, now, 1
	t := s.txn()
	t.checkCPRLookups(u.OrgID, c.CPRLookups) // first: its refusal wins
	t.createUser(u, c.MaxAdmins)
	t.change(u, c, now)
	if err := s.transact(ctx, "create user", t); err != nil {
		u.Version = 0
		return err
	}
	return nil
}

// UserByUserName finds a user by userName, case-insensitively, with two key
// look-ups: the guard, then the user.
//
// A user whose guard RefoldGuards has not yet moved is found by the legacy
// fold of its name, a third look-up made only for a name that folds
// differently under it.
func (s *Store) UserByUserName(ctx context.Context, orgID, userName string) (*tilgang.User, error) {
	u, err := s.userByGuard(ctx, orgID, userNameGuardPK(orgID, userName))
	if legacy := tilgang.LegacyFoldUserName(userName); errors.Is(err, tilgang.ErrUserNotFound) && legacy != tilgang.FoldUserName(userName) {
		return s.userByGuard(ctx, orgID, userNameKeyPK(orgID, legacy))
	}
	return u, err
}

// UserByExternalID finds a user by externalId with two key look-ups.
func (s *Store) UserByExternalID(ctx context.Context, orgID, externalID string) (*tilgang.User, error) {
	return s.userByGuard(ctx, orgID, externalIDGuardPK(orgID, externalID))
}

// UserByCPRLookup finds a user by the keyed hash of a CPR number.
func (s *Store) UserByCPRLookup(ctx context.Context, orgID, lookup string) (*tilgang.User, error) {
	return s.userByGuard(ctx, orgID, cprGuardPK(orgID, lookup))
}

func (s *Store) userByGuard(ctx context.Context, orgID, pk string) (*tilgang.User, error) {
	id, err := guardKind.get(ctx, s, itemKey(pk, skGuard))
	if err != nil {
		return nil, err
	}
	if id == "" {
		return nil, tilgang.ErrUserNotFound
	}
	return s.User(ctx, orgID, id)
}

// UpdateUser replaces old with u in one transaction, if old is still the
// stored version: it moves the guards whose values changed and adds the
// change's history entry and mail. It advances u.Version.
func (s *Store) UpdateUser(ctx context.Context, old, u *tilgang.User, c tilgang.Change) error {
	now := s.now().UTC()
	u.Version, u.UpdatedAt, u.CreatedAt = old.Version+1, now, old.CreatedAt
	t := s.txn()
	t.checkCPRLookups(u.OrgID, c.CPRLookups) // first: its refusal wins
	t.replaceUser(old, u, c.MaxAdmins, nil)
	t.change(u, c, now)
	if err := s.transact(ctx, "update user", t); err != nil {
		u.Version = old.Version
		return err
	}
	return nil
}

// DeleteUser erases u (see deleteUser) with the change's history entry, in
// one transaction, and then removes u from every group (LeaveGroups): a
// user may be in more groups than one transaction holds.
//
// An error after the transaction means that u is deleted but may still be
// in groups; readers leave such memberships out (Members, HasMembers), and
// LeaveGroups, called again, removes them.
func (s *Store) DeleteUser(ctx context.Context, u *tilgang.User, c tilgang.Change) error {
	t := s.txn()
	if len(u.Unreadable) > 0 {
		t.deleteUnreadableUser(u)
	} else {
		t.deleteUser(u)
	}
	t.change(u, c, s.now().UTC())
	if err := s.transact(ctx, "delete user", t); err != nil {
		return err
	}
	if err := s.LeaveGroups(ctx, u.OrgID, u.ID); err != nil {
		return fmt.Errorf("store: user deleted, but still in groups: %w", err)
	}
	if err := s.deletePasskeys(ctx, u.OrgID, u.ID); err != nil {
		return fmt.Errorf("store: user deleted, but its passkeys are left: %w", err)
	}
	return nil
}

// countAdmins moves the organisation's count of users with an admin role
// by delta. An increase is refused when the count has reached max (0 means
// no limit), with tilgang.ErrMaxAdmins; the count item is the one place
// concurrent changes meet, so the licence holds even when two admins are
// made at once.
func (t *txn) countAdmins(orgID string, delta, max int) {
	u := &types.Update{
		TableName:                 t.table,
		Key:                       itemKey(orgPK(orgID), skAdminCount),
		UpdateExpression:          aws.String("ADD #n :d SET #t = :t"),
		ExpressionAttributeNames:  map[string]string{"#n": "admins", "#t": attrType},
		ExpressionAttributeValues: map[string]types.AttributeValue{":d": number(int64(delta)), ":t": str(typeCounter)},
	}
	if delta > 0 && max > 0 {
		u.ConditionExpression = aws.String("attribute_not_exists(#n) OR #n < :max")
		u.ExpressionAttributeValues[":max"] = number(int64(max))
	}
	t.update(u, tilgang.ErrMaxAdmins)
}

func containsGuard(gs []guard, pk string) bool {
	for _, g := range gs {
		if g.pk == pk {
			return true
		}
	}
	return false
}

// scimAttributes is the user's kept SCIM attributes, nil for none.
func scimAttributes(s string) []byte {
	if s == "" {
		return nil
	}
	return []byte(s)
}
