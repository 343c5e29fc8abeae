package core

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/tilgang/tilgang/internal/config"
	"github.com/tilgang/tilgang/internal/keys"
)

// TestReadKeys serves Secrets Manager's GetSecretValue (JSON 1.1, as the
// SDK speaks it) from memory: readKeys reads only the secrets it is named,
// parses each by its purpose, and a missing one fails with its name.
func TestReadKeys(t *testing.T) {
	t.Parallel()
	values, err := keys.NewSecrets("k1")
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]string{"lookup": values.LookupKey, "link": values.LinkKey, "public": values.SealKey, "private": values.OpenKey}
	var reads atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ SecretId string }
		if r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" || json.NewDecoder(r.Body).Decode(&in) != nil {
			http.Error(w, "not GetSecretValue", http.StatusBadRequest)
			return
		}
		reads.Add(1)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		v, ok := stored[in.SecretId]
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}`))
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"Name": in.SecretId, "SecretString": v})
	}))
	t.Cleanup(srv.Close)
	sm := secretsmanager.New(secretsmanager.Options{
		Region: "eu-north-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	ctx := context.Background()

	set, err := readKeys(ctx, sm, config.KeySecrets{LookupKey: "lookup", LinkKey: "link", OpenKey: "private"})
	if err != nil {
		t.Fatal(err)
	}
	if reads.Load() != 3 || len(set.LookupKey) != 32 || len(set.LinkKey) != 32 || set.SealKey != nil || !set.OpenKey.CanOpen() {
		t.Fatalf("%d reads gave %v", reads.Load(), set)
	}
	if set, err := readKeys(ctx, sm, config.KeySecrets{SealKey: "public"}); err != nil || set.SealKey == nil || set.SealKey.CanOpen() || set.LookupKey != nil {
		t.Fatalf("the public ring alone: %v, %v", set, err)
	}
	if _, err := readKeys(ctx, sm, config.KeySecrets{LookupKey: "lookup", LinkKey: "gone"}); err == nil || !strings.Contains(err.Error(), "the link key") {
		t.Fatalf("a missing secret: %v", err)
	}
	if _, err := readKeys(ctx, sm, config.KeySecrets{SealKey: "private"}); err == nil {
		t.Fatal("private keys in the public ring's secret were taken")
	}
}
