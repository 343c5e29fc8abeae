package scim

import (
	"cmp"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/tilgang/tilgang/internal/scim/resource"
)

// maxSortedResults bounds a sort on anything but userName, which must hold
// every match in memory at once; more is tooMany (RFC 7644 §3.12).
const maxSortedResults = 10_000

// sorting is a request's sortBy and sortOrder (RFC 7644 §3.4.2.3). The zero
// value, and ascending userName, is the store's own order and needs no sort.
type sorting struct {
	path       attrPath
	descending bool
}

func newSorting(sortBy, sortOrder string) (sorting, error) {
	var s sorting
	switch strings.ToLower(sortOrder) {
	case "", "ascending":
	case "descending":
		s.descending = true
	default:
		return sorting{}, resource.InvalidValue(`sortOrder must be "ascending" or "descending"`)
	}
	if sortBy == "" {
		return s, nil
	}
	p, err := parseAttrPath(sortBy)
	if err != nil || p.attr == "" {
		return sorting{}, resource.InvalidValue("sortBy is not an attribute path: " + sortBy)
	}
	s.path = p
	return s, nil
}

// natural reports whether the store's order of users already answers s.
func (s sorting) natural() bool { return s.naturalFor("userName") }

// naturalFor reports whether s asks for the store's order, ascending attr.
func (s sorting) naturalFor(attr string) bool {
	return !s.descending && (s.path.attr == "" || strings.EqualFold(s.path.attr, attr) && s.path.sub == "" && s.path.uri == "")
}

// sort orders rs by s. Resources without a value come last when ascending
// and first when descending, as RFC 7644 §3.4.2.3 says.
func (s sorting) sort(rs []resource.Resource) {
	if s.path.attr == "" {
		s.path.attr = "userName"
	}
	type keyed struct {
		r   resource.Resource
		key any
	}
	ks := make([]keyed, len(rs))
	for i, r := range rs {
		ks[i] = keyed{r, sortValue(r, s.path)}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int {
		c := compareValues(a.key, b.key)
		if s.descending {
			return -c // which also puts missing values first
		}
		return c
	})
	for i, k := range ks {
		rs[i] = k.r
	}
}

// sortValue is the value to sort r by: for a multi-valued attribute the
// primary (or else the first) element's value (RFC 7644 §3.4.2.3).
func sortValue(r resource.Resource, p attrPath) any {
	c, _ := resource.Container(r, p.uri, false)
	_, v, ok := resource.Find(c, p.attr)
	if !ok {
		return nil
	}
	if list, isList := v.([]any); isList {
		v = nil
		for i, e := range list {
			m, _ := e.(map[string]any)
			if _, pr, _ := resource.Find(m, "primary"); i == 0 || pr == true {
				v = e
			}
		}
		if m, isMap := v.(map[string]any); isMap && p.sub == "" {
			_, v, _ = resource.Find(m, "value")
		}
	}
	if m, isMap := v.(map[string]any); isMap {
		if p.sub == "" {
			return nil // a complex value has no order of its own
		}
		_, v, _ = resource.Find(m, p.sub)
	}
	return v
}

// compareValues orders numbers numerically, strings case-insensitively
// (date-times by time), false before true, and missing values last.
func compareValues(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	if an, ok := a.(json.Number); ok {
		if bn, ok := b.(json.Number); ok {
			af, _ := an.Float64()
			bf, _ := bn.Float64()
			return cmp.Compare(af, bf)
		}
	}
	if ab, ok := a.(bool); ok {
		if bb, ok := b.(bool); ok {
			switch {
			case ab == bb:
				return 0
			case !ab:
				return -1
			}
			return 1
		}
	}
	as, _ := a.(string)
	bs, _ := b.(string)
	if at, err := time.Parse(time.RFC3339Nano, as); err == nil {
		if bt, err := time.Parse(time.RFC3339Nano, bs); err == nil {
			return at.Compare(bt) // RFC 3339 strings with trimmed fractions do not sort as text
		}
	}
	return cmp.Compare(strings.ToLower(as), strings.ToLower(bs))
}
