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

	"github.com/tilgang/tilgang/internal/groups"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// damageEnv is the admin API on a table the test may damage directly.
type damageEnv struct {
	*env
	db    *dynamodb.Client
	table string
}

func newDamageEnv(t *testing.T, opts ...users.Option) *damageEnv {
	t.Helper()
	db, table := testenv.Table(t)
	st := store.New(db, table)
	logs := &testenv.Logs{}
	svc := testenv.Users(t, st, append(opts, users.WithLogger(logs.Logger()))...)
	srv := httptest.NewServer(newHandler(t, st, svc, time.Now, logs.Logger()))
	t.Cleanup(srv.Close)
	e := &env{t: t, srv: srv, store: st, users: svc, logs: logs}
	e.orgA = &tilgang.Organisation{Name: "Firma A/S", CVR: "11111111", IAL: 3, EANNumbers: []string{eanA}, Language: "da"}
	var err error
	if e.a, err = tenants.New(st).Provision(context.Background(), e.orgA); err != nil {
		t.Fatal(err)
	}
	return &damageEnv{env: e, db: db, table: table}
}

// damage sets attributes of the item at pk, sk to values of the wrong
// type, as a bad restore or a hand edit would.
func (e *damageEnv) damage(pk, sk string, set map[string]types.AttributeValue) {
	e.t.Helper()
	names, values, exprs := map[string]string{}, map[string]types.AttributeValue{}, []string{}
	i := 0
	for attr, v := range set {
		n, p := "#a"+string(rune('0'+i)), ":v"+string(rune('0'+i))
		names[n], values[p] = attr, v
		exprs = append(exprs, n+" = "+p)
		i++
	}
	if _, err := e.db.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName: aws.String(e.table),
		Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: sk},
		},
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		UpdateExpression:          aws.String("SET " + strings.Join(exprs, ", ")),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}); err != nil {
		e.t.Fatal(err)
	}
}

// historyKeys are the sort keys of user id's history entries.
func (e *damageEnv) historyKeys(id string) []string {
	e.t.Helper()
	out, err := e.db.Query(context.Background(), &dynamodb.QueryInput{
		TableName:              aws.String(e.table),
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :h)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: "ORG#" + e.orgA.ID + "#USER#" + id}, ":h": &types.AttributeValueMemberS{Value: "HIST#"},
		},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		e.t.Fatal(err)
	}
	var sks []string
	for _, it := range out.Items {
		sks = append(sks, it["SK"].(*types.AttributeValueMemberS).Value)
	}
	return sks
}

// TestUnreadableUserCanBeReadAndDeleted: a user whose stored item does not
// decode (SPEC §14) opens with what can be read, marked user.unreadable;
// every change answers 409 user.unreadable; DELETE erases it, freeing its
// userName, e-mail and CPR number; a user-admin may not delete it when its
// roles cannot be read (it may be an administrator). The log names it by
// ids and attribute names only. Before, GET, PATCH, DELETE and every
// lifecycle step answered 500, and the user could not be erased.
func TestUnreadableUserCanBeReadAndDeleted(t *testing.T) {
	t.Parallel()
	e := newDamageEnv(t)
	const cpr = "0101901239"
	body := map[string]any{"firstName": "Dorthe", "lastName": "Skadesen", "email": "dorthe@example.dk", "cpr": cpr}
	damaged := e.create(body)
	userAdmin := e.newToken(e.a.AdminToken, "admin", tilgang.RoleUserAdmin)
	e.damage("ORG#"+e.orgA.ID+"#USER#"+damaged.ID, "USER", map[string]types.AttributeValue{
		"roles":     &types.AttributeValueMemberS{Value: "not a list of roles"},
		"createdAt": &types.AttributeValueMemberN{Value: "12"},
	})
	path := "/users/" + damaged.ID

	r := e.do(e.a.AdminToken, "GET", path, nil)
	wantStatus(t, r, http.StatusOK)
	got := decode[map[string]any](t, r)
	if got["id"] != damaged.ID || got["firstName"] != "Dorthe" || got["email"] != "dorthe@example.dk" || code(got) != "user.unreadable" {
		t.Errorf("GET of a user whose item does not decode: %s", r.body)
	}

	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"PATCH", path, map[string]any{"phone": "12345678"}},
		{"POST", path + "/deactivate", map[string]any{}},
		{"POST", path + "/activation", nil},
		{"POST", path + "/activation-code", nil},
	} {
		wantProblem(t, e.do(e.a.AdminToken, c.method, c.path, c.body), http.StatusConflict, "user.unreadable", "")
	}
	r = e.do(e.a.AdminToken, "GET", path+"/history", nil)
	wantStatus(t, r, http.StatusOK)

	// Its roles did not decode: it may hold an admin role, which a
	// user-admin may not delete.
	wantProblem(t, e.do(userAdmin.Token, "DELETE", path, nil), http.StatusForbidden, "token.role_missing", "")
	r = e.do(e.a.AdminToken, "DELETE", path, nil)
	wantStatus(t, r, http.StatusNoContent)
	wantProblem(t, e.do(e.a.AdminToken, "GET", path, nil), http.StatusNotFound, "user.not_found", "")

	// Erased: its userName, e-mail and CPR number are free again, and the
	// organisation counts no user.
	again := e.create(body)
	if again.ID == damaged.ID {
		t.Fatal("same id")
	}
	counts, err := e.users.Counts(context.Background(), e.orgA)
	if err != nil || counts.Total != 1 {
		t.Errorf("counts after the delete and a new create: %+v, %v; want 1 user", counts, err)
	}

	log := e.logs.String()
	if !strings.Contains(log, damaged.ID) || !strings.Contains(log, "roles") {
		t.Errorf("log does not name the user and the attribute:\n%s", log)
	}
	for _, secret := range []string{cpr[:6], "Dorthe", "Skadesen", "dorthe@example.dk", "not a list of roles"} {
		if strings.Contains(log, secret) {
			t.Errorf("log holds %q:\n%s", secret, log)
		}
	}
}

