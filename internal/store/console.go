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

// The console's items (issue 16): the sign-in look-up of administrators'
// addresses, mailed sign-in links, sessions and passkeys.
const (
	typeSignIn     = "signin"
	typeSignInLink = "signinLink"
	typeSession    = "session"
	typePasskey    = "passkey"

	skSignInLink = "SIGNINLINK"
	skSession    = "SESSION"
	skPasskey    = "PASSKEY"
)

// NormaliseAddress is the form of an address the sign-in look-up is keyed
// by: what a person types differs from the stored address in case and
// surrounding space only.
func NormaliseAddress(address string) string { return strings.ToLower(strings.TrimSpace(address)) }

// signInPK is the partition of the users an address signs in as: one
// item per user, since one person may administer several organisations.
func signInPK(address string) string { return "SIGNIN#" + NormaliseAddress(address) }

func signInSK(orgID, userID string) string { return "ORG#" + orgID + "#USER#" + userID }

// signInKey is the key of u's sign-in look-up item, or "" when u may not
// sign in to the console: only a user with an admin role and an address.
func signInKey(u *tilgang.User) string {
	if u == nil || !u.IsAdmin() || NormaliseAddress(u.Email) == "" {
		return ""
	}
	return signInPK(u.Email)
}

// moveSignIn adds the writes that keep the sign-in look-up in step with a
// user write: old is nil for a new user, u nil for a deleted one. The
// items are written without a condition: they only point at a user,
// which the console reads again and checks before it trusts the pointer.
func (t *txn) moveSignIn(old, u *tilgang.User) {
	var before, after string
	if old != nil {
		before = signInKey(old)
	}
	if u != nil {
		after = signInKey(u)
	}
	if before == after {
		return
	}
	if before != "" {
		t.delete(itemKey(before, signInSK(old.OrgID, old.ID)), cond{}, nil)
	}
	if after != "" {
		t.put(map[string]types.AttributeValue{
			attrPK: str(after), attrSK: str(signInSK(u.OrgID, u.ID)), attrType: str(typeSignIn),
			"orgId": str(u.OrgID), "userId": str(u.ID),
		}, cond{}, nil)
	}
}

// SignInCandidates returns the users the address may sign in as: every
// administrator with that address, in any organisation. The caller reads
// each user and checks it.
func (s *Store) SignInCandidates(ctx context.Context, address string) ([]tilgang.SignInRef, error) {
	if NormaliseAddress(address) == "" {
		return nil, nil
	}
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(signInPK(address))},
		ConsistentRead:            aws.Bool(true),
		Limit:                     aws.Int32(20),
	})
	if err != nil {
		return nil, fmt.Errorf("store: sign-in look-up: %w", err)
	}
	refs := make([]tilgang.SignInRef, 0, len(out.Items))
	for _, it := range out.Items {
		refs = append(refs, tilgang.SignInRef{OrgID: stringAttr(it, "orgId"), UserID: stringAttr(it, "userId")})
	}
	return refs, nil
}

type signInLinkItem struct {
	PK       string `dynamodbav:"PK"`
	SK       string `dynamodbav:"SK"`
	Type     string `dynamodbav:"type"`
	OrgID    string `dynamodbav:"orgId"`
	UserID   string `dynamodbav:"userId"`
	Until    int64  `dynamodbav:"validUntil"`
	Register bool   `dynamodbav:"register,omitempty"`
	Expires  int64  `dynamodbav:"expiresAt"` // TTL: tidies up only
}

// PutSignInLink stores a sign-in link under the hash of its token.
func (s *Store) PutSignInLink(ctx context.Context, hash string, l tilgang.SignInLink) error {
	item, err := attributevalue.MarshalMap(signInLinkItem{
		PK: "SIGNINLINK#" + hash, SK: skSignInLink, Type: typeSignInLink, OrgID: l.OrgID, UserID: l.UserID,
		Until: l.ExpiresAt.Unix(), Register: l.Register, Expires: l.ExpiresAt.Add(24 * time.Hour).Unix(),
	})
	if err != nil {
		return fmt.Errorf("store: marshal sign-in link: %w", err)
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item}); err != nil {
		return fmt.Errorf("store: put sign-in link: %w", err)
	}
	return nil
}

