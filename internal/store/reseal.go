package store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// ReplaceSealedCPR stores sealed as u's CPR copy in place of u.CPR.Sealed:
// the write of a re-seal after a key rotation (package keys). It writes
// only if the stored user is still at u.Version with the same look-up hash
// and copy, so it never overwrites a concurrent change; otherwise it
// returns tilgang.ErrStale and the caller reads the user again.
//
// It changes neither the version nor updatedAt: the user's data is the
// same, and an identity provider's ETag must not change under it. A
// concurrent update that read the user before the re-seal may therefore
// write the old copy back; that copy still opens (old keys stay until a
// walk finds none), and the next re-seal walk seals it again.
func (s *Store) ReplaceSealedCPR(ctx context.Context, u *tilgang.User, sealed []byte) error {
	if u.CPR.IsZero() || len(sealed) == 0 {
		return fmt.Errorf("store: re-seal user %s: no CPR copy", u.ID)
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(s.table),
		Key:                 itemKey(userPK(u.OrgID, u.ID), skUser),
		UpdateExpression:    aws.String("SET #sealed = :new"),
		ConditionExpression: aws.String("#v = :v AND #sealed = :old AND #lookup = :lookup"),
		ExpressionAttributeNames: map[string]string{
			"#sealed": "cprSealed", "#v": "version", "#lookup": "cprLookup",
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":new":    &types.AttributeValueMemberB{Value: sealed},
			":old":    &types.AttributeValueMemberB{Value: u.CPR.Sealed},
			":v":      number(u.Version),
			":lookup": str(u.CPR.Lookup),
		},
	})
	if isConditionFailed(err) {
		return tilgang.ErrStale
	}
	if err != nil {
		return fmt.Errorf("store: re-seal user %s: %w", u.ID, err)
	}
	return nil
}
