package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// invT0 is the time the invitation tests invite at.
var invT0 = time.Date(2026, 11, 26, 11, 0, 0, 0, time.UTC)

// newInvitation is a pending invitation of org to email, made at at.
func newInvitation(org, id, email string, at time.Time) *tilgang.Invitation {
	return &tilgang.Invitation{ID: id, OrgID: org, Email: email, Role: tilgang.RoleUserAdmin, Language: "da",
		InviterName: "initial admin token", Status: tilgang.InvitationPending, LinkID: "link-" + id,
		CreatedAt: at, ExpiresAt: at.Add(tilgang.InvitationValidity)}
}

func invitationMail(inv *tilgang.Invitation) tilgang.Mail {
	return tilgang.Mail{ID: "mail-" + inv.OrgID + "-" + inv.ID + "-" + inv.LinkID, OrgID: inv.OrgID, InvitationID: inv.ID,
		Kind: tilgang.MailInvitation, Language: inv.Language}
}

func TestInviteeGuard(t *testing.T) {
	t.Parallel()
	db, table := testenv.Table(t)
	st := store.New(db, table)
	first := newInvitation("o1", "i1", "anna@example.dk", invT0)
	if err := st.CreateInvitation(ctx, first, invitationMail(first)); err != nil {
		t.Fatal(err)
	}
	if first.Version != 1 || first.UpdatedAt != invT0 {
		t.Fatalf("created: %+v", first)
	}
	got, err := st.Invitation(ctx, "o1", "i1")
	if err != nil || got.Email != first.Email || got.Status != tilgang.InvitationPending || !got.ExpiresAt.Equal(first.ExpiresAt) {
		t.Fatalf("read back: %+v, %v", got, err)
	}
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key("OUTBOX#"+invitationMail(first).ID, "OUTBOX")})
	if err != nil || out.Item["invitationId"] == nil || out.Item["type"].(*types.AttributeValueMemberS).Value != store.OutboxType {
		t.Fatalf("outbox item: %v, %v", out.Item, err)
	}
	if _, err := st.Invitation(ctx, "o2", "i1"); !errors.Is(err, tilgang.ErrInvitationNotFound) {
		t.Fatalf("another organisation's read: %v", err)
	}

	// The same address, in another case, while the first is pending.
	again := newInvitation("o1", "i2", "ANNA@example.dk", invT0.Add(time.Hour))
	if err := st.CreateInvitation(ctx, again, invitationMail(again)); !errors.Is(err, tilgang.ErrInvitationPending) || again.Version != 0 {
		t.Fatalf("second invitation of a pending address: %v", err)
	}
	// Another organisation may invite the address.
	other := newInvitation("o2", "i1", "anna@example.dk", invT0)
	if err := st.CreateInvitation(ctx, other, invitationMail(other)); err != nil {
		t.Fatalf("another organisation: %v", err)
	}
	// A user's userName cannot be invited.
	if err := st.CreateUser(ctx, newUser("o1", "u1", "bo@example.dk"), change("user.created")); err != nil {
		t.Fatal(err)
	}
	bo := newInvitation("o1", "i3", "Bo@Example.dk", invT0)
	if err := st.CreateInvitation(ctx, bo, invitationMail(bo)); !errors.Is(err, tilgang.ErrInviteeIsUser) {
		t.Fatalf("invitation of a user: %v", err)
	}
	if _, err := st.Invitation(ctx, "o1", "i3"); !errors.Is(err, tilgang.ErrInvitationNotFound) {
		t.Fatalf("a refused invitation was written: %v", err)
	}

	// Once the first has expired, the address is free; resending the
	// first then finds it taken.
	late := newInvitation("o1", "i4", "anna@example.dk", first.ExpiresAt)
	if err := st.CreateInvitation(ctx, late, invitationMail(late)); err != nil {
		t.Fatalf("invitation after expiry: %v", err)
	}
	resent := *first
	resent.UpdatedAt, resent.LinkID = first.ExpiresAt.Add(time.Minute), "link-2"
	resent.ExpiresAt = resent.UpdatedAt.Add(tilgang.InvitationValidity)
	if err := st.UpdateInvitation(ctx, first, &resent, []tilgang.Mail{invitationMail(&resent)}); !errors.Is(err, tilgang.ErrInvitationPending) || resent.Version != 1 {
		t.Fatalf("resend over a newer invitation: %v (version %d)", err, resent.Version)
	}

	// Revoking the pending one frees the address at once.
	revoked := *late
	revoked.Status, revoked.UpdatedAt = tilgang.InvitationRevoked, late.CreatedAt.Add(time.Minute)
	if err := st.UpdateInvitation(ctx, late, &revoked, nil); err != nil || revoked.Version != 2 {
		t.Fatalf("revoke: %v", err)
	}
	if err := st.UpdateInvitation(ctx, late, &revoked, nil); !errors.Is(err, tilgang.ErrStale) {
		t.Fatalf("a write on a stale version: %v", err)
	}
	fresh := newInvitation("o1", "i5", "anna@example.dk", revoked.UpdatedAt)
	if err := st.CreateInvitation(ctx, fresh, invitationMail(fresh)); err != nil {
		t.Fatalf("invitation after a revocation: %v", err)
	}
}

