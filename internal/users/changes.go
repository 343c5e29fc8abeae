package users

import (
	"bytes"
	"encoding/json"
	"slices"
	"sort"
	"strings"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// changedFields names the fields that differ between old and u, for
// history. It names, never shows: the values may be personal data.
func changedFields(old, u *tilgang.User) []string {
	var f []string
	add := func(name string, changed bool) {
		if changed {
			f = append(f, name)
		}
	}
	add("userName", old.UserName != u.UserName)
	add("externalId", old.ExternalID != u.ExternalID)
	add("firstName", old.FirstName != u.FirstName)
	add("lastName", old.LastName != u.LastName)
	add("email", old.Email != u.Email)
	add("phone", old.Phone != u.Phone)
	add("cpr", old.CPR.Lookup != u.CPR.Lookup)
	add("dateOfBirth", old.DateOfBirth != u.DateOfBirth)
	add("referenceText", old.ReferenceText != u.ReferenceText)
	add("targetIal", old.TargetIAL != u.TargetIAL)
	add("ean", old.EAN != u.EAN)
	add("pNumber", old.PNumber != u.PNumber)
	add("seNumber", old.SENumber != u.SENumber)
	add("loginMeans", old.LoginMeans != u.LoginMeans)
	add("authenticators", !slices.Equal(old.Authenticators, u.Authenticators))
	add("rights", !slices.Equal(old.Rights, u.Rights))
	add("canSign", old.CanSign != u.CanSign)
	add("sealProfiles", !slices.Equal(old.SealProfiles, u.SealProfiles))
	add("kind", old.Kind != u.Kind)
	add("roles", !slices.Equal(old.Roles, u.Roles))
	add("department", old.Department != u.Department)
	add("employeeNumber", old.EmployeeNumber != u.EmployeeNumber)
	add("organization", old.Organization != u.Organization)
	add("manager", old.Manager != u.Manager)
	add("status", old.Status != u.Status)
	add("deactivation", !equalDeactivation(old.Deactivation, u.Deactivation))
	for _, name := range changedAttributes(old.SCIMAttributes, u.SCIMAttributes) {
		add(name, !slices.Contains(f, name))
	}
	return f
}

// changedAttributes names the kept SCIM attributes that differ between a
// and b, an enterprise attribute by its own name ("costCenter").
func changedAttributes(a, b []byte) []string {
	if bytes.Equal(a, b) {
		return nil
	}
	var names []string
	var diff func(a, b map[string]json.RawMessage)
	diff = func(a, b map[string]json.RawMessage) {
		for k := range keys(a, b) {
			if bytes.Equal(a[k], b[k]) {
				continue
			}
			if strings.HasPrefix(k, "urn:") {
				diff(object(a[k]), object(b[k]))
				continue
			}
			names = append(names, k)
		}
	}
	diff(object(a), object(b))
	sort.Strings(names)
	return names
}

func object(b []byte) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	_ = json.Unmarshal(b, &m) // written by json.Marshal; nil reads as empty
	return m
}

func keys(a, b map[string]json.RawMessage) map[string]bool {
	k := make(map[string]bool, len(a)+len(b))
	for n := range a {
		k[n] = true
	}
	for n := range b {
		k[n] = true
	}
	return k
}

func equalDeactivation(a, b *tilgang.Deactivation) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
