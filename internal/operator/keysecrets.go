package operator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/tilgang/tilgang/internal/config"
	"github.com/tilgang/tilgang/internal/cpr"
	"github.com/tilgang/tilgang/internal/keys"
)

// keySecret is one of the four key secrets: where its name is kept, the
// flag and stack parameter that name it, the suffix of its default name
// under tilgang/<stage>/ (samconfig.toml), and what it holds.
type keySecret struct {
	name                      *string
	flag, param, suffix, what string
}

// keySecretFlags pairs each name in s with its flag and parameter, in the
// order init creates them.
func keySecretFlags(s *config.KeySecrets) []keySecret {
	return []keySecret{
		{name: &s.LookupKey, flag: "lookup-key-secret", param: "CprLookupKeySecretId", suffix: "cpr-lookup-key", what: "the CPR look-up key"},
		{name: &s.LinkKey, flag: "link-key-secret", param: "LinkKeySecretId", suffix: "link-key", what: "the link key"},
		{name: &s.OpenKey, flag: "seal-keys-secret", param: "CprSealKeysSecretId", suffix: "cpr-seal-keys", what: "the private CPR sealing ring"},
		{name: &s.SealKey, flag: "seal-public-secret", param: "CprSealPublicSecretId", suffix: "cpr-seal-public", what: "the public CPR sealing ring"},
	}
}

// stageSecrets names the secrets of a stage as samconfig.toml does
// (tilgang/<stage>/cpr-lookup-key, …); names already given win.
func stageSecrets(given config.KeySecrets, stage string) (config.KeySecrets, error) {
	out := given
	var missing []string
	for _, k := range keySecretFlags(&out) {
		if *k.name != "" {
			continue
		}
		if stage == "" {
			missing = append(missing, "--"+k.flag)
			continue
		}
		*k.name = "tilgang/" + stage + "/" + k.suffix
	}
	if len(missing) > 0 {
		return out, Usagef("give --stage (names tilgang/<stage>/…, as samconfig.toml passes them) or %s", strings.Join(missing, ", "))
	}
	if stage != "" && !validStage(stage) {
		return out, Usagef("--stage %q: a stage is letters, digits and '-'", stage)
	}
	return out, nil
}

func validStage(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return s != "" && len(s) <= 64
}

// Keys returns the keys need names: derived from make dev's master key, or
// read from the key secrets (each once per call). Never printed.
func (e *Env) Keys(ctx context.Context, need config.Need) (keys.Set, error) {
	if e.Master != nil {
		return keys.FromMaster(e.Master)
	}
	names := e.KeySecrets
	values := map[string]string{}
	sm := secretsmanager.NewFromConfig(e.AWS)
	needed := map[string]bool{
		"CprLookupKeySecretId": need.LookupKey, "LinkKeySecretId": need.LinkKey,
		"CprSealKeysSecretId": need.OpenKey, "CprSealPublicSecretId": need.SealKey,
	}
	for _, k := range keySecretFlags(&names) {
		if !needed[k.param] {
			continue
		}
		v, err := readSecret(ctx, sm, k)
		if err != nil {
			return keys.Set{}, err
		}
		values[k.param] = v
	}
	return parseKeySet(values)
}

// readSecret reads one key secret's value.
func readSecret(ctx context.Context, sm *secretsmanager.Client, k keySecret) (string, error) {
	if *k.name == "" {
		return "", fmt.Errorf("this needs %s: give --stack, or --%s (the stack's %s)", k.what, k.flag, k.param)
	}
	out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: k.name})
	if err != nil {
		return "", fmt.Errorf("read the secret of %s (%s): %w", k.what, *k.name, err)
	}
	return aws.ToString(out.SecretString), nil
}

