package console_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/tilgang/tilgang/internal/admin"
	"github.com/tilgang/tilgang/internal/console"
	"github.com/tilgang/tilgang/internal/groups"
	"github.com/tilgang/tilgang/internal/imports"
	"github.com/tilgang/tilgang/internal/invitations"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// BenchmarkUsersPage renders the console's users list of 100 rows (the
// session, the person and the organisation read, the page rendered) and
// compares it with the admin API's JSON answer for the same page (the
// token and the organisation read, the JSON written): raw is the admin
// API. make bench holds the ratio to its target.
func BenchmarkUsersPage(b *testing.B) {
	db, table := testenv.Table(b)
	st := store.New(db, table)
	svc := testenv.Users(b, st)
	ten := tenants.New(st)
	ctx := b.Context()
	org := &tilgang.Organisation{Name: "Bench ApS", CVR: "11111111", IAL: 3, Language: "da"}
	creds, err := ten.Provision(ctx, org)
	if err != nil {
		b.Fatal(err)
	}
	testenv.SeedUsers(b, db, table, org.ID, console.UsersPageSize+20)
	person, err := svc.Create(ctx, tilgang.Actor{Name: "bench", Roles: tilgang.AdminRoles}, org, users.NewRequest{
		User: &tilgang.User{FirstName: "Zoe", LastName: "Admin", Email: "zz-admin@example.dk", DateOfBirth: "1980-01-01",
			Roles: []tilgang.Role{{Role: tilgang.RoleUserAdmin}}}, Profile: users.AdminProfile})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	const id = "BENCHSESSIONIDBENCHSESSIONIDBENCHSESSIONID"
	sum := sha256.Sum256([]byte(id))
	if err := st.PutSession(ctx, &tilgang.Session{Hash: hex.EncodeToString(sum[:]), OrgID: org.ID, UserID: person.User.ID, CSRF: "x",
		CreatedAt: now, LastSeen: now, AuthAt: now}); err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	con := console.New(console.Deps{Users: svc, Tenants: ten, Store: st, Mail: sesv2.NewFromConfig(testenv.AWS(b))}, log,
		console.Options{Key: testenv.CPRKey, BaseURL: "http://localhost/console/", Now: func() time.Time { return now }})
	api := admin.New(svc, ten, invitations.New(st, svc, testenv.Links(b), time.Now), imports.New(st), groups.New(st, svc), log)

	run := func(b *testing.B, h http.Handler, req func() *http.Request, want string) {
		for b.Loop() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req())
			if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), want) {
				b.Fatalf("%d: %.300s", rec.Code, rec.Body.String())
			}
		}
	}
	// The 100th row of the page is the same in both answers.
	last := "user0000099@example.dk"
	b.Run("raw", func(b *testing.B) {
		run(b, api, func() *http.Request {
			r := httptest.NewRequest("GET", "/admin/v1/users?limit=100", nil)
			r.Header.Set("Authorization", "Bearer "+creds.AdminToken)
			return r
		}, last)
	})
	b.Run("console", func(b *testing.B) {
		run(b, con, func() *http.Request {
			r := httptest.NewRequest("GET", "/console/users", nil)
			r.AddCookie(&http.Cookie{Name: "console_session", Value: id})
			return r
		}, last)
	})
}
