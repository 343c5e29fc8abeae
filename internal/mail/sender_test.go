package mail_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/tilgang/tilgang/internal/mail"
	"github.com/tilgang/tilgang/internal/testenv"
)

// identityServer answers GetEmailIdentity as SES does: the identities in
// known with the answer in their testdata file, every other one with
// NotFoundException. The SES v2 emulator does not implement the call.
func identityServer(t *testing.T, known map[string]string) *sesv2.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := strings.CutPrefix(r.URL.Path, "/v2/email/identities/")
		if r.Method != http.MethodGet || !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		file, found := known[id]
		if !found {
			w.Header().Set("X-Amzn-ErrorType", "NotFoundException")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"message":"Email identity ` + id + ` does not exist."}`))
			return
		}
		body, err := os.ReadFile(filepath.Join("testdata", "ses", file))
		if err != nil {
			t.Error(err)
		}
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return sesv2.NewFromConfig(testenv.AWS(t), func(o *sesv2.Options) { o.BaseEndpoint = aws.String(srv.URL) })
}

// TestCheckSender: mail goes from a verified address or one of a verified
// domain; an unknown or unverified sender stops the mailer at start, with
// an error that says to verify the domain and to leave the sandbox.
func TestCheckSender(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		known map[string]string
		from  string
		ok    bool
	}{
		{"verified domain", map[string]string{"tilgang.test": "identity-domain-verified.json"}, "noreply@tilgang.test", true},
		{"verified address", map[string]string{"noreply@tilgang.test": "identity-domain-verified.json"}, "noreply@tilgang.test", true},
		{"unknown", nil, "noreply@tilgang.test", false},
		{"domain pending", map[string]string{"tilgang.test": "identity-domain-pending.json"}, "noreply@tilgang.test", false},
		{"placeholder", nil, "no-reply@example.com", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := mail.CheckSender(context.Background(), identityServer(t, tc.known), tc.from)
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, mail.ErrSenderNotVerified) {
				t.Fatalf("err = %v, want ErrSenderNotVerified", err)
			}
			for _, says := range []string{"Verify the domain", "sandbox", "SenderAddress"} {
				if !strings.Contains(err.Error(), says) {
					t.Errorf("the error does not say %q: %v", says, err)
				}
			}
		})
	}
}

// TestCheckSenderDoesNotFailOnTrouble: an SES that cannot be asked is not
// a verdict on the sender.
func TestCheckSenderDoesNotFailOnTrouble(t *testing.T) {
	t.Parallel()
	e := &env{cfg: testenv.AWS(t)}
	err := mail.CheckSender(context.Background(), unreachableSES(t, e), "noreply@tilgang.test")
	if err == nil || errors.Is(err, mail.ErrSenderNotVerified) {
		t.Fatalf("err = %v, want an error that is not ErrSenderNotVerified", err)
	}
}
