package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The helpers of page tests driven with the keyboard, checked with
// axe-core and photographed: the console's browser tests use them, and any
// other page's may.

// Do runs the steps in tab and fails t on an error.
func Do(t testing.TB, tab context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(tab, steps...); err != nil {
		t.Fatal(err)
	}
}

// Eval evaluates the JavaScript expression in tab.
func Eval[T any](t testing.TB, tab context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(tab, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// Text returns the trimmed text of the first element css selects.
func Text(t testing.TB, tab context.Context, css string) string {
	t.Helper()
	s, err := chromedp.Run(tab, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("text of %s: %v", css, err)
	}
	return strings.TrimSpace(s)
}

// MaxTabs is how often TabUntil presses Tab before it gives up.
const MaxTabs = 60

// TabUntil presses Tab until the JavaScript condition on the focused
// element holds: the element is reached with the keyboard alone.
func TabUntil(t testing.TB, tab context.Context, cond string) {
	t.Helper()
	for range MaxTabs {
		Do(t, tab, chromedp.KeyEvent(kb.Tab))
		if Eval[bool](t, tab, cond) {
			return
		}
	}
	t.Fatalf("%d presses of Tab never reached %s", MaxTabs, cond)
}

// TabTo presses Tab until the element with the id has focus.
func TabTo(t testing.TB, tab context.Context, id string) {
	t.Helper()
	TabUntil(t, tab, fmt.Sprintf(`document.activeElement && document.activeElement.id === %q`, id))
}

// Type types text into the focused element, key by key.
func Type(t testing.TB, tab context.Context, text string) {
	t.Helper()
	Do(t, tab, chromedp.KeyEvent(text))
}

// Enter presses Enter.
func Enter(t testing.TB, tab context.Context) {
	t.Helper()
	Do(t, tab, chromedp.KeyEvent(kb.Enter))
}

// Root is the repository's root: the nearest folder above the test's that
// holds go.mod.
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("browsertest: no go.mod above the test")
		}
		dir = parent
	}
}

// axeFile is axe-core as npm installs it (infra/emulators/package.json
// pins the version, like the emulators').
const axeFile = "infra/emulators/node_modules/axe-core/axe.min.js"

// Violation is one rule axe-core found broken on a page.
type Violation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any `json:"target"`
	} `json:"nodes"`
}

// Axe runs axe-core (WCAG 2.1 A and AA rules) on the page in tab and fails
// t for every serious or critical violation. The script is evaluated over
// the DevTools protocol, so the page's Content-Security-Policy stays as it
// is.
func Axe(t testing.TB, tab context.Context) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(Root(t), axeFile))
	if err != nil {
		t.Fatalf("browsertest: axe-core is not installed (make emulators): %v", err)
	}
	if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](string(src)+";true")); err != nil {
		t.Fatalf("browsertest: load axe-core: %v", err)
	}
	raw, err := chromedp.Run(tab, chromedp.Evaluate[string](
		`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}).then(r => JSON.stringify(r.violations))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("browsertest: run axe-core: %v", err)
	}
	var vs []Violation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		t.Fatal(err)
	}
	page := Eval[string](t, tab, `location.pathname`)
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			var where []string
			for _, n := range v.Nodes {
				where = append(where, fmt.Sprint(n.Target...))
			}
			t.Errorf("axe-core on %s: %s (%s): %s at %s", page, v.ID, v.Impact, v.Help, strings.Join(where, ", "))
		}
	}
}

// Screenshot saves a PNG of the whole page in tab as
// .local/screenshots/<name>.png under the repository's root.
func Screenshot(t testing.TB, tab context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("browsertest: screenshot %s: %v", name, err)
	}
	dir := filepath.Join(Root(t), ".local", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// VirtualAuthenticator gives tab a virtual platform authenticator that
// holds discoverable credentials and verifies its user at once, as a
// phone or laptop with a passkey does.
func VirtualAuthenticator(t testing.TB, tab context.Context) {
	t.Helper()
	if _, err := chromedp.Call(tab, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		t.Fatalf("browsertest: enable WebAuthn: %v", err)
	}
	if _, err := chromedp.Call(tab, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21,
			Transport: webauthn.AuthenticatorTransportInternal, HasResidentKey: true, HasUserVerification: true,
			IsUserVerified: true, AutomaticPresenceSimulation: true,
		},
	}); err != nil {
		t.Fatalf("browsertest: add a virtual authenticator: %v", err)
	}
}

// Mark marks the document in tab, so that NewPage can tell when another
// has replaced it: a form that posts back to its own address shows a page
// that looks like the old one.
func Mark(t testing.TB, tab context.Context) {
	t.Helper()
	Eval[bool](t, tab, `(window.__browsertestOld = true)`)
}

// NewPage waits until a document without Mark's mark has loaded in tab.
// It waits as long as the test's context lets it, with no clock of its
// own: the machine may be slow.
func NewPage(t testing.TB, tab context.Context) {
	t.Helper()
	for {
		done, err := chromedp.Run(tab, chromedp.Evaluate[bool](`!window.__browsertestOld && document.readyState === "complete"`))
		if err == nil && done {
			return
		}
		if tab.Err() != nil {
			t.Fatalf("browsertest: waiting for the next page: %v", tab.Err())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