// parseKeySet reads the secrets' values, by the parameter that names each
// secret, into a key set. Errors name the secret, never a value.
func parseKeySet(values map[string]string) (keys.Set, error) {
	var set keys.Set
	var err error
	if v, ok := values["CprLookupKeySecretId"]; ok {
		if set.LookupKey, err = keys.ParseKey(v); err != nil {
			return keys.Set{}, fmt.Errorf("the secret of the CPR look-up key: %w", err)
		}
	}
	if v, ok := values["LinkKeySecretId"]; ok {
		if set.LinkKey, err = keys.ParseKey(v); err != nil {
			return keys.Set{}, fmt.Errorf("the secret of the link key: %w", err)
		}
	}
	if v, ok := values["CprSealPublicSecretId"]; ok {
		if set.SealKey, err = cpr.ParseRing([]byte(v)); err != nil {
			return keys.Set{}, fmt.Errorf("the secret of the public CPR sealing ring: %w", err)
		}
		if set.SealKey.CanOpen() {
			return keys.Set{}, errors.New("the secret of the public CPR sealing ring holds private keys: store only its public half there")
		}
	}
	if v, ok := values["CprSealKeysSecretId"]; ok {
		if set.OpenKey, err = parsePrivateRing(v); err != nil {
			return keys.Set{}, err
		}
	}
	return set, nil
}

// parsePrivateRing reads the private ring's secret value.
func parsePrivateRing(v string) (*cpr.Ring, error) {
	ring, err := cpr.ParseRing([]byte(v))
	if err != nil {
		return nil, fmt.Errorf("the secret of the private CPR sealing ring: %w", err)
	}
	if !ring.CanOpen() {
		return nil, errors.New("the secret of the private CPR sealing ring holds only public keys")
	}
	return ring, nil
}

// ringValues are the secret values of a private ring and its public half.
func ringValues(priv, pub *cpr.Ring) (privValue, pubValue string, err error) {
	p, err := json.Marshal(priv)
	if err != nil {
		return "", "", fmt.Errorf("the private ring: %w", err)
	}
	q, err := json.Marshal(pub)
	if err != nil {
		return "", "", fmt.Errorf("the public ring: %w", err)
	}
	return string(p), string(q), nil
}

// putRings stores a private ring's new value before its public half's, so
// that the admin function can open every copy sealed to a key the public
// ring names.
func putRings(ctx context.Context, sm *secretsmanager.Client, names config.KeySecrets, priv, pub *cpr.Ring) error {
	privValue, pubValue, err := ringValues(priv, pub)
	if err != nil {
		return err
	}
	if names.OpenKey == "" || names.SealKey == "" {
		return errors.New("this needs both rings' secrets: give --stack, or --seal-keys-secret and --seal-public-secret")
	}
	for _, s := range []struct{ name, value, what string }{
		{names.OpenKey, privValue, "the private CPR sealing ring"},
		{names.SealKey, pubValue, "the public CPR sealing ring"},
	} {
		_, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(s.name), SecretString: aws.String(s.value)})
		if err != nil {
			return fmt.Errorf("store %s (%s): %w", s.what, s.name, err)
		}
	}
	return nil
}

// secretValues pairs the four names with the values of s, in the order
// they are created.
func secretValues(names config.KeySecrets, s keys.Secrets) []struct{ name, value, what string } {
	return []struct{ name, value, what string }{
		{names.LookupKey, s.LookupKey, "the CPR look-up key"},
		{names.LinkKey, s.LinkKey, "the link key"},
		{names.OpenKey, s.OpenKey, "the private CPR sealing ring"},
		{names.SealKey, s.SealKey, "the public CPR sealing ring"},
	}
}

// createSecrets creates the four secrets, none of which may exist: a key
// is never overwritten (a new look-up key would make every user
// unfindable by CPR number). It checks all four before creating any.
func createSecrets(ctx context.Context, sm *secretsmanager.Client, names config.KeySecrets, s keys.Secrets) error {
	var exist []string
	for _, v := range secretValues(names, s) {
		_, err := sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(v.name)})
		var notFound *smtypes.ResourceNotFoundException
		switch {
		case errors.As(err, &notFound):
		case err != nil:
			return fmt.Errorf("look for the secret %s: %w", v.name, err)
		default:
			exist = append(exist, v.name)
		}
	}
	if len(exist) > 0 {
		return fmt.Errorf("%s exist already: this never overwrites a key (rotate the sealing keys with tilgang keys rotate; restore from a backup with put-secret-value)", strings.Join(exist, ", "))
	}
	for _, v := range secretValues(names, s) {
		_, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
			Name: aws.String(v.name), SecretString: aws.String(v.value),
			Description: aws.String("tilgang: " + v.what + " (README, Keys)"),
		})
		if err != nil {
			return fmt.Errorf("create the secret %s: %w", v.name, err)
		}
	}
	return nil
}