// SpendSignInLink deletes the link and returns what it held: a link is
// spent once, whoever comes second finds nothing. An expired link is
// spent too, and returned for the caller to refuse.
func (s *Store) SpendSignInLink(ctx context.Context, hash string) (tilgang.SignInLink, error) {
	out, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table), Key: itemKey("SIGNINLINK#"+hash, skSignInLink),
		ConditionExpression: aws.String("attribute_exists(PK)"), ReturnValues: types.ReturnValueAllOld,
	})
	if isConditionFailed(err) {
		return tilgang.SignInLink{}, tilgang.ErrSignInLinkNotFound
	}
	if err != nil {
		return tilgang.SignInLink{}, fmt.Errorf("store: spend sign-in link: %w", err)
	}
	var it signInLinkItem
	if err := attributevalue.UnmarshalMap(out.Attributes, &it); err != nil {
		return tilgang.SignInLink{}, fmt.Errorf("store: unmarshal sign-in link: %w", err)
	}
	return tilgang.SignInLink{SignInRef: tilgang.SignInRef{OrgID: it.OrgID, UserID: it.UserID},
		ExpiresAt: time.Unix(it.Until, 0).UTC(), Register: it.Register}, nil
}

type sessionItem struct {
	PK        string    `dynamodbav:"PK"`
	SK        string    `dynamodbav:"SK"`
	Type      string    `dynamodbav:"type"`
	OrgID     string    `dynamodbav:"orgId"`
	UserID    string    `dynamodbav:"userId"`
	CSRF      string    `dynamodbav:"csrf"`
	CreatedAt time.Time `dynamodbav:"createdAt"`
	LastSeen  time.Time `dynamodbav:"lastSeen"`
	AuthAt    time.Time `dynamodbav:"authAt"`
	Passkey   bool      `dynamodbav:"passkey,omitempty"`
	Challenge []byte    `dynamodbav:"challenge,omitempty"`
	Expires   int64     `dynamodbav:"expiresAt"` // TTL: tidies up only
}

var sessionKind = itemKind[sessionItem, *tilgang.Session]{name: "session", read: strongly, notFound: tilgang.ErrSessionNotFound,
	as: func(it *sessionItem) *tilgang.Session {
		return &tilgang.Session{Hash: strings.TrimPrefix(it.PK, "SESSION#"), OrgID: it.OrgID, UserID: it.UserID, CSRF: it.CSRF,
			CreatedAt: it.CreatedAt, LastSeen: it.LastSeen, AuthAt: it.AuthAt, Passkey: it.Passkey, Challenge: it.Challenge}
	}}

// PutSession stores the session, replacing the one under its hash.
func (s *Store) PutSession(ctx context.Context, ses *tilgang.Session) error {
	item, err := attributevalue.MarshalMap(sessionItem{
		PK: "SESSION#" + ses.Hash, SK: skSession, Type: typeSession, OrgID: ses.OrgID, UserID: ses.UserID, CSRF: ses.CSRF,
		CreatedAt: ses.CreatedAt, LastSeen: ses.LastSeen, AuthAt: ses.AuthAt, Passkey: ses.Passkey, Challenge: ses.Challenge,
		Expires: ses.CreatedAt.Add(tilgang.SessionAbsolute + 24*time.Hour).Unix(),
	})
	if err != nil {
		return fmt.Errorf("store: marshal session: %w", err)
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item}); err != nil {
		return fmt.Errorf("store: put session: %w", err)
	}
	return nil
}

// Session reads the session stored under hash.
func (s *Store) Session(ctx context.Context, hash string) (*tilgang.Session, error) {
	return sessionKind.get(ctx, s, itemKey("SESSION#"+hash, skSession))
}

// DeleteSession ends the session; ending one that is gone is no error.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	if _, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table), Key: itemKey("SESSION#"+hash, skSession),
	}); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

type passkeyItem struct {
	PK         string    `dynamodbav:"PK"`
	SK         string    `dynamodbav:"SK"`
	Type       string    `dynamodbav:"type"`
	ID         []byte    `dynamodbav:"id"`
	OrgID      string    `dynamodbav:"orgId"`
	UserID     string    `dynamodbav:"userId"`
	Credential []byte    `dynamodbav:"credential"`
	CreatedAt  time.Time `dynamodbav:"createdAt"`
}

func (it *passkeyItem) passkey() *tilgang.Passkey {
	return &tilgang.Passkey{ID: it.ID, OrgID: it.OrgID, UserID: it.UserID, Credential: it.Credential, CreatedAt: it.CreatedAt}
}

var passkeyKind = itemKind[passkeyItem, *tilgang.Passkey]{name: "passkey", read: strongly, notFound: tilgang.ErrPasskeyNotFound,
	as: (*passkeyItem).passkey}

