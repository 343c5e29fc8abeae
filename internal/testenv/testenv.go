// Package testenv is the one helper through which integration tests reach
// the local stack: DynamoDB Local, the S3 emulator and the SES v2 emulator,
// over real connections with the AWS SDK, as in production.
//
// Each package's Main starts a stack of its own and stops it when the
// package's tests end, so that make test's packages, run in parallel, do
// not queue on one DynamoDB Local (it serves every request on one SQLite
// thread). Where the environment already names a stack in the
// AWS_ENDPOINT_URL_* variables (go run ./infra/stack -- go test ...), Main
// uses that one instead.
package testenv

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tilgang/tilgang/internal/localstack"
	"github.com/tilgang/tilgang/internal/store"
)

// Main runs a package's tests with the local stack, starting one if the
// environment names none. Call it from TestMain.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	flag.Parse()
	if f := flag.Lookup("test.fuzzworker"); f != nil && f.Value.String() == "true" {
		// A fuzz worker runs one fuzz target, and fuzz targets need no
		// stack: starting one per worker would start a JVM per worker.
		return m.Run()
	}
	if os.Getenv("AWS_ENDPOINT_URL_DYNAMODB") == "" {
		root, err := localstack.FindRoot()
		if err != nil {
			fmt.Fprintln(os.Stderr, "testenv:", err)
			return 1
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		st, err := localstack.Start(ctx, localstack.Options{Root: root})
		cancel()
		if err != nil {
			fmt.Fprintln(os.Stderr, "testenv: start local stack:", err)
			return 1
		}
		defer st.Close()
		for _, kv := range st.Env() {
			k, v, _ := strings.Cut(kv, "=")
			os.Setenv(k, v)
		}
	}
	return m.Run()
}

// CPRKey is the fixed key the tests seal CPR numbers with.
var CPRKey = []byte("tilgang test key, not a secret!!")

// AWS returns an SDK configuration for the local stack.
func AWS(t testing.TB) aws.Config {
	t.Helper()
	cfg, err := Config()
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// Config is AWS for code that has no testing.TB, such as a fixture that
// benchmarks build once and share.
func Config() (aws.Config, error) {
	if os.Getenv("AWS_ENDPOINT_URL_DYNAMODB") == "" {
		return aws.Config{}, errors.New("testenv: no local stack; call testenv.Main from TestMain, or run make test")
	}
	cfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		return aws.Config{}, fmt.Errorf("testenv: AWS configuration: %w", err)
	}
	return cfg, nil
}

// Table creates a fresh table from store.TableDefinition for one test, so
// tests never see each other's data, and deletes it when the test ends.
func Table(t testing.TB) (*dynamodb.Client, string) {
	t.Helper()
	db := dynamodb.NewFromConfig(AWS(t))
	name := "test-" + strings.ToLower(rand.Text()[:12])
	if err := store.New(db, name).CreateTable(context.Background()); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() {
		_, _ = db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	})
	return db, name
}

// Store returns a store on a fresh table.
func Store(t testing.TB) *store.Store {
	t.Helper()
	db, name := Table(t)
	return store.New(db, name)
}
