package mail_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/mail"
	"github.com/tilgang/tilgang/internal/secret"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// TestActivationMail creates a user the way the admin API does and feeds
// the mailer the outbox record from the table's stream: SES gets one
// message in the organisation's language with the link to the user's
// activation and its expiry date, and the item is marked sent.
func TestActivationMail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		lang                  string
		subject, text, expiry string
	}{
		{"da", "Aktivér din bruger hos Bager Hansen ApS", "Kære Anna Hansen,", "Linket udløber den "},
		{"en", "Activate your user at Bager Hansen ApS", "Dear Anna Hansen,", "The link expires on "},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tt.lang)
			to := address()
			u := e.createUser(to)
			rec := e.record()
			if n := handle(t, context.Background(), e.mailer(), batch(rec)); n != 0 {
				t.Fatalf("%d records failed", n)
			}

			got := mailTo(t, to)
			if len(got) != 1 {
				t.Fatalf("SES has %d messages to the user, want 1", len(got))
			}
			msg := got[0]
			token, err := testenv.Links(t).Token(secret.Link{Kind: secret.LinkActivation, OrgID: u.OrgID, ID: u.ID, Nonce: u.Activation.LinkID})
			if err != nil {
				t.Fatal(err)
			}
			link := baseURL + "/activate/" + token
			date := u.Activation.ExpiresAt.In(tilgang.Copenhagen())
			if msg.From != from || !slices.Equal(msg.Destination.To, []string{to}) || msg.Subject != tt.subject {
				t.Errorf("message from %q to %v about %q", msg.From, msg.Destination.To, msg.Subject)
			}
			for _, want := range []string{tt.text, link, tt.expiry, date.Format("2006")} {
				if !strings.Contains(msg.Body.Text, want) || !strings.Contains(msg.Body.HTML, want) {
					t.Errorf("a part lacks %q:\n%s\n%s", want, msg.Body.Text, msg.Body.HTML)
				}
			}
			if !strings.Contains(msg.Body.HTML, `<html lang="`+tt.lang+`">`) || !strings.Contains(msg.Body.HTML, `<a href="`+link+`"`) {
				t.Errorf("HTML lacks its language or the button:\n%s", msg.Body.HTML)
			}
			if !slices.ContainsFunc(msg.Headers, func(h header) bool { return h.Name == "Auto-Submitted" }) {
				t.Errorf("headers = %v, want Auto-Submitted", msg.Headers)
			}
			it := e.outbox(rec)
			if it.Status != store.OutboxSent || it.MessageID != msg.MessageID || it.DoneAt.IsZero() || it.Attempts != 1 {
				t.Errorf("outbox item = %+v, want sent as %s", it, msg.MessageID)
			}
		})
	}
}

// TestSentOnce delivers one record again, and five times at once to five
// mailers (as five Lambda instances would): one mail, and no record is
// reported failed.
func TestSentOnce(t *testing.T) {
	t.Parallel()
	t.Run("again", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, "da")
		to := address()
		e.createUser(to)
		rec := e.record()
		m := e.mailer()
		for i := range 3 {
			if n := handle(t, context.Background(), m, batch(rec)); n != 0 {
				t.Fatalf("delivery %d: %d records failed", i+1, n)
			}
		}
		if got := mailTo(t, to); len(got) != 1 {
			t.Errorf("SES has %d messages, want 1", len(got))
		}
	})
	t.Run("concurrently", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, "da")
		to := address()
		e.createUser(to)
		rec := e.record()
		var wg sync.WaitGroup
		failed := make([]int, 5)
		for i := range failed {
			m := e.mailer()
			wg.Go(func() { failed[i] = handle(t, context.Background(), m, batch(rec)) })
		}
		wg.Wait()
		if slices.Max(failed) != 0 {
			t.Errorf("failed records per delivery = %v, want none: the others wait for the one that sends", failed)
		}
		if got := mailTo(t, to); len(got) != 1 {
			t.Errorf("SES has %d messages, want 1", len(got))
		}
		if it := e.outbox(rec); it.Status != store.OutboxSent {
			t.Errorf("status = %s, want sent", it.Status)
		}
	})
}

