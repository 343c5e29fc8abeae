package mailerfn

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/url"
	"os"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/tilgang/tilgang/internal/app/core"
	"github.com/tilgang/tilgang/internal/app/sesops"
	"github.com/tilgang/tilgang/internal/mail"
)

// CheckSender checks at the mailer's start that SES will send from
// MAIL_FROM (mail.CheckSender): a sender that is not a verified identity
// is an error that stops the function, not a failure of every mail. An
// error in asking SES is logged and the function goes on.
//
// Against a local SES endpoint (make dev, the tests: the SES v2 emulator,
// which does not implement GetEmailIdentity) the check is skipped, and the
// log says so. Only an endpoint on a loopback address counts as local;
// in AWS no endpoint is set.
func CheckSender(ctx context.Context, a *core.App) error {
	if endpoint, ok := localSESEndpoint(os.Getenv); ok {
		a.Log.InfoContext(ctx, "sender check skipped: SES is a local endpoint", slog.String("endpoint", endpoint))
		return nil
	}
	err := mail.CheckSender(ctx, sesops.GetEmailIdentity(sesv2.NewFromConfig(a.AWS).GetEmailIdentity), a.Config.MailFrom)
	if err != nil && !errors.Is(err, mail.ErrSenderNotVerified) {
		a.Log.WarnContext(ctx, "sender check could not ask SES; going on", slog.Any("error", err))
		return nil
	}
	return err
}

// localSESEndpoint returns the SES endpoint that the SDK is configured
// with (AWS_ENDPOINT_URL_SESV2, else AWS_ENDPOINT_URL) if it is on a
// loopback address.
func localSESEndpoint(getenv func(string) string) (string, bool) {
	endpoint := getenv("AWS_ENDPOINT_URL_SESV2")
	if endpoint == "" {
		endpoint = getenv("AWS_ENDPOINT_URL")
	}
	u, err := url.Parse(endpoint)
	if endpoint == "" || err != nil {
		return "", false
	}
	host := u.Hostname()
	if host == "localhost" {
		return endpoint, true
	}
	ip := net.ParseIP(host)
	return endpoint, ip != nil && ip.IsLoopback()
}
