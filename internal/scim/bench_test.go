package scim_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mathrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/cpr"
	"github.com/tilgang/tilgang/internal/groups"
	"github.com/tilgang/tilgang/internal/ratelimit"
	"github.com/tilgang/tilgang/internal/scim"
	"github.com/tilgang/tilgang/internal/secret"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// The benchmarks compare our requests with the raw DynamoDB calls they
// need, against the same DynamoDB Local in the same run; make bench prints
// the ratios. The fixture is built once per process: -count repeats reuse it.

// benchUsers is the size of the large organisation (issue: 100k); set
// TILGANG_BENCH_USERS to try another size.
func benchUsers() int {
	if n, err := strconv.Atoi(os.Getenv("TILGANG_BENCH_USERS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

type benchFixture struct {
	db      *dynamodb.Client
	table   string
	st      *store.Store
	tenants *tenants.Service
	handler http.Handler
	// organisations by size: a SCIM token, one user's id and userName,
	// and the ids of all its users, in seeding order.
	orgs map[string]benchOrg
}

type benchOrg struct {
	id, token, userID, userName string
	userIDs                     []string
}

var (
	fixtureOnce sync.Once
	fixture     *benchFixture
	fixtureErr  error
)

func getFixture(b *testing.B) *benchFixture {
	b.Helper()
	fixtureOnce.Do(func() { fixture, fixtureErr = buildFixture() })
	if fixtureErr != nil {
		b.Fatal(fixtureErr)
	}
	return fixture
}

func buildFixture() (*benchFixture, error) {
	ctx := context.Background()
	cfg, err := testenv.Config()
	if err != nil {
		return nil, err
	}
	f := &benchFixture{db: dynamodb.NewFromConfig(cfg), table: "bench-scim-" + strconv.FormatInt(time.Now().UnixNano(), 36), orgs: map[string]benchOrg{}}
	st := store.New(f.db, f.table)
	f.st, f.tenants = st, tenants.New(st)
	if err := st.CreateTable(ctx); err != nil {
		return nil, err
	}
	vault, _ := cpr.NewVault(testenv.CPRKey) // testenv.Users needs a testing.TB, which a shared fixture has not
	codes, _ := secret.NewCodes(testenv.CPRKey)
	links, _ := secret.NewLinks(testenv.CPRKey)
	auth := tenants.NewAuthenticator(tenants.New(st), tilgang.TokenSCIM, 15*time.Second)
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	usersService := users.New(st, vault, codes, links)
	// The rate limits count as deployed (a reservation per 20 requests per
	// organisation and per source, the largest chunk), with limits no
	// benchmark reaches.
	limiter := ratelimit.New(st, "scim", ratelimit.PerMinute(1<<40), ratelimit.PerMinute(1<<40), log)
	f.handler = scim.New(usersService.SCIM(), auth.Authenticate, log, scim.Options{PublicBaseURL: "https://tilgang.test",
		Groups: groups.New(st, usersService, groups.WithLogger(log)), Limiter: limiter})

	for name, n := range map[string]int{"1k": 1000, "10k": 10_000, "large": benchUsers()} {
		org, err := f.provision(ctx, name)
		if err != nil {
			return nil, err
		}
		ids, err := f.seed(ctx, org.id, n)
		if err != nil {
			return nil, err
		}
		org.userIDs, org.userID, org.userName = ids, ids[n/2], seededUserName(n/2)
		f.orgs[name] = org
	}
	return f, nil
}

// provision makes a new organisation (no groupRoles: a membership change
// grants no role) and returns it with its SCIM token.
func (f *benchFixture) provision(ctx context.Context, name string) (benchOrg, error) {
	org := &tilgang.Organisation{Name: name, IAL: 3}
	creds, err := f.tenants.Provision(ctx, org)
	if err != nil {
		return benchOrg{}, err
	}
	return benchOrg{id: org.ID, token: creds.SCIMToken}, nil
}

func seededUserName(i int) string { return fmt.Sprintf("user%07d@example.dk", i) }

// seededStatus mixes the statuses as an organisation a while after its
// first import might: most users active, some not yet, a few gone. The
// user in the middle (the one the benchmarks read) is active.
func seededStatus(i int) string {
	switch i % 10 {
	case 1:
		return "imported"
	case 3, 7:
		return "pending_activation"
	case 9:
		return "deactivated"
	}
	return "active"
}

// seed writes n users of org straight into the table, with the item
// layout of internal/store/README.md, in parallel batches: creating 100k
// users one transaction at a time would take longer than the benchmarks.
// Then it recounts them (store.RecountUsers).
// It returns their ids, in order; user i's userName is seededUserName(i).
func (f *benchFixture) seed(ctx context.Context, orgID string, n int) ([]string, error) {
	now := time.Now().UTC().Format(time.RFC3339Nano)
	ids := make([]string, n)
	reqs := make([]types.WriteRequest, 0, 2*n)
	for i := range n {
		id, name := uuid.NewString(), seededUserName(i)
		ids[i] = id
		status := seededStatus(i)
		user := map[string]types.AttributeValue{
			"PK": rawS("ORG#" + orgID + "#USER#" + id), "SK": rawS("USER"),
			"GSI1PK": rawS("ORG#" + orgID + "#USERS"), "GSI1SK": rawS(name),
			"GSI2PK": rawS("ORG#" + orgID + "#STATUS#" + status), "GSI2SK": rawS(name),
			"type": rawS("user"), "search": rawS("anna hansen " + name + " " + name),
			"id": rawS(id), "orgId": rawS(orgID), "userName": rawS(name), "email": rawS(name),
			"firstName": rawS("Anna"), "lastName": rawS("Hansen"), "status": rawS(status), "kind": rawS("employee"),
			"anonymous": &types.AttributeValueMemberBOOL{Value: false}, "canSign": &types.AttributeValueMemberBOOL{Value: false},
			"createdAt": rawS(now), "updatedAt": rawS(now), "version": &types.AttributeValueMemberN{Value: "1"},
		}
		guard := map[string]types.AttributeValue{
			"PK": rawS("ORG#" + orgID + "#USERNAME#" + name), "SK": rawS("GUARD"), "type": rawS("guard"), "userId": rawS(id),
		}
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: user}}, types.WriteRequest{PutRequest: &types.PutRequest{Item: guard}})
	}
	if err := f.batchWrite(ctx, reqs, 4); err != nil {
		return nil, err
	}
	// Users written past the store have no counts: recount them, as an
	// operator does after loading users by hand.
	_, _, err := f.st.RecountUsers(ctx, orgID)
	return ids, err
}

