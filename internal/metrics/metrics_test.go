package metrics

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// checkEMF holds one line to the embedded metric format specification
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
// the log event is one JSON object with nothing before or after it; its
// root has an "_aws" metadata object with a Timestamp (a number of
// milliseconds since the epoch) and CloudWatchMetrics, an array of metric
// directives; the objects the specification defines have no other
// members; a directive has a Namespace (1 to 1024 characters, not only
// white space), Dimensions (an array of dimension sets, each an array of
// at most 30 strings, each naming a root member whose value is a string)
// and Metrics (at most 100 definitions, each with a Name naming a root
// member whose value is a number or an array of at most 100 numbers, an
// optional Unit from CloudWatch's units and an optional StorageResolution
// of 1 or 60).
func checkEMF(line []byte) error {
	if bytes.Count(line, []byte("\n")) != 1 || line[len(line)-1] != '\n' {
		return fmt.Errorf("not one line ending in a newline: %q", line)
	}
	var root map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(line))
	if err := dec.Decode(&root); err != nil {
		return fmt.Errorf("root is not a JSON object: %w", err)
	}
	if dec.More() {
		return fmt.Errorf("data after the JSON object")
	}
	var meta map[string]json.RawMessage
	if err := json.Unmarshal(root["_aws"], &meta); err != nil || meta == nil {
		return fmt.Errorf(`"_aws" is not an object: %s`, root["_aws"])
	}
	for k := range meta {
		if k != "Timestamp" && k != "CloudWatchMetrics" {
			return fmt.Errorf(`"_aws" has a member %q the specification does not define`, k)
		}
	}
	var ts json.Number
	if err := json.Unmarshal(meta["Timestamp"], &ts); err != nil {
		return fmt.Errorf("Timestamp is not a number: %s", meta["Timestamp"])
	}
	if ms, err := ts.Int64(); err != nil || ms < 1e12 {
		return fmt.Errorf("Timestamp %s is not milliseconds since the epoch", ts)
	}
	var directives []map[string]json.RawMessage
	if err := json.Unmarshal(meta["CloudWatchMetrics"], &directives); err != nil || len(directives) == 0 {
		return fmt.Errorf("CloudWatchMetrics is not a non-empty array of objects: %s", meta["CloudWatchMetrics"])
	}
	for _, d := range directives {
		for k := range d {
			if k != "Namespace" && k != "Dimensions" && k != "Metrics" {
				return fmt.Errorf("a directive has a member %q the specification does not define", k)
			}
		}
		var ns string
		if err := json.Unmarshal(d["Namespace"], &ns); err != nil || strings.TrimSpace(ns) == "" || len(ns) > 1024 {
			return fmt.Errorf("Namespace %s", d["Namespace"])
		}
		var sets [][]string
		if err := json.Unmarshal(d["Dimensions"], &sets); err != nil || sets == nil {
			return fmt.Errorf("Dimensions is not an array of arrays of strings: %s", d["Dimensions"])
		}
		for _, set := range sets {
			if len(set) > 30 {
				return fmt.Errorf("a dimension set has %d dimensions", len(set))
			}
			for _, dim := range set {
				var v string
				if err := json.Unmarshal(root[dim], &v); err != nil || v == "" || len(v) > 1024 {
					return fmt.Errorf("dimension %q: root member %s is not a string", dim, root[dim])
				}
			}
		}
		var defs []map[string]json.RawMessage
		if err := json.Unmarshal(d["Metrics"], &defs); err != nil || len(defs) == 0 || len(defs) > 100 {
			return fmt.Errorf("Metrics is not an array of 1 to 100 objects: %s", d["Metrics"])
		}
		for _, def := range defs {
			for k := range def {
				if k != "Name" && k != "Unit" && k != "StorageResolution" {
					return fmt.Errorf("a metric definition has a member %q the specification does not define", k)
				}
			}
			var name string
			if err := json.Unmarshal(def["Name"], &name); err != nil || name == "" || len(name) > 1024 {
				return fmt.Errorf("metric Name %s", def["Name"])
			}
			if u, ok := def["Unit"]; ok {
				var unit string
				if err := json.Unmarshal(u, &unit); err != nil || !slices.Contains(units, unit) {
					return fmt.Errorf("metric %s: Unit %s", name, u)
				}
			}
			if r, ok := def["StorageResolution"]; ok && string(r) != "1" && string(r) != "60" {
				return fmt.Errorf("metric %s: StorageResolution %s", name, r)
			}
			var one float64
			var many []float64
			if json.Unmarshal(root[name], &one) != nil && (json.Unmarshal(root[name], &many) != nil || len(many) > 100) {
				return fmt.Errorf("metric %s: root member %s is not a number or an array of numbers", name, root[name])
			}
		}
	}
	return nil
}

