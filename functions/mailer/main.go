// Command mailer is the Lambda function that sends outbox mail (SPEC §7).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tilgang/tilgang/internal/app/core"
	"github.com/tilgang/tilgang/internal/app/mailerfn"
)

func main() {
	ctx := context.Background()
	a, err := core.New(ctx, "mailer")
	if err != nil {
		slog.Error("mailer: start", "error", err)
		os.Exit(1)
	}
	// A sender SES will not send from stops the function here, with what
	// to do, rather than failing every mail (SPEC §13).
	if err := mailerfn.CheckSender(ctx, a); err != nil {
		a.Log.Error("mailer: start", "error", err)
		os.Exit(1)
	}
	lambda.Start(core.ObserveResult(a, mailerfn.Handler(a).Handle))
}