// passkeyPK finds a passkey by its credential id, as a sign-in with a
// discoverable credential does; userPasskeysPK lists a user's.
func passkeyPK(id []byte) string { return fmt.Sprintf("PASSKEY#%x", id) }

func userPasskeysPK(orgID, userID string) string { return userPK(orgID, userID) + "#PASSKEYS" }

// PutPasskey stores a passkey twice in one transaction: under its
// credential id and in its user's list. A credential id is registered once.
func (s *Store) PutPasskey(ctx context.Context, p *tilgang.Passkey) error {
	t := s.txn()
	it := passkeyItem{PK: passkeyPK(p.ID), SK: skPasskey, Type: typePasskey, ID: p.ID, OrgID: p.OrgID, UserID: p.UserID,
		Credential: p.Credential, CreatedAt: p.CreatedAt}
	t.put(it, absent, errors.New("store: the passkey is registered already"))
	it.PK, it.SK = userPasskeysPK(p.OrgID, p.UserID), fmt.Sprintf("%x", p.ID)
	t.put(it, cond{}, nil)
	return s.transact(ctx, "put passkey", t)
}

// UpdatePasskey stores a passkey's new state (its sign count) in both
// places.
func (s *Store) UpdatePasskey(ctx context.Context, p *tilgang.Passkey) error {
	t := s.txn()
	it := passkeyItem{PK: passkeyPK(p.ID), SK: skPasskey, Type: typePasskey, ID: p.ID, OrgID: p.OrgID, UserID: p.UserID,
		Credential: p.Credential, CreatedAt: p.CreatedAt}
	t.put(it, present, tilgang.ErrPasskeyNotFound)
	it.PK, it.SK = userPasskeysPK(p.OrgID, p.UserID), fmt.Sprintf("%x", p.ID)
	t.put(it, cond{}, nil)
	return s.transact(ctx, "update passkey", t)
}

// Passkey reads the passkey with the credential id.
func (s *Store) Passkey(ctx context.Context, id []byte) (*tilgang.Passkey, error) {
	return passkeyKind.get(ctx, s, itemKey(passkeyPK(id), skPasskey))
}

// Passkeys lists a user's passkeys.
func (s *Store) Passkeys(ctx context.Context, orgID, userID string) ([]*tilgang.Passkey, error) {
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(userPasskeysPK(orgID, userID))},
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("store: list passkeys: %w", err)
	}
	var ps []*tilgang.Passkey
	for _, av := range out.Items {
		p, err := passkeyKind.decode(av)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return ps, nil
}

// IndexSignIns writes the sign-in look-up of every administrator of the
// organisation who has an address, as user writes keep it: users stored
// before the console existed have none, and could not sign in. It returns
// how many it wrote. Running it again writes the same items.
func (s *Store) IndexSignIns(ctx context.Context, orgID string) (int, error) {
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(indexGSI1),
		KeyConditionExpression:    aws.String("GSI1PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(orgUsersPK(orgID))},
	})
	n := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return n, fmt.Errorf("store: index sign-ins: %w", err)
		}
		for _, av := range page.Items {
			u, err := userKind.decode(av)
			if err != nil || signInKey(u) == "" {
				continue // an unreadable user is no administrator to sign in
			}
			if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: map[string]types.AttributeValue{
				attrPK: str(signInKey(u)), attrSK: str(signInSK(u.OrgID, u.ID)), attrType: str(typeSignIn),
				"orgId": str(u.OrgID), "userId": str(u.ID),
			}}); err != nil {
				return n, fmt.Errorf("store: index sign-ins: %w", err)
			}
			n++
		}
	}
	return n, nil
}

// deletePasskeys removes a deleted user's passkeys, both copies of each:
// a user has a few, and they point at nothing once the user is gone.
func (s *Store) deletePasskeys(ctx context.Context, orgID, userID string) error {
	ps, err := s.Passkeys(ctx, orgID, userID)
	if err != nil {
		return err
	}
	for _, p := range ps {
		t := s.txn()
		t.delete(itemKey(passkeyPK(p.ID), skPasskey), cond{}, nil)
		t.delete(itemKey(userPasskeysPK(orgID, userID), fmt.Sprintf("%x", p.ID)), cond{}, nil)
		if err := s.transact(ctx, "delete passkey", t); err != nil {
			return err
		}
	}
	return nil
}
