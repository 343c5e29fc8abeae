package scim_test

import (
	"context"
	"testing"

	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// TestHistoryNamesTheSCIMClient: a SCIM change is by the SCIM client, named
// by its token's name and id, as data on the history entry (SPEC §9).
func TestHistoryNamesTheSCIMClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tok, _, err := tenants.New(e.store).Authenticate(ctx, tilgang.TokenSCIM, e.a.SCIMToken)
	if err != nil {
		t.Fatal(err)
	}
	id := e.create(e.a.SCIMToken, user("anna@example.dk"))
	page, err := e.store.UserHistory(ctx, e.orgA.ID, id, store.HistoryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) != 1 {
		t.Fatalf("history %+v", page.Entries)
	}
	a := page.Entries[0].Activity
	want := tilgang.By{Kind: tilgang.ActorSCIM, ID: tok.ID, Name: "initial SCIM token"}
	if a.By == nil || *a.By != want || a.Actor != "SCIM client initial SCIM token" || a.Source != "scim" {
		t.Fatalf("entry %+v by %+v; want by %+v", a, a.By, want)
	}
	if got := tilgang.ActorOf(a); got != want {
		t.Errorf("ActorOf %+v", got)
	}
}
