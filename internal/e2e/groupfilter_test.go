package e2e_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/tilgang/tilgang/internal/config"
	"github.com/tilgang/tilgang/internal/testenv"
)

// TestSCIMGroupFilterReadIsBounded: a group filter that is no key look-up,
// or a sort, reads every group of the organisation; beyond the configured
// bound (SCIM_FILTER_MAX_GROUPS) it answers 400 tooMany naming the bound,
// as user filters do. displayName eq and externalId eq are key look-ups
// and the unfiltered list reads only its page: they answer whatever the
// number of groups. Before, every filter read all groups and answered.
func TestSCIMGroupFilterReadIsBounded(t *testing.T) {
	t.Parallel()
	const bound = 5
	l := newLimited(t, config.Limits{SCIMFilterMaxGroups: bound})
	do := func(token, method, path string, body any) (*http.Response, []byte) {
		return testenv.Request(t, method, l.base+"/scim/v2"+path, token, "application/scim+json", body)
	}
	for i := range bound + 3 {
		if resp, body := do(l.a.SCIMToken, "POST", "/Groups", map[string]any{
			"schemas":     []string{"urn:ietf:params:scim:schemas:core:2.0:Group"},
			"displayName": fmt.Sprintf("Team %02d", i), "externalId": fmt.Sprintf("ext-%02d", i),
		}); resp.StatusCode != http.StatusCreated {
			t.Fatalf("create group %d: %d %s", i, resp.StatusCode, body)
		}
	}
	for i := range bound {
		if resp, body := do(l.b.SCIMToken, "POST", "/Groups", map[string]any{
			"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": fmt.Sprintf("Team %02d", i),
		}); resp.StatusCode != http.StatusCreated {
			t.Fatalf("create group %d of B: %d %s", i, resp.StatusCode, body)
		}
	}
	type list struct {
		TotalResults int
		Resources    []map[string]any
	}
	tooMany := map[string]string{
		"displayName sw":         "filter=" + url.QueryEscape(`displayName sw "Team"`),
		"displayName co":         "filter=" + url.QueryEscape(`displayName co "0"`),
		"or of key look-ups":     "filter=" + url.QueryEscape(`displayName eq "Team 01" or displayName eq "Team 02"`),
		"sort":                   "sortBy=displayName&sortOrder=descending",
		"sort on externalId":     "sortBy=externalId",
		"filter through .search": "",
	}
	for name, q := range tooMany {
		resp, body := do(l.a.SCIMToken, "GET", "/Groups?"+q, nil)
		if q == "" {
			resp, body = do(l.a.SCIMToken, "POST", "/Groups/.search", map[string]any{
				"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}, "filter": `externalId pr`,
			})
		}
		var e struct{ Status, ScimType, Detail string }
		_ = json.Unmarshal(body, &e)
		if resp.StatusCode != http.StatusBadRequest || e.Status != "400" || e.ScimType != "tooMany" || !strings.Contains(e.Detail, strconv.Itoa(bound)) {
			t.Errorf("%s over %d groups: %d %s, want 400 tooMany naming the bound", name, bound+3, resp.StatusCode, body)
		}
	}
	ok := map[string]struct {
		query string
		total int
		page  int
	}{
		"displayName eq": {"filter=" + url.QueryEscape(`displayName eq "Team 03"`), 1, 1},
		"externalId eq":  {"filter=" + url.QueryEscape(`externalId eq "ext-06"`), 1, 1},
		"no such name":   {"filter=" + url.QueryEscape(`displayName eq "Nobody"`), 0, 0},
		"unfiltered":     {"count=100", bound + 3, bound + 3},
		"a later page":   {"startIndex=4&count=3", bound + 3, 3},
		"only the total": {"count=0", bound + 3, 0},
		"past the end":   {"startIndex=20", bound + 3, 0},
		"natural sort":   {"sortBy=displayName&count=2", bound + 3, 2},
	}
	for name, tc := range ok {
		resp, body := do(l.a.SCIMToken, "GET", "/Groups?"+tc.query, nil)
		var got list
		if err := json.Unmarshal(body, &got); err != nil || resp.StatusCode != http.StatusOK || got.TotalResults != tc.total || len(got.Resources) != tc.page {
			t.Errorf("%s over %d groups: %d %s, want 200 with %d of %d", name, bound+3, resp.StatusCode, body, tc.page, tc.total)
		}
	}
	// The page of the unfiltered list is the right one, in displayName order.
	_, body := do(l.a.SCIMToken, "GET", "/Groups?startIndex=4&count=3&excludedAttributes=members", nil)
	var page list
	_ = json.Unmarshal(body, &page)
	for i, g := range page.Resources {
		if want := fmt.Sprintf("Team %02d", 3+i); g["displayName"] != want {
			t.Errorf("page entry %d is %v, want %s", i, g["displayName"], want)
		}
	}
	// At the bound, the filter reads and answers.
	resp, body := do(l.b.SCIMToken, "GET", "/Groups?"+tooMany["displayName sw"], nil)
	var all list
	if err := json.Unmarshal(body, &all); err != nil || resp.StatusCode != http.StatusOK || all.TotalResults != bound {
		t.Errorf("filter over %d groups: %d %s, want 200 with all of them", bound, resp.StatusCode, body)
	}
}
