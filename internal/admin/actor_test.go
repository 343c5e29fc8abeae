package admin_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

type byJSON struct {
	Kind     string  `json:"kind"`
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Email    string  `json:"email"`
	File     string  `json:"file"`
	Uploader *byJSON `json:"uploader"`
}

type byHistory struct {
	Items []struct {
		Actor  string `json:"actor"`
		Action string `json:"action"`
		By     byJSON `json:"by"`
	} `json:"items"`
}

// TestHistoryNamesTheActor: history says which token did a thing, by name
// and id, so that two tokens of one organisation are told apart (SPEC §9);
// the user on its own page is the user; an entry written before actors
// were stored still reads, with the kind its source implies.
func TestHistoryNamesTheActor(t *testing.T) {
	t.Parallel()
	e := newLifecycleEnv(t)
	ci := e.newToken(e.a.AdminToken, "admin", tilgang.RoleUserAdmin)
	r := e.do(ci.Token, "POST", "/users", cprUser("anna@example.dk"))
	wantStatus(t, r, http.StatusCreated)
	anna := decode[userJSON](t, r)
	e.activate(anna.ID, annaCPR)
	old := tilgang.Activity{Actor: "admin token initial admin token", Source: "admin", Action: "user.updated", Fields: []string{"phone"}}
	if err := e.store.AddActivity(context.Background(), e.orgA.ID, anna.ID, old); err != nil {
		t.Fatal(err)
	}

	r = e.do(e.a.AdminToken, "GET", "/users/"+anna.ID+"/history?sort=time", nil)
	wantStatus(t, r, http.StatusOK)
	h := decode[byHistory](t, r)
	if len(h.Items) != 3 {
		t.Fatalf("history: %s", r.body)
	}
	want := []byJSON{
		{Kind: "token", ID: ci.ID, Name: ci.Name},
		{Kind: "user"},
		{Kind: "token", Name: "initial admin token"},
	}
	for i, w := range want {
		if got := h.Items[i].By; got.Kind != w.Kind || got.ID != w.ID || got.Name != w.Name || got.Uploader != nil {
			t.Errorf("entry %d (%s) by %+v; want %+v", i, h.Items[i].Action, got, w)
		}
	}
	if h.Items[0].Actor != "admin token "+ci.Name {
		t.Errorf("the label of a token's entry: %q", h.Items[0].Actor)
	}

	// The organisation's history names the actor the same way, and finds
	// it by the token's name.
	r = e.do(e.a.AdminToken, "GET", "/history?q="+url.QueryEscape(ci.Name), nil)
	wantStatus(t, r, http.StatusOK)
	if h := decode[byHistory](t, r); len(h.Items) != 1 || h.Items[0].By.ID != ci.ID {
		t.Errorf("organisation history: %s", r.body)
	}

	// A filter by the kind of actor finds old entries by their source.
	for kind, want := range map[string]int{"token": 2, "user": 1, "person": 0, "scim": 0} {
		r = e.do(e.a.AdminToken, "GET", "/history?actorKind="+kind, nil)
		wantStatus(t, r, http.StatusOK)
		if h := decode[byHistory](t, r); len(h.Items) != want {
			t.Errorf("actorKind=%s: %s", kind, r.body)
		}
	}
	r = e.do(e.a.AdminToken, "GET", "/history?actorKind=token&q=initial", nil)
	if h := decode[byHistory](t, r); len(h.Items) != 1 || h.Items[0].Action != "user.updated" {
		t.Errorf("actorKind and q: %s", r.body)
	}
	wantProblem(t, e.do(e.a.AdminToken, "GET", "/history?actorKind=robot", nil), http.StatusBadRequest, "actor_kind.invalid", "actorKind")
}

// TestImportNamesItsUploader: the rows of an uploaded file are by the
// import, which names its file and the token that uploaded it, and the
// import itself names its uploader.
func TestImportNamesItsUploader(t *testing.T) {
	t.Parallel()
	e := newUploadEnv(t)
	uploader := e.newToken(e.a.AdminToken, "admin", tilgang.RoleUserAdmin)
	file := []byte("Aktion;Fornavn;Efternavn;CPR;Email;TargetIAL;EAN;P-nummer;SE-nummer\r\n" +
		"C;Anna;Hansen;0101901234;anna@example.dk;3;" + eanA + ";" + pA1 + ";" + seA + "\r\n")
	r := e.do(uploader.Token, "POST", "/imports", map[string]any{"contentLength": len(file), "fileName": "uge48.csv"})
	wantStatus(t, r, http.StatusCreated)
	g := decode[uploadGrant](t, r)
	if status, body := e.put(g, file); status != http.StatusOK {
		t.Fatalf("PUT: %d %s", status, body)
	}
	if err := e.h.Handle(context.Background(), testenv.Created(t, e.s3, e.bucket, g.Key)); err != nil {
		t.Fatal(err)
	}

	r = e.do(e.a.AdminToken, "GET", "/imports/"+g.ID, nil)
	wantStatus(t, r, http.StatusOK)
	rec := decode[struct {
		Uploader byJSON `json:"uploader"`
	}](t, r)
	if u := rec.Uploader; u.Kind != "token" || u.ID != uploader.ID || u.Name != uploader.Name {
		t.Errorf("import's uploader: %s", r.body)
	}

	r = e.do(e.a.AdminToken, "GET", "/history", nil)
	wantStatus(t, r, http.StatusOK)
	h := decode[byHistory](t, r)
	if len(h.Items) != 1 {
		t.Fatalf("history: %s", r.body)
	}
	by := h.Items[0].By
	if by.Kind != "import" || by.ID != g.ID || by.File != "uge48.csv" || by.Uploader == nil ||
		by.Uploader.Kind != "token" || by.Uploader.ID != uploader.ID || by.Uploader.Name != uploader.Name {
		t.Errorf("an import row's entry by %s", r.body)
	}
	if bytes.Contains(r.body, []byte("0101901234")) {
		t.Errorf("history shows the CPR number: %s", r.body)
	}
}
