package admin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// TestUnreadableUserLeavesTheListAnswering: one user whose CPR ciphertext
// does not decrypt and one whose item does not decode never fail GET
// /users (issue 14, finding 6; SPEC §14). The list answers 200 with the
// others, marks the two, and the log names them by id only: no CPR number,
// no name. Before, the list of the whole organisation was a 500.
func TestUnreadableUserLeavesTheListAnswering(t *testing.T) {
	t.Parallel()
	db, table := testenv.Table(t)
	st := store.New(db, table)
	logs := &testenv.Logs{}
	svc := testenv.Users(t, st, users.WithLogger(logs.Logger()))
	srv := httptest.NewServer(newHandler(t, st, svc, time.Now, logs.Logger()))
	t.Cleanup(srv.Close)
	e := &env{t: t, srv: srv, store: st, users: svc, logs: logs}
	e.orgA = &tilgang.Organisation{Name: "Firma A/S", CVR: "11111111", IAL: 3, EANNumbers: []string{eanA}, Language: "da"}
	var err error
	if e.a, err = tenants.New(st).Provision(context.Background(), e.orgA); err != nil {
		t.Fatal(err)
	}

	const cpr = "0101901234"
	body := func(email, first, last string) map[string]any {
		return map[string]any{"firstName": first, "lastName": "Sekretsen", "email": email, "cpr": cpr[:9] + last}
	}
	anna := e.create(body("anna@example.dk", "Annabella", "4"))
	broken := e.create(body("bo@example.dk", "Bodil", "5"))
	garbled := e.create(body("carl@example.dk", "Carlo", "6"))
	if broken.CPRMasked == "" {
		t.Fatalf("no CPR: %+v", broken)
	}

	// Damage the items in the table, as a bad restore or a lost key would.
	key := func(id string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: "ORG#" + e.orgA.ID + "#USER#" + id},
			"SK": &types.AttributeValueMemberS{Value: "USER"},
		}
	}
	for id, set := range map[string]map[string]types.AttributeValue{
		broken.ID:  {":v": &types.AttributeValueMemberB{Value: []byte("not a ciphertext at all, 0123456789")}},
		garbled.ID: {":v": &types.AttributeValueMemberS{Value: "not a list of roles"}},
	} {
		attr := "cprSealed"
		if id == garbled.ID {
			attr = "roles"
		}
		if _, err := db.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
			TableName: aws.String(table), Key: key(id),
			UpdateExpression:          aws.String("SET #a = :v"),
			ExpressionAttributeNames:  map[string]string{"#a": attr},
			ExpressionAttributeValues: set,
		}); err != nil {
			t.Fatal(err)
		}
	}

	for _, query := range []string{"", "?limit=2", "?status=pending_activation", "?q=sekretsen"} {
		seen := map[string]map[string]any{}
		cursor := ""
		for {
			path := "/users" + query
			if cursor != "" {
				sep := "?"
				if query != "" {
					sep = "&"
				}
				path += sep + "cursor=" + cursor
			}
			r := e.do(e.a.AdminToken, "GET", path, nil)
			wantStatus(t, r, http.StatusOK)
			var page struct {
				Items      []map[string]any `json:"items"`
				NextCursor string           `json:"nextCursor"`
			}
			if err := json.Unmarshal(r.body, &page); err != nil {
				t.Fatal(err)
			}
			for _, it := range page.Items {
				seen[it["id"].(string)] = it
			}
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		if len(seen) != 3 {
			t.Fatalf("%s: %d users listed, want 3: %v", query, len(seen), seen)
		}
		if a := seen[anna.ID]; a["firstName"] != "Annabella" || a["cprMasked"] == nil || a["unavailable"] != nil {
			t.Errorf("%s: readable user %v", query, a)
		}
		if b := seen[broken.ID]; b["firstName"] != "Bodil" || b["cprMasked"] != nil || code(b) != "cpr.unreadable" {
			t.Errorf("%s: user with a broken CPR %v", query, b)
		}
		if c := seen[garbled.ID]; len(c) != 2 || code(c) != "user.unreadable" {
			t.Errorf("%s: user whose item does not decode %v", query, c)
		}
	}

	// The user itself still opens, without its CPR number.
	r := e.do(e.a.AdminToken, "GET", "/users/"+broken.ID, nil)
	wantStatus(t, r, http.StatusOK)
	if got := decode[map[string]any](t, r); got["cprMasked"] != nil || code(got) != "cpr.unreadable" {
		t.Errorf("GET of the user with a broken CPR: %s", r.body)
	}

	// The log names both by id and holds no personal data.
	log := logs.String()
	for _, id := range []string{broken.ID, garbled.ID} {
		if !strings.Contains(log, id) {
			t.Errorf("log does not name %s:\n%s", id, log)
		}
	}
	for _, secret := range []string{cpr[:9], cpr[:6], "Bodil", "Carlo", "Sekretsen", "bo@example.dk", "carl@example.dk", "not a ciphertext"} {
		if strings.Contains(log, secret) {
			t.Errorf("log holds %q:\n%s", secret, log)
		}
	}
}

// TestUnreadableInvitationLeavesTheListAnswering: as for users, one
// invitation whose item does not decode never fails GET /invitations.
func TestUnreadableInvitationLeavesTheListAnswering(t *testing.T) {
	t.Parallel()
	e := newInvitationEnv(t)
	r := e.do(e.a.AdminToken, "POST", "/invitations", invitationBody(tilgang.RoleUserAdmin, "ok@example.dk", "bad@example.dk"))
	wantStatus(t, r, http.StatusOK)
	res := decode[inviteAnswer](t, r).Results
	ok, bad := res[0].InvitationID, res[1].InvitationID
	if _, err := e.db.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName: aws.String(e.table),
		Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: "ORG#" + e.orgA.ID + "#INVITATION#" + bad},
			"SK": &types.AttributeValueMemberS{Value: "INVITATION"},
		},
		UpdateExpression:          aws.String("SET createdAt = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberS{Value: "not a time"}},
	}); err != nil {
		t.Fatal(err)
	}
	for _, query := range []string{"", "?status=pending"} {
		r := e.do(e.a.AdminToken, "GET", "/invitations"+query, nil)
		wantStatus(t, r, http.StatusOK)
		items := map[string]map[string]any{}
		for _, it := range decode[struct{ Items []map[string]any }](t, r).Items {
			items[it["id"].(string)] = it
		}
		if items[ok]["email"] != "ok@example.dk" || len(items[bad]) != 2 || code(items[bad]) != "invitation.unreadable" {
			t.Errorf("%s: %s", query, r.body)
		}
	}
	if log := e.logs.String(); !strings.Contains(log, bad) || strings.Contains(log, "bad@example.dk") {
		t.Errorf("log:\n%s", log)
	}
}

func code(item map[string]any) string {
	u, _ := item["unavailable"].(map[string]any)
	c, _ := u["code"].(string)
	return c
}
