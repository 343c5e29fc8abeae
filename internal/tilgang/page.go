package tilgang

// Lists come a page at a time: a query names a limit and the cursor of the
// page before, and a page names the cursor of the next ("" after the last).
// A cursor is only good for the organisation and query that made it.

// Page sizes of lists. Every protocol accepts a limit from 1 to the
// maximum; a query with limit 0 gets the default.
const (
	DefaultPageSize    = 50
	MaxPageSize        = 1000
	MaxHistoryPageSize = 1000
)

// ErrBadCursor refuses a cursor that this organisation's query did not
// make.
var ErrBadCursor = Invalid("cursor", "cursor.invalid", "the cursor is not valid for this query")

// UserQuery selects a page of an organisation's users, ordered by userName.
// The zero value lists every status from the start, DefaultPageSize at a
// time.
type UserQuery struct {
	Status Status // only this status, if set
	Text   string // only users whose names, e-mail or userName contain it
	Limit  int    // at most this many (MaxPageSize); 0 means DefaultPageSize
	Cursor string // from the previous page's UserPage.NextCursor
}

// UserPage is one page of users.
type UserPage struct {
	Users      []*User
	NextCursor string // empty on the last page
	// Unreadable names by id the users of the page whose stored record
	// could not be read (SPEC §14: one unreadable record never fails a
	// list). They are not in Users.
	Unreadable []string
}

// HistoryEntry is one activity and the user it belongs to.
type HistoryEntry struct {
	UserID string
	Activity
	// Unreadable says that the stored entry did not decode whole: it holds
	// what could be read (SPEC §14: one unreadable record never fails a
	// list).
	Unreadable bool
}

// HistoryPage is one page of history entries.
type HistoryPage struct {
	Entries    []HistoryEntry
	NextCursor string // empty on the last page
}

// InvitationPage is one page of invitations.
type InvitationPage struct {
	Invitations []*Invitation
	NextCursor  string // empty on the last page
	// Unreadable names by id the invitations of the page whose stored
	// record could not be read (SPEC §14). They are not in Invitations.
	Unreadable []string
}

// ImportPage is one page of imports, newest first.
type ImportPage struct {
	Imports    []*Import
	NextCursor string // empty on the last page
	// Unreadable names by id the imports of the page whose stored record
	// could not be read (SPEC §14). They are not in Imports.
	Unreadable []string
}

// GroupPage is one page of groups, in displayName order.
type GroupPage struct {
	Groups     []*Group
	NextCursor string // empty on the last page
	// Unreadable names by id the groups of the page whose stored record
	// could not be read (SPEC §14). They are not in Groups.
	Unreadable []string
}

// MemberPage is one page of a group's members, the ids of its users in id
// order.
type MemberPage struct {
	UserIDs    []string
	NextCursor string // empty on the last page
}

// UserCounts is how many users an organisation has, in all and per status.
// The zero value is an organisation without users.
type UserCounts struct {
	Total    int
	ByStatus map[Status]int // every status of Statuses, 0 included, once read
}