func TestConcurrentInvitationsOfOneAddress(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	errs := make([]error, 10)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() {
			inv := newInvitation("o1", fmt.Sprint("i", i), "anna@example.dk", invT0)
			errs[i] = st.CreateInvitation(ctx, inv, invitationMail(inv))
		})
	}
	wg.Wait()
	if n := succeeded(t, errs, tilgang.ErrInvitationPending); n != 1 {
		t.Fatalf("%d invitations of one address, want 1", n)
	}
}

// TestAcceptApproveReject walks the transactions of an invitation's user:
// each writes the invitation, the user and the history together, or none.
func TestAcceptApproveReject(t *testing.T) {
	t.Parallel()
	db, table := testenv.Table(t)
	st := store.New(db, table)
	invite := func(id, email string) *tilgang.Invitation {
		inv := newInvitation("o1", id, email, invT0)
		if err := st.CreateInvitation(ctx, inv, invitationMail(inv)); err != nil {
			t.Fatal(err)
		}
		return inv
	}
	accept := func(inv *tilgang.Invitation, userID string) (*tilgang.Invitation, *tilgang.User) {
		t.Helper()
		u := newUser("o1", userID, inv.Email)
		u.Status = tilgang.StatusAwaitingApproval
		next := *inv
		next.Status, next.UserID, next.UpdatedAt, next.AcceptedAt = tilgang.InvitationAccepted, userID, invT0.Add(time.Hour), invT0.Add(time.Hour)
		c := change("invitation.accepted")
		c.Mail = []tilgang.Mail{{ID: "accepted-" + inv.ID, OrgID: "o1", InvitationID: inv.ID, Kind: tilgang.MailInvitationAccepted, To: []string{"admin@example.dk"}}}
		if err := st.AcceptInvitation(ctx, inv, &next, u, c); err != nil {
			t.Fatal(err)
		}
		return &next, u
	}
	approve := func(inv *tilgang.Invitation, u *tilgang.User, maxAdmins int) error {
		next := *inv
		next.Status, next.UpdatedAt = tilgang.InvitationApproved, invT0.Add(2*time.Hour)
		active := u.Clone()
		active.Status, active.Roles = tilgang.StatusActive, []tilgang.Role{{Role: inv.Role}}
		c := change("invitation.approved")
		c.MaxAdmins = maxAdmins
		return st.ApproveInvitation(ctx, inv, &next, u, active, c)
	}

	anna, annaUser := accept(invite("i1", "anna@example.dk"), "u1")
	if got, err := st.UserByUserName(ctx, "o1", "ANNA@example.dk"); err != nil || got.Status != tilgang.StatusAwaitingApproval {
		t.Fatalf("accepted user: %+v, %v", got, err)
	}
	// The address is a user's now: inviting it again is refused as such.
	if again := newInvitation("o1", "i9", "anna@example.dk", invT0.Add(2*time.Hour)); !errors.Is(st.CreateInvitation(ctx, again, invitationMail(again)), tilgang.ErrInviteeIsUser) {
		t.Fatal("the accepted address could be invited again")
	}

	// An existing admin fills a licence of one: the approval fails whole.
	admin := newUser("o1", "admin", "admin")
	admin.Roles = []tilgang.Role{{Role: tilgang.RoleCompanyAdmin}}
	if err := st.CreateUser(ctx, admin, change("user.created")); err != nil {
		t.Fatal(err)
	}
	if err := approve(anna, annaUser, 1); !errors.Is(err, tilgang.ErrMaxAdmins) {
		t.Fatalf("approval over the licence: %v", err)
	}
	if got, _ := st.Invitation(ctx, "o1", "i1"); got.Status != tilgang.InvitationAccepted || got.Version != anna.Version {
		t.Fatalf("a failed approval changed the invitation: %+v", got)
	}
	if got, _ := st.User(ctx, "o1", "u1"); got.Status != tilgang.StatusAwaitingApproval || got.Version != 1 {
		t.Fatalf("a failed approval changed the user: %+v", got)
	}
	if err := approve(anna, annaUser, 2); err != nil {
		t.Fatalf("approval within the licence: %v", err)
	}
	if got, _ := st.User(ctx, "o1", "u1"); got.Status != tilgang.StatusActive || !got.IsAdmin() || got.Version != 2 {
		t.Fatalf("approved user: %+v", got)
	}
	hist, err := st.History(ctx, "o1", "u1", store.HistoryQuery{Oldest: true})
	if err != nil || len(hist) != 2 || hist[0].Action != "invitation.accepted" || hist[1].Action != "invitation.approved" {
		t.Fatalf("history: %+v, %v", hist, err)
	}

	// A rejection deletes the user and frees the address.
	bo, boUser := accept(invite("i2", "bo@example.dk"), "u2")
	next := *bo
	next.Status, next.UpdatedAt = tilgang.InvitationRejected, invT0.Add(3*time.Hour)
	if err := st.RejectInvitation(ctx, bo, &next, boUser, change("invitation.rejected")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.User(ctx, "o1", "u2"); !errors.Is(err, tilgang.ErrUserNotFound) {
		t.Fatalf("rejected user: %v", err)
	}
	if hist, _ := st.History(ctx, "o1", "u2", store.HistoryQuery{}); len(hist) != 2 || hist[0].Action != "invitation.rejected" {
		t.Fatalf("history of the rejected user: %+v", hist)
	}
	if again := newInvitation("o1", "i3", "bo@example.dk", invT0.Add(4*time.Hour)); st.CreateInvitation(ctx, again, invitationMail(again)) != nil {
		t.Fatal("a rejected address could not be invited again")
	}
}

// queryCounter counts the Query calls of a DynamoDB client.
type queryCounter struct {
	mu sync.Mutex
	n  int
}

func (c *queryCounter) calls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func (c *queryCounter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n = 0
}

// countingStore is a store on table whose client counts its Query calls.
func countingStore(t *testing.T, table string) (*store.Store, *queryCounter) {
	c := &queryCounter{}
	count := middleware.InitializeMiddlewareFunc("countQueries", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		if awsmiddleware.GetOperationName(ctx) == "Query" {
			c.mu.Lock()
			c.n++
			c.mu.Unlock()
		}
		return next.HandleInitialize(ctx, in)
	})
	db := dynamodb.NewFromConfig(testenv.AWS(t), func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error { return s.Initialize.Add(count, middleware.After) })
	})
	return store.New(db, table), c
}

