package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
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
	Status         string          `dynamodbav:"status"`
	PrevStatus     string          `dynamodbav:"statusBeforeDeactivation,omitempty"`
	DeactFrom      string          `dynamodbav:"deactivationFrom,omitempty"`
	DeactTo        string          `dynamodbav:"deactivationTo,omitempty"`
	Activation     *activationItem `dynamodbav:"activation,omitempty"`
	CreatedAt      time.Time       `dynamodbav:"createdAt"`
	UpdatedAt      time.Time       `dynamodbav:"updatedAt"`
	Version        int64           `dynamodbav:"version"`
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
		Status: string(u.Status), PrevStatus: string(u.StatusBeforeDeactivation),
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt, Version: u.Version,
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

func (it *userItem) user() *tilgang.User {
	u := &tilgang.User{
		ID: it.ID, OrgID: it.OrgID, UserName: it.UserName, ExternalID: it.ExternalID,
		FirstName: it.FirstName, LastName: it.LastName, Email: it.Email, Phone: it.Phone,
		CPR:         tilgang.SealedCPR{Lookup: it.CPRLookup, Sealed: it.CPRSealed},
		DateOfBirth: it.DateOfBirth, Anonymous: it.Anonymous, ReferenceText: it.ReferenceText,
		TargetIAL: it.TargetIAL, EAN: it.EAN, PNumber: it.PNumber, SENumber: it.SENumber,
		LoginMeans: it.LoginMeans, Authenticators: it.Authenticators, Rights: it.Rights,
		CanSign: it.CanSign, SealProfiles: it.SealProfiles, Kind: it.Kind, Department: it.Department,
		EmployeeNumber: it.EmployeeNumber, Organization: it.Organization, Manager: it.Manager,
		Status: tilgang.Status(it.Status), StatusBeforeDeactivation: tilgang.Status(it.PrevStatus),
		CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt, Version: it.Version,
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
	g := []guard{{userNameGuardPK(u.OrgID, u.UserName), tilgang.ErrUserNameTaken}}
	if u.ExternalID != "" {
		g = append(g, guard{externalIDGuardPK(u.OrgID, u.ExternalID), tilgang.ErrExternalIDTaken})
	}
	if !u.CPR.IsZero() {
		g = append(g, guard{cprGuardPK(u.OrgID, u.CPR.Lookup), tilgang.ErrCPRTaken})
	}
	return g
}

func (s *Store) putGuard(g guard, u *tilgang.User) types.TransactWriteItem {
	return types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{
			attrPK: str(g.pk), attrSK: str(skGuard), attrType: str(typeGuard),
			"userId": str(u.ID),
		},
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	}}
}

func (s *Store) deleteGuard(g guard, u *tilgang.User) types.TransactWriteItem {
	return types.TransactWriteItem{Delete: &types.Delete{
		TableName:                 aws.String(s.table),
		Key:                       itemKey(g.pk, skGuard),
		ConditionExpression:       aws.String("userId = :id"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": str(u.ID)},
	}}
}

// CreateUser stores a new user with its guards, the change's history entry
// and mail, all in one transaction. It sets CreatedAt, UpdatedAt and
// Version 1 on u.
func (s *Store) CreateUser(ctx context.Context, u *tilgang.User, c tilgang.Change) error {
	now := s.now().UTC()
	u.CreatedAt, u.UpdatedAt, u.Version = now, now, 1
	item, err := attributevalue.MarshalMap(toUserItem(u))
	if err != nil {
		return fmt.Errorf("store: marshal user: %w", err)
	}
	items := []types.TransactWriteItem{{Put: &types.Put{
		TableName: aws.String(s.table), Item: item,
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	}}}
	gs := guards(u)
	for _, g := range gs {
		items = append(items, s.putGuard(g, u))
	}
	counter := -1
	if u.IsAdmin() {
		counter = len(items)
		items = append(items, s.countAdmins(u.OrgID, +1, c.MaxAdmins))
	}
	items = append(items, s.scheduleWrites(nil, u, nil)...)
	if items, err = s.appendChange(items, u, c, now); err != nil {
		return err
	}
	err = s.write(ctx, items, func(i int) error {
		switch {
		case i >= 1 && i <= len(gs):
			return gs[i-1].err
		case i == counter:
			return tilgang.ErrMaxAdmins
		}
		return &tilgang.Error{Kind: tilgang.KindConflict, Code: "user.exists", Field: "id", Message: "a user with this id exists"}
	})
	if err != nil {
		u.Version = 0
		return wrapWrite("create user", err)
	}
	return nil
}

// User reads one user of an organisation. A user of another organisation is
// not found.
func (s *Store) User(ctx context.Context, orgID, id string) (*tilgang.User, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            itemKey(userPK(orgID, id), skUser),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("store: get user: %w", err)
	}
	if out.Item == nil {
		return nil, tilgang.ErrUserNotFound
	}
	return unmarshalUser(out.Item)
}

