// Command sesevents is the Lambda function that records SES's bounce,
// complaint, reject and delivery events as the mail state of users and
// invitations (SPEC §13).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tilgang/tilgang/internal/app/core"
	"github.com/tilgang/tilgang/internal/app/seseventsfn"
)

func main() {
	a, err := core.New(context.Background(), "sesevents")
	if err != nil {
		slog.Error("sesevents: start", "error", err)
		os.Exit(1)
	}
	lambda.Start(seseventsfn.Handler(a).Handle)
}
