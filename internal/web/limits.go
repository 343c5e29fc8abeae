package web

import (
	"context"
	"errors"
	"net/http"

	"github.com/tilgang/tilgang/internal/invitations"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// Limiter limits requests; *ratelimit.Limiter is one. Both return
// *tilgang.LimitExceeded beyond the limit.
type Limiter interface {
	Source(r *http.Request) error
	Org(ctx context.Context, orgID string) error
}

// limitSources counts every request against its source before the page
// reads anything.
func (p *pages) limitSources(l Limiter, next http.Handler) http.Handler {
	if l == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := l.Source(r); err != nil && p.tooMany(w, r, p.languages.pick(r, ""), err) {
			return
		}
		next.ServeHTTP(w, r)
	})
}

// tooMany answers err with 429 and Retry-After, and reports true, when it
// is a rate limit.
func (p *pages) tooMany(w http.ResponseWriter, r *http.Request, lang string, err error) bool {
	var limited *tilgang.LimitExceeded
	if !errors.As(err, &limited) {
		return false
	}
	w.Header().Set("Retry-After", limited.RetryAfterHeader())
	p.renderMessage(w, r, http.StatusTooManyRequests, "toomany", lang, "")
	return true
}

// limitedActivations counts each opened activation link against its
// organisation: a page learns its organisation only from the link.
type limitedActivations struct {
	Activations
	limiter Limiter
}

func (a limitedActivations) OpenActivation(ctx context.Context, token string) (users.ActivationPage, error) {
	page, err := a.Activations.OpenActivation(ctx, token)
	if err == nil && page.Org != nil {
		err = a.limiter.Org(ctx, page.Org.ID)
	}
	return page, err
}

// limitedInvitations counts each opened invitation link against its
// organisation.
type limitedInvitations struct {
	Invitations
	limiter Limiter
}

func (i limitedInvitations) Open(ctx context.Context, token string) (invitations.Page, error) {
	page, err := i.Invitations.Open(ctx, token)
	if err == nil && page.Org != nil {
		err = i.limiter.Org(ctx, page.Org.ID)
	}
	return page, err
}