// TestBatchReportsOnlyFailedRecords sends a batch of three in which one
// mail cannot be sent for now: only its record is reported, by sequence
// number, and the others are sent.
func TestBatchReportsOnlyFailedRecords(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "da")
	addrs := []string{address(), address(), address()}
	for _, a := range addrs {
		e.createUser(a)
	}
	recs := e.records(3)
	// The middle record's item is claimed by a live delivery elsewhere,
	// and this invocation has no time to wait for it.
	busy := recs[1]
	e.claimElsewhere(busy)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second+500*time.Millisecond)
	defer cancel()
	resp, err := e.mailer().Handle(ctx, batch(recs...))
	if err != nil {
		t.Fatal(err)
	}
	want := []events.DynamoDBBatchItemFailure{{ItemIdentifier: busy.Change.SequenceNumber}}
	if !slices.Equal(resp.BatchItemFailures, want) {
		t.Errorf("failures = %v, want %v", resp.BatchItemFailures, want)
	}
	for i, a := range addrs {
		want := 1
		if i == 1 {
			want = 0
		}
		if n := len(mailTo(t, a)); n != want {
			t.Errorf("record %d: %d messages, want %d", i, n, want)
		}
	}
}

// TestCrashAfterSESTookTheMail cuts the mailer off DynamoDB right after
// SES accepted the mail, before it is marked sent: the crash window of the
// package comment. The record is reported failed; a redelivery while the
// claim lives sends nothing; a redelivery after the claim expired sends
// the mail a second time. That duplicate is the documented limit of at
// most once without an idempotency token in SendEmail.
func TestCrashAfterSESTookTheMail(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "da")
	to := address()
	e.createUser(to)
	rec := e.record()

	crashing := e.crashingMailer(t)
	if n := handle(t, context.Background(), crashing, batch(rec)); n != 1 {
		t.Fatalf("%d records failed, want 1: the item could not be marked sent", n)
	}
	if got := mailTo(t, to); len(got) != 1 {
		t.Fatalf("SES has %d messages, want 1", len(got))
	}
	if it := e.outbox(rec); it.Status != store.OutboxSending {
		t.Fatalf("status = %s, want sending (claimed, never marked)", it.Status)
	}

	// Redelivered while the claim lives: the mailer waits for the claim
	// until its invocation runs short of time, sends nothing, and asks for
	// the record again.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second+300*time.Millisecond)
	defer cancel()
	if n := handle(t, ctx, e.mailer(), batch(rec)); n != 1 {
		t.Errorf("redelivery within the claim: %d records failed, want 1", n)
	}
	if got := mailTo(t, to); len(got) != 1 {
		t.Errorf("after a redelivery within the claim SES has %d messages, want 1", len(got))
	}

	// Redelivered after the claim expired: the mailer cannot know that SES
	// took the mail, and sends it again.
	later := e.mailer(func(p *mailerParts) { p.cfg.Now = func() time.Time { return time.Now().Add(2 * time.Minute) } })
	if n := handle(t, context.Background(), later, batch(rec)); n != 0 {
		t.Errorf("redelivery after the claim: %d records failed", n)
	}
	if got := mailTo(t, to); len(got) != 2 {
		t.Errorf("after the claim expired SES has %d messages, want 2 (the documented duplicate)", len(got))
	}
	if it := e.outbox(rec); it.Status != store.OutboxSent || it.Attempts != 2 {
		t.Errorf("outbox item = %+v, want sent after 2 claims", it)
	}
}

// TestNothingToSend: mail for a user who is gone or no longer waits for
// activation is skipped, without a send and without a retry.
func TestNothingToSend(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(t *testing.T, e *env, u *tilgang.User)
		reason string
	}{
		{"user deleted", func(t *testing.T, e *env, u *tilgang.User) {
			if err := e.users.Delete(context.Background(), tilgang.Actor{Name: "test", Source: "admin"}, u); err != nil {
				t.Fatal(err)
			}
		}, "user.gone"},
		{"user activated", func(t *testing.T, e *env, u *tilgang.User) {
			v := u.Clone()
			v.Status, v.Activation = tilgang.StatusActive, nil
			if err := e.st.UpdateUser(context.Background(), u, v, tilgang.Change{Activity: tilgang.Activity{Actor: u.ID, Action: "user.activated", Source: "web"}}); err != nil {
				t.Fatal(err)
			}
		}, "user.not_pending_activation"},
		{"organisation unknown", nil, "organisation.gone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, "da")
			to := address()
			if tt.change != nil {
				u := e.createUser(to)
				tt.change(t, e, u)
			} else {
				e.createWithMail(&tilgang.User{Email: to, Status: tilgang.StatusPendingActivation},
					tilgang.Mail{Kind: tilgang.MailActivation})
			}
			rec := e.record()
			if tt.change == nil {
				// The mail names an organisation that does not exist.
				if _, err := e.db.UpdateItem(context.Background(), updateOrg(e.table, rec.Change.NewImage["id"].String())); err != nil {
					t.Fatal(err)
				}
			}
			if n := handle(t, context.Background(), e.mailer(), batch(rec)); n != 0 {
				t.Fatalf("%d records failed", n)
			}
			if got := mailTo(t, to); len(got) != 0 {
				t.Errorf("SES has %d messages, want none", len(got))
			}
			if it := e.outbox(rec); it.Status != store.OutboxSkipped || it.Reason != tt.reason {
				t.Errorf("outbox item = %s (%s), want skipped (%s)", it.Status, it.Reason, tt.reason)
			}
		})
	}
}

