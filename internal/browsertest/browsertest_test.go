package browsertest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tilgang/tilgang/internal/browsertest"
)

func TestFindHonoursChromePath(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "my-chrome")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(browsertest.EnvChromePath, fake)
	got, err := browsertest.Find()
	if err != nil || got != fake {
		t.Fatalf("Find() = %q, %v; want %q", got, err, fake)
	}

	t.Setenv(browsertest.EnvChromePath, filepath.Join(dir, "missing"))
	if _, err := browsertest.Find(); err == nil || !strings.Contains(err.Error(), browsertest.EnvChromePath) {
		t.Fatalf("Find() with a missing CHROME_PATH: %v; want an error naming %s", err, browsertest.EnvChromePath)
	}
}

func TestFindSaysWhatToInstall(t *testing.T) {
	t.Setenv(browsertest.EnvChromePath, "")
	t.Setenv("PATH", t.TempDir())
	_, err := browsertest.Find()
	if err != browsertest.ErrNoBrowser || !strings.Contains(err.Error(), "apt-get install chromium") {
		t.Fatalf("Find() on an empty PATH: %v; want ErrNoBrowser saying what to install", err)
	}
}

// TestTabsKeepCookiesApart drives the real browser: a page sets a cookie
// in one tab, and another tab of the same browser does not see it.
func TestTabsKeepCookiesApart(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/set" {
			http.SetCookie(w, &http.Cookie{Name: "k", Value: "v", Path: "/"})
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		ck, _ := r.Cookie("k")
		val := "none"
		if ck != nil {
			val = ck.Value
		}
		_, _ = io.WriteString(w, "<!doctype html><title>"+val+"</title><p>x</p>")
	}))
	t.Cleanup(srv.Close)

	browser := browsertest.Chrome(t)
	one, two := browsertest.Tab(t, browser), browsertest.Tab(t, browser)
	if err := chromedp.Do(one, chromedp.Navigate(srv.URL+"/set"), chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	if title, err := chromedp.Run(one, chromedp.Title()); err != nil || title != "v" {
		t.Fatalf("first tab: title %q, %v; want the cookie's value v", title, err)
	}
	if err := chromedp.Do(two, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	if title, err := chromedp.Run(two, chromedp.Title()); err != nil || title != "none" {
		t.Fatalf("second tab: title %q, %v; want no cookie", title, err)
	}
}
