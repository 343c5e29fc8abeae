// Command csvimport is the Lambda function that applies CSV files dropped
// into the bucket (SPEC §6).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tilgang/tilgang/internal/app/core"
	"github.com/tilgang/tilgang/internal/app/csvimportfn"
)

func main() {
	a, err := core.New(context.Background(), "csvimport")
	if err != nil {
		slog.Error("csvimport: start", "error", err)
		os.Exit(1)
	}
	lambda.Start(core.Observe(a, csvimportfn.Handler(a, nil).Handle))
}
