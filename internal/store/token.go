package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// A token item is keyed by the hash of its secret, so that authenticating a
// request is one GetItem; GSI1 lists an organisation's tokens by id, and ids
// are UUIDv7, so that order is creation order.
type tokenItem struct {
	PK        string    `dynamodbav:"PK"`
	SK        string    `dynamodbav:"SK"`
	GSI1PK    string    `dynamodbav:"GSI1PK"`
	GSI1SK    string    `dynamodbav:"GSI1SK"`
	Type      string    `dynamodbav:"type"`
	ID        string    `dynamodbav:"id"`
	OrgID     string    `dynamodbav:"orgId"`
	Name      string    `dynamodbav:"name"`
	Kind      string    `dynamodbav:"kind"`
	Roles     []string  `dynamodbav:"roles,omitempty"`
	Hash      string    `dynamodbav:"hash"`
	CreatedAt time.Time `dynamodbav:"createdAt"`
	// ValidUntil is the token's expiry, if it has one; not expiresAt,
	// the table's TTL attribute: an expired token stays listed.
	ValidUntil *time.Time `dynamodbav:"validUntil,omitempty"`
	// LastUsed is epoch seconds, so that TouchToken's condition compares
	// numbers.
	LastUsed int64 `dynamodbav:"lastUsedAt,omitempty"`
}

// Tokens are read on every request, eventually consistent at half the
// cost: a token is created and revoked by hand, and a read reflects that
// write usually within a second.
var tokenKind = itemKind[tokenItem, *tilgang.Token]{name: "token", read: eventually, notFound: tilgang.ErrTokenNotFound,
	as: (*tokenItem).token}

func (it *tokenItem) token() *tilgang.Token {
	t := &tilgang.Token{ID: it.ID, OrgID: it.OrgID, Name: it.Name, Kind: tilgang.TokenKind(it.Kind),
		Roles: it.Roles, Hash: it.Hash, CreatedAt: it.CreatedAt}
	if it.ValidUntil != nil {
		t.ExpiresAt = it.ValidUntil.UTC()
	}
	if it.LastUsed != 0 {
		t.LastUsedAt = time.Unix(it.LastUsed, 0).UTC()
	}
	return t
}

// CreateToken stores t, whose ID and Hash the caller has set.
func (s *Store) CreateToken(ctx context.Context, t *tilgang.Token) error {
	t.CreatedAt = s.now().UTC()
	it := tokenItem{
		PK: tokenPK(t.Hash), SK: skToken, GSI1PK: orgTokensPK(t.OrgID), GSI1SK: t.ID, Type: typeToken,
		ID: t.ID, OrgID: t.OrgID, Name: t.Name, Kind: string(t.Kind), Roles: t.Roles, Hash: t.Hash, CreatedAt: t.CreatedAt,
	}
	if !t.ExpiresAt.IsZero() {
		until := t.ExpiresAt.UTC()
		it.ValidUntil = &until
	}
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return fmt.Errorf("store: marshal token: %w", err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(s.table),
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	if err != nil {
		return fmt.Errorf("store: create token: %w", err)
	}
	return nil
}

// TokenByHash finds the token whose secret hashes to hash.
func (s *Store) TokenByHash(ctx context.Context, hash string) (*tilgang.Token, error) {
	return tokenKind.get(ctx, s, itemKey(tokenPK(hash), skToken))
}

// TouchToken records that the token whose secret hashes to hash was used
// at at, unless it was recorded less than resolution before: one write per
// token and resolution, however many requests it opens. A token that is
// gone, or was recorded meanwhile, is left as it is.
func (s *Store) TouchToken(ctx context.Context, hash string, at time.Time, resolution time.Duration) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(s.table),
		Key:                      itemKey(tokenPK(hash), skToken),
		ConditionExpression:      aws.String("attribute_exists(PK) AND (attribute_not_exists(#used) OR #used <= :before)"),
		UpdateExpression:         aws.String("SET #used = :at"),
		ExpressionAttributeNames: map[string]string{"#used": "lastUsedAt"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":at": number(at.Unix()), ":before": number(at.Add(-resolution).Unix()),
		},
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("store: record token use: %w", err)
	}
	return nil
}

// Tokens lists an organisation's tokens, oldest first.
func (s *Store) Tokens(ctx context.Context, orgID string) ([]*tilgang.Token, error) {
	var tokens []*tilgang.Token
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(indexGSI1),
		KeyConditionExpression:    aws.String("GSI1PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(orgTokensPK(orgID))},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("store: list tokens: %w", err)
		}
		var items []tokenItem
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {
			return nil, fmt.Errorf("store: unmarshal tokens: %w", err)
		}
		for i := range items {
			tokens = append(tokens, items[i].token())
		}
	}
	return tokens, nil
}

// DeleteToken revokes the organisation's token with id; the secret stops
// working at once.
func (s *Store) DeleteToken(ctx context.Context, orgID, id string) error {
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		IndexName:              aws.String(indexGSI1),
		KeyConditionExpression: aws.String("GSI1PK = :pk AND GSI1SK = :id"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(orgTokensPK(orgID)), ":id": str(id),
		},
	})
	if err != nil {
		return fmt.Errorf("store: find token: %w", err)
	}
	if len(out.Items) == 0 {
		return tilgang.ErrTokenNotFound
	}
	it, err := tokenKind.decode(out.Items[0])
	if err != nil {
		return err
	}
	_, err = s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table),
		Key:       itemKey(tokenPK(it.Hash), skToken),
	})
	if err != nil {
		return fmt.Errorf("store: delete token: %w", err)
	}
	return nil
}
