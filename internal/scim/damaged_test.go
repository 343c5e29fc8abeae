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

// damage sets attribute attr of the item at pk, sk to v, a value of the
// wrong type, as a bad restore or a hand edit would.
func (e *env) damage(pk, sk, attr string, v types.AttributeValue) {
	e.t.Helper()
	if _, err := e.db.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName: aws.String(e.table),
		Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: sk},
		},
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		UpdateExpression:          aws.String("SET #a = :v"),
		ExpressionAttributeNames:  map[string]string{"#a": attr},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": v},
	}); err != nil {
		e.t.Fatal(err)
	}
}

// TestUnreadableUserOverSCIM: a user whose stored item does not decode
// (SPEC §14) gets SCIM answers a client can act on, each a SCIM error
// whose detail names user.unreadable: GET 500 (the service provider's
// fault; a 404 would make the client create the user again), PUT and
// PATCH 409 (the resource's state refuses the change), and DELETE works,
// after which the userName is free. A userName eq filter and the list
// leave the user out, as lists do, and a group whose item does not decode
// is left out of the group list. Before, every request on the user or the
// groups was a 500 with the detail "try again", and the user could not be
// erased.
func TestUnreadableUserOverSCIM(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.a.SCIMToken
	ok := e.create(tok, user("ok@example.dk"))
	bad := e.create(tok, user("bad@example.dk"))
	e.damage("ORG#"+e.orgA.ID+"#USER#"+bad, "USER", "updatedAt", &types.AttributeValueMemberS{Value: "not a time"})

	unreadable := func(r response, status int) {
		t.Helper()
		want(t, r, status, "")
		if d, _ := r.json(t)["detail"].(string); !strings.Contains(d, "user.unreadable") {
			t.Errorf("detail %q does not name user.unreadable", d)
		}
	}
	unreadable(e.do(tok, "GET", "/Users/"+bad, nil), http.StatusInternalServerError)
	unreadable(e.do(tok, "PUT", "/Users/"+bad, user("bad@example.dk")), http.StatusConflict)
	unreadable(e.do(tok, "PATCH", "/Users/"+bad, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`),
		http.StatusConflict)

	r := e.do(tok, "GET", "/Users?filter="+url.QueryEscape(`userName eq "bad@example.dk"`), nil)
	want(t, r, http.StatusOK, "")
	if n := r.json(t)["totalResults"]; n != 0.0 {
		t.Errorf("userName eq of the unreadable user: %s", r.body)
	}
	r = e.do(tok, "GET", "/Users", nil)
	want(t, r, http.StatusOK, "")
	if res, _ := r.json(t)["Resources"].([]any); len(res) != 1 || res[0].(map[string]any)["id"] != ok {
		t.Errorf("list: %s", r.body)
	}

	r = e.do(tok, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Damaged"}`)
	want(t, r, http.StatusCreated, "")
	group := r.json(t)["id"].(string)
	want(t, e.do(tok, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Whole"}`), http.StatusCreated, "")
	e.damage("ORG#"+e.orgA.ID+"#GROUP#"+group, "GROUP", "version", &types.AttributeValueMemberS{Value: "v"})
	for _, q := range []string{"", "?filter=" + url.QueryEscape(`displayName sw "W"`)} {
		r = e.do(tok, "GET", "/Groups"+q, nil)
		want(t, r, http.StatusOK, "")
		if res, _ := r.json(t)["Resources"].([]any); len(res) != 1 || res[0].(map[string]any)["displayName"] != "Whole" {
			t.Errorf("groups%s: %s", q, r.body)
		}
	}

	want(t, e.do(tok, "DELETE", "/Users/"+bad, nil), http.StatusNoContent, "")
	want(t, e.do(tok, "GET", "/Users/"+bad, nil), http.StatusNotFound, "")
	e.create(tok, user("bad@example.dk"))
}
