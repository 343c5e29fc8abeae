package operator

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tilgang/tilgang/internal/invitations"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// operatorInviter is who the invitation mail and page say invites, when
// the operator gives no name.
const operatorInviter = "tilgang"

// defaultBootstrapExpiry bounds the admin token invite-admin prints: it
// bridges the time until the administrator has a console sign-in and
// tokens of their own.
const defaultBootstrapExpiry = "30d"

// maxAdminName bounds --name, so that "first administrator <name>" fits a
// token's name.
const maxAdminName = 80

// inviteResult is what invite-admin prints.
type inviteResult struct {
	OrgID        string    `json:"orgId"`
	InvitationID string    `json:"invitationId"`
	Email        string    `json:"email"`
	Role         string    `json:"role"`
	ExpiresAt    time.Time `json:"expiresAt"` // of the invitation link
	// AdminToken is shown once: the store keeps its hash.
	AdminToken          string     `json:"adminToken,omitempty"`
	AdminTokenID        string     `json:"adminTokenId,omitempty"`
	AdminTokenExpiresAt *time.Time `json:"adminTokenExpiresAt,omitempty"`
}

// orgInviteAdmin invites an organisation's first administrator through
// the invitation path the admin API uses: a pending company-admin
// invitation and its mail, stored in one transaction, which the mailer
// sends. Until the console can sign the administrator in, it also mints
// an admin token with every role, named after them, for scripts.
func orgInviteAdmin(fs *flag.FlagSet) func(context.Context, *Call) error {
	id := fs.String("org", "", "organisation id")
	email := fs.String("email", "", "the administrator's e-mail address")
	name := fs.String("name", "", "the administrator's name: names the printed admin token, which history names as actor")
	language := fs.String("language", "", `language of the mail and page: "da" or "en" (default: the organisation's)`)
	inviter := fs.String("inviter", operatorInviter, "who the mail says invites")
	noToken := fs.Bool("no-token", false, "do not mint the one-time admin token")
	expires := fs.String("token-expires", defaultBootstrapExpiry, `when the admin token stops working: 90d, 36h, 2027-06-30, or "never"`)
	return func(ctx context.Context, c *Call) error {
		if err := required("org", *id, "email", *email, "name", *name); err != nil {
			return err
		}
		// Checked before anything is sent: the name becomes the token's,
		// which must be plain text of at most 100 characters.
		if n := strings.TrimSpace(*name); tilgang.HasControl(n) || utf8.RuneCountInString(n) > maxAdminName {
			return Usagef("--name: at most %d characters of plain text", maxAdminName)
		}
		expiry, err := parseExpiry(*expires, c.Now())
		if err != nil {
			return Usagef("--token-expires: %v", err)
		}
		env, err := c.Env(ctx)
		if err != nil {
			return err
		}
		a, org, err := c.organisation(ctx, *id)
		if err != nil {
			return err
		}
		if org.Disabled() {
			return fmt.Errorf("organisation %s is disabled: enable it first (tilgang org enable)", org.ID)
		}
		inv, err := env.Invitations()
		if err != nil {
			return err
		}
		results, err := inv.Invite(ctx, org, invitations.Request{
			Emails: []string{*email}, Role: tilgang.RoleCompanyAdmin, Language: *language,
			Inviter: *inviter, Grantor: tilgang.AdminRoles, // the operator holds every authority
		})
		if err != nil {
			return err
		}
		if r := results[0]; r.Err != nil {
			return fmt.Errorf("invite %s: %w", *email, r.Err)
		}
		out := inviteResult{OrgID: org.ID, InvitationID: results[0].Invitation.ID, Email: results[0].Invitation.Email,
			Role: tilgang.RoleCompanyAdmin, ExpiresAt: results[0].Invitation.ExpiresAt}
		if !*noToken {
			minted, err := a.Tenants.IssueToken(ctx, org, tenants.TokenRequest{
				Name: "first administrator " + strings.TrimSpace(*name), Kind: tilgang.TokenAdmin,
				Roles: tilgang.AdminRoles, ExpiresAt: expiry,
			})
			if err != nil {
				return fmt.Errorf("the invitation was sent, the admin token was not made: %w", err)
			}
			out.AdminToken, out.AdminTokenID = minted.Secret, minted.Token.ID
			if !expiry.IsZero() {
				out.AdminTokenExpiresAt = &minted.Token.ExpiresAt
			}
		}
		return c.output(out, func(w io.Writer) {
			fmt.Fprintf(w, "invited %s as company-admin of %s (invitation %s, link valid until %s)\n",
				out.Email, org.Name, out.InvitationID, formatTime(out.ExpiresAt))
			if env.MailStoreURL != "" {
				fmt.Fprintf(w, "the mail goes out through the mailer; make dev shows it at %s/_local/mail\n", env.PublicBaseURL)
			}
			if out.AdminToken != "" {
				fmt.Fprintf(w, "\nadmin token (every role; shown once, until %s):\n%s\n", formatTime(tokenExpiry(out)), out.AdminToken)
			}
		})
	}
}

func tokenExpiry(r inviteResult) time.Time {
	if r.AdminTokenExpiresAt == nil {
		return time.Time{}
	}
	return *r.AdminTokenExpiresAt
}
