package mail

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// SES answers that say "not now": the request was refused, not taken, so
// sending it again cannot duplicate a mail. LimitExceededException is on
// the list because SES v2 uses it for some quota refusals.
var throttleCodes = map[string]bool{
	"TooManyRequestsException": true,
	"LimitExceededException":   true,
	"Throttling":               true,
	"ThrottlingException":      true,
}

// Account-wide refusals: no mail can go until someone fixes the account, so
// the items stay pending for a later delivery instead of failing one by one.
var accountCodes = map[string]bool{
	"AccountSuspendedException": true,
	"SendingPausedException":    true,
}

// newRetryer is the retryer of every SendEmail call: it retries throttling,
// server errors (5xx) and connections that were never made, with
// exponential backoff and full jitter, at most attempts times. It retries
// nothing that SES may have taken, such as a connection cut while waiting
// for the answer: SendEmail has no idempotency token, so that retry could
// send the mail twice. It has no retry quota: under sustained throttling
// every send keeps its attempts, and the rate limiter is what slows down.
func newRetryer(attempts int) aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = attempts
		o.RateLimiter = ratelimit.None
		o.Backoff = retry.BackoffDelayerFunc(backoff)
		o.Retryables = []retry.IsErrorRetryable{
			retry.NoRetryCanceledError{},
			retry.IsErrorRetryableFunc(func(err error) aws.Ternary { return aws.BoolTernary(retryable(err)) }),
		}
	})
}

const (
	backoffBase = 100 * time.Millisecond
	backoffMax  = 5 * time.Second
)

// backoff waits a random time up to base·2^attempt, capped (full jitter).
func backoff(attempt int, _ error) (time.Duration, error) {
	ceiling := backoffMax
	if attempt < 16 {
		ceiling = min(backoffMax, backoffBase<<attempt)
	}
	return time.Duration(rand.Int64N(int64(ceiling))) + time.Millisecond, nil
}

// retryable reports whether SES certainly did not take the request and
// asks for it again later: throttling, 5xx, or no connection at all.
func retryable(err error) bool {
	if throttled(err) {
		return true
	}
	if status := httpStatus(err); status >= 500 {
		return true
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

func throttled(err error) bool {
	var api smithy.APIError
	if errors.As(err, &api) && throttleCodes[api.ErrorCode()] {
		return true
	}
	return httpStatus(err) == 429
}

// permanent reports whether SES refused the mail for good: a client error
// (4xx) that is neither throttling nor an account-wide stop. That covers
// MessageRejected, MailFromDomainNotVerifiedException, NotFoundException
// and BadRequestException (a malformed address, say).
func permanent(err error) bool {
	if throttled(err) {
		return false
	}
	var api smithy.APIError
	if errors.As(err, &api) && accountCodes[api.ErrorCode()] {
		return false
	}
	status := httpStatus(err)
	return status >= 400 && status < 500
}

// errorCode names an SES error for the item's reason and the log. SES
// error messages can hold the recipient's address, so only the code is
// ever kept, and only if it looks like one: the SDK takes it from the
// answer as it came, and an answer can put anything there.
func errorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorCode() != "" && api.ErrorCode() != "UnknownError" {
		if !codeLike.MatchString(api.ErrorCode()) {
			return "unreadable"
		}
		return api.ErrorCode()
	}
	if status := httpStatus(err); status != 0 {
		return "http." + strconv.Itoa(status)
	}
	return "transport"
}

// sendError is what the log and the caller get of a failed send: SES's
// own message can hold the recipient's address, so an SES answer is named
// by its code only; a transport error is kept, with anything in its text
// that looks like an address redacted (a body the SDK could not read may
// be quoted in it).
func sendError(err error) error {
	var api smithy.APIError
	if errors.As(err, &api) || httpStatus(err) != 0 {
		return fmt.Errorf("mail: SES refused the send for now (%s)", errorCode(err))
	}
	return fmt.Errorf("mail: send: %w", redactErr(err))
}

func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}
