package store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// orgsPK is the GSI1 partition that every organisation's item is in, so
// the operator command lists organisations with one Query instead of a
// Scan of the whole table. Organisations are few and written rarely: the
// one partition is never hot.
const orgsPK = "ORGS"

// Organisations lists every organisation, ordered by id. An organisation
// stored before its item carried the list key is listed once it is next
// updated.
func (s *Store) Organisations(ctx context.Context) ([]*tilgang.Organisation, error) {
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(indexGSI1),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": attrGSI1PK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(orgsPK)},
	})
	var out []*tilgang.Organisation
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("store: list organisations: %w", err)
		}
		for _, item := range page.Items {
			o, err := orgKind.decode(item)
			if err != nil {
				return nil, err
			}
			out = append(out, o)
		}
	}
	return out, nil
}
