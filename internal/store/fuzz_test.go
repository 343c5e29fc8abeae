package store

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// FuzzHistoryCursor feeds arbitrary cursors to the organisation history's
// cursor check. It must never panic, and a cursor it accepts must name
// only keys of the organisation's own history, within DynamoDB's key
// limits: a forged cursor is a 400, never another organisation's data or
// a 500.
func FuzzHistoryCursor(f *testing.F) {
	const org = "0b7c1d8e-2f3a-4b5c-8d9e-0f1a2b3c4d5e"
	good := encodeHistoryCursor(map[string]types.AttributeValue{
		attrPK: str(userPK(org, "u1")), attrSK: str("HIST#2026-11-26T11:00:00.000000000Z#00ff00ff"),
		attrGSI1PK: str(orgHistoryPK(org)), attrGSI1SK: str("HIST#2026-11-26T11:00:00.000000000Z#00ff00ff"),
	}, []string{attrPK, attrSK, attrGSI1PK, attrGSI1SK})
	for _, seed := range []string{
		good, "", "e30", base64.RawURLEncoding.EncodeToString([]byte(`{"PK":"ORG#other#USER#u","SK":"HIST#","GSI1PK":"ORG#other#HISTORY","GSI1SK":"HIST#"}`)),
		base64.RawURLEncoding.EncodeToString([]byte(`{"PK":"ORG#` + org + `#USER#u","SK":"USER","GSI1PK":"ORG#` + org + `#HISTORY","GSI1SK":"USER"}`)),
		"not base64!",
	} {
		f.Add(seed)
	}
	keys := []string{attrPK, attrSK, attrGSI1PK, attrGSI1SK}
	check := func(key map[string]string) bool {
		return key[attrGSI1PK] == orgHistoryPK(org) && key[attrSK] == key[attrGSI1SK] &&
			strings.HasPrefix(key[attrPK], userPK(org, "")) && len(key[attrPK]) <= maxPartitionKeyBytes
	}
	f.Fuzz(func(t *testing.T, cursor string) {
		av, err := decodeHistoryCursor(cursor, keys, check)
		if err != nil {
			if err != tilgang.ErrBadCursor {
				t.Fatalf("error %v, want tilgang.ErrBadCursor", err)
			}
			return
		}
		val := func(k string) string { return av[k].(*types.AttributeValueMemberS).Value }
		if len(av) != 4 || val(attrGSI1PK) != orgHistoryPK(org) || !strings.HasPrefix(val(attrPK), userPK(org, "")) ||
			!strings.HasPrefix(val(attrSK), skHistoryPrefix) || len(val(attrSK)) > maxSortKeyBytes {
			t.Fatalf("accepted a foreign or malformed cursor: %v", av)
		}
	})
}
