// Command passkeys is the Lambda function of the console's passkey
// ceremonies.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/tilgang/tilgang/internal/app/core"
	"github.com/tilgang/tilgang/internal/app/passkeysfn"
)

func main() {
	a, err := core.New(context.Background(), "passkeys")
	if err != nil {
		slog.Error("passkeys: start", "error", err)
		os.Exit(1)
	}
	lambda.Start(httpadapter.NewV2(passkeysfn.Handler(a)).ProxyWithContext)
}
