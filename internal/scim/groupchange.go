package scim

import (
	"fmt"
	"slices"
	"strings"

	fp "github.com/scim2/filter-parser/v2"

	"github.com/tilgang/tilgang/internal/scim/filter"
	"github.com/tilgang/tilgang/internal/scim/patch"
	"github.com/tilgang/tilgang/internal/scim/resource"
)

// GroupSchema is the schema URN of the Group resource (RFC 7643 §4.2).
const GroupSchema = resource.GroupSchema

// MaxMemberChanges is the most members one Group request may name. Entra
// ID sends at most a few hundred at a time, Okta one; the bound keeps one
// request's writes within a Lambda invocation.
const MaxMemberChanges = 10000

// groupChange is what a PATCH asks of a group (RFC 7644 §3.5.2): new
// attribute values, and membership changes folded in the order of the
// operations. A group's members are changed by id without reading the
// others, so that a group of any size costs what the change names.
type groupChange struct {
	displayName *string
	externalID  *string // "" removes it
	members     memberChange
}

// memberChange is a change of membership: with replace set, members is the
// whole new list; otherwise add and remove are the ids to add and remove.
type memberChange struct {
	replace     bool
	members     map[string]bool
	add, remove map[string]bool
}

func (m *memberChange) addIDs(ids []string) {
	for _, id := range ids {
		if m.replace {
			m.members[id] = true
			continue
		}
		m.add[id] = true
		delete(m.remove, id)
	}
}

func (m *memberChange) removeIDs(ids []string) {
	for _, id := range ids {
		if m.replace {
			delete(m.members, id)
			continue
		}
		m.remove[id] = true
		delete(m.add, id)
	}
}

func (m *memberChange) replaceAll(ids []string) {
	m.replace, m.members, m.add, m.remove = true, map[string]bool{}, map[string]bool{}, map[string]bool{}
	m.addIDs(ids)
}

// size is how many members the change names.
func (m *memberChange) size() int { return len(m.members) + len(m.add) + len(m.remove) }

