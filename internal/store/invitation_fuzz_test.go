package store

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// FuzzInvitationCursor feeds arbitrary cursors to the invitation list's
// cursor check, for each listing. It must never panic, and a cursor it
// accepts must name only an invitation key of the organisation's own
// partition, within DynamoDB's key limits and the listing's expiry
// boundary: a forged cursor is a 400, never another organisation's data or
// a 500.
func FuzzInvitationCursor(f *testing.F) {
	const org = "0b7c1d8e-2f3a-4b5c-8d9e-0f1a2b3c4d5e"
	now := time.Date(2026, 11, 26, 11, 0, 0, 0, time.UTC)
	inv := &tilgang.Invitation{ID: "7d0c5a8e-1f2b-4c3d-9e8f-0a1b2c3d4e5f", OrgID: org, Status: tilgang.InvitationPending,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(tilgang.InvitationValidity)}
	it := toInvitationItem(inv)
	key := map[string]types.AttributeValue{attrPK: str(it.PK), attrSK: str(it.SK),
		attrGSI1PK: str(it.GSI1PK), attrGSI1SK: str(it.GSI1SK), attrGSI2PK: str(it.GSI2PK), attrGSI2SK: str(it.GSI2SK)}
	statuses := append([]tilgang.InvitationStatus{""}, tilgang.InvitationStatuses...)
	for _, st := range statuses {
		f.Add(encodeInvitationCursor(key, invitationListing(org, st), expiryBound(now)))
	}
	for _, seed := range []string{
		"", "e30", "not base64!",
		base64.RawURLEncoding.EncodeToString([]byte(`{"PK":"ORG#other#INVITATION#x","SK":"INVITATION","GSI1PK":"ORG#other#INVITATIONS","GSI1SK":"x"}`)),
		base64.RawURLEncoding.EncodeToString([]byte(`{"PK":"ORG#` + org + `#INVITATION#","SK":"INVITATION","GSI1PK":"ORG#` + org + `#INVITATIONS","GSI1SK":"x"}`)),
		base64.RawURLEncoding.EncodeToString([]byte(`{"PK":"ORG#` + org + `#INVITATION#x","SK":"INVITATION","GSI2PK":"ORG#` + org + `#INVSTATUS#pending","GSI2SK":"0","bound":"~"}`)),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, cursor string) {
		for _, st := range statuses {
			l := invitationListing(org, st)
			av, bound, err := decodeInvitationCursor(cursor, org, l)
			if err != nil {
				if err != tilgang.ErrBadCursor {
					t.Fatalf("error %v, want tilgang.ErrBadCursor", err)
				}
				continue
			}
			val := func(k string) string { return av[k].(*types.AttributeValueMemberS).Value }
			pk, isk := val(attrPK), val(l.skName)
			switch {
			case len(av) != 4, val(l.pkName) != l.pk, val(attrSK) != skInvitation,
				!strings.HasPrefix(pk, invitationPK(org, "")), len(pk) > maxPartitionKeyBytes,
				isk == "", len(isk) > maxSortKeyBytes:
				t.Fatalf("%q accepted a foreign or malformed cursor: %v", st, av)
			case l.bounded && l.ascending && isk <= bound, l.bounded && !l.ascending && isk >= bound:
				t.Fatalf("%q accepted a start key outside the boundary %q: %v", st, bound, av)
			}
		}
	})
}
