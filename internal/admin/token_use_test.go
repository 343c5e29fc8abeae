package admin_test

import (
	"net/http"
	"testing"
	"time"

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
	A := e.a.AdminToken
	body := func(expires time.Time) map[string]any {
		return map[string]any{"name": "short-lived", "kind": "admin", "roles": []string{tilgang.RoleUserAdmin}, "expiresAt": expires.Format(time.RFC3339Nano)}
	}

	wantProblem(t, e.do(A, "POST", "/tokens", body(time.Now().Add(-time.Minute))), http.StatusBadRequest, "token.expiry_past", "expiresAt")

	expires := time.Now().Add(3 * time.Second).UTC().Truncate(time.Millisecond)
	r := e.do(A, "POST", "/tokens", body(expires))
	wantStatus(t, r, http.StatusCreated)
	short := decode[tokenUseJSON](t, r)
	if short.ExpiresAt == nil || !short.ExpiresAt.Equal(expires) {
		t.Fatalf("created token expires %v, want %v", short.ExpiresAt, expires)
	}
	if got := e.listedToken(short.ID); got.ExpiresAt == nil || !got.ExpiresAt.Equal(expires) || got.LastUsedAt != nil {
		t.Fatalf("listed before use: expires %v, last used %v", got.ExpiresAt, got.LastUsedAt)
	}

	before := time.Now().Add(-time.Second)
	wantStatus(t, e.do(short.Token, "GET", "/users", nil), http.StatusOK)
	used := e.listedToken(short.ID).LastUsedAt
	if used == nil || used.Before(before.Truncate(time.Second)) || used.After(time.Now()) {
		t.Fatalf("last used %v after a use at %v", used, before)
	}
	time.Sleep(1100 * time.Millisecond) // the next use falls in another second
	wantStatus(t, e.do(short.Token, "GET", "/users", nil), http.StatusOK)
	if again := e.listedToken(short.ID).LastUsedAt; again == nil || !again.Equal(*used) {
		t.Errorf("last used moved from %v to %v within the hour: a write per request", used, again)
	}

	time.Sleep(time.Until(expires) + 100*time.Millisecond)
	expired := e.do(short.Token, "GET", "/users", nil)
	unknown := e.do("tlg_admin_"+"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "GET", "/users", nil)
	wantProblem(t, expired, http.StatusUnauthorized, "token.invalid", "")
	if string(expired.body) != string(unknown.body) || expired.StatusCode != unknown.StatusCode {
		t.Errorf("an expired token answers %d %s, an unknown one %d %s", expired.StatusCode, expired.body, unknown.StatusCode, unknown.body)
	}
}
