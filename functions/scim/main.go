// Command scim is the Lambda function of the SCIM 2.0 service provider
// (SPEC §5).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/tilgang/tilgang/internal/app"
)

func main() {
	a, err := app.New(context.Background(), "scim")
	if err != nil {
		slog.Error("scim: start", "error", err)
		os.Exit(1)
	}
	lambda.Start(httpadapter.NewV2(a.SCIMHandler()).ProxyWithContext)
}
