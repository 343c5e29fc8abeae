package infra_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/tilgang/tilgang/internal/config"
)

// keyReaders pins, independently of config.Functions, which functions may
// read each key secret (SPEC §13 Keys, §14): only the admin function reads
// the private sealing ring; the mailer reads the link key alone; the
// functions that store CPR numbers read the public ring.
var keyReaders = map[string][]string{
	config.EnvLookupKeySecret: {"admin", "console", "csvimport", "scim", "web"},
	config.EnvLinkKeySecret:   {"admin", "console", "mailer", "passkeys", "web"},
	config.EnvSealKeySecret:   {"console", "csvimport", "scim"},
	config.EnvOpenKeySecret:   {"admin"},
}

// TestKeySecretReaders checks each function's GetSecretValue grants and
// the secret names in its environment against keyReaders.
func TestKeySecretReaders(t *testing.T) {
	tp := loadTemplate(t)
	byFolder := tp.functionsByFolder(t)
	tableID, _ := tp.single(t, "AWS::DynamoDB::Table")
	_, bucket := tp.single(t, "AWS::S3::Bucket")
	bucketName, _ := subString(get(bucket, "Properties", "BucketName"))
	keyID, _ := tp.single(t, "AWS::KMS::Key")
	configSetID, _ := tp.single(t, "AWS::SES::ConfigurationSet")
	kinds := resourceKinds{tp: tp, tableID: tableID, keyID: keyID, bucketARN: "arn:${AWS::Partition}:s3:::" + bucketName, configSetID: configSetID}
	got := map[string][]string{}
	for _, folder := range slices.Sorted(maps.Keys(byFolder)) {
		f := byFolder[folder]
		env := getMap(f.props, "Environment", "Variables")
		for _, g := range kinds.functionGrants(t, f) {
			v, ok := strings.CutPrefix(g, "secretsmanager:GetSecretValue "+resSecret)
			if !ok {
				continue
			}
			got[v] = append(got[v], folder)
			if _, named := env[v]; !named {
				t.Errorf("%s may read the secret of %s but is not given its name", folder, v)
			}
		}
		for v := range env {
			if _, isKey := keyReaders[v]; isKey && !slices.Contains(keyReaders[v], folder) {
				t.Errorf("%s is given %s, a key it must not hold", folder, v)
			}
		}
	}
	for _, v := range slices.Sorted(maps.Keys(keyReaders)) {
		g := slices.Compact(slices.Sorted(slices.Values(got[v])))
		if !slices.Equal(g, keyReaders[v]) {
			t.Errorf("the secret of %s may be read by %v; want exactly %v", v, g, keyReaders[v])
		}
	}
	for _, forbidden := range []string{config.EnvOpenKeySecret, config.EnvLookupKeySecret, config.EnvSealKeySecret} {
		if slices.Contains(got[forbidden], "mailer") {
			t.Errorf("the mailer may read %s", forbidden)
		}
	}
}
