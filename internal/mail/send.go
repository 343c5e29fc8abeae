package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/tilgang/tilgang/internal/metrics"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// input is the SendEmail request of a rendered message: simple content
// with a plain-text and an HTML part, both UTF-8.
//
// Every mail goes through the configuration set, when one is configured,
// whose event destination reports bounces, complaints, rejects and
// deliveries; its tags name the mail's target (tags).
func (m *Mailer) input(mail tilgang.Mail, to []string, msg message) *sesv2.SendEmailInput {
	content := func(s string) *types.Content {
		return &types.Content{Data: aws.String(s), Charset: aws.String("UTF-8")}
	}
	var configSet *string
	if m.configSet != "" {
		configSet = aws.String(m.configSet)
	}
	return &sesv2.SendEmailInput{
		ConfigurationSetName: configSet,
		EmailTags:            tags(mail),
		FromEmailAddress:     aws.String(m.from),
		Destination:          &types.Destination{ToAddresses: to},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: content(msg.Subject),
			Body:    &types.Body{Text: content(msg.Text), Html: content(msg.HTML)},
			// RFC 3834: out-of-office replies and the like should not
			// answer a machine.
			Headers: []types.MessageHeader{{Name: aws.String("Auto-Submitted"), Value: aws.String("auto-generated")}},
		}},
	}
}

// send builds and sends the mail of j, and hands it to the marker if SES
// took it; otherwise it settles or releases the item.
func (b *batch) send(ctx context.Context, j *job) {
	m := b.m
	to, msg, err := m.build(ctx, j.users, j.states, j.mail)
	if err != nil {
		b.settle(ctx, j, err)
		return
	}
	sendCtx, cancel := context.WithDeadline(ctx, j.claimed.Add(m.claimFor/2)) // a send never outlives its claim
	defer cancel()
	if err := m.limiter.Wait(sendCtx); err != nil {
		b.release(ctx, j.claim, fmt.Errorf("mail: wait for the send rate: %w", err), j.i)
		return
	}
	out, err := m.ses.SendEmail(sendCtx, m.input(j.mail, to, msg), func(o *sesv2.Options) { o.Retryer = m.retryer })
	if err != nil {
		if permanent(err) {
			b.settle(ctx, j, &outcome{fail: true, reason: "ses." + errorCode(err)})
		} else {
			b.release(ctx, j.claim, sendError(err), j.i)
		}
		return
	}
	j.messageID = aws.ToString(out.MessageId)
	metrics.Add(ctx, metrics.MailsSent, 1)
	b.sent <- j
}

// settle ends the delivery of j, which will not send, after err: an
// outcome marks the item skipped or failed (with a history entry on the
// user); any other error gives the item back for a later delivery.
func (b *batch) settle(ctx context.Context, j *job, err error) {
	m, mail := b.m, j.mail
	var o *outcome
	if !errors.As(err, &o) {
		b.release(ctx, j.claim, err, j.i)
		return
	}
	attrs := []any{slog.String("outbox", mail.ID), slog.String("kind", mail.Kind), slog.String("reason", o.reason)}
	if o.err != nil {
		attrs = append(attrs, slog.Any("error", o.err))
	}
	now := m.now()
	if !o.fail {
		m.log.InfoContext(ctx, "mail skipped", attrs...)
		err = m.store.MarkOutboxSkipped(ctx, mail.ID, j.claim, o.reason, now)
	} else {
		m.log.WarnContext(ctx, "mail failed for good", attrs...)
		metrics.Add(ctx, metrics.MailsFailed, 1)
		err = m.store.MarkOutboxFailed(ctx, mail, j.claim, o.reason, &tilgang.Activity{
			At: now, Actor: "mailer", Action: "mail.failed", Fields: []string{mail.Kind}, Source: "mailer",
		}, now)
	}
	if !errors.Is(err, store.ErrClaimLost) { // lost: another delivery holds the item now and decides
		b.errs[j.i] = err
	}
}

// release gives back the items at (indexes in the batch), which claim held
// or may hold, after cause, so that the next delivery need not wait for the
// claim to expire; their records are to be delivered again. An item that
// claim does not hold is left as it is; one whose release fails is freed
// when the claim expires. The releases run even when the invocation's
// context ends, and share one markTimeout.
func (b *batch) release(ctx context.Context, claim string, cause error, at ...int) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
	defer cancel()
	for _, i := range at {
		b.errs[i] = cause
		if err := b.m.store.ReleaseOutbox(ctx, b.ids[i], claim); err != nil && !errors.Is(err, store.ErrClaimLost) {
			b.errs[i] = errors.Join(cause, err)
		}
	}
}

// mark marks sent the mails that SES took, as many at once as came while
// it wrote the last mark, until the workers are done.
func (b *batch) mark(ctx context.Context) {
	for j := range b.sent {
		group := []*job{j}
	more:
		for len(group) < store.MaxOutboxBatch {
			select {
			case j, ok := <-b.sent:
				if !ok {
					break more
				}
				group = append(group, j)
			default:
				break more
			}
		}
		b.markGroup(ctx, group)
	}
}

// markGroup marks the mails of group sent: in one transaction when there
// are several, else, or when the transaction fails, one by one. The marks
// run even when the invocation's context ends: SES has taken the mails,
// and an unmarked item would be sent again.
func (b *batch) markGroup(ctx context.Context, group []*job) {
	m := b.m
	markCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
	defer cancel()
	at := m.now()
	var errs []error
	if len(group) > 1 {
		sent := make([]store.SentOutbox, len(group))
		for k, j := range group {
			sent[k] = store.SentOutbox{ID: j.mail.ID, Claim: j.claim, MessageID: j.messageID}
		}
		var err error
		if errs, err = m.store.MarkOutboxesSent(markCtx, sent, at); err != nil {
			// Whether or not the transaction was written, marking the items
			// one by one ends right: a mark by the claim that marked an item
			// sent already succeeds.
			m.log.WarnContext(ctx, "mails not marked sent at once; marking them one by one", slog.Int("mails", len(group)), slog.Any("error", err))
			errs = nil
		}
	}
	if errs == nil {
		errs = make([]error, len(group))
		for k, j := range group {
			errs[k] = m.store.MarkOutboxSent(markCtx, j.mail.ID, j.claim, j.messageID, at)
		}
	}
	for k, j := range group {
		b.marked(ctx, j, errs[k])
	}
}

// marked ends the delivery of j, a mail that SES took, after the mark of
// its item as sent ended with err.
func (b *batch) marked(ctx context.Context, j *job, err error) {
	attrs := []any{slog.String("outbox", j.mail.ID), slog.String("messageId", j.messageID)}
	switch {
	case errors.Is(err, store.ErrClaimLost):
		b.m.log.WarnContext(ctx, "mail sent after its claim expired; another delivery may have sent it too", attrs...)
	case err != nil:
		b.m.log.ErrorContext(ctx, "mail sent but not marked sent; a delivery after the claim expires sends it again", append(attrs, slog.Any("error", err))...)
		b.errs[j.i] = err
	default:
		b.m.log.InfoContext(ctx, "mail sent", append(attrs, slog.String("kind", j.mail.Kind))...)
	}
}
