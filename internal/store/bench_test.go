package store_test

// Benchmarks of the store against the raw AWS SDK calls it needs, on the
// same DynamoDB Local table in one run: each Benchmark<Op> has a "store" and
// a "raw" sub-benchmark, and infra/benchratio prints store ns/op over raw.
//
// Both sub-benchmarks of an Op share one table and one fixture. Before they
// run, the Op warms up by alternating the two ways (JIT of DynamoDB Local,
// HTTP connections, the SDK's and attributevalue's caches), so neither side
// pays for a cold start. The go tool then runs each leaf's -count runs back
// to back (store ×count, then raw ×count); the warm-up is what keeps that
// order from favouring either side.

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// benchWarmup is how many times each way runs, alternately, before timing.
const benchWarmup = 50

const benchOrg = "3f2b8c1a-7d4e-4f60-9a1b-2c3d4e5f6a7b"

// benchIDs are the values that must be unique per created user. Each is as
// long as in production: UUIDs, a 64-digit hex CPR look-up hash.
type benchIDs struct {
	user, userName, externalID, cprLookup, mail string
}

func newBenchIDs(n int) benchIDs {
	s := fmt.Sprintf("%012d", n)
	return benchIDs{
		user:       "0b6f7c1e-5d2a-4c3b-9e8f-" + s,
		userName:   "anna.hansen." + s,
		externalID: "HR-" + s,
		cprLookup:  "9c1e5a7b3d2f4e6a8b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e" + "5f6a" + s,
		mail:       "01970a3c-5e2f-7b40-8c1d-" + s,
	}
}

// benchUser is a user as the admin API creates it with activation: an
// employee with externalId and CPR number, pending activation by mail.
func benchUser(id benchIDs) *tilgang.User {
	issued := time.Date(2025, 6, 2, 9, 30, 0, 0, time.UTC)
	return &tilgang.User{
		ID: id.user, OrgID: benchOrg, UserName: id.userName, ExternalID: id.externalID,
		FirstName: "Anna", LastName: "Hansen", Email: "anna.hansen@example.dk", Phone: "+4512345678",
		CPR: tilgang.SealedCPR{Lookup: id.cprLookup, Sealed: []byte(
			"\x01nonce-12-byt" + "ciphertext" + "tag-16-bytes-xxx")},
		TargetIAL: 2, LoginMeans: tilgang.LoginMeansPrivateMitID,
		Kind: tilgang.KindEmployee, Department: "Økonomi",
		Roles:      []tilgang.Role{{Role: tilgang.RoleUserAdmin, OrgUnit: "okonomi"}},
		Status:     tilgang.StatusPendingActivation,
		Activation: &tilgang.Activation{IssuedAt: issued, ExpiresAt: issued.Add(tilgang.ActivationValidity)},
	}
}

func benchChange(mail []tilgang.Mail) tilgang.Change {
	return tilgang.Change{
		Activity: tilgang.Activity{Actor: "hr-integration", Source: "admin", Action: "user.created"},
		Mail:     mail,
	}
}

func benchMail(id benchIDs, to string) tilgang.Mail {
	return tilgang.Mail{ID: id.mail, OrgID: benchOrg, UserID: id.user, Kind: tilgang.MailActivation, Language: "da"}
}

// The raw benchmarks build keys themselves; these mirror keys.go, and
// captureItems checks them against what the store wrote.
func rawUserPK(userID string) string       { return "ORG#" + benchOrg + "#USER#" + userID }
func rawUserNameGuard(name string) string  { return "ORG#" + benchOrg + "#USERNAME#" + name }
func rawExternalIDGuard(ext string) string { return "ORG#" + benchOrg + "#EXTERNALID#" + ext }
func rawCPRGuard(lookup string) string     { return "ORG#" + benchOrg + "#CPR#" + lookup }
func rawOutboxPK(mailID string) string     { return "OUTBOX#" + mailID }
func rawS(v string) types.AttributeValue   { return &types.AttributeValueMemberS{Value: v} }
func rawKey(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"PK": rawS(pk), "SK": rawS(sk)}
}

