package console

import (
	"context"
	"errors"
	"io"

	"github.com/tilgang/tilgang/internal/imports"
	"github.com/tilgang/tilgang/internal/invitations"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// The pages of invitations, imports, groups and history (SPEC §12), each
// in a file of its own; this file names what they need.

// Invitations invites people and moves invitations on;
// *invitations.Service is one.
type Invitations interface {
	Invite(ctx context.Context, org *tilgang.Organisation, req invitations.Request) ([]invitations.Result, error)
	List(ctx context.Context, org *tilgang.Organisation, q invitations.Query) (tilgang.InvitationPage, error)
	Get(ctx context.Context, org *tilgang.Organisation, id string) (*tilgang.Invitation, error)
	Revoke(ctx context.Context, org *tilgang.Organisation, id string) (*tilgang.Invitation, error)
	Resend(ctx context.Context, org *tilgang.Organisation, id string) (*tilgang.Invitation, error)
	Approve(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, id string) (*tilgang.Invitation, error)
	Reject(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, id string) (*tilgang.Invitation, error)
}

// Imports grants form uploads and reads imports and receipts;
// *imports.Service with a bucket is one.
type Imports interface {
	GrantFormUpload(ctx context.Context, org *tilgang.Organisation, req imports.FormRequest) (*imports.FormGrant, error)
	List(ctx context.Context, org *tilgang.Organisation, q imports.Query) (tilgang.ImportPage, error)
	Get(ctx context.Context, org *tilgang.Organisation, id string) (*tilgang.Import, error)
	Rows(ctx context.Context, org *tilgang.Organisation, importID string, q imports.RowQuery) (imports.RowPage, error)
	Receipt(ctx context.Context, org *tilgang.Organisation, id, ext string) (io.ReadCloser, error)
}

// Groups reads the groups SCIM made; *groups.Service is one.
type Groups interface {
	Page(ctx context.Context, org *tilgang.Organisation, cursor string, limit int) (tilgang.GroupPage, error)
}

// Activity is what the history and bulk activation pages do with users;
// *users.Service is one.
type Activity interface {
	OrgHistory(ctx context.Context, org *tilgang.Organisation, q users.HistoryQuery) (tilgang.HistoryPage, error)
	BulkActivate(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, ids []string) ([]users.BulkResult, error)
}

// MailBudget is the organisation's mail budget of the day (SPEC §14):
// inviting and bulk activation spend one mail per address or user, all or
// nothing, and refund what was not sent; *ratelimit.Budget is one.
type MailBudget interface {
	Spend(ctx context.Context, orgID string, n int) (refund func(ctx context.Context, n int) error, err error)
}

// spendMail spends n mails of the person's organisation; the refund gives
// back what was not sent. Without a budget nothing is counted.
func (c *Console) spendMail(q *Request, n int) (refund func(unsent int), err error) {
	if c.Budget == nil {
		return func(int) {}, nil
	}
	give, err := c.Budget.Spend(q.Context(), q.Org.ID, n)
	if err != nil {
		return nil, err
	}
	return func(unsent int) {
		if unsent > 0 {
			if err := give(q.Context(), unsent); err != nil {
				c.log.WarnContext(q.Context(), "console: mail budget not refunded", "route", q.Pattern, "error", err)
			}
		}
	}, nil
}

// budgetText says the budget is spent, when err is that.
func budgetText(q *Request, err error) (string, bool) {
	var le *tilgang.LimitExceeded
	if errors.As(err, &le) {
		return q.T("mail.budget_spent"), true
	}
	return "", false
}

// flowRoutes registers the pages of this file's siblings.
func (c *Console) flowRoutes(route routeFunc) {
	c.invitationRoutes(route)
	c.importRoutes(route)
	c.historyRoutes(route)
	c.groupRoutes(route)
}
