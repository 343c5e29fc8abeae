package mail_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/tilgang/tilgang/internal/testenv"
)

// TestSESErrorsAreLoggedWithoutAddresses: whatever SES answers, an error
// code, a body the SDK cannot read or a cut connection, with the
// recipient's address in it, the mailer's log never holds the address.
func TestSESErrorsAreLoggedWithoutAddresses(t *testing.T) {
	t.Parallel()
	answers := []struct {
		name   string
		answer func(w http.ResponseWriter, to string)
	}{
		{"refusal with the address in its message", func(w http.ResponseWriter, to string) {
			w.Header().Set("X-Amzn-ErrorType", "MessageRejected")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"message": "Email address is not verified: `+to+`"}`)
		}},
		{"an unreadable answer that repeats the address", func(w http.ResponseWriter, to string) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"MessageId": ["`+to+`"]}`)
		}},
		{"an unknown status with the address", func(w http.ResponseWriter, to string) {
			w.Header().Set("X-Amzn-ErrorType", to)
			w.WriteHeader(http.StatusTeapot)
			_, _ = io.WriteString(w, `{"message": "`+to+`", "__type": "`+to+`"}`)
		}},
	}
	for _, a := range answers {
		t.Run(a.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, "da")
			to := address()
			e.createUser(to)
			rec := e.record()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				a.answer(w, to)
			}))
			t.Cleanup(srv.Close)
			var logs testenv.Logs
			m := e.mailer(func(p *mailerParts) {
				p.ses = sesv2.NewFromConfig(e.cfg, func(o *sesv2.Options) { o.BaseEndpoint = aws.String(srv.URL) })
				p.cfg.SendAttempts = 1
				p.log = logs.Logger()
			})
			handle(t, context.Background(), m, batch(rec))
			got := logs.String()
			if got == "" {
				t.Fatal("nothing logged: the test sees no error")
			}
			if strings.Contains(strings.ToLower(got), strings.ToLower(to)) || strings.Contains(got, "@example.dk") {
				t.Errorf("the log holds the address:\n%s", got)
			}
		})
	}
}