// benchOp is one way of doing an operation, run once per iteration.
type benchOp struct {
	name string
	run  func(b *testing.B)
}

// runPair warms the ways up alternately, then benchmarks each as a
// sub-benchmark on the same fixture.
func runPair(b *testing.B, ops ...benchOp) { runPairWarm(b, benchWarmup, ops...) }

// runPairWarm is runPair with warmup rounds, for ops of many calls each,
// which warm up in fewer.
func runPairWarm(b *testing.B, warmup int, ops ...benchOp) {
	for range warmup {
		for _, op := range ops {
			op.run(b)
		}
	}
	for _, op := range ops {
		b.Run(op.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				op.run(b)
			}
		})
	}
}

func BenchmarkCreateUser(b *testing.B) {
	db, table := testenv.Table(b)
	st := store.New(db, table)
	n := 0
	next := func() benchIDs { n++; return newBenchIDs(n) }

	// The store way: what users.Service.Create hands the store.
	tmpl := benchUser(next())
	mail := make([]tilgang.Mail, 1)
	storeOp := func(b *testing.B) {
		id := next()
		u := *tmpl
		u.ID, u.UserName, u.ExternalID, u.CPR.Lookup = id.user, id.userName, id.externalID, id.cprLookup
		mail[0] = benchMail(id, u.Email)
		if err := st.CreateUser(ctx, &u, benchChange(mail)); err != nil {
			b.Fatal(err)
		}
	}

	// The raw way: the same eight items, attribute for attribute, as the
	// store writes them (captured from one store write), with the unique
	// values replaced per iteration, and the same conditions: the user, its
	// three guards, history, outbox, its activation's expiry in the schedule
	// and, as the user holds an admin role, the organisation's admin count.
	first := next()
	it := captureItems(b, st, db, table, first)
	search := strings.TrimSuffix(it.user["search"].(*types.AttributeValueMemberS).Value, first.userName)
	notExists := aws.String("attribute_not_exists(PK)")
	put := func(item map[string]types.AttributeValue, cond *string) types.TransactWriteItem {
		return types.TransactWriteItem{Put: &types.Put{TableName: aws.String(table), Item: item, ConditionExpression: cond}}
	}
	adminCount := types.TransactWriteItem{Update: &types.Update{
		TableName:                 aws.String(table),
		Key:                       rawKey("ORG#"+benchOrg, "ADMINS"),
		UpdateExpression:          aws.String("ADD #n :d SET #t = :t"),
		ExpressionAttributeNames:  map[string]string{"#n": "admins", "#t": "type"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":d": &types.AttributeValueMemberN{Value: "1"}, ":t": rawS("counter")},
	}}
	items := []types.TransactWriteItem{
		put(it.user, notExists),
		put(it.guards[0], notExists), put(it.guards[1], notExists), put(it.guards[2], notExists),
		adminCount,
		put(it.schedule, nil),
		put(it.history, nil),
		put(it.outbox, notExists),
	}
	rawOp := func(b *testing.B) {
		id := next()
		pk, user, name := rawS(rawUserPK(id.user)), rawS(id.user), rawS(id.userName)
		it.user["PK"], it.user["id"], it.user["userName"] = pk, user, name
		it.user["GSI1SK"], it.user["GSI2SK"], it.user["search"] = name, name, rawS(search+id.userName)
		it.user["externalId"], it.user["cprLookup"] = rawS(id.externalID), rawS(id.cprLookup)
		it.guards[0]["PK"] = rawS(rawUserNameGuard(id.userName))
		it.guards[1]["PK"] = rawS(rawExternalIDGuard(id.externalID))
		it.guards[2]["PK"] = rawS(rawCPRGuard(id.cprLookup))
		for _, g := range it.guards {
			g["userId"] = user
		}
		it.schedule["SK"], it.schedule["userId"] = rawS(benchOrg+"#"+id.user+"#expire"), user
		it.history["PK"] = pk
		it.outbox["PK"], it.outbox["id"], it.outbox["userId"] = rawS(rawOutboxPK(id.mail)), rawS(id.mail), user
		// A new input each time: the SDK fills in ClientRequestToken on the
		// input it is given, and a reused token would be a retry.
		if _, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items}); err != nil {
			b.Fatal(err)
		}
	}

	runPair(b, benchOp{"store", storeOp}, benchOp{"raw", rawOp})

	// The raw way wrote users that the store reads as its own.
	last := newBenchIDs(n)
	if got, err := st.UserByExternalID(ctx, benchOrg, last.externalID); err != nil || got.ID != last.user || got.UserName != last.userName {
		b.Fatalf("last raw user: %+v, %v", got, err)
	}
}

