package scim_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
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
	handler http.Handler
	// organisations by size: a SCIM token and one user's id and userName.
	orgs map[string]benchOrg
}

type benchOrg struct {
	id, token, userID, userName string
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
	if err := st.CreateTable(ctx); err != nil {
		return nil, err
	}
	vault, _ := cpr.NewVault(testenv.CPRKey) // testenv.Users needs a testing.TB, which a shared fixture has not
	codes, _ := secret.NewCodes(testenv.CPRKey)
	links, _ := secret.NewLinks(testenv.CPRKey)
	auth := tenants.NewAuthenticator(tenants.New(st), tilgang.TokenSCIM, 15*time.Second)
	f.handler = scim.New(users.New(st, vault, codes, links).SCIM(), auth.Authenticate, slog.New(slog.NewJSONHandler(io.Discard, nil)), scim.Options{PublicBaseURL: "https://tilgang.test"})
	for name, n := range map[string]int{"1k": 1000, "10k": 10_000, "large": benchUsers()} {
		org := &tilgang.Organisation{Name: name, IAL: 3}
		creds, err := tenants.New(st).Provision(ctx, org)
		if err != nil {
			return nil, err
		}
		userID, userName, err := f.seed(ctx, org.ID, n)
		if err != nil {
			return nil, err
		}
		f.orgs[name] = benchOrg{id: org.ID, token: creds.SCIMToken, userID: userID, userName: userName}
	}
	return f, nil
}

// seed writes n users of org straight into the table, with the item
// layout of internal/store/README.md, in parallel batches: creating 100k
// users one transaction at a time would take longer than the benchmarks.
// It returns the id and userName of the middle user.
func (f *benchFixture) seed(ctx context.Context, orgID string, n int) (string, string, error) {
	now := time.Now().UTC().Format(time.RFC3339Nano)
	item := func(i int) (id, name string, reqs []types.WriteRequest) {
		id = uuid.NewString()
		name = fmt.Sprintf("user%07d@example.dk", i)
		s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
		user := map[string]types.AttributeValue{
			"PK": s("ORG#" + orgID + "#USER#" + id), "SK": s("USER"),
			"GSI1PK": s("ORG#" + orgID + "#USERS"), "GSI1SK": s(name),
			"GSI2PK": s("ORG#" + orgID + "#STATUS#active"), "GSI2SK": s(name),
			"type": s("user"), "search": s("anna hansen " + name + " " + name),
			"id": s(id), "orgId": s(orgID), "userName": s(name), "email": s(name),
			"firstName": s("Anna"), "lastName": s("Hansen"), "status": s("active"), "kind": s("employee"),
			"anonymous": &types.AttributeValueMemberBOOL{Value: false}, "canSign": &types.AttributeValueMemberBOOL{Value: false},
			"createdAt": s(now), "updatedAt": s(now), "version": &types.AttributeValueMemberN{Value: "1"},
		}
		guard := map[string]types.AttributeValue{
			"PK": s("ORG#" + orgID + "#USERNAME#" + name), "SK": s("GUARD"), "type": s("guard"), "userId": s(id),
		}
		return id, name, []types.WriteRequest{{PutRequest: &types.PutRequest{Item: user}}, {PutRequest: &types.PutRequest{Item: guard}}}
	}
	var (
		midID, midName string
		mu             sync.Mutex
		firstErr       error
		wg             sync.WaitGroup
	)
	batches := make(chan []types.WriteRequest)
	for range 4 {
		wg.Go(func() {
			for reqs := range batches {
				for len(reqs) > 0 {
					out, err := f.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{f.table: reqs}})
					if err != nil {
						mu.Lock()
						firstErr = err
						mu.Unlock()
						break
					}
					reqs = out.UnprocessedItems[f.table]
				}
			}
		})
	}
	var batch []types.WriteRequest
	for i := range n {
		id, name, reqs := item(i)
		if i == n/2 {
			midID, midName = id, name
		}
		if len(batch)+len(reqs) > 25 {
			batches <- batch
			batch = nil
		}
		batch = append(batch, reqs...)
	}
	if len(batch) > 0 {
		batches <- batch
	}
	close(batches)
	wg.Wait()
	return midID, midName, firstErr
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
	for _, sub := range []struct {
		name string
		fn   func()
	}{{"handler", handler}, {"raw", raw}} {
		b.Run(sub.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sub.fn()
			}
		})
	}
}

func (f *benchFixture) serve(b *testing.B, token, method, target string, body string) {
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
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	handler := func() {
		name := uuid.NewString() + "@example.dk"
		f.serve(b, o.token, "POST", scim.Prefix+"/Users", `{"userName":"`+name+`","externalId":"`+uuid.NewString()+`","name":{"givenName":"Anna","familyName":"Hansen"},"emails":[{"value":"`+name+`","type":"work","primary":true}],"active":true}`)
	}
	// The transaction a SCIM create needs: the user, its userName and
	// externalId guards, its activation's expiry in the schedule, a history
	// entry and the activation mail.
	put := func(item map[string]types.AttributeValue, cond bool) types.TransactWriteItem {
		p := &types.Put{TableName: aws.String(f.table), Item: item}
		if cond {
			p.ConditionExpression = aws.String("attribute_not_exists(PK)")
		}
		return types.TransactWriteItem{Put: p}
	}
	raw := func() {
		id, name, ext := uuid.NewString(), uuid.NewString()+"@example.dk", uuid.NewString()
		user := map[string]types.AttributeValue{
			"PK": s("ORG#" + o.id + "#USER#" + id), "SK": s("USER"), "GSI1PK": s("ORG#" + o.id + "#USERS"), "GSI1SK": s(name),
			"GSI2PK": s("ORG#" + o.id + "#STATUS#pending_activation"), "GSI2SK": s(name), "type": s("user"),
			"id": s(id), "orgId": s(o.id), "userName": s(name), "externalId": s(ext), "email": s(name),
			"firstName": s("Anna"), "lastName": s("Hansen"), "status": s("pending_activation"), "version": &types.AttributeValueMemberN{Value: "1"},
		}
		_, err := f.db.TransactWriteItems(context.Background(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			put(user, true),
			put(map[string]types.AttributeValue{"PK": s("ORG#" + o.id + "#USERNAME#" + name), "SK": s("GUARD"), "userId": s(id)}, true),
			put(map[string]types.AttributeValue{"PK": s("ORG#" + o.id + "#EXTERNALID#" + ext), "SK": s("GUARD"), "userId": s(id)}, true),
			put(map[string]types.AttributeValue{"PK": s("SCHED#" + tilgang.Today(time.Now().Add(tilgang.ActivationValidity))), "SK": s(o.id + "#" + id + "#expire"),
				"type": s("schedule"), "orgId": s(o.id), "userId": s(id), "work": s("expire")}, false),
			put(map[string]types.AttributeValue{"PK": s("ORG#" + o.id + "#USER#" + id), "SK": s("HIST#" + time.Now().UTC().Format(time.RFC3339Nano)), "action": s("user.created")}, false),
			put(map[string]types.AttributeValue{"PK": s("OUTBOX#" + uuid.NewString()), "SK": s("OUTBOX"), "type": s("outbox"), "userId": s(id)}, true),
		}})
		if err != nil {
			b.Fatal(err)
		}
	}
	warm(30, handler, raw)
	pair(b, handler, raw)
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
