package store_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// dump returns every item of the table as text, for checks on what the
// store leaves behind. A Scan is fine here: it inspects a test's own table.
func dump(t *testing.T, db *dynamodb.Client, table string) string {
	t.Helper()
	out, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(out.Items)
}

func TestChangeWritesHistoryAndOutboxInTheSameTransaction(t *testing.T) {
	t.Parallel()
	db, table := testenv.Table(t)
	st := store.New(db, table)
	u := newUser("o1", "u1", "mail.me")
	c := change("user.created")
	c.Mail = []tilgang.Mail{{ID: "m1", OrgID: "o1", UserID: "u1", Kind: tilgang.MailActivation, Language: "da"}}
	if err := st.CreateUser(ctx, u, c); err != nil {
		t.Fatal(err)
	}
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key("OUTBOX#m1", "OUTBOX")})
	if err != nil || out.Item == nil {
		t.Fatalf("outbox item: %v, %v", out, err)
	}
	for _, attr := range []string{"type", "userId", "kind", "expiresAt"} {
		if out.Item[attr] == nil {
			t.Errorf("outbox item lacks %s: %v", attr, out.Item)
		}
	}
	next := u.Clone()
	next.Phone = "12345678"
	if err := st.UpdateUser(ctx, u, next, tilgang.Change{Activity: tilgang.Activity{Action: "user.updated", Fields: []string{"phone"}}}); err != nil {
		t.Fatal(err)
	}
	hist, err := st.History(ctx, "o1", "u1", store.HistoryQuery{Oldest: true})
	if err != nil || len(hist) != 2 || hist[1].Action != "user.updated" || hist[1].Fields[0] != "phone" {
		t.Fatalf("history = %+v, %v", hist, err)
	}
	if err := st.DeleteUser(ctx, next, change("user.deleted")); err != nil {
		t.Fatal(err)
	}
	if items := dump(t, db, table); strings.Contains(items, "mail.me") || strings.Contains(items, "12345678") {
		t.Fatalf("personal data left after delete: %s", items)
	}
}

func TestMaxAdminsHoldsUnderConcurrentChanges(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	admin := func(i int) *tilgang.User {
		u := newUser("o1", fmt.Sprint("a", i), fmt.Sprint("admin", i))
		u.Roles = []tilgang.Role{{Role: tilgang.RoleCompanyAdmin}}
		return u
	}
	withLimit := func(action string) tilgang.Change {
		c := change(action)
		c.MaxAdmins = 3
		return c
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { errs[i] = st.CreateUser(ctx, admin(i), withLimit("user.created")) })
	}
	wg.Wait()
	if created := succeeded(t, errs, tilgang.ErrMaxAdmins); created != 3 {
		t.Fatalf("%d admins created under a limit of 3", created)
	}
	// Taking the role from one admin frees a place; a plain user may still
	// be created at the limit.
	page, err := st.Users(ctx, "o1", tilgang.UserQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateUser(ctx, newUser("o1", "plain", "plain"), withLimit("user.created")); err != nil {
		t.Fatalf("plain user at the limit: %v", err)
	}
	demoted := page.Users[0].Clone()
	demoted.Roles = nil
	if err := st.UpdateUser(ctx, page.Users[0], demoted, withLimit("user.updated")); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateUser(ctx, admin(100), withLimit("user.created")); err != nil {
		t.Fatalf("admin after a demotion: %v", err)
	}
	promoted := demoted.Clone()
	promoted.Roles = []tilgang.Role{{Role: tilgang.RoleUserAdmin}}
	if err := st.UpdateUser(ctx, demoted, promoted, withLimit("user.updated")); !errors.Is(err, tilgang.ErrMaxAdmins) {
		t.Fatalf("promotion over the limit: %v", err)
	}
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: pk},
		"SK": &types.AttributeValueMemberS{Value: sk},
	}
}
