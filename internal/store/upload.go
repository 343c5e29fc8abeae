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

// UploadRetention is how long an upload grant is kept after its URL
// expired: the object's events, their retries and an import's
// continuations all arrive well within it, and each needs the grant. After
// it the table's TTL removes the grant, and an event that comes later
// still is ignored like a write without a grant.
const UploadRetention = 7 * 24 * time.Hour

// uploadItem is an upload grant, keyed by the object's name, which is all
// an S3 event carries.
type uploadItem struct {
	PK            string      `dynamodbav:"PK"`
	SK            string      `dynamodbav:"SK"`
	Type          string      `dynamodbav:"type"`
	ID            string      `dynamodbav:"id"`
	OrgID         string      `dynamodbav:"orgId"`
	Name          string      `dynamodbav:"name"`
	FileName      string      `dynamodbav:"fileName,omitempty"`
	Uploader      string      `dynamodbav:"uploader"`
	UploaderID    string      `dynamodbav:"uploaderId,omitempty"`
	UploaderBy    *tilgang.By `dynamodbav:"uploaderBy,omitempty"`
	ContentLength int64       `dynamodbav:"contentLength"`
	CreatedAt     time.Time   `dynamodbav:"createdAt"`
	ValidUntil    time.Time   `dynamodbav:"validUntil"` // not expiresAt: that is the TTL attribute
	ObjVersion    string      `dynamodbav:"objectVersion,omitempty"`
	ExpiresAt     int64       `dynamodbav:"expiresAt"` // TTL, epoch seconds
}

var uploadKind = itemKind[uploadItem, *tilgang.Upload]{name: "upload", read: strongly, notFound: tilgang.ErrUploadNotGranted, as: (*uploadItem).upload}

func (it *uploadItem) upload() *tilgang.Upload {
	return &tilgang.Upload{
		ID: it.ID, OrgID: it.OrgID, Name: it.Name, FileName: it.FileName, Uploader: it.Uploader, UploaderID: it.UploaderID, UploaderBy: it.UploaderBy,
		ContentLength: it.ContentLength, CreatedAt: it.CreatedAt, ExpiresAt: it.ValidUntil, ObjectVersion: it.ObjVersion,
	}
}

// PutUpload records the grant u; a grant for the same object name fails
// with tilgang.ErrStale (ids are random, so it does not happen).
func (s *Store) PutUpload(ctx context.Context, u *tilgang.Upload) error {
	it := uploadItem{
		PK: uploadPK(u.OrgID, u.Name), SK: skUpload, Type: typeUpload,
		ID: u.ID, OrgID: u.OrgID, Name: u.Name, FileName: u.FileName, Uploader: u.Uploader, UploaderID: u.UploaderID, UploaderBy: u.UploaderBy,
		ContentLength: u.ContentLength, CreatedAt: u.CreatedAt.UTC(), ValidUntil: u.ExpiresAt.UTC(),
		ExpiresAt: u.ExpiresAt.Add(UploadRetention).Unix(),
	}
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return fmt.Errorf("store: marshal upload: %w", err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: item, ConditionExpression: absent.expression(),
	})
	if isConditionFailed(err) {
		return tilgang.ErrStale
	}
	if err != nil {
		return fmt.Errorf("store: put upload: %w", err)
	}
	return nil
}

// ClaimUpload binds the grant of object name of organisation orgID to the
// object version version and returns it. The first version claims it; the
// same version again (a redelivered event, a continuation) gets it again;
// any other version, or a name without a grant, fails with
// tilgang.ErrUploadNotGranted.
func (s *Store) ClaimUpload(ctx context.Context, orgID, name, version string) (*tilgang.Upload, error) {
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(s.table),
		Key:                 itemKey(uploadPK(orgID, name), skUpload),
		UpdateExpression:    aws.String("SET objectVersion = :v"),
		ConditionExpression: aws.String("attribute_exists(PK) AND (attribute_not_exists(objectVersion) OR objectVersion = :v)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":v": str(version),
		},
		ReturnValues: types.ReturnValueAllNew,
	})
	if isConditionFailed(err) {
		return nil, tilgang.ErrUploadNotGranted
	}
	if err != nil {
		return nil, fmt.Errorf("store: claim upload: %w", err)
	}
	return uploadKind.decode(out.Attributes)
}

// Upload reads the grant of object name of organisation orgID.
func (s *Store) Upload(ctx context.Context, orgID, name string) (*tilgang.Upload, error) {
	return uploadKind.get(ctx, s, itemKey(uploadPK(orgID, name), skUpload))
}
