// Command web is the Lambda function of the activation and invitation pages.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/tilgang/tilgang/internal/app/core"
	"github.com/tilgang/tilgang/internal/app/webfn"
)

func main() {
	a, err := core.New(context.Background(), "web")
	if err != nil {
		slog.Error("web: start", "error", err)
		os.Exit(1)
	}
	lambda.Start(httpadapter.NewV2(webfn.Handler(a)).ProxyWithContext)
}
