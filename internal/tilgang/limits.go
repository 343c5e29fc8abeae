package tilgang

import (
	"fmt"
	"strconv"
	"time"
)

// LimitExceeded is the error of a request beyond a rate limit or a mail budget.
// Each HTTP layer answers it with 429 and Retry-After (SPEC §14);
// internal/ratelimit returns it.
type LimitExceeded struct {
	// Scope is what ran out: "organisation", "source" or "mail budget".
	Scope string
	// Limit is the number the window allows, Window its length.
	Limit  int64
	Window time.Duration
	// RetryAfter is how long until the window ends.
	RetryAfter time.Duration
}

func (e *LimitExceeded) Error() string {
	if e.Scope == LimitMail {
		return fmt.Sprintf("the organisation's mail budget of %d mails a day is spent; try again after %s", e.Limit, e.RetryAfter.Round(time.Minute))
	}
	per := e.Window.String()
	if e.Window == time.Minute {
		per = "minute"
	}
	return fmt.Sprintf("more than %d requests a %s from this %s; try again in %d s", e.Limit, per, e.Scope, e.RetryAfterSeconds())
}

// RetryAfterSeconds is the Retry-After header's value: whole seconds,
// rounded up, at least 1.
func (e *LimitExceeded) RetryAfterSeconds() int64 {
	s := int64((e.RetryAfter + time.Second - 1) / time.Second)
	return max(s, 1)
}

// RetryAfterHeader is the value of the Retry-After header of an answer to
// e.
func (e *LimitExceeded) RetryAfterHeader() string {
	return strconv.FormatInt(e.RetryAfterSeconds(), 10)
}

// Scopes of LimitExceeded.
const (
	LimitOrganisation = "organisation"
	LimitSource       = "source"
	LimitMail         = "mail budget"
)