func rawS(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

// batchWrite writes reqs with BatchWriteItem, 25 a call, workers calls at
// once, retrying what DynamoDB leaves unprocessed. Requests that must go
// together (an item and its guard) should be adjacent: a call may split
// them, which only matters for seeding that fails half-way.
func (f *benchFixture) batchWrite(ctx context.Context, reqs []types.WriteRequest, workers int) error {
	batches := make(chan []types.WriteRequest)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for left := range batches {
				for len(left) > 0 && errs[w] == nil {
					out, err := f.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{f.table: left}})
					if err != nil {
						errs[w] = err
						break
					}
					left = out.UnprocessedItems[f.table]
				}
			}
		})
	}
	for i := 0; i < len(reqs); i += 25 {
		batches <- reqs[i:min(len(reqs), i+25)]
	}
	close(batches)
	wg.Wait()
	return errors.Join(errs...)
}

// warm runs each of fns n times, interleaved, before a benchmark times
// them: DynamoDB Local's JIT and connection pools otherwise favour
// whichever runs second.
func warm(n int, fns ...func()) {
	for range n {
		for _, fn := range fns {
			fn()
		}
	}
}

// pair times handler and raw as the sub-benchmarks "handler" and "raw",
// the pair that infra/benchratio reports as a ratio.
func pair(b *testing.B, handler, raw func()) {
	pairB(b, func(*testing.B) { handler() }, func(*testing.B) { raw() })
}

