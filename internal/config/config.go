// Package config reads the environment of a tilgang function.
//
// Every variable a function reads is named here, so that the SAM template can
// be checked against the code (see the template test) and so that README's
// configuration table has one source.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/tilgang/tilgang/internal/keys"
)

// Names of the environment variables the functions read.
const (
	EnvTableName     = "TABLE_NAME"      // DynamoDB table (all functions)
	EnvCPRKey        = "CPR_KEY"         // base64 of ≥32 random bytes; local runs derive every key from it (keys.FromMaster)
	EnvPublicBaseURL = "PUBLIC_BASE_URL" // where the API is served: SCIM locations, the pages' cookies and origin check, links in mail (scim, web, mailer)
	EnvMailFrom      = "MAIL_FROM"       // SES v2 sender address (mailer)
	// EnvConsoleBaseURL is where the console is served, for links in mail
	// to administrators (optional; default PUBLIC_BASE_URL + "/console/").
	EnvConsoleBaseURL = "CONSOLE_BASE_URL"
	// EnvMailConfigurationSet names the SES configuration set of every send,
	// whose events record mail states (mailer; set by the template, empty in
	// local runs: no events).
	EnvMailConfigurationSet = "MAIL_CONFIGURATION_SET"
	EnvLogLevel             = "LOG_LEVEL"   // debug, info (default), warn, error
	EnvMailRate             = "MAIL_RATE"   // mails per second per mailer instance (optional; default DefaultMailRate, 0 = no limit)
	EnvBucketName           = "BUCKET_NAME" // the bucket of imports and receipts: upload URLs, receipts (admin)

	// The limits of SPEC §14, all optional (see limits.go).
	EnvRateLimitOrg        = "RATE_LIMIT_ORG"         // requests per minute per organisation (scim, admin, web)
	EnvRateLimitSource     = "RATE_LIMIT_SOURCE"      // requests per minute per source address (scim, admin, web)
	EnvMailBudget          = "MAIL_BUDGET"            // mails per organisation per day (admin)
	EnvSCIMFilterMaxUsers  = "SCIM_FILTER_MAX_USERS"  // users one SCIM filter or sort may read (scim)
	EnvSCIMFilterMaxGroups = "SCIM_FILTER_MAX_GROUPS" // groups one SCIM filter or sort may read (scim)

	// The Secrets Manager names of the keys by purpose (package keys), each
	// read once at cold start in AWS by the functions that need it. Local
	// runs set CPR_KEY instead.
	EnvLookupKeySecret = "CPR_LOOKUP_KEY_SECRET"  // base64 of the CPR look-up HMAC key (scim, admin, web, csvimport)
	EnvLinkKeySecret   = "LINK_KEY_SECRET"        // base64 of the link and activation-code key (admin, web, mailer)
	EnvSealKeySecret   = "CPR_SEAL_PUBLIC_SECRET" // JSON of the public sealing ring (scim, csvimport)
	EnvOpenKeySecret   = "CPR_SEAL_KEYS_SECRET"   // JSON of the private sealing ring (admin)
)

// DefaultMailRate stays under SES's default sending quota of 14 mails per
// second with room for a second mailer instance's burst.
const DefaultMailRate = 10

