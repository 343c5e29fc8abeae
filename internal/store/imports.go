package store

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	tilgang "github.com/tilgang/tilgang/internal"
)

// importRowItem is the result of one row of an import. It is written once,
// in the same transaction as the change the row makes, so a row applied by
// one delivery of a file is never applied again by another.
type importRowItem struct {
	PK     string     `dynamodbav:"PK"`
	SK     string     `dynamodbav:"SK"`
	Type   string     `dynamodbav:"type"`
	Line   int        `dynamodbav:"line"`
	Action string     `dynamodbav:"action,omitempty"`
	Result string     `dynamodbav:"result"`
	UserID string     `dynamodbav:"userId,omitempty"`
	Errors []rowError `dynamodbav:"errors,omitempty"`
	At     time.Time  `dynamodbav:"at"`
}

type rowError struct {
	Column  string `dynamodbav:"column,omitempty"`
	Code    string `dynamodbav:"code"`
	Message string `dynamodbav:"message"`
}

func toImportRowItem(orgID string, r *tilgang.ImportRow, now time.Time) importRowItem {
	it := importRowItem{
		PK: importPK(orgID, r.ImportID), SK: importRowSK(r.Line), Type: typeImportRow,
		Line: r.Line, Action: r.Action, Result: r.Result, UserID: r.UserID, At: now,
	}
	for _, e := range r.Errors {
		it.Errors = append(it.Errors, rowError(e))
	}
	return it
}

func (it *importRowItem) row(importID string) tilgang.ImportRow {
	r := tilgang.ImportRow{ImportID: importID, Line: it.Line, Action: it.Action, Result: it.Result, UserID: it.UserID}
	for _, e := range it.Errors {
		r.Errors = append(r.Errors, tilgang.RowError(e))
	}
	return r
}

// putImportRow is the transaction item that records r as applied.
func (s *Store) putImportRow(r *tilgang.ImportRow, orgID string, now time.Time) (types.TransactWriteItem, error) {
	item, err := attributevalue.MarshalMap(toImportRowItem(orgID, r, now))
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("store: marshal import row: %w", err)
	}
	return types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(s.table), Item: item,
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	}}, nil
}

// rowApplied reports whether a transaction failed because its import row
// was written before: the row is applied, whatever else failed with it.
func rowApplied(items []types.TransactWriteItem, reasons []types.CancellationReason) bool {
	for i, r := range reasons {
		if aws.ToString(r.Code) != "ConditionalCheckFailed" || i >= len(items) || items[i].Put == nil {
			continue
		}
		if t, ok := items[i].Put.Item[attrType].(*types.AttributeValueMemberS); ok && t.Value == typeImportRow {
			return true
		}
	}
	return false
}
