package console

import (
	"context"
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

// flowRoutes registers the pages of this file's siblings.
func (c *Console) flowRoutes(route routeFunc) {
	c.invitationRoutes(route)
	c.importRoutes(route)
	c.historyRoutes(route)
	c.groupRoutes(route)
}
