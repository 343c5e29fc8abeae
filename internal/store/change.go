package store

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// activityItem is one history entry, in the user's item collection so that
// it is read with the user's key and outlives the user item. GSI1 lists an
// organisation's entries of all its users in time order (GSI1SK is the
// same time-ordered key as SK); search holds the folded text that the
// history's q parameter matches.
type activityItem struct {
	PK     string    `dynamodbav:"PK"`
	SK     string    `dynamodbav:"SK"`
	GSI1PK string    `dynamodbav:"GSI1PK,omitempty"`
	GSI1SK string    `dynamodbav:"GSI1SK,omitempty"`
	Type   string    `dynamodbav:"type"`
	UserID string    `dynamodbav:"userId,omitempty"`
	At     time.Time `dynamodbav:"at"`
	Actor  string    `dynamodbav:"actor"`
	Action string    `dynamodbav:"action"`
	Fields []string  `dynamodbav:"fields,omitempty"`
	Source string    `dynamodbav:"source"`
	Search string    `dynamodbav:"search,omitempty"`
	// By is the actor as data; entries from before it have none.
	By *tilgang.By `dynamodbav:"by,omitempty"`
}

// outboxItem is a mail to send. The mailer's stream filter selects inserts
// of items whose type is "outbox".
type outboxItem struct {
	PK        string    `dynamodbav:"PK"`
	SK        string    `dynamodbav:"SK"`
	Type      string    `dynamodbav:"type"`
	ID        string    `dynamodbav:"id"`
	OrgID     string    `dynamodbav:"orgId"`
	UserID    string    `dynamodbav:"userId,omitempty"`
	Kind      string    `dynamodbav:"kind"`
	To        []string  `dynamodbav:"to,omitempty"`
	Language  string    `dynamodbav:"language,omitempty"`
	CreatedAt time.Time `dynamodbav:"createdAt"`
	ExpiresAt int64     `dynamodbav:"expiresAt"` // TTL, epoch seconds

	// InvitationID names the invitation of invitation mail.
	InvitationID string `dynamodbav:"invitationId,omitempty"`
	// GSI2PK/GSI2SK put an item that is not sent yet in the undelivered
	// index (outbox_redrive.go); sent and skipped items leave it.
	GSI2PK string `dynamodbav:"GSI2PK,omitempty"`
	GSI2SK string `dynamodbav:"GSI2SK,omitempty"`
	// Origin is when the first item of this mail was written, and Redrives
	// how many times it was written again as a new item (RedriveOutbox).
	Origin   time.Time `dynamodbav:"origin,omitempty"`
	Redrives int       `dynamodbav:"redrives,omitempty"`
	// The mailer's bookkeeping (outbox.go), absent on insert: no status
	// means pending.
	Status     string    `dynamodbav:"status,omitempty"`
	Attempts   int       `dynamodbav:"attempts,omitempty"`   // claims so far
	Claim      string    `dynamodbav:"claim,omitempty"`      // id of the current claim
	ClaimUntil int64     `dynamodbav:"claimUntil,omitempty"` // epoch milliseconds
	DoneAt     time.Time `dynamodbav:"doneAt,omitempty"`     // sent, failed or skipped
	MessageID  string    `dynamodbav:"messageId,omitempty"`  // SES's, once sent
	Reason     string    `dynamodbav:"reason,omitempty"`     // why failed or skipped
}

// outboxRetention is how long an outbox item stays for the mailer and for
// inspection before TTL removes it.
const outboxRetention = 14 * 24 * time.Hour

// historySK orders entries by time; the random suffix keeps two entries of
// the same nanosecond apart.
func historySK(at time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return skHistoryPrefix + sortableTime(at) + "#" + hex.EncodeToString(b[:])
}

// sortableTime formats t so that string order is time order: fixed width,
// unlike RFC 3339 with trimmed fractions.
func sortableTime(t time.Time) string { return t.UTC().Format(sortableLayout) }

const sortableLayout = "2006-01-02T15:04:05.000000000Z"

// historyEntry is the item of a's entry in the history of user userID of
// orgID; an activity without a time happened at now.
func historyEntry(orgID, userID string, a tilgang.Activity, now time.Time) activityItem {
	if a.At.IsZero() {
		a.At = now
	}
	sk := historySK(a.At)
	return activityItem{
		PK: userPK(orgID, userID), SK: sk, GSI1PK: orgHistoryPK(orgID), GSI1SK: sk, Type: typeActivity, UserID: userID,
		At: a.At, Actor: a.Actor, Action: a.Action, Fields: a.Fields, Source: a.Source, Search: historySearch(a), By: a.By,
	}
}

// change adds what c writes besides the user: its history entry on u, the
// import row it records, and its mail.
func (t *txn) change(u *tilgang.User, c tilgang.Change, now time.Time) {
	t.put(historyEntry(u.OrgID, u.ID, c.Activity, now), cond{}, nil)
	if c.Row != nil {
		t.putImportRow(c.Row, u.OrgID, now)
	}
	for _, m := range c.Mail {
		t.putMail(m, now)
	}
}

// putMail adds m to the outbox. A mail to a user or an invitee names the
// user or the invitation and holds no address: the mailer reads it when it
// sends, so deleting the user (and erasing its invitation) leaves no copy
// in the outbox (SPEC §14). Only the organisation's admin e-mails, which
// are no user's data, are kept in To.
func (t *txn) putMail(m tilgang.Mail, now time.Time) {
	if len(m.To) > 0 && (m.UserID != "" || m.Kind == tilgang.MailInvitation) {
		if t.err == nil {
			t.err = fmt.Errorf("store: mail %s (%s) holds addresses; a mail to a user or an invitee names it only", m.ID, m.Kind)
		}
		return
	}
	t.put(newOutboxItem(m, now), absent, nil)
}

// newOutboxItem is the item of m, written at now: pending, and so in the
// undelivered index.
func newOutboxItem(m tilgang.Mail, now time.Time) outboxItem {
	return outboxItem{
		PK: outboxPK(m.ID), SK: skOutbox, Type: typeOutbox,
		ID: m.ID, OrgID: m.OrgID, UserID: m.UserID, InvitationID: m.InvitationID, Kind: m.Kind, To: m.To,
		Language: m.Language, CreatedAt: now, ExpiresAt: now.Add(outboxRetention).Unix(),
		GSI2PK: undeliveredPK(m.ID, false), GSI2SK: undeliveredSK(now, m.ID),
	}
}
