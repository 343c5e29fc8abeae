// Package consolefn wires the console function (functions/console): the
// administrators' pages.
package consolefn

import (
	"context"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/tilgang/tilgang/internal/app/core"
	"github.com/tilgang/tilgang/internal/app/sesops"
	"github.com/tilgang/tilgang/internal/console"
	"github.com/tilgang/tilgang/internal/imports"
	"github.com/tilgang/tilgang/internal/keys"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// Keys are the keys the console uses, out of all (config.Functions names
// the same): it stores CPR numbers and hands out codes as the admin API
// does, but never opens a CPR number.
func Keys(all keys.Set) keys.Set {
	return keys.Set{LookupKey: all.LookupKey, LinkKey: all.LinkKey, SealKey: all.SealKey}
}

// Handler serves the administrators' console at /console/.
func Handler(a *core.App) http.Handler {
	k := Keys(a.Keys)
	p := a.MustParts(k)
	base := strings.TrimSuffix(a.Config.PublicBaseURL, "/")
	return a.ObserveHTTP(console.New(console.Deps{
		Users: p.Users, Tenants: tenants.New(a.Store), Store: a.Store,
		Mail:        sesops.SendEmail(sesv2.NewFromConfig(a.AWS).SendEmail),
		Invitations: p.Invitations, Imports: imports.New(a.Store).WithBucket(imports.NewSignedBucket(s3Endpoint(a), a.Config.BucketName)),
		Groups: p.Groups, Activity: p.Users, Budget: a.MailBudget(),
	}, a.Log, console.Options{
		Key: k.LinkKey, BaseURL: a.ConsoleBaseURL(), SCIMBaseURL: base + tilgang.SCIMPrefix,
		MailFrom: a.Config.MailFrom, ConfigurationSet: a.Config.MailConfigurationSet,
		Limiter: a.Limiter("console", core.DefaultWebOrgPerMinute, core.DefaultWebSourcePerMinute),
	}))
}

// s3Endpoint is where the console reaches S3: the console makes no
// s3.Client (imports.NewSignedBucket says why), so it resolves the
// endpoint as the client would, the S3 service's own (AWS_ENDPOINT_URL_S3)
// before the common one.
func s3Endpoint(a *core.App) imports.Endpoint {
	e := imports.Endpoint{Region: a.AWS.Region, Credentials: a.AWS.Credentials, PathStyle: a.S3PathStyle, HTTP: a.AWS.HTTPClient}
	if a.AWS.BaseEndpoint != nil {
		e.BaseURL = *a.AWS.BaseEndpoint
	}
	type endpoints interface {
		GetServiceBaseEndpoint(ctx context.Context, sdkID string) (string, bool, error)
	}
	for _, src := range a.AWS.ConfigSources {
		if r, ok := src.(endpoints); ok {
			if v, found, err := r.GetServiceBaseEndpoint(context.Background(), "S3"); err == nil && found {
				e.BaseURL = v
			}
		}
	}
	return e
}
