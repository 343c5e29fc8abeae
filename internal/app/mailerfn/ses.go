package mailerfn

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"
)

// The mailer gets SES's operations it calls as functions, never the
// *sesv2.Client in an interface. The mail templates make the linker keep
// every exported method of every type that reaches an interface
// (text/template looks methods up by name), and the client's are its
// hundred-odd operations with their encoders: about 1.5 MB of the binary.

// sendEmail is sesv2.Client.SendEmail as a mail.Sender.
type sendEmail func(context.Context, *sesv2.SendEmailInput, ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)

func (f sendEmail) SendEmail(ctx context.Context, in *sesv2.SendEmailInput, opts ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	return f(ctx, in, opts...)
}

// getEmailIdentity is sesv2.Client.GetEmailIdentity as a
// mail.IdentityReader.
type getEmailIdentity func(context.Context, *sesv2.GetEmailIdentityInput, ...func(*sesv2.Options)) (*sesv2.GetEmailIdentityOutput, error)

func (f getEmailIdentity) GetEmailIdentity(ctx context.Context, in *sesv2.GetEmailIdentityInput, opts ...func(*sesv2.Options)) (*sesv2.GetEmailIdentityOutput, error) {
	return f(ctx, in, opts...)
}
