package config

import (
	"strings"
	"testing"
)

func TestLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, value string
		want        Limits
		err         bool
	}{
		{EnvRateLimitOrg, "", Limits{}, false},
		{EnvRateLimitOrg, "600", Limits{OrgPerMinute: 600}, false},
		{EnvRateLimitSource, " 60 ", Limits{SourcePerMinute: 60}, false},
		{EnvMailBudget, "2000", Limits{MailPerDay: 2000}, false},
		{EnvSCIMFilterMaxUsers, "10000", Limits{SCIMFilterMaxUsers: 10000}, false},
		{EnvSCIMFilterMaxGroups, "500", Limits{SCIMFilterMaxGroups: 500}, false},
		{EnvRateLimitOrg, "0", Limits{}, true},
		{EnvMailBudget, "-1", Limits{}, true},
		{EnvSCIMFilterMaxUsers, "1e4", Limits{}, true},
		{EnvRateLimitSource, "many", Limits{}, true},
	}
	for _, tc := range tests {
		env := map[string]string{EnvTableName: "t", tc.name: tc.value}
		c, err := Load(func(k string) string { return env[k] }, Need{})
		if (err != nil) != tc.err || (!tc.err && c.Limits != tc.want) {
			t.Errorf("%s=%q: limits %+v, err %v; want %+v, error %v", tc.name, tc.value, c.Limits, err, tc.want, tc.err)
		}
		if err != nil && !strings.Contains(err.Error(), tc.name) {
			t.Errorf("%s=%q: error %q does not name the variable", tc.name, tc.value, err)
		}
	}
}
