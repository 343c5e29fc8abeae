// Package browsertest runs tests in a real headless Chromium, driven with
// chromedp over the DevTools protocol.
//
// The browser is found, never downloaded: CHROME_PATH, else chromium,
// chromium-browser, google-chrome or google-chrome-stable on PATH. make test
// installs Chromium with apt-get when it can. A test that needs the browser
// fails, never skips, when there is none: a skipped browser test looks
// green while nothing was tested.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"
)

// EnvChromePath names the browser binary to use instead of searching PATH.
const EnvChromePath = "CHROME_PATH"

// commands are the names the browser goes by on PATH, in the order tried.
var commands = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// ErrNoBrowser means that no Chromium or Chrome was found.
var ErrNoBrowser = errors.New("browsertest: no Chromium found: install it (Debian/Ubuntu: apt-get install chromium; make test does this when it runs as root or with passwordless sudo), or set " + EnvChromePath + " to a Chromium or Chrome binary")

// Find returns the path of the browser: the file CHROME_PATH names, else
// the first of chromium, chromium-browser, google-chrome and
// google-chrome-stable found on PATH.
func Find() (string, error) {
	if p := os.Getenv(EnvChromePath); p != "" {
		path, err := exec.LookPath(p)
		if err != nil {
			return "", fmt.Errorf("browsertest: %s=%s is not an executable: %w", EnvChromePath, p, err)
		}
		return path, nil
	}
	for _, c := range commands {
		if path, err := exec.LookPath(c); err == nil {
			return path, nil
		}
	}
	return "", ErrNoBrowser
}

// Chrome starts a headless browser of its own for t and returns the
// context of its first tab, for chromedp.Run and chromedp.Do. The browser
// stops, and its profile directory goes, when t ends. Chrome fails t when
// no browser is found or it does not start.
func Chrome(t testing.TB) context.Context {
	t.Helper()
	path, err := Find()
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path))
	if os.Geteuid() == 0 {
		// Chromium refuses to run as root with its sandbox on; CI and
		// containers run the tests as root.
		opts = append(opts, chromedp.NoSandbox)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithErrorf(t.Logf))
	t.Cleanup(func() {
		if err := chromedp.Cancel(ctx); err != nil && !errors.Is(err, context.Canceled) {
			t.Logf("browsertest: stop the browser: %v", err)
		}
		cancel()
		cancelAlloc()
	})
	// Start the browser now, so that a browser that cannot start fails here
	// with its reason rather than in the test's first step.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("browsertest: start %s: %v", path, err)
	}
	return ctx
}

// Tab opens a new tab in browser (a context from Chrome) with a cookie jar
// and cache of its own, as in a private window, and returns its context.
// Tabs of one browser run in parallel; the tab closes when t ends.
func Tab(t testing.TB, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("browsertest: open a tab: %v", err)
	}
	return ctx
}
