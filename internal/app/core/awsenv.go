package core

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// AWSFromEnv is the AWS configuration of a function, read from the
// variables Lambda sets: AWS_REGION, and the execution role's credentials
// in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. Local
// runs point the clients at emulators with AWS_ENDPOINT_URL_<SERVICE> (or
// AWS_ENDPOINT_URL for all), as the SDK's own loader does.
//
// config.LoadDefaultConfig would find the same values, but it links the
// shared config and credentials files, SSO, STS, IMDS and the container
// credential provider, and probes for them at every cold start: about a
// megabyte and a few milliseconds of init that a function never uses.
func AWSFromEnv(getenv func(string) string) (aws.Config, error) {
	cfg := aws.NewConfig()
	cfg.Region = getenv("AWS_REGION")
	if cfg.Region == "" {
		cfg.Region = getenv("AWS_DEFAULT_REGION")
	}
	if cfg.Region == "" {
		return aws.Config{}, errors.New("AWS_REGION is not set")
	}
	id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" || secret == "" {
		return aws.Config{}, errors.New("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set (Lambda sets them from the execution role)")
	}
	// Static: Lambda hands the function fresh credentials for each
	// instance's life, and never changes them under it.
	cfg.Credentials = credentials.NewStaticCredentialsProvider(id, secret, getenv("AWS_SESSION_TOKEN"))
	if e := getenv("AWS_ENDPOINT_URL"); e != "" {
		cfg.BaseEndpoint = aws.String(e)
	}
	cfg.ConfigSources = []any{envEndpoints(getenv)}
	return *cfg, nil
}

// envEndpoints is an aws.Config config source: each service client asks
// any value in ConfigSources with this method for its base endpoint by its
// SDK ID ("DynamoDB", "Secrets Manager"); the variable is
// AWS_ENDPOINT_URL_ with the ID in upper case, spaces as underscores.
type envEndpoints func(string) string

func (e envEndpoints) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	v := e("AWS_ENDPOINT_URL_" + strings.ToUpper(strings.ReplaceAll(sdkID, " ", "_")))
	return v, v != "", nil
}
