package faults_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/faults"
	"github.com/tilgang/tilgang/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// proxied returns a DynamoDB client that talks to DynamoDB Local through a
// fault proxy, and the proxy.
func proxied(t *testing.T, p faults.Policy, attempts int) (*dynamodb.Client, *faults.Proxy) {
	t.Helper()
	target, err := url.Parse(os.Getenv("AWS_ENDPOINT_URL_DYNAMODB"))
	if err != nil {
		t.Fatal(err)
	}
	proxy := faults.New(target, faults.DynamoDB, p)
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	cfg := faults.Endpoints(testenv.AWS(t), map[string]string{"DynamoDB": srv.URL})
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.Retryer = faults.Retryer(attempts) })
	return db, proxy
}

// TestSDKRetriesEveryFault writes items through a proxy that faults a
// third of the requests: the SDK retries every kind, and a transaction
// whose answer was lost is not applied twice (its ClientRequestToken).
func TestSDKRetriesEveryFault(t *testing.T) {
	t.Parallel()
	_, table := testenv.Table(t)
	db, proxy := proxied(t, faults.Policy{Rate: 0.3, Seed: 1, Latency: 1}, 20)
	ctx := context.Background()
	for i := range 150 {
		key := map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: fmt.Sprint("k", i)}, "SK": &types.AttributeValueMemberS{Value: "x"}}
		_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{{
			Put: &types.Put{TableName: aws.String(table), Item: key, ConditionExpression: aws.String("attribute_not_exists(PK)")},
		}}})
		if err != nil {
			t.Fatalf("transaction %d: %v", i, err)
		}
	}
	total, injected := proxy.Counts()
	for k := range faults.Slow + 1 {
		if injected[k] == 0 {
			t.Errorf("no %v in %d requests: %v", k, total, injected)
		}
	}
	out, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table), Select: types.SelectCount})
	if err != nil {
		t.Fatal(err)
	}
	if out.Count != 150 {
		t.Fatalf("%d items, want 150", out.Count)
	}
}

// TestPause makes the service unreachable and back.
func TestPause(t *testing.T) {
	t.Parallel()
	_, table := testenv.Table(t)
	db, proxy := proxied(t, faults.Policy{}, 2)
	ctx := context.Background()
	in := &dynamodb.DescribeTableInput{TableName: aws.String(table)}
	proxy.SetPolicy(faults.Policy{Rate: 1, Kinds: []faults.Kind{faults.Drop}})
	if _, err := db.DescribeTable(ctx, in); err == nil {
		t.Fatal("a paused service answered")
	}
	var throttled interface{ ErrorCode() string }
	proxy.SetPolicy(faults.Policy{Rate: 1, Kinds: []faults.Kind{faults.Throttle}})
	if _, err := db.DescribeTable(ctx, in); !errors.As(err, &throttled) || throttled.ErrorCode() != "ThrottlingException" {
		t.Fatalf("throttled: %v", err)
	}
	proxy.SetPolicy(faults.Policy{})
	if _, err := db.DescribeTable(ctx, in); err != nil {
		t.Fatal(err)
	}
}

// TestMatchAndLimit faults only the requests Match accepts, and no more
// than Limit of them.
func TestMatchAndLimit(t *testing.T) {
	t.Parallel()
	_, table := testenv.Table(t)
	db, proxy := proxied(t, faults.Policy{}, 1)
	ctx := context.Background()
	proxy.SetPolicy(faults.Policy{Rate: 1, Kinds: []faults.Kind{faults.ServerError}, Limit: 2,
		Match: func(op string, body []byte) bool {
			return op == "DynamoDB_20120810.DescribeTable" && strings.Contains(string(body), table)
		}})
	if _, err := db.ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
		t.Fatalf("a request Match refuses was faulted: %v", err)
	}
	in := &dynamodb.DescribeTableInput{TableName: aws.String(table)}
	for i := range 2 {
		if _, err := db.DescribeTable(ctx, in); err == nil {
			t.Fatalf("matched request %d went through", i+1)
		}
	}
	if _, err := db.DescribeTable(ctx, in); err != nil {
		t.Fatalf("a request past the limit was faulted: %v", err)
	}
}
