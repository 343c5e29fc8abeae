// Package coldstart measures a function's cold start as Lambda pays it: the
// size of its binary as make build builds it (stripped, linux/arm64), and
// its init, from exec to its first poll of the Runtime API for an
// invocation. BenchmarkColdStart reports both; make bench prints them next
// to the targets (README, "Cold start").
//
// The binary runs against a fake Runtime API and a fake Secrets Manager on
// loopback, with the configuration template.yaml gives it, so init is
// everything the function does before it can take an invocation: the Go
// runtime, package initialisation, the configuration, the AWS clients, the
// key secrets read (at once) and parsed, and the handler built. It is not
// Lambda's own part (fetching and unpacking the code, starting the
// microVM), nor the network time of the Secrets Manager reads in AWS.
package coldstart

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/tilgang/tilgang/internal/config"
	"github.com/tilgang/tilgang/internal/keys"
)

// The targets of issue 17.
const (
	TargetBytes = 15_000_000            // stripped linux/arm64 binary
	TargetInit  = 20 * time.Millisecond // median, exec to the first /next
)

// Build builds functions/<function> of the module at root as make build
// does (same tags and flags), for linux and goarch, into out.
func Build(ctx context.Context, root, function, goarch, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", out, "./functions/"+function)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build %s for %s: %w\n%s", function, goarch, err, b)
	}
	return nil
}

// Keys says where a started function finds its keys.
type Keys int

const (
	// FromSecrets is the way in AWS: the function reads the secrets of the
	// keys it needs from Secrets Manager (here the fake one) at init.
	FromSecrets Keys = iota
	// FromEnv is the way of local runs: CPR_KEY, from which the function
	// derives every key.
	FromEnv
)

func (k Keys) String() string {
	if k == FromEnv {
		return "env"
	}
	return "secretsmanager"
}

// secretNames are the secret ids the fake Secrets Manager serves, by the
// variable that names them.
var secretNames = map[string]string{
	config.EnvLookupKeySecret: "tilgang/cpr-lookup-key",
	config.EnvLinkKeySecret:   "tilgang/link-key",
	config.EnvSealKeySecret:   "tilgang/cpr-seal-public",
	config.EnvOpenKeySecret:   "tilgang/cpr-seal-keys",
}

// Runtime is a fake Lambda Runtime API that notes when a function first
// asks for an invocation, and a fake Secrets Manager with a fresh set of
// key secrets. Start one function at a time.
type Runtime struct {
	srv     *httptest.Server
	polls   chan time.Time
	secrets map[string]string // by secret id
	mu      sync.Mutex
	reads   int
}

// NewRuntime starts the fakes; Close stops them.
func NewRuntime() (*Runtime, error) {
	s, err := keys.NewSecrets("k1")
	if err != nil {
		return nil, err
	}
	r := &Runtime{polls: make(chan time.Time, 1), secrets: map[string]string{
		secretNames[config.EnvLookupKeySecret]: s.LookupKey,
		secretNames[config.EnvLinkKeySecret]:   s.LinkKey,
		secretNames[config.EnvSealKeySecret]:   s.SealKey,
		secretNames[config.EnvOpenKeySecret]:   s.OpenKey,
	}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, req *http.Request) {
		select {
		case r.polls <- time.Now():
		default:
		}
		// No invocation comes: the poll stays open until the process
		// is stopped.
		<-req.Context().Done()
	})
	mux.HandleFunc("POST /", r.getSecretValue)
	r.srv = httptest.NewServer(mux)
	return r, nil
}

// Close stops the fakes.
func (r *Runtime) Close() { r.srv.Close() }

// SecretReads is how many secrets the fake Secrets Manager has served.
func (r *Runtime) SecretReads() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reads
}

func (r *Runtime) getSecretValue(w http.ResponseWriter, req *http.Request) {
	var in struct{ SecretId string }
	if req.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" || json.NewDecoder(req.Body).Decode(&in) != nil {
		http.Error(w, "not GetSecretValue", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	v, ok := r.secrets[in.SecretId]
	if !ok {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}`))
		return
	}
	r.mu.Lock()
	r.reads++
	r.mu.Unlock()
	_ = json.NewEncoder(w).Encode(map[string]string{"Name": in.SecretId, "SecretString": v})
}

// Env is the environment of function as template.yaml and Lambda set it,
// with every endpoint on loopback: the Runtime API and Secrets Manager are
// the fakes; DynamoDB and S3, which init does not call, go nowhere; SES is
// the fake's address, so the mailer skips its sender check (mailerfn),
// which asks SES once at init in AWS.
func (r *Runtime) Env(function string, k Keys) []string {
	host := strings.TrimPrefix(r.srv.URL, "http://")
	env := []string{
		"AWS_LAMBDA_RUNTIME_API=" + host,
		"AWS_LAMBDA_FUNCTION_NAME=tilgang-" + function,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=1024",
		"AWS_REGION=eu-north-1",
		"AWS_ACCESS_KEY_ID=AKIDCOLDSTART",
		"AWS_SECRET_ACCESS_KEY=coldstart",
		"AWS_SESSION_TOKEN=coldstart",
		"AWS_ENDPOINT_URL_SECRETS_MANAGER=" + r.srv.URL,
		"AWS_ENDPOINT_URL_SESV2=" + r.srv.URL,
		"AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:1",
		"AWS_ENDPOINT_URL_S3=http://127.0.0.1:1",
	}
	values := map[string]string{
		config.EnvTableName:            "tilgang",
		config.EnvPublicBaseURL:        "https://tilgang.example",
		config.EnvMailFrom:             "no-reply@tilgang.example",
		config.EnvBucketName:           "tilgang-imports",
		config.EnvMailConfigurationSet: "tilgang",
	}
	for _, v := range config.Functions[function].Vars() {
		if name, ok := secretNames[v]; ok {
			if k == FromSecrets {
				env = append(env, v+"="+name)
			}
			continue
		}
		env = append(env, v+"="+values[v])
	}
	if k == FromEnv {
		env = append(env, config.EnvCPRKey+"="+base64.StdEncoding.EncodeToString([]byte("tilgang cold start key, not a secret")))
	}
	return env
}

// Start runs the binary bin with env and returns the time from its exec to
// its first poll for an invocation; then it stops the process. A process
// that ends before it polls is an error with its output.
func (r *Runtime) Start(ctx context.Context, bin string, env []string) (time.Duration, error) {
	select {
	case <-r.polls: // a late poll of an earlier start
	default:
	}
	var out strings.Builder
	cmd := exec.Command(bin)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case polled := <-r.polls:
		_ = cmd.Process.Kill()
		<-exited
		return polled.Sub(start), nil
	case err := <-exited:
		return 0, fmt.Errorf("%s ended before it polled for an invocation (%v):\n%s", bin, err, out.String())
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		<-exited
		return 0, errors.Join(ctx.Err(), fmt.Errorf("output so far:\n%s", out.String()))
	}
}
