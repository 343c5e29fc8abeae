package mail

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

// IdentityReader is the part of the SES v2 client that CheckSender uses.
type IdentityReader interface {
	GetEmailIdentity(ctx context.Context, in *sesv2.GetEmailIdentityInput, opts ...func(*sesv2.Options)) (*sesv2.GetEmailIdentityOutput, error)
}

// ErrSenderNotVerified means that SES would refuse every mail from the
// sender address: neither it nor its domain is an identity verified for
// sending in the region.
var ErrSenderNotVerified = errors.New("mail: the sender address is not a verified SES identity")

// CheckSender checks, at the mailer's start, that SES will send from from
// (MAIL_FROM, the template's SenderAddress): that the address or its domain
// is an identity of the account that is verified for sending. Otherwise
// every mail would fail at run time with MessageRejected, one by one; so
// the function refuses to start, with an error that says what to do.
//
// Only a definite answer fails: an identity that SES does not know
// (NotFoundException) or knows as not verified. An error in asking (no
// connection, a refused permission) is returned wrapped, not as
// ErrSenderNotVerified, and the caller may go on: the sends will tell.
//
// It does not ask whether the account is still in the SES sandbox (that
// needs ses:GetAccount on "*"): in the sandbox every recipient must be a
// verified identity too, which README's runbook says.
func CheckSender(ctx context.Context, ses IdentityReader, from string) error {
	at := strings.LastIndexByte(from, '@')
	if at < 1 || at == len(from)-1 {
		return fmt.Errorf("%w: %q is not an address", ErrSenderNotVerified, from)
	}
	domain := from[at+1:]
	var seen []string // identities found but not verified, with their status
	for _, id := range []string{from, domain} {
		out, err := ses.GetEmailIdentity(ctx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String(id)})
		var nf *types.NotFoundException
		switch {
		case errors.As(err, &nf):
			continue
		case err != nil:
			return fmt.Errorf("mail: check the sender identity %s: %w", id, err)
		case out.VerifiedForSendingStatus:
			return nil
		}
		seen = append(seen, fmt.Sprintf("%s is %s", id, strings.ToLower(string(out.VerificationStatus))))
	}
	state := "neither " + from + " nor " + domain + " is an SES identity in this region"
	if len(seen) > 0 {
		state = strings.Join(seen, ", ") + ", not verified for sending"
	}
	return fmt.Errorf("%w: %s. Verify the domain %s in SES in the stack's region (publish its DKIM records; "+
		"aws sesv2 create-email-identity --email-identity %s), or deploy with a SenderAddress of a verified domain; "+
		"while the account is in the SES sandbox, also request production access, or only verified recipients get mail",
		ErrSenderNotVerified, state, domain, domain)
}
