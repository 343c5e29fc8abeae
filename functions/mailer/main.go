// Command mailer is the Lambda function that sends outbox mail (SPEC §7).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tilgang/tilgang/internal/app"
)

func main() {
	a, err := app.New(context.Background(), "mailer")
	if err != nil {
		slog.Error("mailer: start", "error", err)
		os.Exit(1)
	}
	lambda.Start(app.ObserveResult(a, a.Mailer().Handle))
}
