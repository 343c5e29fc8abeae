// Command tilgang is the operator command (SPEC §13): see
// internal/operator, and README.md, "Operator command". It only wires the
// AWS configuration and the verb groups; the commands are the package's.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/tilgang/tilgang/internal/operator"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := operator.Run(ctx, os.Args[1:], os.Stdout, os.Stderr, operator.Deps{
		Connect: operator.Connect(loadAWS),
		// Verb groups besides the operator package's own (org, token,
		// counts, import, keys, mail) go here.
		Groups: nil,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	stop()
	os.Exit(operator.ExitCode(err))
}

// loadAWS is the SDK's default chain (environment, shared config and
// credentials, SSO, instance roles), in region if one is given.
func loadAWS(ctx context.Context, region string) (aws.Config, error) {
	var opts []func(*awsconfig.LoadOptions) error
	if region != "" {
		opts = append(opts, awsconfig.WithRegion(region))
	}
	return awsconfig.LoadDefaultConfig(ctx, opts...)
}
