package scim_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestUnreadableUserLeavesTheListAnswering: a user whose stored item does
// not decode never fails a SCIM list (issue 14, finding 6; SPEC §14): it
// is left out, the others answer.
func TestUnreadableUserLeavesTheListAnswering(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.a.SCIMToken
	ok := e.create(tok, user("ok@example.dk"))
	bad := e.create(tok, user("bad@example.dk"))
	if _, err := e.db.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName: aws.String(e.table),
		Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: "ORG#" + e.orgA.ID + "#USER#" + bad},
			"SK": &types.AttributeValueMemberS{Value: "USER"},
		},
		UpdateExpression:          aws.String("SET #a = :v"),
		ExpressionAttributeNames:  map[string]string{"#a": "roles"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberS{Value: "not a list"}},
	}); err != nil {
		t.Fatal(err)
	}
	for _, query := range []string{"", "?count=1", "?startIndex=2", "?sortBy=name.familyName",
		"?filter=" + url.QueryEscape(`name.givenName eq "Anna"`)} {
		r := e.do(tok, "GET", "/Users"+query, nil)
		want(t, r, http.StatusOK, "")
		if strings.Contains(string(r.body), bad) {
			t.Errorf("%s: the unreadable user is listed: %s", query, r.body)
		}
		if query != "?startIndex=2" && !strings.Contains(string(r.body), ok) {
			t.Errorf("%s: the readable user is missing: %s", query, r.body)
		}
	}
}
