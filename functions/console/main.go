// Command console is the Lambda function of the administrators' console.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/tilgang/tilgang/internal/app/consolefn"
	"github.com/tilgang/tilgang/internal/app/core"
)

func main() {
	a, err := core.New(context.Background(), "console")
	if err != nil {
		slog.Error("console: start", "error", err)
		os.Exit(1)
	}
	lambda.Start(httpadapter.NewV2(consolefn.Handler(a)).ProxyWithContext)
}