// TestPermanentFailure: a mail that can never be sent is marked failed,
// not retried, and shows in the user's history as "mail.failed" with the
// kind of mail but without the address.
func TestPermanentFailure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		email  string                        // the user's address; "" for a fresh valid one
		ses    []sesError                    // SES's answers before the emulator's
		change func(*mailerParts, *sesProxy) // the mailer's parts
		reason string
		sends  int32 // requests SES sees
	}{
		{name: "no usable address", email: "anna.hansen@firma", reason: "address.invalid"},
		{name: "SES rejects the message", ses: []sesError{{400, "MessageRejected"}}, reason: "ses.MessageRejected", sends: 1},
		{name: "sender not verified", ses: []sesError{{400, "MailFromDomainNotVerifiedException"}}, reason: "ses.MailFromDomainNotVerifiedException", sends: 1},
		{name: "the emulator refuses a request without sender", reason: "ses.http.400", sends: 1,
			change: func(p *mailerParts, _ *sesProxy) { p.cfg.From = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, "da")
			to := tt.email
			var u *tilgang.User
			if to == "" {
				to = address()
				u = e.createUser(to)
			} else {
				u = &tilgang.User{Email: to, Status: tilgang.StatusPendingActivation,
					Activation: &tilgang.Activation{LinkID: secret.NewNonce(), IssuedAt: time.Now(), ExpiresAt: time.Now().Add(tilgang.ActivationValidity)}}
				e.createWithMail(u, tilgang.Mail{Kind: tilgang.MailActivation})
			}
			rec := e.record()
			proxy := newSESProxy(t, tt.ses...)
			m := e.mailer(func(p *mailerParts) {
				p.ses = proxy.client(e.cfg)
				if tt.change != nil {
					tt.change(p, proxy)
				}
			})
			if n := handle(t, context.Background(), m, batch(rec)); n != 0 {
				t.Fatalf("%d records failed, want none: a permanent failure is not retried", n)
			}
			if got := proxy.requests.Load(); got != tt.sends {
				t.Errorf("SES saw %d requests, want %d", got, tt.sends)
			}
			if got := mailTo(t, to); len(got) != 0 {
				t.Errorf("SES has %d messages, want none", len(got))
			}
			it := e.outbox(rec)
			if it.Status != store.OutboxFailed || it.Reason != tt.reason {
				t.Errorf("outbox item = %s (%s), want failed (%s)", it.Status, it.Reason, tt.reason)
			}
			hist, err := e.st.History(context.Background(), e.org.ID, u.ID, store.HistoryQuery{})
			if err != nil {
				t.Fatal(err)
			}
			if len(hist) == 0 || hist[0].Action != "mail.failed" || !slices.Equal(hist[0].Fields, []string{tilgang.MailActivation}) || hist[0].Source != "mailer" {
				t.Fatalf("newest history entry = %+v, want mail.failed of the activation", hist)
			}
			for _, a := range hist {
				if strings.Contains(strings.Join(append(a.Fields, a.Actor, a.Action), " "), "@") {
					t.Errorf("history entry %+v holds an address", a)
				}
			}

			// Delivered again: nothing changes.
			if n := handle(t, context.Background(), m, batch(rec)); n != 0 {
				t.Errorf("redelivery: %d records failed", n)
			}
			if got := proxy.requests.Load(); got != tt.sends {
				t.Errorf("after a redelivery SES saw %d requests, want %d", got, tt.sends)
			}
		})
	}
}

