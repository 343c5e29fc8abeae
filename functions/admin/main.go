// Command admin is the Lambda function of the admin API (SPEC §9).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/tilgang/tilgang/internal/app/adminfn"
	"github.com/tilgang/tilgang/internal/app/core"
)

func main() {
	a, err := core.New(context.Background(), "admin")
	if err != nil {
		slog.Error("admin: start", "error", err)
		os.Exit(1)
	}
	lambda.Start(httpadapter.NewV2(adminfn.Handler(a)).ProxyWithContext)
}
