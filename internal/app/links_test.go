package app

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tilgang/tilgang/internal/config"
)

// sdkClients are the AWS service packages each function may link: every
// function reads the table (DynamoDB) and, in AWS, its keys at cold start
// (Secrets Manager); the rest are the clients its handler calls. The
// scheduler links SES v2's package because it re-drives mail through
// package mail, but calls no SES operation.
var sdkClients = map[string][]string{
	"admin":     {"dynamodb", "s3", "secretsmanager"},           // upload URLs and receipts
	"console":   {"dynamodb", "s3", "secretsmanager", "sesv2"},  // upload forms and receipts; sign-in mail
	"csvimport": {"dynamodb", "lambda", "s3", "secretsmanager"}, // reads the file; continues itself
	"mailer":    {"dynamodb", "secretsmanager", "sesv2"},
	"passkeys":  {"dynamodb", "secretsmanager"}, // the console's passkey ceremonies
	"scheduler": {"dynamodb", "secretsmanager", "sesv2"},
	"scim":      {"dynamodb", "secretsmanager"},
	"sesevents": {"dynamodb", "secretsmanager"},
	"web":       {"dynamodb", "secretsmanager"},
}

// notLinked are packages no function binary may link: this package (every
// handler at once) and the SDK's shared-config loader with its SSO, STS
// and IMDS providers (core.AWSFromEnv reads what Lambda sets instead).
var notLinked = []string{
	"github.com/tilgang/tilgang/internal/app",
	"github.com/aws/aws-sdk-go-v2/config",
	"github.com/aws/aws-sdk-go-v2/service/sts",
	"github.com/aws/aws-sdk-go-v2/service/sso",
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds",
}

// TestFunctionsLinkOnlyWhatTheyRun lists the packages of each function
// binary as make build builds it and fails if one links an AWS client it
// does not use, or a package of notLinked: what a binary links is its size
// and part of its cold start (README, "Cold start").
func TestFunctionsLinkOnlyWhatTheyRun(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	folders, err := filepath.Glob(filepath.Join("..", "..", "functions", "*", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	if len(folders) != len(config.Functions) {
		t.Errorf("%d folders under functions/, %d entries in config.Functions", len(folders), len(config.Functions))
	}
	for _, folder := range slices.Sorted(maps.Keys(config.Functions)) {
		t.Run(folder, func(t *testing.T) {
			t.Parallel()
			want, ok := sdkClients[folder]
			if !ok {
				t.Fatalf("sdkClients has no entry for %s", folder)
			}
			cmd := exec.Command("go", "list", "-deps", "-tags", "lambda.norpc", "../../functions/"+folder)
			cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("go list: %v", err)
			}
			var got []string
			for _, pkg := range strings.Fields(string(out)) {
				if slices.Contains(notLinked, pkg) {
					t.Errorf("functions/%s links %s", folder, pkg)
				}
				if svc, ok := strings.CutPrefix(pkg, "github.com/aws/aws-sdk-go-v2/service/"); ok && !strings.Contains(svc, "/") {
					got = append(got, svc)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("functions/%s links the AWS clients %v; it uses %v (sdkClients)", folder, got, want)
			}
		})
	}
}