// TestThrottlingIsRetried: SES's "slow down" answers are retried with
// backoff inside one delivery, and the mail goes once.
func TestThrottlingIsRetried(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		script []sesError
	}{
		{"TooManyRequestsException", []sesError{{429, "TooManyRequestsException"}, {429, "TooManyRequestsException"}}},
		{"LimitExceededException", []sesError{{400, "LimitExceededException"}}},
		{"server error", []sesError{{503, "ServiceUnavailable"}, {500, "InternalFailure"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, "da")
			to := address()
			e.createUser(to)
			rec := e.record()
			proxy := newSESProxy(t, tt.script...)
			m := e.mailer(func(p *mailerParts) { p.ses = proxy.client(e.cfg) })
			if n := handle(t, context.Background(), m, batch(rec)); n != 0 {
				t.Fatalf("%d records failed", n)
			}
			if got, want := proxy.requests.Load(), int32(len(tt.script)+1); got != want {
				t.Errorf("SES saw %d requests, want %d", got, want)
			}
			if got := mailTo(t, to); len(got) != 1 {
				t.Errorf("SES has %d messages, want 1", len(got))
			}
			if it := e.outbox(rec); it.Status != store.OutboxSent {
				t.Errorf("status = %s, want sent", it.Status)
			}
		})
	}
}

// TestUnreachableSESReleasesTheItem: when every attempt fails without SES
// taking the mail, the record is reported for retry and the item is
// pending again, so the next delivery sends at once.
func TestUnreachableSESReleasesTheItem(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "da")
	to := address()
	e.createUser(to)
	rec := e.record()
	proxy := newSESProxy(t, sesError{503, "ServiceUnavailable"}, sesError{429, "TooManyRequestsException"})
	m := e.mailer(func(p *mailerParts) { p.ses, p.cfg.SendAttempts = proxy.client(e.cfg), 2 })
	if n := handle(t, context.Background(), m, batch(rec)); n != 1 {
		t.Fatalf("%d records failed, want 1", n)
	}
	if it := e.outbox(rec); it.Status != store.OutboxPending {
		t.Fatalf("status = %s, want pending again", it.Status)
	}
	if n := handle(t, context.Background(), m, batch(rec)); n != 0 {
		t.Fatalf("redelivery: %d records failed", n)
	}
	if got := mailTo(t, to); len(got) != 1 {
		t.Errorf("SES has %d messages, want 1", len(got))
	}
}

// TestInvitationKinds: until a Lookup exists the invitation kinds fail as
// not supported, with no history (they are to no user); with one, they are
// sent to its addresses with its data, in the invitee's language, or
// skipped when it says so.
func TestInvitationKinds(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "da")
	unsupported, invitee, approved := address(), address(), address()
	e.createWithMail(&tilgang.User{Email: address(), FirstName: "Bo", LastName: "Jensen", Status: tilgang.StatusActive},
		// An outbox item holds no address of an invitee (the store refuses
		// one): the look-up reads it, here from the invitation id.
		tilgang.Mail{Kind: tilgang.MailInvitation, InvitationID: unsupported, Language: "en"},
		tilgang.Mail{Kind: tilgang.MailInvitation, InvitationID: invitee, Language: "en"},
		tilgang.Mail{Kind: tilgang.MailApprovalDone, InvitationID: approved},
	)
	recs := e.records(3)
	to := func(addr string) events.DynamoDBEventRecord {
		i := slices.IndexFunc(recs, func(r events.DynamoDBEventRecord) bool {
			return r.Change.NewImage["invitationId"].String() == addr
		})
		if i < 0 {
			t.Fatalf("no record of mail to %s", addr)
		}
		return recs[i]
	}

	if n := handle(t, context.Background(), e.mailer(), batch(to(unsupported))); n != 0 {
		t.Fatalf("%d records failed", n)
	}
	if it := e.outbox(to(unsupported)); it.Status != store.OutboxFailed || it.Reason != "kind.unsupported" {
		t.Errorf("without a look-up: %s (%s), want failed (kind.unsupported)", it.Status, it.Reason)
	}

	lookup := func(_ context.Context, org *tilgang.Organisation, m tilgang.Mail) (mail.Recipient, error) {
		if m.Kind == tilgang.MailApprovalDone {
			return mail.Recipient{}, mail.Skip("invitation.revoked")
		}
		return mail.Recipient{To: []string{m.InvitationID}, Data: mail.Data{InviterName: "Bo Jensen", Role: "user-admin",
			Link: baseURL + "/invitations/TOKEN", Expires: time.Date(2026, 12, 26, 12, 0, 0, 0, time.UTC)}}, nil
	}
	m := e.mailer(func(p *mailerParts) { p.cfg.Lookup = lookup })
	if n := handle(t, context.Background(), m, batch(to(invitee), to(approved))); n != 0 {
		t.Fatalf("%d records failed", n)
	}
	got := mailTo(t, invitee)
	if len(got) != 1 {
		t.Fatalf("SES has %d messages to the invitee, want 1", len(got))
	}
	if got[0].Subject != "\u201cBo Jensen\u201d invites you to Bager Hansen ApS" || !strings.Contains(got[0].Body.Text, "26 December 2026") ||
		!strings.Contains(got[0].Body.Text, baseURL+"/invitations/TOKEN") {
		t.Errorf("invitation = %q\n%s", got[0].Subject, got[0].Body.Text)
	}
	if it := e.outbox(to(approved)); it.Status != store.OutboxSkipped || it.Reason != "invitation.revoked" {
		t.Errorf("approval mail: %s (%s), want skipped (invitation.revoked)", it.Status, it.Reason)
	}
	if n := len(mailTo(t, unsupported)) + len(mailTo(t, approved)); n != 0 {
		t.Errorf("%d messages to addresses that should get none", n)
	}
}