// units are CloudWatch's StandardUnit values.
var units = []string{
	"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
	"Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second",
	"Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second",
	"Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
}

func TestBatchIsOneEMFLine(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	at := time.Date(2026, 12, 2, 14, 0, 0, 0, time.UTC)
	rec := New(&buf, "tilgang-prod", func(context.Context) map[string]any {
		return map[string]any{"function": "csvimport", "requestId": "req-1"}
	})
	rec.now = func() time.Time { return at }

	ctx, flush := rec.Begin(context.Background())
	Add(ctx, UsersCreated, 1)
	Add(ctx, UsersCreated, 2)
	Add(ctx, ImportRows, 120)
	Add(ctx, MailsFailed, 0) // nothing counted, nothing reported
	if err := flush(); err != nil {
		t.Fatal(err)
	}
	line := buf.Bytes()
	if err := checkEMF(line); err != nil {
		t.Fatalf("%v\n%s", err, line)
	}
	var got map[string]any
	if err := json.Unmarshal(line, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"Stack": "tilgang-prod", "function": "csvimport", "requestId": "req-1",
		"UsersCreated": 3.0, "ImportRows": 120.0,
		"_aws": map[string]any{
			"Timestamp": float64(at.UnixMilli()),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace":  "tilgang",
				"Dimensions": []any{[]any{"Stack"}},
				"Metrics": []any{
					map[string]any{"Name": "ImportRows", "Unit": "Count"},
					map[string]any{"Name": "UsersCreated", "Unit": "Count"},
				},
			}},
		},
	}
	if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
		t.Errorf("line\n got %s\nwant %s", g, w)
	}

	// Flushed once: a second flush of the same batch writes nothing more.
	buf.Reset()
	if err := flush(); err != nil || buf.Len() != 0 {
		t.Errorf("second flush wrote %q, %v", buf.String(), err)
	}
}

func TestNothingWithoutBatch(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	rec := New(&buf, "s", nil)
	Add(context.Background(), UsersCreated, 1) // no batch: no effect, no panic
	_, flush := rec.Begin(context.Background())
	if err := flush(); err != nil || buf.Len() != 0 {
		t.Errorf("an empty batch wrote %q, %v", buf.String(), err)
	}
}

// The checker itself rejects what the specification forbids, so that a
// passing line means something.
func TestCheckEMFRejects(t *testing.T) {
	t.Parallel()
	ok := `{"_aws":{"Timestamp":1764684000000,"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[["Stack"]],"Metrics":[{"Name":"M","Unit":"Count"}]}]},"Stack":"s","M":1}`
	if err := checkEMF([]byte(ok + "\n")); err != nil {
		t.Fatalf("valid line rejected: %v", err)
	}
	bad := map[string]string{
		"no _aws":            `{"Stack":"s","M":1}`,
		"seconds":            strings.Replace(ok, "1764684000000", "1764684000", 1),
		"metric missing":     strings.Replace(ok, `,"M":1`, "", 1),
		"metric a string":    strings.Replace(ok, `"M":1`, `"M":"1"`, 1),
		"dimension missing":  strings.Replace(ok, `"Stack":"s",`, "", 1),
		"dimension a number": strings.Replace(ok, `"Stack":"s"`, `"Stack":1`, 1),
		"unknown unit":       strings.Replace(ok, `"Count"`, `"Rows"`, 1),
		"extra member":       strings.Replace(ok, `"Namespace":"n"`, `"Namespace":"n","X":1`, 1),
		"empty namespace":    strings.Replace(ok, `"Namespace":"n"`, `"Namespace":" "`, 1),
	}
	for name, line := range bad {
		if err := checkEMF([]byte(line + "\n")); err == nil {
			t.Errorf("%s: accepted %s", name, line)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
