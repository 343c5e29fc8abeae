package core

import (
	"cmp"

	"github.com/tilgang/tilgang/internal/ratelimit"
)

// The defaults of the limits of SPEC §14, per minute unless said; the
// configuration (RATE_LIMIT_ORG, RATE_LIMIT_SOURCE, MAIL_BUDGET,
// SCIM_FILTER_MAX_USERS, SCIM_FILTER_MAX_GROUPS) overrides them.
const (
	// An identity provider provisions in bursts of a few requests a
	// second; SCIM clients of many organisations share the provider's
	// egress addresses, so a source may make more than one organisation.
	DefaultSCIMOrgPerMinute    = 1200
	DefaultSCIMSourcePerMinute = 6000
	// The admin API serves people and their scripts.
	DefaultAdminOrgPerMinute    = 600
	DefaultAdminSourcePerMinute = 600
	// The pages serve people; one activation is a few requests, and a
	// workplace's people may share one address.
	DefaultWebOrgPerMinute    = 600
	DefaultWebSourcePerMinute = 300
	// DefaultMailPerDay is an organisation's mail budget for resend,
	// invite and bulk activation, per day (UTC).
	DefaultMailPerDay = 2000
)

// Limiter returns the rate limiter of a door ("scim", "admin", "web").
func (a *App) Limiter(door string, orgDefault, sourceDefault int64) *ratelimit.Limiter {
	l := a.Config.Limits
	return ratelimit.New(a.Store, door,
		ratelimit.PerMinute(cmp.Or(l.OrgPerMinute, orgDefault)),
		ratelimit.PerMinute(cmp.Or(l.SourcePerMinute, sourceDefault)), a.Log)
}

// MailBudget returns the organisations' mail budget.
func (a *App) MailBudget() *ratelimit.Budget {
	return ratelimit.NewBudget(a.Store, cmp.Or(a.Config.Limits.MailPerDay, DefaultMailPerDay))
}
