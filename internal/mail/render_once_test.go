package mail

import (
	"sync"
	"testing"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// TestRendererParsesOnce: a new renderer parses nothing (the mailer's cold
// start does not pay for every kind in every language); the first render
// of a kind in a language parses its templates, and every later one, also
// at once from many goroutines, uses them.
func TestRendererParsesOnce(t *testing.T) {
	t.Parallel()
	r := newRenderer(kindNames())
	if r.parses != 0 {
		t.Fatalf("a new renderer parsed %d times", r.parses)
	}
	d := goldenData()[tilgang.MailInvitation]
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := r.render(tilgang.MailInvitation, "da", d); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if r.parses != 1 {
		t.Errorf("8 renders of one kind and language parsed %d times, want 1", r.parses)
	}
	if _, err := r.render(tilgang.MailInvitation, "en", d); err != nil {
		t.Fatal(err)
	}
	if _, err := r.render("no-such-kind", "da", d); err == nil {
		t.Error("an unknown kind rendered")
	}
	if _, err := r.render(tilgang.MailInvitation, "xx", d); err == nil {
		t.Error("an unknown language rendered")
	}
	if r.parses != 2 {
		t.Errorf("after a second language and two unknown: %d parses, want 2", r.parses)
	}
}