// TestInvitationPagesReadOnePageEach lists many invitations by status: every
// page is one Query of at most the page's items, pending and expired part
// at the query's time, and cursors stay in their organisation and listing.
// Pages of 20 make every listing several pages long with few invitations.
func TestInvitationPagesReadOnePageEach(t *testing.T) {
	t.Parallel()
	_, table := testenv.Table(t)
	st, queries := countingStore(t, table)
	const live, expired, revoked, limit = 100, 45, 25, 20
	now := invT0.Add(tilgang.InvitationValidity)
	next := make(chan int)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for i := range next {
				at := invT0.Add(time.Duration(i) * time.Second)
				if i < expired+revoked {
					at = invT0.Add(-time.Duration(i) * time.Second) // expired by now
				}
				inv := newInvitation("o1", fmt.Sprintf("i%05d", i), fmt.Sprintf("p%05d@example.dk", i), at)
				if err := st.CreateInvitation(ctx, inv, invitationMail(inv)); err != nil {
					t.Error(err)
					continue
				}
				if i < revoked {
					r := *inv
					r.Status, r.UpdatedAt = tilgang.InvitationRevoked, at.Add(time.Minute)
					if err := st.UpdateInvitation(ctx, inv, &r, nil); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	for i := range live + expired + revoked {
		next <- i
	}
	close(next)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	tests := []struct {
		status tilgang.InvitationStatus
		want   int
		order  func(a, b *tilgang.Invitation) bool // a comes before b
	}{
		{tilgang.InvitationPending, live, func(a, b *tilgang.Invitation) bool { return !a.ExpiresAt.After(b.ExpiresAt) }},
		{tilgang.InvitationExpired, expired, func(a, b *tilgang.Invitation) bool { return !a.ExpiresAt.Before(b.ExpiresAt) }},
		{tilgang.InvitationRevoked, revoked, func(a, b *tilgang.Invitation) bool { return !a.UpdatedAt.Before(b.UpdatedAt) }},
		{"", live + expired + revoked, func(a, b *tilgang.Invitation) bool { return !a.CreatedAt.Before(b.CreatedAt) }},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint("status=", tt.status), func(t *testing.T) {
			q := store.InvitationQuery{Status: tt.status, Now: now, Limit: limit}
			seen := map[string]bool{}
			var prev *tilgang.Invitation
			for pages := 1; ; pages++ {
				queries.reset()
				page, err := st.Invitations(ctx, "o1", q)
				if err != nil {
					t.Fatal(err)
				}
				if n := queries.calls(); n != 1 {
					t.Fatalf("page %d took %d Query calls", pages, n)
				}
				if len(page.Invitations) > limit {
					t.Fatalf("page %d holds %d invitations", pages, len(page.Invitations))
				}
				for _, inv := range page.Invitations {
					if seen[inv.ID] || (tt.status != "" && inv.StatusAt(now) != tt.status) {
						t.Fatalf("page %d: %s again or in the wrong status (%s)", pages, inv.ID, inv.StatusAt(now))
					}
					if prev != nil && !tt.order(prev, inv) {
						t.Fatalf("page %d: %s before %s", pages, prev.ID, inv.ID)
					}
					seen[inv.ID], prev = true, inv
				}
				if page.NextCursor == "" {
					break
				}
				// Later pages keep the first page's boundary.
				q.Cursor, q.Now = page.NextCursor, now.Add(time.Duration(pages)*time.Hour)
			}
			if len(seen) != tt.want {
				t.Fatalf("listed %d, want %d", len(seen), tt.want)
			}
		})
	}

	first, err := st.Invitations(ctx, "o1", store.InvitationQuery{Status: tilgang.InvitationPending, Now: now, Limit: 10})
	if err != nil || len(first.Invitations) != 10 || first.NextCursor == "" {
		t.Fatalf("a page of ten: %d, %v", len(first.Invitations), err)
	}
	for _, q := range []struct {
		org string
		q   store.InvitationQuery
	}{
		{"o2", store.InvitationQuery{Status: tilgang.InvitationPending, Cursor: first.NextCursor}},
		{"o1", store.InvitationQuery{Status: tilgang.InvitationExpired, Cursor: first.NextCursor}},
		{"o1", store.InvitationQuery{Status: tilgang.InvitationRevoked, Cursor: first.NextCursor}},
		{"o1", store.InvitationQuery{Cursor: first.NextCursor}},
		{"o1", store.InvitationQuery{Status: tilgang.InvitationPending, Cursor: "e30"}},
	} {
		if _, err := st.Invitations(ctx, q.org, q.q); !errors.Is(err, tilgang.ErrBadCursor) {
			t.Errorf("cursor of o1's pending list used in %s %+v: %v", q.org, q.q, err)
		}
	}
}

// BenchmarkListInvitations reads one page of 50 pending invitations of an
// organisation with 10,000, through the store and as the raw Query of one
// page with Limit 50: a ratio near 1 means a page reads one page's worth,
// however many invitations there are.
func BenchmarkListInvitations(b *testing.B) {
	db, table := testenv.Table(b)
	st := store.New(db, table)
	const total, writers = 10_000, 16
	next := make(chan int)
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for i := range next {
				inv := newInvitation(benchOrg, fmt.Sprintf("0b6f7c1e-5d2a-4c3b-9e8f-%012d", i), fmt.Sprintf("p%05d@example.dk", i), invT0.Add(time.Duration(i)*time.Second))
				if err := st.CreateInvitation(ctx, inv, invitationMail(inv)); err != nil {
					b.Error(err)
				}
			}
		})
	}
	for i := range total {
		next <- i
	}
	close(next)
	wg.Wait()
	now := invT0.Add(time.Hour)
	storeOp := func(b *testing.B) {
		page, err := st.Invitations(ctx, benchOrg, store.InvitationQuery{Status: tilgang.InvitationPending, Now: now})
		if err != nil || len(page.Invitations) != tilgang.DefaultPageSize {
			b.Fatalf("store page: %d, %v", len(page.Invitations), err)
		}
	}
	rawOp := func(b *testing.B) {
		out, err := db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 aws.String(table),
			IndexName:                 aws.String("GSI2"),
			KeyConditionExpression:    aws.String("GSI2PK = :pk AND GSI2SK > :bound"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": rawS("ORG#" + benchOrg + "#INVSTATUS#pending"), ":bound": rawS(now.Format("2006-01-02T15:04:05.000000000Z") + "~")},
			ScanIndexForward:          aws.Bool(true),
			Limit:                     aws.Int32(tilgang.DefaultPageSize),
		})
		if err != nil || len(out.Items) != tilgang.DefaultPageSize {
			b.Fatalf("raw page: %d, %v", len(out.Items), err)
		}
		var items []map[string]any
		if err := attributevalue.UnmarshalListOfMaps(out.Items, &items); err != nil {
			b.Fatal(err)
		}
	}
	runPair(b, benchOp{"store", storeOp}, benchOp{"raw", rawOp})
}
