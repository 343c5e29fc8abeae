package config

import (
	"fmt"
	"strconv"
	"strings"
)

// Limits are the optional limits of SPEC §14. Every field is a count; 0
// (unset) means the default of the door that uses it (internal/app), so
// that one configuration serves make dev, where all doors share it.
type Limits struct {
	// OrgPerMinute and SourcePerMinute are the requests a minute one
	// organisation, and one source address, may make of a door.
	OrgPerMinute, SourcePerMinute int64
	// MailPerDay is the mails an organisation's sending actions may ask
	// for in a day (UTC).
	MailPerDay int64
	// SCIMFilterMaxUsers is how many users one SCIM request with a filter
	// other than a key look-up, or a sort, may read.
	SCIMFilterMaxUsers int64
	// SCIMFilterMaxGroups is the same bound for groups.
	SCIMFilterMaxGroups int64
}

// loadLimits reads the limits, appending what is malformed to errs.
func loadLimits(getenv func(string) string, errs []error) (Limits, []error) {
	var l Limits
	for _, v := range []struct {
		name string
		to   *int64
	}{
		{EnvRateLimitOrg, &l.OrgPerMinute},
		{EnvRateLimitSource, &l.SourcePerMinute},
		{EnvMailBudget, &l.MailPerDay},
		{EnvSCIMFilterMaxUsers, &l.SCIMFilterMaxUsers},
		{EnvSCIMFilterMaxGroups, &l.SCIMFilterMaxGroups},
	} {
		raw := strings.TrimSpace(getenv(v.name))
		if raw == "" {
			continue
		}
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("%s: want a whole number ≥ 1, got %q", v.name, raw))
			continue
		}
		*v.to = n
	}
	return l, errs
}
