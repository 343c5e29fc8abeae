// Package consolefn wires the console function (functions/console): the
// administrators' pages.
package consolefn

import (
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/s3"
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
	s3c := s3.NewFromConfig(a.AWS, func(o *s3.Options) { o.UsePathStyle = a.S3PathStyle })
	base := strings.TrimSuffix(a.Config.PublicBaseURL, "/")
	return a.ObserveHTTP(console.New(console.Deps{
		Users: p.Users, Tenants: tenants.New(a.Store), Store: a.Store,
		Mail:        sesops.SendEmail(sesv2.NewFromConfig(a.AWS).SendEmail),
		Invitations: p.Invitations, Imports: imports.New(a.Store).WithBucket(imports.NewBucket(s3c, a.Config.BucketName)),
		Groups: p.Groups, Activity: p.Users, Budget: a.MailBudget(),
	}, a.Log, console.Options{
		Key: k.LinkKey, BaseURL: a.ConsoleBaseURL(), SCIMBaseURL: base + tilgang.SCIMPrefix,
		MailFrom: a.Config.MailFrom, ConfigurationSet: a.Config.MailConfigurationSet,
		Limiter: a.Limiter("console", core.DefaultWebOrgPerMinute, core.DefaultWebSourcePerMinute),
	}))
}
