// Command scim is the Lambda function of the SCIM 2.0 service provider
// (SPEC §5).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/tilgang/tilgang/internal/app/core"
	"github.com/tilgang/tilgang/internal/app/scimfn"
)

func main() {
	a, err := core.New(context.Background(), "scim")
	if err != nil {
		slog.Error("scim: start", "error", err)
		os.Exit(1)
	}
	lambda.Start(httpadapter.NewV2(scimfn.Handler(a)).ProxyWithContext)
}