// pairB is pair for ops that need the sub-benchmark's b, to stop its
// timer while they undo what they did.
func pairB(b *testing.B, handler, raw func(*testing.B)) {
	for _, sub := range []struct {
		name string
		fn   func(*testing.B)
	}{{"handler", handler}, {"raw", raw}} {
		b.Run(sub.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sub.fn(b)
			}
		})
	}
}

func (f *benchFixture) serve(b *testing.B, token, method, target string, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	if rec.Code >= 300 {
		b.Fatalf("%s %s: %d %s", method, target, rec.Code, rec.Body)
	}
	return rec
}

func BenchmarkGetUser(b *testing.B) {
	f := getFixture(b)
	o := f.orgs["1k"]
	key := map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: "ORG#" + o.id + "#USER#" + o.userID},
		"SK": &types.AttributeValueMemberS{Value: "USER"},
	}
	handler := func() { f.serve(b, o.token, "GET", scim.Prefix+"/Users/"+o.userID, "") }
	raw := func() {
		out, err := f.db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(f.table), Key: key, ConsistentRead: aws.Bool(true)})
		if err != nil || out.Item == nil {
			b.Fatal(err)
		}
	}
	warm(50, handler, raw)
	pair(b, handler, raw)
}

func BenchmarkCreateUser(b *testing.B) {
	f := getFixture(b)
	o := f.orgs["1k"]
	handler := func() {
		name := uuid.NewString() + "@example.dk"
		f.serve(b, o.token, "POST", scim.Prefix+"/Users", `{"userName":"`+name+`","externalId":"`+uuid.NewString()+`","name":{"givenName":"Anna","familyName":"Hansen"},"emails":[{"value":"`+name+`","type":"work","primary":true}],"active":true}`)
	}
	raw := func() { f.rawCreate(b, o, false) }
	warm(30, handler, raw)
	pair(b, handler, raw)
}

