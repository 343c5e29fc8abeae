package infra_test

import (
	"fmt"
	"strconv"
	"testing"
)

// TestAPIThrottling: the HTTP API's stage throttles every route (SPEC §14):
// a ceiling on what reaches the functions, whatever their own limits per
// organisation and source let through. Each setting is a positive number,
// given directly or by a Number parameter with a positive default and
// minimum, so that a stage can set its own.
func TestAPIThrottling(t *testing.T) {
	tp := loadTemplate(t)
	_, api := tp.single(t, "AWS::Serverless::HttpApi")
	params := getMap(tp, "Parameters")
	settings := getMap(api, "Properties", "DefaultRouteSettings")
	if settings == nil {
		t.Fatal("the HTTP API has no DefaultRouteSettings: nothing throttles the stage")
	}
	positive := func(v any) (float64, error) {
		switch n := v.(type) {
		case int:
			return float64(n), nil
		case float64:
			return n, nil
		case string:
			return strconv.ParseFloat(n, 64)
		}
		return 0, fmt.Errorf("%v is not a number", v)
	}
	for _, name := range []string{"ThrottlingRateLimit", "ThrottlingBurstLimit"} {
		v := settings[name]
		if ref, ok := get(v, "Ref").(string); ok {
			p := getMap(params, ref)
			if p == nil {
				t.Errorf("%s: !Ref %s names no parameter", name, ref)
				continue
			}
			if getString(p, "Type") != "Number" {
				t.Errorf("%s: parameter %s is of type %q, want Number", name, ref, getString(p, "Type"))
			}
			for _, key := range []string{"Default", "MinValue"} {
				if n, err := positive(p[key]); err != nil || n < 1 {
					t.Errorf("%s: parameter %s has %s %v, want a number ≥ 1", name, ref, key, p[key])
				}
			}
			continue
		}
		if n, err := positive(v); err != nil || n < 1 {
			t.Errorf("%s = %v, want a number ≥ 1 or a !Ref to a Number parameter", name, v)
		}
	}
}
