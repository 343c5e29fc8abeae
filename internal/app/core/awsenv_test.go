package core

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// TestAWSFromEnv: the region and the execution role's credentials come
// from the variables Lambda sets; without them the function does not start.
func TestAWSFromEnv(t *testing.T) {
	t.Parallel()
	lambdaEnv := map[string]string{
		"AWS_REGION": "eu-north-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
		"AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "session",
	}
	for _, tc := range []struct {
		name    string
		unset   string
		set     map[string]string
		region  string
		wantErr string
	}{
		{name: "as Lambda sets it", region: "eu-north-1"},
		{name: "default region", unset: "AWS_REGION", set: map[string]string{"AWS_DEFAULT_REGION": "eu-west-1"}, region: "eu-west-1"},
		{name: "no region", unset: "AWS_REGION", wantErr: "AWS_REGION"},
		{name: "no key", unset: "AWS_ACCESS_KEY_ID", wantErr: "AWS_ACCESS_KEY_ID"},
		{name: "no secret", unset: "AWS_SECRET_ACCESS_KEY", wantErr: "AWS_SECRET_ACCESS_KEY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{}
			for k, v := range lambdaEnv {
				env[k] = v
			}
			delete(env, tc.unset)
			for k, v := range tc.set {
				env[k] = v
			}
			cfg, err := AWSFromEnv(func(k string) string { return env[k] })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Region != tc.region {
				t.Errorf("region %q, want %q", cfg.Region, tc.region)
			}
			creds, err := cfg.Credentials.Retrieve(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if creds.AccessKeyID != "AKIDEXAMPLE" || creds.SecretAccessKey != "secret" || creds.SessionToken != "session" {
				t.Errorf("credentials %+v", creds)
			}
		})
	}
}

// TestAWSFromEnvEndpoints: a client goes to AWS_ENDPOINT_URL_<its service
// ID>, as with the SDK's own loader; here Secrets Manager's, whose ID has a
// space.
func TestAWSFromEnvEndpoints(t *testing.T) {
	t.Parallel()
	hits := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits <- r.Header.Get("X-Amz-Target")
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = w.Write([]byte(`{"Name":"k","SecretString":"v"}`))
	}))
	defer srv.Close()
	env := map[string]string{
		"AWS_REGION": "eu-north-1", "AWS_ACCESS_KEY_ID": "id", "AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": srv.URL,
	}
	cfg, err := AWSFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.BaseEndpoint != nil {
		t.Errorf("BaseEndpoint %q without AWS_ENDPOINT_URL", *cfg.BaseEndpoint)
	}
	out, err := secretsmanager.NewFromConfig(cfg).GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.SecretString); got != "v" {
		t.Errorf("secret %q", got)
	}
	if target := <-hits; target != "secretsmanager.GetSecretValue" {
		t.Errorf("the endpoint got %q", target)
	}
	env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:1"
	if cfg, _ = AWSFromEnv(func(k string) string { return env[k] }); aws.ToString(cfg.BaseEndpoint) != "http://127.0.0.1:1" {
		t.Errorf("AWS_ENDPOINT_URL: BaseEndpoint %v", cfg.BaseEndpoint)
	}
}