// rawCreate is the transaction a SCIM create needs, written with the SDK:
// the user, its userName and externalId guards (and with a CPR number, a
// sealed copy of its size and the look-up guard), its activation's expiry
// in the schedule, a history entry, the activation mail, in the index of
// undelivered mail that keeps it from being lost (store/outbox_redrive.go),
// and one shard of the organisation's user counts, which the list totals
// read (store/count.go), moved by one in all and in the user's status.
func (f *benchFixture) rawCreate(b *testing.B, o benchOrg, withCPR bool) {
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	put := func(item map[string]types.AttributeValue, cond bool) types.TransactWriteItem {
		p := &types.Put{TableName: aws.String(f.table), Item: item}
		if cond {
			p.ConditionExpression = aws.String("attribute_not_exists(PK)")
		}
		return types.TransactWriteItem{Put: p}
	}
	id, name, ext, mailID := uuid.NewString(), uuid.NewString()+"@example.dk", uuid.NewString(), uuid.NewString()
	now := time.Now().UTC().Format(time.RFC3339Nano)
	user := map[string]types.AttributeValue{
		"PK": s("ORG#" + o.id + "#USER#" + id), "SK": s("USER"), "GSI1PK": s("ORG#" + o.id + "#USERS"), "GSI1SK": s(name),
		"GSI2PK": s("ORG#" + o.id + "#STATUS#pending_activation"), "GSI2SK": s(name), "type": s("user"),
		"id": s(id), "orgId": s(o.id), "userName": s(name), "externalId": s(ext), "email": s(name),
		"firstName": s("Anna"), "lastName": s("Hansen"), "status": s("pending_activation"), "version": &types.AttributeValueMemberN{Value: "1"},
	}
	items := []types.TransactWriteItem{
		put(user, true),
		put(map[string]types.AttributeValue{"PK": s("ORG#" + o.id + "#USERNAME#" + name), "SK": s("GUARD"), "userId": s(id)}, true),
		put(map[string]types.AttributeValue{"PK": s("ORG#" + o.id + "#EXTERNALID#" + ext), "SK": s("GUARD"), "userId": s(id)}, true),
		put(map[string]types.AttributeValue{"PK": s(store.SchedulePK(tilgang.Today(time.Now().Add(tilgang.ActivationValidity)), o.id, id)), "SK": s(o.id + "#" + id + "#expire"),
			"type": s("schedule"), "orgId": s(o.id), "userId": s(id), "work": s("expire")}, false),
		put(map[string]types.AttributeValue{"PK": s("ORG#" + o.id + "#USER#" + id), "SK": s("HIST#" + now), "action": s("user.created")}, false),
		put(map[string]types.AttributeValue{"PK": s("OUTBOX#" + mailID), "SK": s("OUTBOX"), "type": s("outbox"), "userId": s(id),
			"GSI2PK": s("MAILQ#" + mailID[:1]), "GSI2SK": s(now + "#" + mailID)}, true),
		{Update: &types.Update{
			TableName:                 aws.String(f.table),
			Key:                       map[string]types.AttributeValue{"PK": s("ORG#" + o.id + "#COUNT#" + strconv.Itoa(mathrand.IntN(8))), "SK": s("USERS")},
			UpdateExpression:          aws.String("ADD #a :one, #b :one SET #t = :t"),
			ExpressionAttributeNames:  map[string]string{"#a": "users", "#b": "pending_activation", "#t": "type"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}, ":t": s("counter")},
		}},
	}
	if withCPR {
		lookup := uuid.NewString() + uuid.NewString()
		sealed := make([]byte, 1+1+7+32+10+16)
		_, _ = rand.Read(sealed)
		user["cprLookup"], user["cprSealed"] = s(lookup), &types.AttributeValueMemberB{Value: sealed}
		items = append(items, put(map[string]types.AttributeValue{"PK": s("ORG#" + o.id + "#CPR#" + lookup), "SK": s("GUARD"), "userId": s(id)}, true))
	}
	if _, err := f.db.TransactWriteItems(context.Background(), &dynamodb.TransactWriteItemsInput{TransactItems: items}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkUserNameFilter shows that userName eq is a key look-up: it
// costs the same in an organisation of 100k users as in one of 1k.
func BenchmarkUserNameFilter(b *testing.B) {
	f := getFixture(b)
	for _, size := range []string{"1k", "large"} {
		o := f.orgs[size]
		warm(30, func() {
			f.serve(b, o.token, "GET", scim.Prefix+"/Users?filter="+url.QueryEscape(`userName eq "`+o.userName+`"`), "")
		})
	}
	for _, size := range []string{"1k", "large"} {
		o := f.orgs[size]
		name := "users=" + size
		if size == "large" {
			name = fmt.Sprintf("users=%dk", benchUsers()/1000)
		}
		target := scim.Prefix + "/Users?filter=" + url.QueryEscape(`userName eq "`+o.userName+`"`)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				f.serve(b, o.token, "GET", target, "")
			}
		})
	}
}

// BenchmarkFirstPage asks for the first page of an unfiltered list, the
// first request of Okta's import and of most reconciliation jobs, in a
// small and a large organisation: its totalResults comes from the user
// counters, so it costs the same at both sizes.
func BenchmarkFirstPage(b *testing.B) {
	benchFirstPage(b, scim.Prefix+"/Users?startIndex=1&count=100")
}

// BenchmarkFirstPageActive is BenchmarkFirstPage for `active eq true`, a
// reconciliation job's usual filter: the status index gives the page (one
// read per status that counts as active) and the counters its total.
func BenchmarkFirstPageActive(b *testing.B) {
	benchFirstPage(b, scim.Prefix+"/Users?startIndex=1&count=100&filter=active%20eq%20true")
}

func benchFirstPage(b *testing.B, target string) {
	f := getFixture(b)
	for _, size := range []string{"1k", "large"} {
		warm(10, func() { f.serve(b, f.orgs[size].token, "GET", target, "") })
	}
	for _, size := range []string{"1k", "large"} {
		o := f.orgs[size]
		name := "users=" + size
		if size == "large" {
			name = fmt.Sprintf("users=%dk", benchUsers()/1000)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				f.serve(b, o.token, "GET", target, "")
			}
		})
	}
}

