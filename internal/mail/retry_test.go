package mail

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// sesErr is an error as the SDK returns it for an SES answer.
func sesErr(status int, api error) error {
	return &smithy.OperationError{ServiceID: "SESv2", OperationName: "SendEmail", Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: api},
	}}
}

// TestClassify fixes what each SES answer means: retried at once inside the
// delivery, failed for good, or left for a later delivery.
func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                 string
		err                  error
		retryable, permanent bool
		code                 string
	}{
		{"throttled", sesErr(429, &types.TooManyRequestsException{}), true, false, "TooManyRequestsException"},
		{"limit exceeded", sesErr(400, &types.LimitExceededException{}), true, false, "LimitExceededException"},
		{"429 without a code", sesErr(429, &smithy.GenericAPIError{Code: "UnknownError"}), true, false, "http.429"},
		{"server error", sesErr(500, &smithy.GenericAPIError{Code: "InternalFailure"}), true, false, "InternalFailure"},
		{"unavailable", sesErr(503, &smithy.GenericAPIError{Code: "ServiceUnavailable"}), true, false, "ServiceUnavailable"},
		{"rejected", sesErr(400, &types.MessageRejected{}), false, true, "MessageRejected"},
		{"sender domain not verified", sesErr(400, &types.MailFromDomainNotVerifiedException{}), false, true, "MailFromDomainNotVerifiedException"},
		{"bad request", sesErr(400, &types.BadRequestException{}), false, true, "BadRequestException"},
		{"not found", sesErr(404, &types.NotFoundException{}), false, true, "NotFoundException"},
		{"account suspended", sesErr(400, &types.AccountSuspendedException{}), false, false, "AccountSuspendedException"},
		{"sending paused", sesErr(400, &types.SendingPausedException{}), false, false, "SendingPausedException"},
		{"no connection", fmt.Errorf("send: %w", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}), true, false, "transport"},
		{"no such host", &net.DNSError{Err: "no such host", Name: "email.example", IsNotFound: true}, true, false, "transport"},
		// The request may have reached SES: a retry could send twice.
		{"cut while waiting", &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}, false, false, "transport"},
	}
	for _, tt := range tests {
		if got := retryable(tt.err); got != tt.retryable {
			t.Errorf("%s: retryable = %v, want %v", tt.name, got, tt.retryable)
		}
		if got := permanent(tt.err); got != tt.permanent {
			t.Errorf("%s: permanent = %v, want %v", tt.name, got, tt.permanent)
		}
		if got := errorCode(tt.err); got != tt.code {
			t.Errorf("%s: errorCode = %q, want %q", tt.name, got, tt.code)
		}
	}
}

func TestBackoffGrowsWithJitterAndCap(t *testing.T) {
	t.Parallel()
	for attempt := 1; attempt < 40; attempt++ {
		ceiling := min(backoffMax, backoffBase<<min(attempt, 16))
		for range 50 {
			d, err := backoff(attempt, nil)
			if err != nil || d <= 0 || d > ceiling+1e6 {
				t.Fatalf("backoff(%d) = %v, %v; want in (0, %v]", attempt, d, err, ceiling)
			}
		}
	}
}

// TestSendErrorHoldsNoAddress: SES messages can name the recipient; the
// error that reaches the log keeps only the code.
func TestSendErrorHoldsNoAddress(t *testing.T) {
	t.Parallel()
	err := sesErr(503, &smithy.GenericAPIError{Code: "ServiceUnavailable", Message: "try later, anna@example.dk"})
	if got := sendError(err).Error(); strings.Contains(got, "@") || !strings.Contains(got, "ServiceUnavailable") {
		t.Errorf("sendError = %q", got)
	}
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	if got := sendError(dial); !errors.Is(got, dial) {
		t.Errorf("sendError(%v) = %v, want it wrapped", dial, got)
	}
}
