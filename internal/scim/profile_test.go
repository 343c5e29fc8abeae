package scim_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// mailKinds returns the kinds of the mail queued for a user. A Scan is fine
// here: it inspects the test's own table.
func (e *env) mailKinds(userID string) []string {
	e.t.Helper()
	out, err := e.db.Scan(context.Background(), &dynamodb.ScanInput{
		TableName:                 aws.String(e.table),
		FilterExpression:          aws.String("#t = :outbox AND userId = :u"),
		ExpressionAttributeNames:  map[string]string{"#t": "type"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":outbox": &types.AttributeValueMemberS{Value: store.OutboxType}, ":u": &types.AttributeValueMemberS{Value: userID}},
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		e.t.Fatal(err)
	}
	var items []struct {
		Kind string `dynamodbav:"kind"`
	}
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &items); err != nil {
		e.t.Fatal(err)
	}
	var kinds []string
	for _, it := range items {
		kinds = append(kinds, it.Kind)
	}
	return kinds
}

// TestMinimalUserGetsMailWithItsFirstAddress: RFC 7643's minimal user,
// only a userName, is created (SPEC §4, §5) and waits for activation
// without mail; the update that gives it its first e-mail address queues
// the activation mail, once, by PUT as by PATCH.
func TestMinimalUserGetsMailWithItsFirstAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.a.SCIMToken
	minimal := func(userName string) map[string]any {
		return map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": userName}
	}
	for _, tc := range []struct {
		name  string
		give  func(id string) response
		again func(id string) response
	}{
		{"PUT", func(id string) response {
			return e.do(tok, "PUT", "/Users/"+id, user("put@example.dk"))
		}, func(id string) response {
			u := user("put@example.dk")
			u["emails"] = []any{map[string]any{"value": "put.again@example.dk", "primary": true}}
			return e.do(tok, "PUT", "/Users/"+id, u)
		}},
		{"PATCH", func(id string) response {
			return e.do(tok, "PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
				"Operations":[{"op":"add","path":"emails","value":[{"value":"patch@example.dk","type":"work","primary":true}]}]}`)
		}, func(id string) response {
			return e.do(tok, "PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
				"Operations":[{"op":"replace","path":"emails[type eq \"work\"].value","value":"patch.again@example.dk"}]}`)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tok, "POST", "/Users", minimal(strings.ToLower(tc.name)+"-minimal"))
			want(t, r, http.StatusCreated, "")
			body := r.json(t)
			id, _ := body["id"].(string)
			if body["emails"] != nil || body["urn:ietf:params:scim:schemas:extension:tilgang:2.0:User"].(map[string]any)["status"] != string(tilgang.StatusPendingActivation) {
				t.Fatalf("created %s", r.body)
			}
			if got := e.mailKinds(id); len(got) != 0 {
				t.Fatalf("a user without an address has mail queued: %v", got)
			}
			want(t, tc.give(id), http.StatusOK, "")
			if got := e.mailKinds(id); len(got) != 1 || got[0] != tilgang.MailActivation {
				t.Fatalf("after the first address, mail %v; want one activation mail", got)
			}
			u, err := e.store.User(context.Background(), e.orgA.ID, id)
			if err != nil || u.Email == "" || u.Status != tilgang.StatusPendingActivation || u.Activation == nil {
				t.Fatalf("user %+v, %v", u, err)
			}
			want(t, tc.again(id), http.StatusOK, "")
			if got := e.mailKinds(id); len(got) != 1 {
				t.Errorf("a second address queued more mail: %v", got)
			}
		})
	}
}

// TestErrorDetailNamesTheCode: a broken rule answers with the rulebook's
// stable code in the detail, the same as the admin API's and a CSV
// receipt's.
func TestErrorDetailNamesTheCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct {
		name     string
		body     map[string]any
		status   int
		scimType string
		detail   string
	}{
		{"e-mail", map[string]any{"userName": "a", "emails": []any{map[string]any{"value": "a@b", "primary": true}}},
			400, "invalidValue", "emails: not a valid e-mail address; write the bare address, like name@example.dk (email.format)"},
		{"userName", map[string]any{"userName": " "}, 400, "invalidValue", "userName: a value is required (field.required)"},
		{"CPR", map[string]any{"userName": "a", "urn:ietf:params:scim:schemas:extension:tilgang:2.0:User": map[string]any{"cpr": "101901234"}},
			400, "invalidValue", "urn:ietf:params:scim:schemas:extension:tilgang:2.0:User:cpr: the CPR number has 9 digits"},
	} {
		r := e.do(e.a.SCIMToken, "POST", "/Users", tc.body)
		want(t, r, tc.status, tc.scimType)
		if d, _ := r.json(t)["detail"].(string); !strings.HasPrefix(d, tc.detail) || !strings.HasSuffix(d, ")") {
			t.Errorf("%s: detail %q, want it to start %q and end in the code", tc.name, d, tc.detail)
		}
	}
	id := e.create(e.a.SCIMToken, user("anna@example.dk"))
	u := user("anna@example.dk")
	u["urn:ietf:params:scim:schemas:extension:tilgang:2.0:User"] = map[string]any{"anonymous": true}
	r := e.do(e.a.SCIMToken, "PUT", "/Users/"+id, u)
	want(t, r, http.StatusBadRequest, "mutability")
	if d, _ := r.json(t)["detail"].(string); !strings.HasSuffix(d, "(field.immutable)") {
		t.Errorf("detail %q, want the code field.immutable", d)
	}
}
