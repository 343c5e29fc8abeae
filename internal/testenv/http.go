package testenv

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tilgang/tilgang/internal/cpr"
	"github.com/tilgang/tilgang/internal/secret"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/users"
)

// Users returns the users service over st, with the test keys and opts.
func Users(t testing.TB, st *store.Store, opts ...users.Option) *users.Service {
	t.Helper()
	vault, err := cpr.NewVault(CPRKey)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := secret.NewCodes(CPRKey)
	if err != nil {
		t.Fatal(err)
	}
	return users.New(st, vault, codes, Links(t), opts...)
}

// Links returns the link-token maker with the test key.
func Links(t testing.TB) *secret.Links {
	t.Helper()
	links, err := secret.NewLinks(CPRKey)
	if err != nil {
		t.Fatal(err)
	}
	return links
}

// Request sends an HTTP request and reads the whole answer. body is sent
// as is when it is a string or []byte and as JSON otherwise, with
// contentType; token, if set, goes in a bearer Authorization header;
// headers are name, value pairs applied last.
func Request(t testing.TB, method, url, token, contentType string, body any, headers ...string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if strings.EqualFold(headers[i], "Host") {
			req.Host = headers[i+1] // the client sends req.Host, not the header
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}
