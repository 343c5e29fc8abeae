// Command console is the Lambda function of the administrators' console.
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
	a, err := app.New(context.Background(), "console")
	if err != nil {
		slog.Error("console: start", "error", err)
		os.Exit(1)
	}
	lambda.Start(httpadapter.NewV2(a.ConsoleHandler()).ProxyWithContext)
}
