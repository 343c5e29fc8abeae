// Package config reads the environment of a tilgang function.
//
// Every variable a function reads is named here, so that the SAM template can
// be checked against the code (see the template test) and so that README's
// configuration table has one source.
package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"strconv"
	"strings"
)

// Names of the environment variables the functions read.
const (
	EnvTableName     = "TABLE_NAME"      // DynamoDB table (all functions)
	EnvCPRKey        = "CPR_KEY"         // base64 of ≥32 random bytes; the CPR and activation-code keys derive from it (local runs)
	EnvCPRKeySecret  = "CPR_KEY_SECRET"  // Secrets Manager id of that key, read once at cold start (AWS)
	EnvPublicBaseURL = "PUBLIC_BASE_URL" // where the API is served: SCIM locations, the pages' cookies and origin check, links in mail (scim, web, mailer)
	EnvMailFrom      = "MAIL_FROM"       // SES v2 sender address (mailer)
	EnvLogLevel      = "LOG_LEVEL"       // debug, info (default), warn, error
	EnvMailRate      = "MAIL_RATE"       // mails per second per mailer instance (optional; default DefaultMailRate, 0 = no limit)
	EnvBucketName    = "BUCKET_NAME"     // the bucket of imports and receipts: upload URLs, receipts (admin)

	// The limits of SPEC §14, all optional (see limits.go).
	EnvRateLimitOrg        = "RATE_LIMIT_ORG"         // requests per minute per organisation (scim, admin, web)
	EnvRateLimitSource     = "RATE_LIMIT_SOURCE"      // requests per minute per source address (scim, admin, web)
	EnvMailBudget          = "MAIL_BUDGET"            // mails per organisation per day (admin)
	EnvSCIMFilterMaxUsers  = "SCIM_FILTER_MAX_USERS"  // users one SCIM filter or sort may read (scim)
	EnvSCIMFilterMaxGroups = "SCIM_FILTER_MAX_GROUPS" // groups one SCIM filter or sort may read (scim)
)

// DefaultMailRate stays under SES's default sending quota of 14 mails per
// second with room for a second mailer instance's burst.
const DefaultMailRate = 10

// Config is the configuration of one function. The zero value is not usable;
// build it with Load.
type Config struct {
	TableName string
	CPRKey    []byte
	// CPRKeySecret names the secret to read CPRKey from when the
	// environment does not hold the key itself; the app reads it at start.
	CPRKeySecret  string
	PublicBaseURL string
	MailFrom      string
	// BucketName is the bucket the admin API grants uploads to and reads
	// receipts from.
	BucketName string
	// MailRate is how many mails per second one mailer instance sends; 0
	// means no limit.
	MailRate float64
	LogLevel slog.Level
	// Limits are the rate limits, mail budget and read bound of SPEC §14;
	// a zero field means the default of the door that uses it.
	Limits Limits
}

// Need says which optional variables a function requires besides the table.
// The csvimport function learns the bucket from each event; the admin API
// names it (BucketName) to sign upload URLs and read receipts.
type Need struct {
	CPRKey, PublicBaseURL, MailFrom, BucketName bool
}

// Load reads the environment through getenv (os.Getenv in production) and
// reports every missing or malformed variable at once.
func Load(getenv func(string) string, need Need) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	var c Config
	var errs []error
	required := func(name string, want bool) string {
		v := strings.TrimSpace(getenv(name))
		if want && v == "" {
			errs = append(errs, fmt.Errorf("%s is not set", name))
		}
		return v
	}
	c.TableName = required(EnvTableName, true)
	c.PublicBaseURL = strings.TrimRight(required(EnvPublicBaseURL, need.PublicBaseURL), "/")
	c.MailFrom = required(EnvMailFrom, need.MailFrom)
	c.BucketName = required(EnvBucketName, need.BucketName)
	c.CPRKeySecret = strings.TrimSpace(getenv(EnvCPRKeySecret))
	if raw := strings.TrimSpace(getenv(EnvCPRKey)); raw != "" {
		key, err := DecodeKey(raw)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", EnvCPRKey, err))
		}
		c.CPRKey = key
	} else if need.CPRKey && c.CPRKeySecret == "" {
		errs = append(errs, fmt.Errorf("neither %s nor %s is set", EnvCPRKey, EnvCPRKeySecret))
	}
	c.MailRate = DefaultMailRate
	if v := strings.TrimSpace(getenv(EnvMailRate)); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r < 0 || math.IsInf(r, 0) || math.IsNaN(r) {
			errs = append(errs, fmt.Errorf("%s: want a number of mails per second ≥ 0, got %q", EnvMailRate, v))
		}
		c.MailRate = r
	}
	c.Limits, errs = loadLimits(getenv, errs)
	c.LogLevel = slog.LevelInfo
	if lvl := getenv(EnvLogLevel); lvl != "" {
		if err := c.LogLevel.UnmarshalText([]byte(lvl)); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", EnvLogLevel, err))
		}
	}
	return c, errors.Join(errs...)
}

// DecodeKey decodes a base64 master key of at least 32 bytes.
func DecodeKey(raw string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("the key is not base64: %w", err)
	}
	if len(key) < 32 {
		return nil, fmt.Errorf("the key must hold at least 32 bytes, has %d", len(key))
	}
	return key, nil
}

// Functions lists what each Lambda function needs, keyed by its folder name
// under functions/. main.go passes its entry to Load; a test of package app
// checks that each entry is what the function's parts read, and the template
// test that template.yaml sets exactly the variables named here. Treat it as
// constant.
var Functions = map[string]Need{
	"scim":      {CPRKey: true, PublicBaseURL: true}, // meta.location and Location headers
	"admin":     {CPRKey: true, BucketName: true},    // upload URLs and receipts
	"web":       {CPRKey: true, PublicBaseURL: true},
	"csvimport": {CPRKey: true},
	"mailer":    {CPRKey: true, MailFrom: true, PublicBaseURL: true}, // the key makes the links
	"scheduler": {},
}

// Vars names the variables n requires in AWS, the table's always first. The
// CPR key is named by its secret there; local runs set CPR_KEY instead.
func (n Need) Vars() []string {
	vars := []string{EnvTableName}
	for _, v := range []struct {
		on   bool
		name string
	}{{n.CPRKey, EnvCPRKeySecret}, {n.PublicBaseURL, EnvPublicBaseURL}, {n.MailFrom, EnvMailFrom}, {n.BucketName, EnvBucketName}} {
		if v.on {
			vars = append(vars, v.name)
		}
	}
	return vars
}
