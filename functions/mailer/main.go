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
	ctx := context.Background()
	a, err := app.New(ctx, "mailer")
	if err != nil {
		slog.Error("mailer: start", "error", err)
		os.Exit(1)
	}
	// A sender SES will not send from stops the function here, with what
	// to do, rather than failing every mail (SPEC §13).
	if err := a.CheckSender(ctx); err != nil {
		a.Log.Error("mailer: start", "error", err)
		os.Exit(1)
	}
	lambda.Start(app.ObserveResult(a, a.Mailer().Handle))
}
