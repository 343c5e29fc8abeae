// Command scheduler is the Lambda function run every 15 minutes by
// EventBridge.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tilgang/tilgang/internal/app/core"
	"github.com/tilgang/tilgang/internal/app/schedulerfn"
)

func main() {
	a, err := core.New(context.Background(), "scheduler")
	if err != nil {
		slog.Error("scheduler: start", "error", err)
		os.Exit(1)
	}
	lambda.Start(core.Observe(a, schedulerfn.Handler(a).Handle))
}
