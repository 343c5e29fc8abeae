package infra_test

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// ---------------------------------------------------------------- 3c. the bucket (SPEC §6, §14)

// bucketAccess is who alone may do an object action under a prefix of the
// bucket, whatever else IAM allows: the bucket policy denies everyone else
// (a Deny no identity policy overrides). Keyed "action prefix", valued
// with the function folders whose roles are excepted.
var bucketAccess = map[string][]string{
	// The organisation of a file is the one whose administrator was
	// granted its upload: only the admin and console functions' roles,
	// whose presigned requests carry their authority, write files.
	"s3:PutObject imports/":        {"admin", "console"},
	"s3:GetObject imports/":        {"csvimport"},
	"s3:GetObjectVersion imports/": {"csvimport"},
	// Receipts repeat the files' CPR numbers: written by the import, read
	// by it and by the admin API and the console that serve them.
	"s3:PutObject receipts/":        {"csvimport"},
	"s3:GetObject receipts/":        {"admin", "console", "csvimport"},
	"s3:GetObjectVersion receipts/": {"admin", "console", "csvimport"},
}

// TestBucketPolicyConfinesImportsAndReceipts: a credential that may write
// imports/* (an operator's, another service's) cannot put a file there,
// and none but the functions reads files or receipts. Every statement of
// the bucket policy is a Deny; those naming a prefix deny to every
// principal but the listed functions' roles, and every function grant in
// wantGrants on such a prefix is among the exceptions.
func TestBucketPolicyConfinesImportsAndReceipts(t *testing.T) {
	tp := loadTemplate(t)
	bucketID, _ := tp.single(t, "AWS::S3::Bucket")
	_, policy := tp.single(t, "AWS::S3::BucketPolicy")
	if !isRef(get(policy, "Properties", "Bucket"), bucketID) {
		t.Fatalf("the bucket policy is not on !Ref %s", bucketID)
	}
	byFolder := tp.functionsByFolder(t)
	roleOf := map[string]string{} // role logical id (SAM's <Function>Role) → folder
	for folder, f := range byFolder {
		roleOf[f.id+"Role"] = folder
	}
	denied := map[string][]string{} // "action prefix" → excepted folders
	for i, st := range getList(policy, "Properties", "PolicyDocument", "Statement") {
		where := fmt.Sprintf("bucket policy statement %d (%s)", i, getString(st, "Sid"))
		if getString(st, "Effect") != "Deny" {
			t.Errorf("%s: Effect %q; the bucket policy only denies, grants are the functions'", where, getString(st, "Effect"))
			continue
		}
		sub, _ := subString(get(st, "Resource"))
		prefix, ok := strings.CutPrefix(sub, "${"+bucketID+".Arn}/")
		if !ok {
			continue // e.g. DenyInsecureTransport, on the bucket and all objects
		}
		prefix, ok = strings.CutSuffix(prefix, "*")
		if !ok || strings.ContainsAny(prefix, "*?") {
			t.Errorf("%s: resource %q is not the objects of one prefix", where, sub)
			continue
		}
		if get(st, "Principal") != "*" {
			t.Errorf("%s: Principal %v; deny to everyone but the excepted roles", where, get(st, "Principal"))
		}
		var except []string
		arns := get(st, "Condition", "ArnNotEquals", "aws:PrincipalArn")
		list, isList := arns.([]any)
		if !isList {
			list = []any{arns}
		}
		for _, a := range list {
			l, _ := get(a, "Fn::GetAtt").([]any)
			if len(l) != 2 || l[1] != "Arn" || roleOf[fmt.Sprint(l[0])] == "" {
				t.Errorf("%s: excepts %v, which is not !GetAtt <Function>Role.Arn of a function", where, a)
				continue
			}
			except = append(except, roleOf[fmt.Sprint(l[0])])
		}
		if len(get(st, "Condition").(map[string]any)) != 1 || len(except) == 0 {
			t.Errorf("%s: want exactly the condition ArnNotEquals aws:PrincipalArn: [function roles]", where)
		}
		slices.Sort(except)
		for _, a := range stringList(get(st, "Action")) {
			denied[a+" "+prefix] = except
		}
	}
	for _, k := range slices.Sorted(maps.Keys(bucketAccess)) {
		want := slices.Sorted(slices.Values(bucketAccess[k]))
		if got, ok := denied[k]; !ok {
			t.Errorf("the bucket policy does not deny %s to all but %v", k, want)
		} else if !reflect.DeepEqual(got, want) {
			t.Errorf("the bucket policy lets %v %s; want %v", got, k, want)
		}
	}
	// A function granted an action the policy denies it would fail in AWS
	// only; catch that here.
	for folder, gs := range wantGrants {
		for _, g := range gs {
			action, res, _ := strings.Cut(g, " ")
			prefix, ok := strings.CutPrefix(res, "bucket:")
			if !ok {
				continue
			}
			if except, ok := denied[action+" "+prefix]; ok && !slices.Contains(except, folder) {
				t.Errorf("%s is granted %s on %s, which the bucket policy denies it", folder, action, prefix)
			}
		}
	}
}