// Config is the configuration of one function. The zero value is not usable;
// build it with Load.
type Config struct {
	TableName string
	// CPRKey is the master key of local runs, from which every key
	// derives (keys.FromMaster); nil in AWS.
	CPRKey []byte
	// KeySecrets name the secrets of the keys the function needs (AWS);
	// the app reads them into Keys at start.
	KeySecrets KeySecrets
	// Keys is the key material the function holds: filled by the app from
	// KeySecrets, or from CPRKey by app.Build.
	Keys          keys.Set
	PublicBaseURL string
	// ConsoleBaseURL is the console's address, ending in "/": mail to
	// administrators links to its pages. "" when neither it nor
	// PublicBaseURL is set.
	ConsoleBaseURL string
	MailFrom       string
	// MailConfigurationSet is the SES configuration set of every send; ""
	// sends without one.
	MailConfigurationSet string
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
//
// The key fields name the keys of package keys by purpose (the field names
// of keys.Set): only the admin function opens CPR numbers (OpenKey), the
// functions that store them seal with the public ring (SealKey), the pages
// check a CPR answer by its look-up hash, and the mailer holds only the link
// key.
type Need struct {
	LookupKey, LinkKey, SealKey, OpenKey bool
	PublicBaseURL, MailFrom, BucketName  bool
	// MailConfigurationSet: the template sets MAIL_CONFIGURATION_SET. Load
	// does not require it: local runs send without a configuration set.
	MailConfigurationSet bool
}

// KeySecrets are the Secrets Manager names (or ARNs) of the keys by
// purpose; "" where the function does not need the key.
type KeySecrets struct {
	LookupKey, LinkKey, SealKey, OpenKey string
}

// keyVars pairs each key of n with the variable that names its secret.
func (n Need) keyVars() []struct {
	on   bool
	name string
	what string
} {
	return []struct {
		on   bool
		name string
		what string
	}{
		{n.LookupKey, EnvLookupKeySecret, "the CPR look-up key"},
		{n.LinkKey, EnvLinkKeySecret, "the link key"},
		{n.SealKey, EnvSealKeySecret, "the public CPR sealing ring"},
		{n.OpenKey, EnvOpenKeySecret, "the private CPR sealing ring"},
	}
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
	c.ConsoleBaseURL, errs = consoleBaseURL(getenv, c.PublicBaseURL, errs)
	c.MailFrom = required(EnvMailFrom, need.MailFrom)
	c.BucketName = required(EnvBucketName, need.BucketName)
	c.MailConfigurationSet = required(EnvMailConfigurationSet, false)
	if raw := strings.TrimSpace(getenv(EnvCPRKey)); raw != "" {
		key, err := DecodeKey(raw)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", EnvCPRKey, err))
		}
		c.CPRKey = key
	} else {
		secrets := []*string{&c.KeySecrets.LookupKey, &c.KeySecrets.LinkKey, &c.KeySecrets.SealKey, &c.KeySecrets.OpenKey}
		for i, k := range need.keyVars() {
			if !k.on {
				continue
			}
			if *secrets[i] = strings.TrimSpace(getenv(k.name)); *secrets[i] == "" {
				errs = append(errs, fmt.Errorf("%s is not set: it names the secret of %s (local runs set %s instead)", k.name, k.what, EnvCPRKey))
			}
		}
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

// consoleBaseURL is CONSOLE_BASE_URL, an absolute http(s) URL, or by
// default the console's path under public; either way it ends in "/" so
// that a page's path is simply appended.
func consoleBaseURL(getenv func(string) string, public string, errs []error) (string, []error) {
	v := strings.TrimSpace(getenv(EnvConsoleBaseURL))
	if v == "" {
		if public == "" {
			return "", errs
		}
		return public + "/console/", errs
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", append(errs, fmt.Errorf("%s: want an absolute http(s) URL without query, got %q", EnvConsoleBaseURL, v))
	}
	return strings.TrimRight(v, "/") + "/", errs
}

// DecodeKey decodes a base64 master key of at least 32 bytes.
func DecodeKey(raw string) ([]byte, error) { return keys.ParseKey(raw) }

// Functions lists what each Lambda function needs, keyed by its folder name
// under functions/. main.go passes its entry to Load; a test of package app
// checks that each entry is what the function's parts read, and the template
// test that template.yaml sets exactly the variables named here. Treat it as
// constant.
var Functions = map[string]Need{
	// SCIM and the CSV import store CPR numbers (seal, look up, guard)
	// but never show them.
	"scim": {LookupKey: true, SealKey: true, PublicBaseURL: true}, // meta.location and Location headers
	// The admin API shows cprMasked (opens), stores CPR numbers and hands
	// out temporary activation codes.
	"admin": {LookupKey: true, LinkKey: true, OpenKey: true, BucketName: true}, // upload URLs and receipts
	// The pages check links, codes and a CPR answer (by its look-up hash).
	"web": {LookupKey: true, LinkKey: true, PublicBaseURL: true},
	// The console stores CPR numbers and hands out codes as the admin API
	// does, but never opens a CPR number (it shows none), and mails
	// sign-in links itself.
	"console":   {LookupKey: true, LinkKey: true, SealKey: true, PublicBaseURL: true, MailFrom: true, MailConfigurationSet: true, BucketName: true}, // the upload form and receipts
	"csvimport": {LookupKey: true, SealKey: true},
	"mailer":    {LinkKey: true, MailFrom: true, PublicBaseURL: true, MailConfigurationSet: true}, // the link key makes the links
	"scheduler": {},
	"sesevents": {}, // SES events to mail states: the table only
	// The console's passkey ceremonies read users and sessions; the link
	// key is the root of the console's pre-session CSRF and ceremony
	// cookie keys, and the console's address is the relying party.
	"passkeys": {LinkKey: true, PublicBaseURL: true},
}

// Vars names the variables n requires in AWS, the table's always first.
// Keys are named by their secrets there; local runs set CPR_KEY instead.
func (n Need) Vars() []string {
	vars := []string{EnvTableName}
	for _, k := range n.keyVars() {
		if k.on {
			vars = append(vars, k.name)
		}
	}
	for _, v := range []struct {
		on   bool
		name string
	}{{n.PublicBaseURL, EnvPublicBaseURL}, {n.MailFrom, EnvMailFrom}, {n.BucketName, EnvBucketName},
		{n.MailConfigurationSet, EnvMailConfigurationSet}} {
		if v.on {
			vars = append(vars, v.name)
		}
	}
	return vars
}
