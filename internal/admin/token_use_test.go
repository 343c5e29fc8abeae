package admin_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/admin"
	"github.com/tilgang/tilgang/internal/groups"
	"github.com/tilgang/tilgang/internal/imports"
	"github.com/tilgang/tilgang/internal/invitations"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

type tokenUseJSON struct {
	ID         string     `json:"id"`
	Token      string     `json:"token"`
	ExpiresAt  *time.Time `json:"expiresAt"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
}

func (e *env) listedToken(id string) tokenUseJSON {
	e.t.Helper()
	r := e.do(e.a.AdminToken, "GET", "/tokens", nil)
	wantStatus(e.t, r, http.StatusOK)
	for _, tok := range decode[struct{ Items []tokenUseJSON }](e.t, r).Items {
		if tok.ID == id {
			return tok
		}
	}
	e.t.Fatalf("token %s not listed: %s", id, r.body)
	return tokenUseJSON{}
}

// TestTokenExpiryAndLastUse: a token may be made with an expiry, which
// the list shows; it works until then and is refused after it exactly as
// an unknown token is. The list shows when a token was last used, written
// once per hour of use, not once per request.
func TestTokenExpiryAndLastUse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// The organisation's tokens are read through a service on a clock the
	// test moves, so expiry and the hour of last use never race the
	// machine's load.
	var mu sync.Mutex
	clock := time.Now().UTC().Truncate(time.Millisecond)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
	e.srv.Close()
	e.srv = httptest.NewServer(admin.New(e.users, tenants.New(e.store, tenants.WithClock(now)),
		invitations.New(e.store, e.users, testenv.Links(t), now), imports.New(e.store), groups.New(e.store, e.users), e.logs.Logger(),
		admin.WithMailStates(e.store)))
	t.Cleanup(e.srv.Close)
	A := e.a.AdminToken
	body := func(expires time.Time) map[string]any {
		return map[string]any{"name": "short-lived", "kind": "admin", "roles": []string{tilgang.RoleUserAdmin}, "expiresAt": expires.Format(time.RFC3339Nano)}
	}

	wantProblem(t, e.do(A, "POST", "/tokens", body(now().Add(-time.Minute))), http.StatusBadRequest, "token.expiry_past", "expiresAt")

	expires := now().Add(3 * time.Hour)
	r := e.do(A, "POST", "/tokens", body(expires))
	wantStatus(t, r, http.StatusCreated)
	short := decode[tokenUseJSON](t, r)
	if short.ExpiresAt == nil || !short.ExpiresAt.Equal(expires) {
		t.Fatalf("created token expires %v, want %v", short.ExpiresAt, expires)
	}
	if got := e.listedToken(short.ID); got.ExpiresAt == nil || !got.ExpiresAt.Equal(expires) || got.LastUsedAt != nil {
		t.Fatalf("listed before use: expires %v, last used %v", got.ExpiresAt, got.LastUsedAt)
	}

	usedAt := now()
	wantStatus(t, e.do(short.Token, "GET", "/users", nil), http.StatusOK)
	used := e.listedToken(short.ID).LastUsedAt
	if used == nil || !used.Equal(usedAt.Truncate(time.Second)) { // kept to the second
		t.Fatalf("last used %v after a use at %v", used, usedAt)
	}
	advance(30 * time.Minute) // a later use within the hour is not written
	wantStatus(t, e.do(short.Token, "GET", "/users", nil), http.StatusOK)
	if again := e.listedToken(short.ID).LastUsedAt; again == nil || !again.Equal(*used) {
		t.Errorf("last used moved from %v to %v within the hour: a write per request", used, again)
	}
	advance(time.Hour) // one past the hour is
	wantStatus(t, e.do(short.Token, "GET", "/users", nil), http.StatusOK)
	if again := e.listedToken(short.ID).LastUsedAt; again == nil || !again.Equal(now().Truncate(time.Second)) {
		t.Errorf("last used %v after a use an hour later at %v", again, now())
	}

	advance(expires.Sub(now()) + time.Millisecond) // just past the expiry
	if !now().After(expires) {
		t.Fatalf("clock %v not past expiry %v", now(), expires)
	}
	expired := e.do(short.Token, "GET", "/users", nil)
	unknown := e.do("tlg_admin_"+"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "GET", "/users", nil)
	wantProblem(t, expired, http.StatusUnauthorized, "token.invalid", "")
	if string(expired.body) != string(unknown.body) || expired.StatusCode != unknown.StatusCode {
		t.Errorf("an expired token answers %d %s, an unknown one %d %s", expired.StatusCode, expired.body, unknown.StatusCode, unknown.body)
	}
}
