// Package sesops hands SES's operations to the packages that call them as
// functions, never the *sesv2.Client in an interface. A function that
// links text/template or html/template (mail, pages) makes the linker keep
// every exported method of every type that reaches an interface (templates
// look methods up by name), and the client's are its hundred-odd
// operations with their encoders: about 1.5 MB of the binary. Wrap the
// method value: sesops.SendEmail(client.SendEmail).
package sesops

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"
)

// SendEmail is sesv2.Client.SendEmail as an interface with that method
// (mail.Sender).
type SendEmail func(context.Context, *sesv2.SendEmailInput, ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)

func (f SendEmail) SendEmail(ctx context.Context, in *sesv2.SendEmailInput, opts ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	return f(ctx, in, opts...)
}

// GetEmailIdentity is sesv2.Client.GetEmailIdentity as an interface
// with that method (mail.IdentityReader).
type GetEmailIdentity func(context.Context, *sesv2.GetEmailIdentityInput, ...func(*sesv2.Options)) (*sesv2.GetEmailIdentityOutput, error)

func (f GetEmailIdentity) GetEmailIdentity(ctx context.Context, in *sesv2.GetEmailIdentityInput, opts ...func(*sesv2.Options)) (*sesv2.GetEmailIdentityOutput, error) {
	return f(ctx, in, opts...)
}