func BenchmarkGetUser(b *testing.B) {
	db, table := testenv.Table(b)
	st := store.New(db, table)
	id := newBenchIDs(1)
	u := benchUser(id)
	if err := st.CreateUser(ctx, u, benchChange([]tilgang.Mail{benchMail(id, u.Email)})); err != nil {
		b.Fatal(err)
	}

	storeOp := func(b *testing.B) {
		if _, err := st.User(ctx, benchOrg, id.user); err != nil {
			b.Fatal(err)
		}
	}
	key := rawKey(rawUserPK(id.user), "USER")
	rawOp := func(b *testing.B) {
		out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)})
		if err != nil {
			b.Fatal(err)
		}
		if out.Item == nil {
			b.Fatal("raw GetItem: no user")
		}
		var m map[string]any
		if err := attributevalue.UnmarshalMap(out.Item, &m); err != nil {
			b.Fatal(err)
		}
	}

	runPair(b, benchOp{"store", storeOp}, benchOp{"raw", rawOp})
}

// capturedItems are the items of one store.CreateUser as stored (the
// admin count is an ADD, the same for every user).
type capturedItems struct {
	user, history, outbox, schedule map[string]types.AttributeValue
	guards                          [3]map[string]types.AttributeValue // userName, externalId, CPR
}

// captureItems creates the user of id with the store and reads back the
// items it wrote, which also checks that the raw key formats match the
// store's.
func captureItems(b *testing.B, st *store.Store, db *dynamodb.Client, table string, id benchIDs) capturedItems {
	b.Helper()
	u := benchUser(id)
	if err := st.CreateUser(ctx, u, benchChange([]tilgang.Mail{benchMail(id, u.Email)})); err != nil {
		b.Fatal(err)
	}
	get := func(pk, sk string) map[string]types.AttributeValue {
		out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: rawKey(pk, sk), ConsistentRead: aws.Bool(true)})
		if err != nil {
			b.Fatal(err)
		}
		if out.Item == nil {
			b.Fatalf("no item %s %s: the raw keys no longer match keys.go", pk, sk)
		}
		return out.Item
	}
	var it capturedItems
	it.user = get(rawUserPK(id.user), "USER")
	it.guards[0] = get(rawUserNameGuard(id.userName), "GUARD")
	it.guards[1] = get(rawExternalIDGuard(id.externalID), "GUARD")
	it.guards[2] = get(rawCPRGuard(id.cprLookup), "GUARD")
	it.outbox = get(rawOutboxPK(id.mail), "OUTBOX")
	it.schedule = get(store.SchedulePK(tilgang.Today(u.Activation.ExpiresAt), benchOrg, id.user), benchOrg+"#"+id.user+"#expire")
	if n := get("ORG#"+benchOrg, "ADMINS")["admins"].(*types.AttributeValueMemberN).Value; n != "1" {
		b.Fatalf("admin count %s after one admin, want 1: update rawOp's admin count", n)
	}
	q, err := db.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(table),
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :h)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": rawS(rawUserPK(id.user)), ":h": rawS("HIST#")},
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		b.Fatal(err)
	}
	if len(q.Items) != 1 {
		b.Fatalf("%d history items, want 1", len(q.Items))
	}
	it.history = q.Items[0]
	// The raw way replaces exactly these per user; anything else unique
	// would make it write less than the store does.
	if s := it.user["search"].(*types.AttributeValueMemberS).Value; !strings.HasSuffix(s, id.userName) {
		b.Fatalf("search %q does not end in the userName; update rawOp", s)
	}
	return it
}