// BenchmarkWalk10k walks all users of a 10k organisation in pages of 100,
// as an identity provider's full sync does, against a raw paginated Query
// of the same index.
func BenchmarkWalk10k(b *testing.B) {
	f := getFixture(b)
	o := f.orgs["10k"]
	handler := func() {
		for start := 1; start <= 10_000; start += 100 {
			f.serve(b, o.token, "GET", fmt.Sprintf("%s/Users?startIndex=%d&count=100", scim.Prefix, start), "")
		}
	}
	raw := func() {
		p := dynamodb.NewQueryPaginator(f.db, &dynamodb.QueryInput{
			TableName: aws.String(f.table), IndexName: aws.String("GSI1"),
			KeyConditionExpression:    aws.String("GSI1PK = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: "ORG#" + o.id + "#USERS"}},
			Limit:                     aws.Int32(100),
		})
		for p.HasMorePages() {
			if _, err := p.NextPage(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
	}
	warm(2, handler, raw)
	pair(b, handler, raw)
}

// Group fixtures, each made once per process by the first benchmark that
// needs it, so that a benchmark run alone (make bench) makes only its own.
var (
	addGroupOnce   sync.Once
	addGroup       *tilgang.Group
	addGroupErr    error
	largeGroupOnce sync.Once
	largeGroup     *tilgang.Group
	largeGroupErr  error
	groupOrgsOnce  sync.Once
	groupOrgs      map[string]benchGroupOrg
	groupOrgsErr   error
)

// benchGroupOrg is an organisation of groups only: its token and the
// displayName and id of its middle group.
type benchGroupOrg struct {
	token, displayName, groupID string
}

// benchGroupMembers is the size of one member add: an identity provider's
// PATCH of 1,000 members.
const benchGroupMembers = 1000

// benchGroupWorkers is how many BatchWriteItem calls the raw way has in
// flight, as many as the store's batches (store.batchWorkers): the two
// ways differ in what they do, not in how parallel they do it.
const benchGroupWorkers = 8

// membershipItem is a membership as internal/store/README.md lays it out
// (store.membership).
func membershipItem(orgID, groupID, userID string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"PK": rawS("ORG#" + orgID + "#GROUP#" + groupID), "SK": rawS("MEMBER#" + userID),
		"GSI2PK": rawS("ORG#" + orgID + "#USERGROUPS#" + userID), "GSI2SK": rawS(groupID),
		"type": rawS("member"), "groupId": rawS(groupID), "userId": rawS(userID),
	}
}

// BenchmarkGroupAddMembers is an identity provider's PATCH that adds 1,000
// members to a group of the 1k organisation (its 1,000 users), answered
// 204. The raw way makes only the writes that needs: the 1,000 membership
// items with the store's attributes, 25 per BatchWriteItem, 8 calls at
// once, and the UpdateItem that moves the group's version and updatedAt
// (as the store's, conditional on the group and returning it). The handler
// also authenticates, reads the group, checks that every id is a user of
// the organisation (BatchGetItem, 100 keys a call) and which are members
// already (a Query of the group's memberships in the ids' range).
//
// Each op's members are removed again with the timer stopped
// (store.RemoveMembers), so every add is of 1,000 new members to an empty
// group and the table does not grow.
func BenchmarkGroupAddMembers(b *testing.B) {
	f := getFixture(b)
	o := f.orgs["1k"]
	ctx := context.Background()
	addGroupOnce.Do(func() {
		addGroup = &tilgang.Group{ID: uuid.NewString(), OrgID: o.id, DisplayName: "bench-add-members"}
		addGroupErr = f.st.CreateGroup(ctx, addGroup, nil)
	})
	if addGroupErr != nil {
		b.Fatal(addGroupErr)
	}
	g := *addGroup
	ids := o.userIDs[:benchGroupMembers]
	values := make([]string, len(ids))
	for i, id := range ids {
		values[i] = `{"value":"` + id + `"}`
	}
	target := scim.Prefix + "/Groups/" + g.ID
	body := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[` + strings.Join(values, ",") + `]}]}`
	removeAgain := func(b *testing.B) {
		b.StopTimer()
		defer b.StartTimer()
		cur := g
		if removed, err := f.st.RemoveMembers(ctx, &cur, ids); err != nil || len(removed) != len(ids) {
			b.Fatalf("remove again: %d removed, want %d; %v", len(removed), len(ids), err)
		}
	}
	handler := func(b *testing.B) {
		if rec := f.serve(b, o.token, "PATCH", target, body); rec.Code != http.StatusNoContent {
			b.Fatalf("PATCH %s: %d, want 204", target, rec.Code)
		}
		removeAgain(b)
	}
	reqs := make([]types.WriteRequest, len(ids))
	for i, id := range ids {
		reqs[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: membershipItem(o.id, g.ID, id)}}
	}
	raw := func(b *testing.B) {
		if err := f.batchWrite(ctx, reqs, benchGroupWorkers); err != nil {
			b.Fatal(err)
		}
		_, err := f.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(f.table), Key: map[string]types.AttributeValue{"PK": rawS("ORG#" + o.id + "#GROUP#" + g.ID), "SK": rawS("GROUP")},
			UpdateExpression:          aws.String("SET #u = :now ADD #v :one"),
			ConditionExpression:       aws.String("attribute_exists(PK)"),
			ExpressionAttributeNames:  map[string]string{"#u": "updatedAt", "#v": "version"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":now": rawS(time.Now().UTC().Format(time.RFC3339Nano)), ":one": &types.AttributeValueMemberN{Value: "1"}},
			ReturnValues:              types.ReturnValueAllNew,
		})
		if err != nil {
			b.Fatal(err)
		}
		removeAgain(b)
	}

	// The raw way must write what the store writes.
	f.serve(b, o.token, "PATCH", target, body)
	out, err := f.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(f.table), Key: map[string]types.AttributeValue{
		"PK": rawS("ORG#" + o.id + "#GROUP#" + g.ID), "SK": rawS("MEMBER#" + ids[0])}, ConsistentRead: aws.Bool(true)})
	if err != nil {
		b.Fatal(err)
	}
	if want := membershipItem(o.id, g.ID, ids[0]); !sameStrings(out.Item, want) {
		b.Fatalf("the store's membership item %v is not the raw one %v: update membershipItem", out.Item, want)
	}
	removeAgain(b)

	// An op is some 50 calls, so a few rounds warm up as much as 50 rounds
	// of single calls.
	warm(3, func() { handler(b) }, func() { raw(b) })
	pairB(b, handler, raw)
}

// sameStrings reports whether two items have the same attributes, all
// strings, with the same values.
func sameStrings(x, y map[string]types.AttributeValue) bool {
	if len(x) != len(y) {
		return false
	}
	for k, xv := range x {
		xs, ok1 := xv.(*types.AttributeValueMemberS)
		ys, ok2 := y[k].(*types.AttributeValueMemberS)
		if !ok1 || !ok2 || xs.Value != ys.Value {
			return false
		}
	}
	return true
}

// BenchmarkGetLargeGroup reads a group of 10,000 members without its
// members, as an identity provider does before a PATCH, against one raw
// strongly consistent GetItem of the group item: reading a group reads no
// membership, whatever the group's size.
func BenchmarkGetLargeGroup(b *testing.B) {
	f := getFixture(b)
	o := f.orgs["10k"]
	ctx := context.Background()
	largeGroupOnce.Do(func() {
		largeGroup = &tilgang.Group{ID: uuid.NewString(), OrgID: o.id, DisplayName: "bench-large"}
		largeGroupErr = f.st.CreateGroup(ctx, largeGroup, o.userIDs)
	})
	if largeGroupErr != nil {
		b.Fatal(largeGroupErr)
	}
	if n := len(o.userIDs); n != 10_000 {
		b.Fatalf("the group has %d members, want 10,000", n)
	}
	target := scim.Prefix + "/Groups/" + largeGroup.ID + "?excludedAttributes=members"
	if rec := f.serve(b, o.token, "GET", target, ""); !strings.Contains(rec.Body.String(), largeGroup.ID) || strings.Contains(rec.Body.String(), `"members"`) {
		b.Fatalf("GET %s: %s", target, rec.Body)
	}
	key := map[string]types.AttributeValue{"PK": rawS("ORG#" + o.id + "#GROUP#" + largeGroup.ID), "SK": rawS("GROUP")}
	handler := func(b *testing.B) { f.serve(b, o.token, "GET", target, "") }
	raw := func(b *testing.B) {
		out, err := f.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(f.table), Key: key, ConsistentRead: aws.Bool(true)})
		if err != nil || out.Item == nil {
			b.Fatal(err)
		}
	}
	warm(50, func() { handler(b) }, func() { raw(b) })
	pairB(b, handler, raw)
}

// BenchmarkGroupDisplayNameFilter shows that displayName eq is a key
// look-up (the guard, then the group): it costs the same in an
// organisation of 10,000 groups as in one of 100.
func BenchmarkGroupDisplayNameFilter(b *testing.B) {
	f := getFixture(b)
	groupOrgsOnce.Do(func() { groupOrgs, groupOrgsErr = f.seedGroupOrgs(context.Background()) })
	if groupOrgsErr != nil {
		b.Fatal(groupOrgsErr)
	}
	sizes := []string{"100", "10k"}
	targets := map[string]string{}
	for _, size := range sizes {
		o := groupOrgs[size]
		targets[size] = scim.Prefix + "/Groups?excludedAttributes=members&filter=" + url.QueryEscape(`displayName eq "`+o.displayName+`"`)
		body := f.serve(b, o.token, "GET", targets[size], "").Body.String()
		if !strings.Contains(body, `"totalResults":1`) || !strings.Contains(body, o.groupID) || strings.Contains(body, `"members"`) {
			b.Fatalf("groups=%s: GET %s: %s", size, targets[size], body)
		}
		warm(30, func() { f.serve(b, o.token, "GET", targets[size], "") })
	}
	for _, size := range sizes {
		o := groupOrgs[size]
		b.Run("groups="+size, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				f.serve(b, o.token, "GET", targets[size], "")
			}
		})
	}
}

// seedGroupOrgs makes an organisation of 100 groups and one of 10,000.
func (f *benchFixture) seedGroupOrgs(ctx context.Context) (map[string]benchGroupOrg, error) {
	orgs := map[string]benchGroupOrg{}
	for size, n := range map[string]int{"100": 100, "10k": 10_000} {
		o, err := f.provision(ctx, "groups="+size)
		if err != nil {
			return nil, err
		}
		ids, err := f.seedGroups(ctx, o.id, n)
		if err != nil {
			return nil, err
		}
		orgs[size] = benchGroupOrg{token: o.token, displayName: seededGroupName(n / 2), groupID: ids[n/2]}
	}
	return orgs, nil
}

func seededGroupName(i int) string { return fmt.Sprintf("Group %07d", i) }

// seedGroups writes n groups of org, without members, straight into the
// table with the item layout of internal/store/README.md (the group and
// its displayName guard), in parallel batches. Group i's displayName is
// seededGroupName(i). It returns their ids, in order.
func (f *benchFixture) seedGroups(ctx context.Context, orgID string, n int) ([]string, error) {
	now := time.Now().UTC().Format(time.RFC3339Nano)
	ids := make([]string, n)
	reqs := make([]types.WriteRequest, 0, 2*n)
	for i := range n {
		id, name := uuid.NewString(), seededGroupName(i)
		ids[i] = id
		group := map[string]types.AttributeValue{
			"PK": rawS("ORG#" + orgID + "#GROUP#" + id), "SK": rawS("GROUP"),
			"GSI1PK": rawS("ORG#" + orgID + "#GROUPS"), "GSI1SK": rawS(tilgang.FoldName(name)),
			"type": rawS("group"), "id": rawS(id), "orgId": rawS(orgID), "displayName": rawS(name),
			"createdAt": rawS(now), "updatedAt": rawS(now), "version": &types.AttributeValueMemberN{Value: "1"},
		}
		guard := map[string]types.AttributeValue{
			"PK": rawS("ORG#" + orgID + "#GROUPNAME#" + tilgang.FoldName(name)), "SK": rawS("GUARD"), "type": rawS("guard"), "groupId": rawS(id),
		}
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: group}}, types.WriteRequest{PutRequest: &types.PutRequest{Item: guard}})
	}
	return ids, f.batchWrite(ctx, reqs, benchGroupWorkers)
}