// UserByUserName finds a user by userName, case-insensitively, with two key
// look-ups: the guard, then the user.
func (s *Store) UserByUserName(ctx context.Context, orgID, userName string) (*tilgang.User, error) {
	return s.userByGuard(ctx, orgID, userNameGuardPK(orgID, userName))
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
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            itemKey(pk, skGuard),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("store: get guard: %w", err)
	}
	id, ok := out.Item["userId"].(*types.AttributeValueMemberS)
	if !ok {
		return nil, tilgang.ErrUserNotFound
	}
	return s.User(ctx, orgID, id.Value)
}

// UpdateUser replaces old with u in one transaction, if old is still the
// stored version: it moves the guards whose values changed and adds the
// change's history entry and mail. It advances u.Version.
func (s *Store) UpdateUser(ctx context.Context, old, u *tilgang.User, c tilgang.Change) error {
	now := s.now().UTC()
	u.Version, u.UpdatedAt, u.CreatedAt = old.Version+1, now, old.CreatedAt
	item, err := attributevalue.MarshalMap(toUserItem(u))
	if err != nil {
		return fmt.Errorf("store: marshal user: %w", err)
	}
	items := []types.TransactWriteItem{{Put: &types.Put{
		TableName: aws.String(s.table), Item: item,
		ConditionExpression:       aws.String("attribute_exists(PK) AND version = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": number(old.Version)},
	}}}
	oldGuards, newGuards := guards(old), guards(u)
	added := map[int]error{}
	for _, g := range oldGuards {
		if !containsGuard(newGuards, g.pk) {
			items = append(items, s.deleteGuard(g, old))
		}
	}
	for _, g := range newGuards {
		if !containsGuard(oldGuards, g.pk) {
			added[len(items)] = g.err
			items = append(items, s.putGuard(g, u))
		}
	}
	switch {
	case u.IsAdmin() && !old.IsAdmin():
		added[len(items)] = tilgang.ErrMaxAdmins
		items = append(items, s.countAdmins(u.OrgID, +1, c.MaxAdmins))
	case old.IsAdmin() && !u.IsAdmin():
		items = append(items, s.countAdmins(u.OrgID, -1, 0))
	}
	items = append(items, s.scheduleWrites(old, u, nil)...)
	if items, err = s.appendChange(items, u, c, now); err != nil {
		return err
	}
	err = s.write(ctx, items, func(i int) error {
		if e, ok := added[i]; ok {
			return e
		}
		return tilgang.ErrStale
	})
	if err != nil {
		u.Version = old.Version
		return wrapWrite("update user", err)
	}
	return nil
}

// DeleteUser erases u: the user item and its guards go, freeing userName,
// externalId and CPR; the history keeps the change's entry, which holds no
// personal data.
func (s *Store) DeleteUser(ctx context.Context, u *tilgang.User, c tilgang.Change) error {
	items := []types.TransactWriteItem{{Delete: &types.Delete{
		TableName:                 aws.String(s.table),
		Key:                       itemKey(userPK(u.OrgID, u.ID), skUser),
		ConditionExpression:       aws.String("attribute_exists(PK) AND version = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": number(u.Version)},
	}}}
	for _, g := range guards(u) {
		items = append(items, s.deleteGuard(g, u))
	}
	if u.IsAdmin() {
		items = append(items, s.countAdmins(u.OrgID, -1, 0))
	}
	items, err := s.appendChange(items, u, c, s.now().UTC())
	if err != nil {
		return err
	}
	return wrapWrite("delete user", s.write(ctx, items, func(int) error { return tilgang.ErrStale }))
}

// countAdmins moves the organisation's count of users with an admin role
// by delta. An increase is refused when the count has reached max (0 means
// no limit); the count item is the one place concurrent changes meet, so the
// licence holds even when two admins are made at once.
func (s *Store) countAdmins(orgID string, delta, max int) types.TransactWriteItem {
	u := &types.Update{
		TableName:                 aws.String(s.table),
		Key:                       itemKey(orgPK(orgID), skAdminCount),
		UpdateExpression:          aws.String("ADD #n :d SET #t = :t"),
		ExpressionAttributeNames:  map[string]string{"#n": "admins", "#t": attrType},
		ExpressionAttributeValues: map[string]types.AttributeValue{":d": number(int64(delta)), ":t": str(typeCounter)},
	}
	if delta > 0 && max > 0 {
		u.ConditionExpression = aws.String("attribute_not_exists(#n) OR #n < :max")
		u.ExpressionAttributeValues[":max"] = number(int64(max))
	}
	return types.TransactWriteItem{Update: u}
}

func containsGuard(gs []guard, pk string) bool {
	for _, g := range gs {
		if g.pk == pk {
			return true
		}
	}
	return false
}

func unmarshalUser(av map[string]types.AttributeValue) (*tilgang.User, error) {
	var it userItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return nil, fmt.Errorf("store: unmarshal user: %w", err)
	}
	return it.user(), nil
}

// wrapWrite adds context to unexpected errors and passes domain errors on
// as they are, so that callers can match them.
func wrapWrite(op string, err error) error {
	if err == nil {
		return nil
	}
	var domain *tilgang.Error
	if errors.As(err, &domain) {
		return err
	}
	return fmt.Errorf("store: %s: %w", op, err)
}
