// Package adminfn wires the admin function (functions/admin): the admin
// API with the keys, S3 bucket and limits it uses.
package adminfn

import (
	"net/http"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tilgang/tilgang/internal/admin"
	"github.com/tilgang/tilgang/internal/app/core"
	"github.com/tilgang/tilgang/internal/imports"
	"github.com/tilgang/tilgang/internal/keys"
	"github.com/tilgang/tilgang/internal/tenants"
)

// Keys are the keys the admin API uses, out of all (config.Functions names
// the same; TestFunctionsNeedWhatTheyRead in package app holds them
// together).
func Keys(all keys.Set) keys.Set {
	return keys.Set{LookupKey: all.LookupKey, LinkKey: all.LinkKey, OpenKey: all.OpenKey}
}

// Handler serves the admin API.
func Handler(a *core.App) http.Handler {
	p := a.MustParts(Keys(a.Keys))
	s3c := s3.NewFromConfig(a.AWS, func(o *s3.Options) { o.UsePathStyle = a.S3PathStyle })
	imp := imports.New(a.Store).WithBucket(imports.NewBucket(s3c, a.Config.BucketName))
	return a.ObserveHTTP(admin.New(p.Users, tenants.New(a.Store), p.Invitations, imp, p.Groups, a.Log,
		admin.WithLimiter(a.Limiter("admin", core.DefaultAdminOrgPerMinute, core.DefaultAdminSourcePerMinute)),
		admin.WithMailBudget(a.MailBudget()), admin.WithMailStates(a.Store)))
}