// TestUnreadableEntriesLeaveOtherListsAnswering: a history entry, a group
// and an import whose items do not decode never fail the user's history,
// the organisation's history, the group list or the import list: the rest
// answers, and the entry is marked unavailable (SPEC §14). Before, each
// list was a 500.
func TestUnreadableEntriesLeaveOtherListsAnswering(t *testing.T) {
	t.Parallel()
	e := newDamageEnv(t)
	ctx := context.Background()
	u := e.create(map[string]any{"firstName": "Hanne", "lastName": "Historie", "email": "hanne@example.dk", "dateOfBirth": "1990-01-01"})
	wantStatus(t, e.do(e.a.AdminToken, "PATCH", "/users/"+u.ID, map[string]any{"phone": "12345678"}), http.StatusOK)
	sks := e.historyKeys(u.ID)
	if len(sks) != 2 {
		t.Fatalf("history entries %v, want 2", sks)
	}
	e.damage("ORG#"+e.orgA.ID+"#USER#"+u.ID, sks[0], map[string]types.AttributeValue{"at": &types.AttributeValueMemberS{Value: "not a time"}})

	svc := groups.New(e.store, e.users)
	var ids []string
	for _, name := range []string{"Alfa", "Beta"} {
		g := &tilgang.Group{DisplayName: name}
		if err := svc.Create(ctx, tilgang.Actor{Name: "test"}, e.orgA, g, nil); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, g.ID)
	}
	e.damage("ORG#"+e.orgA.ID+"#GROUP#"+ids[1], "GROUP", map[string]types.AttributeValue{"version": &types.AttributeValueMemberS{Value: "v"}})

	var imps []string
	for _, id := range []string{"0f8fad5b-d9cb-469f-a165-70867728950e", "1f8fad5b-d9cb-469f-a165-70867728950e"} {
		imp := &tilgang.Import{ID: id, OrgID: e.orgA.ID, Bucket: "b", Key: "imports/" + e.orgA.ID + "/" + id + ".csv", Version: "v1", File: id + ".csv"}
		if _, err := e.store.StartImport(ctx, imp, "me", time.Now().Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		imps = append(imps, id)
	}
	e.damage("ORG#"+e.orgA.ID+"#IMPORT#"+imps[1], "IMPORT", map[string]types.AttributeValue{"nextLine": &types.AttributeValueMemberS{Value: "one"}})

	items := func(path string) []map[string]any {
		t.Helper()
		r := e.do(e.a.AdminToken, "GET", path, nil)
		wantStatus(t, r, http.StatusOK)
		var page struct{ Items []map[string]any }
		if err := json.Unmarshal(r.body, &page); err != nil {
			t.Fatal(err)
		}
		return page.Items
	}
	for _, path := range []string{"/users/" + u.ID + "/history", "/history"} {
		marked := 0
		all := items(path)
		for _, it := range all {
			if code(it) == "history.unreadable" {
				marked++
			}
		}
		if len(all) != 2 || marked != 1 {
			t.Errorf("%s: %d entries, %d marked; want 2 and 1: %v", path, len(all), marked, all)
		}
	}
	byID := func(list []map[string]any, idName string) map[string]map[string]any {
		m := map[string]map[string]any{}
		for _, it := range list {
			id, _ := it[idName].(string)
			m[id] = it
		}
		return m
	}
	gs := byID(items("/groups"), "id")
	if len(gs) != 2 || gs[ids[0]]["displayName"] != "Alfa" || code(gs[ids[1]]) != "group.unreadable" {
		t.Errorf("groups: %v", gs)
	}
	is := byID(items("/imports"), "importId")
	if len(is) != 2 || is[imps[0]]["status"] == nil || code(is[imps[1]]) != "import.unreadable" {
		t.Errorf("imports: %v", is)
	}
	log := e.logs.String()
	for _, id := range []string{ids[1], imps[1], u.ID} {
		if !strings.Contains(log, id) {
			t.Errorf("log does not name %s:\n%s", id, log)
		}
	}
	if strings.Contains(log, "Hanne") || strings.Contains(log, "hanne@") {
		t.Errorf("log holds personal data:\n%s", log)
	}
}
