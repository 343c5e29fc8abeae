package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// itemTypes are the item types that the erasure test has looked at: each
// holds no copy of a user's personal data after the user is deleted (see
// internal/store/README.md, "Erasure"). A new type fails the test until
// someone has checked what it copies and added it here.
//
// Looked at since: "limit" (rate limits and mail budgets) holds counts,
// keyed by organisation or by the caller's address, never by a user;
// "upload" (upload grants) holds the uploading token's name and id and the
// object's name, an id; "counter" includes the user count shards and the
// day's CPR look-ups, which hold numbers only. The console's: "signin" (an
// administrator's address, in its key) goes in the transaction that
// deletes the user; "session" and "signinLink" hold ids and times;
// "passkey" holds a credential's public key and ids.
var itemTypes = []string{
	"activity", "counter", "group", "guard", "import", "importRow", "invitation",
	"limit", "member", "org", "outbox", "passkey", "schedule", "session", "signin", "signinLink", "sweep", "token", "upload", "user",
}

// personal is what a user's erasure must leave nowhere in the table: its
// e-mail, userName, names and phone, the CPR look-up hash and ciphertext.
type personal struct {
	who     string
	strings []string
	bytes   [][]byte
}

// TestDeleteErasesEveryCopy creates users through every path that copies
// their data (an accepted and approved invitation, activation mail, an
// edit's history entry, a group membership, a rejected invitation), deletes
// them over HTTP by each door (admin API, SCIM, invitation reject), and
// then scans the whole table: no attribute value of any item, nested ones
// included, holds any of their personal data. A user who stays proves that
// the scan sees such data where it is.
func TestDeleteErasesEveryCopy(t *testing.T) {
	t.Parallel()
	w := newWorld(t, &tilgang.Organisation{Name: "Slet ApS", IAL: 3, Language: "da",
		AdminEmails: []string{uniqueEmail(t, "admins")}})

	// Ida: invited, accepted on her page with a phone, approved (history
	// entries, approval mail), put in a group over SCIM; deleted over the
	// admin API.
	ida := uniqueEmail(t, "idasletmig")
	inv := w.invite(ida)[0]
	w.accept(mailsTo(t, ida, 1)[0], "Idaslettes", "Holmslettes", "+4571717171")
	var approved struct{ UserID string }
	if s := w.admin("POST", "/invitations/"+inv.InvitationID+"/approve", nil, &approved); s != http.StatusOK {
		t.Fatalf("approve: %d", s)
	}
	idaUser := approved.UserID
	w.scim("POST", "/Groups", map[string]any{
		"schemas":     []string{"urn:ietf:params:scim:schemas:core:2.0:Group"},
		"displayName": "Slettehold", "members": []map[string]string{{"value": idaUser}},
	}, http.StatusCreated)
	idaData := w.personal("Ida", idaUser, ida, "Idaslettes", "Holmslettes", "+4571717171")

	// Bo: created by an admin with a CPR number (activation mail), sent a
	// reminder, in the group too; deleted over SCIM.
	bo := uniqueEmail(t, "bosletmig")
	boUser := w.createUser(map[string]any{"firstName": "Bosletning", "lastName": "Bakkeslettes", "email": bo,
		"phone": "+4573737373", "cpr": "0303851234"}).ID
	mailsTo(t, bo, 1)
	w.scim("PATCH", "/Groups/"+w.groupID("Slettehold"), map[string]any{
		"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []map[string]any{{"op": "add", "path": "members", "value": []map[string]string{{"value": boUser}}}},
	}, http.StatusOK, http.StatusNoContent)
	if s := w.admin("POST", "/users/"+boUser+"/activation", nil, nil); s >= 300 {
		t.Fatalf("resend activation: %d", s)
	}
	boData := w.personal("Bo", boUser, bo, "Bosletning", "Bakkeslettes", "+4573737373")

	// Kim: invited and accepted, then rejected: the reject deletes.
	kim := uniqueEmail(t, "kimsletmig")
	kimInv := w.invite(kim)[0]
	w.accept(mailsTo(t, kim, 1)[0], "Kimslettes", "Krogslettes", "+4574747474")
	var accepted struct{ UserID string }
	w.admin("GET", "/invitations/"+kimInv.InvitationID, nil, &accepted)
	kimData := w.personal("Kim", accepted.UserID, kim, "Kimslettes", "Krogslettes", "+4574747474")

	// Liv stays: the scan must find her.
	liv := uniqueEmail(t, "livbliver")
	livUser := w.createUser(map[string]any{"firstName": "Livbliver", "lastName": "Lundbliver", "email": liv, "cpr": "0404851234"}).ID
	livData := w.personal("Liv", livUser, liv, "Livbliver")

	if s := w.admin("DELETE", "/users/"+idaUser, nil, nil); s != http.StatusNoContent {
		t.Fatalf("DELETE Ida: %d", s)
	}
	w.scim("DELETE", "/Users/"+boUser, nil, http.StatusNoContent)
	if s := w.admin("POST", "/invitations/"+kimInv.InvitationID+"/reject", nil, nil); s != http.StatusOK {
		t.Fatalf("reject Kim: %d", s)
	}
	time.Sleep(300 * time.Millisecond) // let the mailer settle what it holds

	seen := w.scanFor(t, idaData, boData, kimData, livData)
	for _, p := range []personal{idaData, boData, kimData} {
		for _, where := range seen[p.who] {
			t.Errorf("%s is deleted, but %s", p.who, where)
		}
	}
	if len(seen["Liv"]) == 0 {
		t.Fatal("the scan found nothing of Liv, who was not deleted: it does not look where the data is")
	}

	// The invitation is still there, erased: an administrator sees that
	// it was accepted and approved, not by whom.
	var after map[string]any
	if s := w.admin("GET", "/invitations/"+inv.InvitationID, nil, &after); s != http.StatusOK {
		t.Fatalf("GET invitation: %d", s)
	}
	if after["status"] != "approved" || after["email"] != "" || after["userId"] != nil && after["userId"] != "" {
		t.Errorf("erased invitation %v", after)
	}
}