// TestBucketLifecycle: files and receipts hold personal data and expire
// after ImportRetentionDays (default 30), their old versions a day later.
func TestBucketLifecycle(t *testing.T) {
	tp := loadTemplate(t)
	param := getMap(tp, "Parameters", "ImportRetentionDays")
	if param == nil || getString(param, "Type") != "Number" || fmt.Sprint(param["Default"]) != "30" {
		t.Fatalf("parameter ImportRetentionDays = %v; want a Number defaulting to 30", param)
	}
	_, bucket := tp.single(t, "AWS::S3::Bucket")
	rules := getList(bucket, "Properties", "LifecycleConfiguration", "Rules")
	for _, prefix := range []string{"imports/", "receipts/"} {
		found := false
		for _, r := range rules {
			if getString(r, "Prefix") != prefix && getString(r, "Filter", "Prefix") != prefix {
				continue
			}
			found = true
			if getString(r, "Status") != "Enabled" || !isRef(get(r, "ExpirationInDays"), "ImportRetentionDays") {
				t.Errorf("rule for %s: %v; want Enabled with ExpirationInDays: !Ref ImportRetentionDays", prefix, r)
			}
			if d := fmt.Sprint(get(r, "NoncurrentVersionExpiration", "NoncurrentDays")); d != "1" {
				t.Errorf("rule for %s keeps old versions %s days; want 1", prefix, d)
			}
		}
		if !found {
			t.Errorf("no lifecycle rule expires %s", prefix)
		}
	}
}

// TestBucketEncryption: objects are encrypted with the stack's own KMS key
// (rotated, usable only through S3), and each function that reads or
// writes objects may use the key for exactly that.
func TestBucketEncryption(t *testing.T) {
	tp := loadTemplate(t)
	keyID, key := tp.single(t, "AWS::KMS::Key")
	_, bucket := tp.single(t, "AWS::S3::Bucket")
	rules := getList(bucket, "Properties", "BucketEncryption", "ServerSideEncryptionConfiguration")
	if len(rules) != 1 {
		t.Fatalf("bucket encryption rules %v; want one", rules)
	}
	byDefault := getMap(rules[0], "ServerSideEncryptionByDefault")
	if byDefault["SSEAlgorithm"] != "aws:kms" || !reflect.DeepEqual(byDefault["KMSMasterKeyID"], map[string]any{"Fn::GetAtt": []any{keyID, "Arn"}}) {
		t.Errorf("default encryption %v; want aws:kms with !GetAtt %s.Arn", byDefault, keyID)
	}
	if fmt.Sprint(get(rules[0], "BucketKeyEnabled")) != "true" {
		t.Error("BucketKeyEnabled is not true: every object operation would call KMS")
	}
	if fmt.Sprint(get(key, "Properties", "EnableKeyRotation")) != "true" {
		t.Error("the bucket key is not rotated")
	}
	if getString(key, "DeletionPolicy") != "RetainExceptOnCreate" {
		t.Error("the bucket key is not retained (RetainExceptOnCreate): deleting the stack would make the retained bucket unreadable")
	}
	outsideS3 := false
	for _, st := range getList(key, "Properties", "KeyPolicy", "Statement") {
		via, _ := subString(get(st, "Condition", "StringNotEquals", "kms:ViaService"))
		actions := stringList(get(st, "Action"))
		if getString(st, "Effect") == "Deny" && get(st, "Principal") == "*" && via == "s3.${AWS::Region}.amazonaws.com" &&
			slices.Contains(actions, "kms:Decrypt") && slices.Contains(actions, "kms:GenerateDataKey") {
			outsideS3 = true
		}
	}
	if !outsideS3 {
		t.Error("the key policy does not deny Decrypt and GenerateDataKey outside S3")
	}
	for folder, gs := range wantGrants {
		writes := slices.ContainsFunc(gs, func(g string) bool { return strings.HasPrefix(g, "s3:PutObject bucket:") })
		reads := slices.ContainsFunc(gs, func(g string) bool { return strings.HasPrefix(g, "s3:GetObject") })
		if got := slices.Contains(gs, "kms:GenerateDataKey "+resKey); got != writes {
			t.Errorf("%s writes objects: %v, may make data keys: %v", folder, writes, got)
		}
		if got := slices.Contains(gs, "kms:Decrypt "+resKey); got != reads {
			t.Errorf("%s reads objects: %v, may decrypt: %v", folder, reads, got)
		}
	}
}
