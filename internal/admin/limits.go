package admin

import (
	"context"
	"net/http"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// Limiter limits requests per source and per organisation (SPEC §14);
// *ratelimit.Limiter is one. Both return *tilgang.LimitExceeded beyond the
// limit.
type Limiter interface {
	Source(r *http.Request) error
	Org(ctx context.Context, orgID string) error
}

// MailBudget is the organisations' daily mail budget; *ratelimit.Budget is
// one. Spend takes n mails or none (*tilgang.LimitExceeded), and refund
// gives back what the action then did not send.
type MailBudget interface {
	Spend(ctx context.Context, orgID string, n int) (refund func(ctx context.Context, n int) error, err error)
}

// Option configures the handler.
type Option func(*Handler)

// WithLimiter limits the API's requests; without it there is no limit.
func WithLimiter(l Limiter) Option { return func(h *Handler) { h.limiter = l } }

// WithMailBudget makes resend, invite and bulk activation spend the
// organisation's mail budget; without it they spend none.
func WithMailBudget(b MailBudget) Option { return func(h *Handler) { h.budget = b } }

// limitSources counts every request, routed or not, against its source
// before anything else: a client that guesses tokens is limited too.
func (h *Handler) limitSources(next http.Handler) http.Handler {
	if h.limiter == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h.limiter.Source(r); err != nil {
			h.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// limitOrg counts an authenticated request against its organisation.
func (h *Handler) limitOrg(ctx context.Context, s *session) error {
	if h.limiter == nil {
		return nil
	}
	return h.limiter.Org(ctx, s.org.ID)
}

// spendMail takes n mails of the caller's organisation's budget before a
// sending action. refund gives back the mails that the action did not
// send; it only logs a failure, since the action's answer is already
// decided.
func (h *Handler) spendMail(r *http.Request, s *session, n int) (refund func(unsent int), err error) {
	if h.budget == nil {
		return func(int) {}, nil
	}
	give, err := h.budget.Spend(r.Context(), s.org.ID, n)
	if err != nil {
		return nil, err
	}
	return func(unsent int) {
		if unsent <= 0 {
			return
		}
		if err := give(r.Context(), unsent); err != nil {
			h.log.WarnContext(r.Context(), "mail budget not refunded", "route", r.Pattern, "error", err)
		}
	}, nil
}

// limitProblem answers a rate limit or a spent mail budget.
func limitProblem(e *tilgang.LimitExceeded) *problem {
	if e.Scope == tilgang.LimitMail {
		return &problem{Status: http.StatusTooManyRequests, Code: "mail.budget_spent", Title: "The mail budget is spent", Detail: e.Error()}
	}
	return &problem{Status: http.StatusTooManyRequests, Code: "rate.limited", Title: "Too many requests", Detail: e.Error()}
}