// ids returns the keys of set, sorted.
func ids(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for id := range set {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// readGroupChange folds ops into one change of the group id. It accepts
// the shapes identity providers send: Entra ID's "Add"/"Remove" of
// "members" with a list of {"value": id}, Okta's path-less "replace" of
// displayName and its `members[value eq "id"]` removal, and "replace" of
// all members.
func readGroupChange(id string, ops []patch.Operation) (groupChange, error) {
	c := groupChange{members: memberChange{add: map[string]bool{}, remove: map[string]bool{}}}
	for i, op := range ops {
		var err *resource.Error
		if op.Path == "" {
			err = c.pathless(id, op)
		} else {
			err = c.onPath(op.Op, op.Path, op.Value)
		}
		if err != nil {
			return groupChange{}, &resource.Error{ScimType: err.ScimType, Detail: fmt.Sprintf("operation %d: %s", i+1, err.Detail)}
		}
		if c.members.size() > MaxMemberChanges {
			return groupChange{}, resource.InvalidValue(fmt.Sprintf("the request names more than %d members; send them in several requests", MaxMemberChanges))
		}
	}
	return c, nil
}

// pathless applies an operation without a path: its value is an object of
// attributes (RFC 7644 §3.5.2.1, §3.5.2.3).
func (c *groupChange) pathless(id string, op patch.Operation) *resource.Error {
	if op.Op == patch.OpRemove {
		return resource.NoTarget("remove needs a path")
	}
	m, ok := op.Value.(map[string]any)
	if !ok {
		return resource.InvalidValue("an operation without a path needs an object value")
	}
	for k, v := range m {
		switch name := strings.ToLower(strings.TrimPrefix(strings.ToLower(k), strings.ToLower(GroupSchema)+":")); name {
		case "id":
			// Okta repeats the id in a path-less replace.
			if s, _ := v.(string); s != id {
				return resource.Mutability("id cannot be changed")
			}
		case "schemas", "meta":
			// read-only; RFC 7644 §3.5.2 lets a client send them unchanged
		default:
			if err := c.onPath(op.Op, name, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// onPath applies op to an attribute path of the Group schema.
func (c *groupChange) onPath(op, path string, v any) *resource.Error {
	path = strings.TrimSpace(path)
	if len(path) > patch.MaxPathLength {
		return resource.InvalidPath(fmt.Sprintf("the path is longer than %d bytes", patch.MaxPathLength))
	}
	if p, ok := cutPrefixFold(path, GroupSchema+":"); ok {
		path = p
	}
	switch {
	case strings.EqualFold(path, "displayName"):
		if op == patch.OpRemove {
			return resource.InvalidValue("displayName is required (RFC 7643 §4.2)")
		}
		s, ok := v.(string)
		if !ok || strings.TrimSpace(s) == "" {
			return resource.InvalidValue("displayName must be a non-empty string")
		}
		c.displayName = &s
	case strings.EqualFold(path, "externalId"):
		s := ""
		if op != patch.OpRemove {
			var ok bool
			if s, ok = v.(string); !ok {
				return resource.InvalidValue("externalId must be a string")
			}
		}
		c.externalID = &s
	case strings.EqualFold(path, "members"):
		if op == patch.OpRemove && v == nil {
			c.members.replaceAll(nil)
			return nil
		}
		members, err := memberIDs(v)
		if err != nil {
			return err
		}
		switch op {
		case patch.OpAdd:
			c.members.addIDs(members)
		case patch.OpRemove:
			// Entra ID names the members to remove in the value.
			c.members.removeIDs(members)
		case patch.OpReplace:
			c.members.replaceAll(members)
		}
	default:
		inner, ok := cutMembersFilter(path)
		if !ok {
			return resource.InvalidPath(fmt.Sprintf("%s is not an attribute of a Group that can be changed (displayName, externalId, members)", excerpt(path)))
		}
		if op != patch.OpRemove {
			return resource.InvalidPath("members are added by value and removed by value filter; " + op + " of " + excerpt(path) + " is not supported")
		}
		members, err := filteredIDs(inner)
		if err != nil {
			return err
		}
		c.members.removeIDs(members)
	}
	return nil
}

// memberIDs reads a members value: a list of {"value": id} (RFC 7643
// §4.2), a single such object, or bare ids, as some clients send them.
func memberIDs(v any) ([]string, *resource.Error) {
	list, ok := v.([]any)
	if !ok {
		list = []any{v}
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		if m, isObj := e.(map[string]any); isObj {
			_, e, _ = resource.Find(m, "value")
		}
		id, isStr := e.(string)
		if !isStr || strings.TrimSpace(id) == "" {
			return nil, resource.InvalidValue(`members must be a list of {"value": "<user id>"}`)
		}
		out = append(out, strings.TrimSpace(id))
	}
	return out, nil
}

// cutMembersFilter returns the filter of a path "members[…]".
func cutMembersFilter(path string) (string, bool) {
	rest, ok := cutPrefixFold(path, "members[")
	if !ok || !strings.HasSuffix(rest, "]") {
		return "", false
	}
	return rest[:len(rest)-1], true
}

// filteredIDs reads the ids of a members filter: `value eq "id"`, or
// several joined by "or". Matching any other filter would mean reading
// every member of the group.
func filteredIDs(s string) ([]string, *resource.Error) {
	e, err := filter.Parse(s)
	if err != nil {
		return nil, resource.InvalidFilter(err.Error())
	}
	var out []string
	var walk func(fp.Expression) bool
	walk = func(e fp.Expression) bool {
		switch e := e.(type) {
		case *fp.LogicalExpression:
			return strings.EqualFold(string(e.Operator), "or") && walk(e.Left) && walk(e.Right)
		case *fp.AttributeExpression:
			id, ok := e.CompareValue.(string)
			if e.AttributePath.SubAttribute != nil || !strings.EqualFold(e.AttributePath.AttributeName, "value") ||
				!strings.EqualFold(string(e.Operator), string(fp.EQ)) || !ok {
				return false
			}
			out = append(out, id)
			return true
		}
		return false
	}
	if !walk(e) {
		return nil, resource.InvalidFilter(`members are removed by value: members[value eq "<user id>"], several joined by "or"`)
	}
	return out, nil
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// excerpt quotes s for an error message, shortened.
func excerpt(s string) string {
	const max = 80
	if len(s) > max {
		s = s[:max] + "…"
	}
	return fmt.Sprintf("%q", s)
}
