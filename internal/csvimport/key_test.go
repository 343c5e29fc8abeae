package csvimport

import (
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func record(key, version string) events.S3EventRecord {
	return events.S3EventRecord{S3: events.S3Entity{
		Bucket: events.S3Bucket{Name: "b"},
		Object: events.S3Object{Key: key, URLDecodedKey: key, VersionID: version, ETag: "e", Sequencer: "01"},
	}}
}

func TestParseObject(t *testing.T) {
	t.Parallel()
	const org = "0f8fad5b-d9cb-469f-a165-70867728950e"
	tests := []struct {
		key, orgID, name string
	}{
		{"imports/" + org + "/uge 47.csv", org, "uge 47"},
		{"imports/" + org + "/UGE.CSV", org, "UGE"},
		{"imports/" + org + "/.csv", "", ""},
		{"imports/" + org + "/a/b.csv", "", ""},
		{"imports/" + org + "/a.txt", "", ""},
		{"imports//a.csv", "", ""},
		{"receipts/" + org + "/a.csv", "", ""},
		{"imports/" + org, "", ""},
		{"", "", ""},
	}
	for _, tc := range tests {
		o, ok := parseObject(record(tc.key, "v1"))
		if ok != (tc.orgID != "") || o.OrgID != tc.orgID || o.Name != tc.name {
			t.Errorf("parseObject(%q) = %+v, %v; want org %q name %q", tc.key, o, ok, tc.orgID, tc.name)
		}
	}
	a, _ := parseObject(record("imports/"+org+"/a.csv", "v1"))
	b, _ := parseObject(record("imports/"+org+"/a.csv", "v2"))
	if a.Version == b.Version {
		t.Error("two versions of an object must be told apart: a grant is bound to one")
	}
	if got := a.receiptKey("csv"); got != "receipts/"+org+"/a.receipt.csv" {
		t.Errorf("receipt key %q", got)
	}
	unversioned, _ := parseObject(record("imports/"+org+"/a.csv", ""))
	if unversioned.Version != "etag:e/01" {
		t.Errorf("unversioned object's version %q; want ETag and sequencer", unversioned.Version)
	}
}

func TestInert(t *testing.T) {
	t.Parallel()
	got := inert([]string{"=1+1", "+4512345678", "-5", "@SUM(A1)", "\t=x", "\r=x", "Anna", "", "a=b"})
	want := []string{"'=1+1", "'+4512345678", "'-5", "'@SUM(A1)", "'\t=x", "'\r=x", "Anna", "", "a=b"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("inert = %q; want %q", got, want)
	}
}

// FuzzObjectKey: no key makes parseObject panic, and what it accepts is in
// the layout and gives a receipt key under receipts/.
func FuzzObjectKey(f *testing.F) {
	for _, k := range []string{"imports/0f8fad5b-d9cb-469f-a165-70867728950e/a.csv", "imports//.csv", "imports/x/y/z.CSV", "\xff/imports/a.csv"} {
		f.Add(k, "v1")
	}
	f.Fuzz(func(t *testing.T, key, version string) {
		o, ok := parseObject(record(key, version))
		if !ok {
			return
		}
		if !strings.HasPrefix(key, ImportPrefix+o.OrgID+"/") || strings.Contains(o.Name, "/") || o.OrgID == "" {
			t.Fatalf("accepted %q as %+v", key, o)
		}
		if rk := o.receiptKey("json"); !strings.HasPrefix(rk, ReceiptPrefix+o.OrgID+"/") {
			t.Fatalf("receipt key %q", rk)
		}
	})
}
