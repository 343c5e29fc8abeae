package mail_test

import (
	"context"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// TestBlockedAddressIsNotMailed: after SES reported a permanent bounce, a
// complaint or suppression for a user's address, the mailer skips the
// user's mail with the state as reason and sends nothing; a report about
// an address the user no longer has, or one that stops nothing, does not
// hold mail back. Every send names the configuration set, which the SES
// emulator takes.
func TestBlockedAddressIsNotMailed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, state string
		old         bool // the report is about an earlier address
		sent        bool
	}{
		{"bounced", tilgang.MailStateBounced, false, false},
		{"complained", tilgang.MailStateComplained, false, false},
		{"suppressed", tilgang.MailStateSuppressed, false, false},
		{"bounced earlier address", tilgang.MailStateBounced, true, true},
		{"soft bounce", tilgang.MailStateSoftBounce, false, true},
		{"delivered", tilgang.MailStateDelivered, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, "da")
			to := address()
			u := e.createUser(to)
			reported := to
			if tc.old {
				reported = address()
			}
			err := e.st.RecordMailState(context.Background(), tilgang.MailTarget{OrgID: u.OrgID, UserID: u.ID},
				tilgang.MailState{State: tc.state, At: time.Now(), Reason: "test", Address: tilgang.AddressHash(reported)})
			if err != nil {
				t.Fatal(err)
			}
			rec := e.record()
			m := e.mailer(func(p *mailerParts) { p.cfg.ConfigurationSet = "tilgang-mail" })
			if n := handle(t, context.Background(), m, batch(rec)); n != 0 {
				t.Fatalf("%d records failed", n)
			}
			it := e.outbox(rec)
			if got := len(mailTo(t, to)); got != map[bool]int{true: 1}[tc.sent] {
				t.Fatalf("SES has %d messages, want sent = %v", got, tc.sent)
			}
			if !tc.sent && (it.Status != store.OutboxSkipped || it.Reason != "address."+tc.state) {
				t.Errorf("item %s %q, want skipped %q", it.Status, it.Reason, "address."+tc.state)
			}
		})
	}
}
