package tilgang

import (
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Group is a SCIM group of an organisation's users (SPEC §5). Its members
// are kept apart from it, so that reading a group of 10,000 members reads
// one item; the store adds, removes and lists them.
type Group struct {
	ID          string // UUID
	OrgID       string
	DisplayName string // unique per organisation, compared as FoldName folds
	ExternalID  string // unique per organisation when set, compared exactly
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// Version counts stored changes, membership changes included, so that
	// a group's ETag changes with its members.
	Version int64
}

// GroupRef names a group a user is in: a user's read-only groups
// attribute.
type GroupRef struct {
	ID          string
	DisplayName string
}

// FoldName is the form under which group displayNames are unique: trimmed,
// in Unicode normal form KC (so "ﬁ" and "fi", or a full-width "Ａ" and
// "A", are one name), and case-folded, as SPEC §14 says names compare. The
// result is normalised again, because case folding can undo a composition
// ("ǰ" folds to "j" and a combining caron).
//
// FoldUserName folds the same way and then repeats until the result is
// stable; FoldName is left as it is, since group guards are keyed by it.
func FoldName(s string) string {
	return norm.NFKC.String(cases.Fold().String(norm.NFKC.String(strings.TrimSpace(s))))
}

// UnknownMembers is ErrUnknownMember naming ids (a few of them, when there
// are many), for a protocol layer to show.
func UnknownMembers(ids []string) *Error {
	const named = 5
	if len(ids) == 0 {
		return ErrUnknownMember
	}
	quoted := make([]string, 0, min(len(ids), named))
	for _, id := range ids[:min(len(ids), named)] {
		quoted = append(quoted, fmt.Sprintf("%q", id))
	}
	msg := "no user of this organisation has the id " + quoted[0]
	if len(ids) > 1 {
		msg = "no user of this organisation has any of the ids " + strings.Join(quoted, ", ")
		if more := len(ids) - named; more > 0 {
			msg += fmt.Sprintf(" (and %d more)", more)
		}
	}
	return ErrUnknownMember.WithMessage(msg)
}

// MemberChange is a change of a group's members: with Replace set, Members
// is the whole new list; otherwise Add and Remove are the user ids to add
// and to remove. The zero value changes nothing.
type MemberChange struct {
	Replace     bool
	Members     []string
	Add, Remove []string
}

// IsZero reports whether the change changes nothing.
func (c MemberChange) IsZero() bool {
	return !c.Replace && len(c.Add) == 0 && len(c.Remove) == 0
}

// GetID returns g.ID, as User.GetID does.
func (g *Group) GetID() string { return g.ID }