// TestUnknownKindFails: a kind the mailer has no template for is failed,
// not retried forever.
func TestUnknownKindFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "da")
	e.createWithMail(&tilgang.User{Email: address(), Status: tilgang.StatusActive},
		tilgang.Mail{Kind: "newsletter", To: []string{address()}})
	rec := e.record()
	if n := handle(t, context.Background(), e.mailer(), batch(rec)); n != 0 {
		t.Fatalf("%d records failed", n)
	}
	if it := e.outbox(rec); it.Status != store.OutboxFailed || it.Reason != "kind.unknown" {
		t.Errorf("outbox item = %s (%s), want failed (kind.unknown)", it.Status, it.Reason)
	}
}

// TestForeignRecordsAreIgnored: records that are not outbox inserts do not
// fail the batch (the stream filter lets none through).
func TestForeignRecordsAreIgnored(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "da")
	recs := []events.DynamoDBEventRecord{
		{EventName: "MODIFY", Change: events.DynamoDBStreamRecord{SequenceNumber: "1", NewImage: map[string]events.DynamoDBAttributeValue{
			"type": events.NewStringAttribute(store.OutboxType), "id": events.NewStringAttribute("x")}}},
		{EventName: "INSERT", Change: events.DynamoDBStreamRecord{SequenceNumber: "2", NewImage: map[string]events.DynamoDBAttributeValue{
			"type": events.NewStringAttribute("user"), "id": events.NewStringAttribute("x")}}},
		{EventName: "INSERT", Change: events.DynamoDBStreamRecord{SequenceNumber: "3", NewImage: map[string]events.DynamoDBAttributeValue{
			"type": events.NewStringAttribute(store.OutboxType), "id": events.NewNumberAttribute("7")}}},
		{EventName: "INSERT", Change: events.DynamoDBStreamRecord{SequenceNumber: "4", NewImage: map[string]events.DynamoDBAttributeValue{
			"type": events.NewStringAttribute(store.OutboxType), "id": events.NewStringAttribute("019abfad-5880-7c3e-8f21-6a9b0c1d2e3f")}}},
	}
	if n := handle(t, context.Background(), e.mailer(), batch(recs...)); n != 0 {
		t.Errorf("%d records failed, want none", n)
	}
}

func updateOrg(table, id string) *dynamodb.UpdateItemInput {
	return &dynamodb.UpdateItemInput{
		TableName: aws.String(table), Key: outboxKey(id),
		UpdateExpression:          aws.String("SET orgId = :o"),
		ExpressionAttributeValues: map[string]dbtypes.AttributeValue{":o": &dbtypes.AttributeValueMemberS{Value: "00000000-0000-0000-0000-000000000000"}},
	}
}

func outboxKey(id string) map[string]dbtypes.AttributeValue {
	return map[string]dbtypes.AttributeValue{
		"PK": &dbtypes.AttributeValueMemberS{Value: "OUTBOX#" + id},
		"SK": &dbtypes.AttributeValueMemberS{Value: "OUTBOX"},
	}
}