// accept accepts the invitation of mail m on its page.
func (w *world) accept(m testenv.SentMail, first, last, phone string) {
	w.t.Helper()
	b := newBrowser(w.t)
	form := b.get(w.link(m, "/invitations/"))
	wantPage(w.t, b.submit(form, url.Values{"firstName": {first}, "lastName": {last}, "phone": {phone}, "accept": {"yes"}}), http.StatusOK)
}

// scim calls the SCIM API and fails unless the status is one of want.
func (w *world) scim(method, path string, body any, want ...int) []byte {
	w.t.Helper()
	resp, b := testenv.Request(w.t, method, w.base+"/scim/v2"+path, w.creds.SCIMToken, "application/scim+json", body)
	if !slices.Contains(want, resp.StatusCode) {
		w.t.Fatalf("SCIM %s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return b
}

func (w *world) groupID(name string) string {
	w.t.Helper()
	var list struct{ Resources []struct{ ID string } }
	b := w.scim("GET", "/Groups?filter="+url.QueryEscape(`displayName eq "`+name+`"`), nil, http.StatusOK)
	if err := json.Unmarshal(b, &list); err != nil || len(list.Resources) != 1 {
		w.t.Fatalf("group %s: %v %s", name, err, b)
	}
	return list.Resources[0].ID
}

// personal collects what user id holds: the given strings (its address,
// names, phones) and, read from the store, its userName and CPR.
func (w *world) personal(who, id string, values ...string) personal {
	w.t.Helper()
	u, err := w.app.Store.User(context.Background(), w.org.ID, id)
	if err != nil {
		w.t.Fatalf("%s: %v", who, err)
	}
	p := personal{who: who, strings: values}
	for _, s := range []string{u.UserName, u.Email} {
		if !slices.ContainsFunc(p.strings, func(v string) bool { return strings.EqualFold(v, s) }) {
			p.strings = append(p.strings, s)
		}
	}
	if !u.CPR.IsZero() {
		p.strings = append(p.strings, u.CPR.Lookup)
		p.bytes = append(p.bytes, u.CPR.Sealed)
	}
	return p
}

// scanFor reads the whole table and says, per person, which item holds
// which of its data, in any attribute, nested or not, case-insensitively.
// It logs the item types it saw and fails on one that itemTypes does not
// list.
func (w *world) scanFor(t *testing.T, people ...personal) map[string][]string {
	t.Helper()
	found := map[string][]string{}
	kinds := map[string]int{}
	p := dynamodb.NewScanPaginator(w.app.DB, &dynamodb.ScanInput{TableName: aws.String(w.app.Config.TableName), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, item := range page.Items {
			typ := ""
			if v, ok := item["type"].(*types.AttributeValueMemberS); ok {
				typ = v.Value
			}
			kinds[typ]++
			key := fmt.Sprintf("%s item %s/%s", typ, attrString(item["PK"]), attrString(item["SK"]))
			for name, v := range item {
				walk(v, func(s string, b []byte) {
					for _, person := range people {
						for _, needle := range person.strings {
							if needle != "" && strings.Contains(strings.ToLower(s), strings.ToLower(needle)) {
								found[person.who] = append(found[person.who], fmt.Sprintf("%s holds %q in %s", key, needle, name))
							}
						}
						for _, needle := range person.bytes {
							if len(needle) > 0 && b != nil && bytes.Contains(b, needle) {
								found[person.who] = append(found[person.who], fmt.Sprintf("%s holds the CPR ciphertext in %s", key, name))
							}
						}
					}
				})
			}
		}
	}
	t.Logf("item types in the table: %v", kinds)
	for _, typ := range slices.Sorted(maps.Keys(kinds)) {
		if !slices.Contains(itemTypes, typ) {
			t.Errorf("item type %q is new: check that it keeps no personal data of a deleted user (or erase it in the store's deleteUser), then add it to itemTypes", typ)
		}
	}
	return found
}

// walk calls f with every string and binary value in v, nested ones too.
func walk(v types.AttributeValue, f func(s string, b []byte)) {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		f(v.Value, nil)
	case *types.AttributeValueMemberN:
		f(v.Value, nil)
	case *types.AttributeValueMemberB:
		f("", v.Value)
	case *types.AttributeValueMemberSS:
		for _, s := range v.Value {
			f(s, nil)
		}
	case *types.AttributeValueMemberBS:
		for _, b := range v.Value {
			f("", b)
		}
	case *types.AttributeValueMemberL:
		for _, e := range v.Value {
			walk(e, f)
		}
	case *types.AttributeValueMemberM:
		for k, e := range v.Value {
			f(k, nil)
			walk(e, f)
		}
	}
}

func attrString(v types.AttributeValue) string {
	if s, ok := v.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}
