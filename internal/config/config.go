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
	"os"
	"strings"
)

// Names of the environment variables the functions read.
const (
	EnvTableName     = "TABLE_NAME"      // DynamoDB table (all functions)
	EnvBucketName    = "BUCKET_NAME"     // import/receipt bucket (csvimport, admin)
	EnvCPRKey        = "CPR_KEY"         // base64 of 32 random bytes; CPR HMAC and AES-GCM keys derive from it
	EnvPublicBaseURL = "PUBLIC_BASE_URL" // where the web pages are served, for links in mail
	EnvMailFrom      = "MAIL_FROM"       // SES v2 sender address (mailer)
	EnvLogLevel      = "LOG_LEVEL"       // debug, info (default), warn, error
)

// Config is the configuration of one function. The zero value is not usable;
// build it with Load.
type Config struct {
	TableName     string
	BucketName    string
	CPRKey        []byte
	PublicBaseURL string
	MailFrom      string
	LogLevel      slog.Level
}

// Need says which optional variables a function requires besides the table.
type Need struct {
	Bucket, CPRKey, PublicBaseURL, MailFrom bool
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
	c.BucketName = required(EnvBucketName, need.Bucket)
	c.PublicBaseURL = strings.TrimRight(required(EnvPublicBaseURL, need.PublicBaseURL), "/")
	c.MailFrom = required(EnvMailFrom, need.MailFrom)
	if raw := required(EnvCPRKey, need.CPRKey); raw != "" {
		key, err := base64.StdEncoding.DecodeString(raw)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s is not base64: %w", EnvCPRKey, err))
		case len(key) < 32:
			errs = append(errs, fmt.Errorf("%s must hold at least 32 bytes, has %d", EnvCPRKey, len(key)))
		default:
			c.CPRKey = key
		}
	}
	c.LogLevel = slog.LevelInfo
	if lvl := getenv(EnvLogLevel); lvl != "" {
		if err := c.LogLevel.UnmarshalText([]byte(lvl)); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", EnvLogLevel, err))
		}
	}
	return c, errors.Join(errs...)
}

// Functions lists what each Lambda function needs, keyed by its folder name
// under functions/. main.go passes its entry to Load; the template test checks
// that template.yaml sets every variable named here.
var Functions = map[string]Need{
	"scim":      {CPRKey: true},
	"admin":     {Bucket: true, CPRKey: true, PublicBaseURL: true},
	"web":       {CPRKey: true, PublicBaseURL: true},
	"csvimport": {Bucket: true, CPRKey: true},
	"mailer":    {MailFrom: true, PublicBaseURL: true},
	"scheduler": {},
}

// Vars names the variables n requires, the table's always first.
func (n Need) Vars() []string {
	vars := []string{EnvTableName}
	for _, v := range []struct {
		on   bool
		name string
	}{{n.Bucket, EnvBucketName}, {n.CPRKey, EnvCPRKey}, {n.PublicBaseURL, EnvPublicBaseURL}, {n.MailFrom, EnvMailFrom}} {
		if v.on {
			vars = append(vars, v.name)
		}
	}
	return vars
}
