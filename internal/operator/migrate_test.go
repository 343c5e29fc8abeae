package operator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/operator"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// TestMigrateFolds runs tilgang migrate folds over every organisation of a
// table whose users are all under today's fold: it reads them all, moves
// none, and succeeds. (store.TestRefoldGuards covers users of the old
// fold and collisions.)
func TestMigrateFolds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, table := testenv.Table(t)
	_, bucket := testenv.Bucket(t)
	devFile := writeDevFile(t, "http://127.0.0.1:1", table, bucket)
	st := store.New(db, table)
	for _, name := range []string{"Første ApS", "Anden A/S"} {
		org := &tilgang.Organisation{ID: uuid.NewString(), Name: name, CVR: "12345678", IAL: 3}
		if err := st.CreateOrganisation(ctx, org); err != nil {
			t.Fatal(err)
		}
		for _, userName := range []string{"max@example.dk", "Straße"} {
			u := &tilgang.User{ID: uuid.NewString(), OrgID: org.ID, UserName: userName, FirstName: "Max", LastName: "Berg", Status: tilgang.StatusImported}
			if err := st.CreateUser(ctx, u, tilgang.Change{Activity: tilgang.Activity{Actor: "test", Action: "user.created", Source: "admin"}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	var out, errOut bytes.Buffer
	err := operator.Run(ctx, []string{"migrate", "folds", "--json", "--local", "--dev-file", devFile}, &out, &errOut, operator.Deps{Connect: operator.Connect(nil)})
	if err != nil {
		t.Fatalf("migrate folds: %v\n%s", err, errOut.String())
	}
	var got []struct {
		OrgID string `json:"orgId"`
		Users int
		Moved int
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%v in %q", err, out.String())
	}
	if len(got) != 2 || got[0].Users != 2 || got[1].Users != 2 || got[0].Moved+got[1].Moved != 0 {
		t.Fatalf("migrate folds = %s", out.String())
	}
}

// TestMigrateScheduleVerb runs tilgang migrate schedule over a table whose
// schedule is already sharded: it reads every user, moves nothing, and
// succeeds. (store.TestMigrateSchedule covers legacy entries and writes
// that go on meanwhile.)
func TestMigrateScheduleVerb(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, table := testenv.Table(t)
	_, bucket := testenv.Bucket(t)
	devFile := writeDevFile(t, "http://127.0.0.1:1", table, bucket)
	st := store.New(db, table)
	org := &tilgang.Organisation{ID: uuid.NewString(), Name: "Første ApS", CVR: "12345678", IAL: 3}
	if err := st.CreateOrganisation(ctx, org); err != nil {
		t.Fatal(err)
	}
	u := &tilgang.User{ID: uuid.NewString(), OrgID: org.ID, UserName: "max@example.dk", FirstName: "Max", LastName: "Berg",
		Status: tilgang.StatusActive, Deactivation: &tilgang.Deactivation{From: "2099-01-01"}}
	if err := st.CreateUser(ctx, u, tilgang.Change{Activity: tilgang.Activity{Actor: "test", Action: "user.created", Source: "admin"}}); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	err := operator.Run(ctx, []string{"migrate", "schedule", "--json", "--local", "--dev-file", devFile, "--org", org.ID}, &out, &errOut, operator.Deps{Connect: operator.Connect(nil)})
	if err != nil {
		t.Fatalf("migrate schedule: %v\n%s", err, errOut.String())
	}
	var got []struct {
		OrgID   string `json:"orgId"`
		Users   int
		Entries int
		Moved   int
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%v in %q", err, out.String())
	}
	if len(got) != 1 || got[0].OrgID != org.ID || got[0].Users != 1 || got[0].Entries != 1 || got[0].Moved != 0 {
		t.Fatalf("migrate schedule = %s", out.String())
	}
}
