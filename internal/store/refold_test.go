package store_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// legacyUser stores a user as the store did before userNames were folded
// with NFKC: its guard under tilgang.LegacyFoldUserName, no userNameKey on
// the item, and sort keys of the legacy fold. It creates the user under a
// stand-in name, then rewrites the items, since today's store would refuse
// a name that collides under the new fold.
func legacyUser(t *testing.T, db *dynamodb.Client, table string, st *store.Store, org, id, userName string) {
	t.Helper()
	stand := "stand-in-" + id
	if err := st.CreateUser(ctx, newUser(org, id, stand), change("user.created")); err != nil {
		t.Fatal(err)
	}
	legacy := tilgang.LegacyFoldUserName(userName)
	_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{
			TableName:        aws.String(table),
			Key:              key("ORG#"+org+"#USER#"+id, "USER"),
			UpdateExpression: aws.String("SET userName = :n, GSI1SK = :f, GSI2SK = :f REMOVE userNameKey"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":n": &types.AttributeValueMemberS{Value: userName}, ":f": &types.AttributeValueMemberS{Value: legacy},
			},
		}},
		{Delete: &types.Delete{TableName: aws.String(table), Key: key(userNameGuard(org, stand), "GUARD")}},
		{Put: &types.Put{TableName: aws.String(table), Item: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: userNameGuard(org, legacy)}, "SK": &types.AttributeValueMemberS{Value: "GUARD"},
			"type": &types.AttributeValueMemberS{Value: "guard"}, "userId": &types.AttributeValueMemberS{Value: id},
		}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
}

func userNameGuard(org, folded string) string { return "ORG#" + org + "#USERNAME#" + folded }

// guardHolder reads the user id a userName guard holds, "" for none.
func guardHolder(t *testing.T, db *dynamodb.Client, table, org, folded string) string {
	t.Helper()
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key(userNameGuard(org, folded), "GUARD"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := out.Item["userId"].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func TestRefoldGuards(t *testing.T) {
	t.Parallel()
	db, table := testenv.Table(t)
	st := store.New(db, table)
	const org = "o1"
	// Today's users: an ASCII name, and one whose folds agree.
	for id, name := range map[string]string{"ascii": "max@example.com", "sharp": "Straße"} {
		if err := st.CreateUser(ctx, newUser(org, id, name), change("user.created")); err != nil {
			t.Fatal(err)
		}
	}
	// Users of the old store: a full-width name that is free under the
	// new fold, and a look-alike of "max@example.com".
	legacyUser(t, db, table, st, org, "wide", "ＡＮＮＡ")
	legacyUser(t, db, table, st, org, "twin", "ｍax@example.com")

	// Before the migration the legacy users still work.
	if u, err := st.UserByUserName(ctx, org, "ＡＮＮＡ"); err != nil || u.ID != "wide" {
		t.Fatalf("legacy user by its own name = %v, %v", u, err)
	}
	if err := st.CreateUser(ctx, newUser(org, "again", "ａｎｎａ"), change("user.created")); !errors.Is(err, tilgang.ErrUserNameTaken) {
		t.Fatalf("creating the legacy name again = %v, want %v", err, tilgang.ErrUserNameTaken)
	}

	rep, err := st.RefoldGuards(ctx, org)
	if err != nil {
		t.Fatal(err)
	}
	wantCollision := []store.RefoldCollision{{UserID: "twin", HolderID: "ascii"}}
	if rep.Users != 4 || rep.Moved != 1 || rep.Unchanged != 2 || !slices.Equal(rep.Collisions, wantCollision) || len(rep.Retry) != 0 {
		t.Fatalf("first run = %+v, want 4 users, 1 moved, 2 unchanged, collision %v", rep, wantCollision)
	}
	for _, g := range []struct{ folded, holder string }{
		{"anna", "wide"},                             // moved to the new key
		{"ａｎｎａ", ""},                                 // the old key gone
		{"max@example.com", "ascii"},                 // the holder keeps its name
		{"ｍax@example.com", "twin"},                  // the look-alike keeps its legacy guard: reported, not resolved
		{"strasse", "sharp"},                         // untouched
		{"stand-in-wide", ""}, {"stand-in-twin", ""}, // (the test's own scaffolding)
	} {
		if got := guardHolder(t, db, table, org, g.folded); got != g.holder {
			t.Errorf("guard %q held by %q, want %q", g.folded, got, g.holder)
		}
	}
	if u, err := st.UserByUserName(ctx, org, "anna"); err != nil || u.ID != "wide" || u.UserName != "ＡＮＮＡ" || u.UserNameKey != "anna" {
		t.Errorf("moved user by the new fold = %+v, %v", u, err)
	}
	page, err := st.Users(ctx, org, tilgang.UserQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, u := range page.Users {
		order = append(order, u.ID)
	}
	if want := []string{"wide", "ascii", "sharp", "twin"}; !slices.Equal(order, want) {
		t.Errorf("users in order %v, want %v (the moved user sorts by its new fold)", order, want)
	}

	again, err := st.RefoldGuards(ctx, org)
	if err != nil {
		t.Fatal(err)
	}
	if again.Moved != 0 || again.Unchanged != 3 || !slices.Equal(again.Collisions, wantCollision) || len(again.Retry) != 0 {
		t.Errorf("second run = %+v, want no move and the same collision", again)
	}

	// The administrator resolves the collision: the look-alike, still
	// under its legacy guard, can be deleted, which frees that guard.
	twin, err := st.User(ctx, org, "twin")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteUser(ctx, twin, change("user.deleted")); err != nil {
		t.Fatalf("deleting the unmoved look-alike: %v", err)
	}
	if got := guardHolder(t, db, table, org, "ｍax@example.com"); got != "" {
		t.Errorf("legacy guard of the deleted look-alike held by %q", got)
	}
	if final, err := st.RefoldGuards(ctx, org); err != nil || final.Users != 3 || final.Moved != 0 || len(final.Collisions) != 0 {
		t.Errorf("run after the fix = %+v, %v", final, err)
	}
}
