// Package csvimportfn wires the CSV import function (functions/csvimport).
package csvimportfn

import (
	"os"

	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tilgang/tilgang/internal/app/core"
	"github.com/tilgang/tilgang/internal/csvimport"
	"github.com/tilgang/tilgang/internal/keys"
)

// Keys are the keys the import uses, out of all (config.Functions names
// the same).
func Keys(all keys.Set) keys.Set {
	return keys.Set{LookupKey: all.LookupKey, SealKey: all.SealKey}
}

// Handler handles S3 events of dropped CSV files. In Lambda, an import
// that nears the deadline continues in a new invocation of the function;
// elsewhere cont carries it on (nil: on the next delivery of the event).
func Handler(a *core.App, cont csvimport.Continuer) *csvimport.Handler {
	if fn := os.Getenv("AWS_LAMBDA_FUNCTION_NAME"); fn != "" && cont == nil {
		cont = selfInvoker{client: lambda.NewFromConfig(a.AWS), function: fn}
	}
	p := a.MustParts(Keys(a.Keys))
	s3c := s3.NewFromConfig(a.AWS, func(o *s3.Options) { o.UsePathStyle = a.S3PathStyle })
	return csvimport.New(s3c, a.Store, p.Users, cont, a.Log, csvimport.Options{})
}
