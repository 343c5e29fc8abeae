// Package sesevents records what SES reports of sent mail (SPEC §13, "mail
// that cannot go silently"): the configuration set of every send publishes
// bounce, complaint, reject and delivery events to EventBridge, whose rule
// invokes the sesevents function with each. The outcome becomes the mail
// state of the user or invitation that the mail's tags name
// (tilgang.MailState); the mailer reads it before it sends again, and the
// admin API shows it.
package sesevents

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// Handler handles the EventBridge events of SES. Build it with New.
type Handler struct {
	store *store.Store
	log   *slog.Logger
}

// New returns a handler that records mail states in st and logs to log.
// It logs no address: only ids, the event type and SES's classification.
func New(st *store.Store, log *slog.Logger) *Handler { return &Handler{store: st, log: log} }

// Handle records the outcome that ev reports. An event that is not about
// tilgang's mail, of a kind that says nothing about the address, or older
// than the recorded state is ignored. A malformed event, or a failure to
// write, is an error: Lambda retries the invocation, and then the event goes
// to the function's dead-letter queue (template.yaml).
func (h *Handler) Handle(ctx context.Context, ev events.EventBridgeEvent) error {
	o, err := Parse(ev.Detail)
	if err != nil {
		return fmt.Errorf("sesevents: event %s (%s): %w", ev.ID, ev.DetailType, err)
	}
	attrs := []any{slog.String("event", ev.ID), slog.String("eventType", o.EventType), slog.String("outbox", o.Outbox)}
	if o.State.State == "" {
		h.log.InfoContext(ctx, "SES event ignored: it sets no mail state", attrs...)
		return nil
	}
	if o.Target.IsZero() {
		h.log.InfoContext(ctx, "SES event ignored: the mail is to no user or invitation", attrs...)
		return nil
	}
	attrs = append(attrs, slog.String("org", o.Target.OrgID), slog.String("user", o.Target.UserID),
		slog.String("invitation", o.Target.InvitationID), slog.String("state", o.State.State), slog.String("reason", o.State.Reason))
	err = h.store.RecordMailState(ctx, o.Target, o.State)
	switch {
	case errors.Is(err, store.ErrMailStateNewer):
		h.log.InfoContext(ctx, "SES event ignored: a later mail state is recorded", attrs...)
	case errors.Is(err, store.ErrMailTargetGone):
		h.log.InfoContext(ctx, "SES event ignored: the user or invitation is gone", attrs...)
	case err != nil:
		return fmt.Errorf("sesevents: event %s: %w", ev.ID, err)
	default:
		level := slog.LevelInfo
		if o.State.State != tilgang.MailStateDelivered {
			level = slog.LevelWarn
		}
		h.log.Log(ctx, level, "mail state recorded", attrs...)
	}
	return nil
}

// Outcome is what one SES event says about tilgang's mail.
type Outcome struct {
	EventType string // SES's: Bounce, Complaint, Delivery, Reject, …
	Outbox    string // the outbox item, from the mail's tags
	Target    tilgang.MailTarget
	// State is the mail state to record; State.State is empty for an
	// event that sets none (Send, DeliveryDelay, Open, …).
	State tilgang.MailState
}

// detail is the part of an SES event (the EventBridge event's detail, the
// same document SES publishes to SNS) that Parse reads.
type detail struct {
	EventType string `json:"eventType"`
	Mail      struct {
		Timestamp   time.Time           `json:"timestamp"`
		Destination []string            `json:"destination"`
		Tags        map[string][]string `json:"tags"`
	} `json:"mail"`
	Bounce *struct {
		BounceType        string      `json:"bounceType"`
		BounceSubType     string      `json:"bounceSubType"`
		BouncedRecipients []recipient `json:"bouncedRecipients"`
		Timestamp         time.Time   `json:"timestamp"`
	} `json:"bounce"`
	Complaint *struct {
		ComplainedRecipients  []recipient `json:"complainedRecipients"`
		ComplaintFeedbackType string      `json:"complaintFeedbackType"`
		Timestamp             time.Time   `json:"timestamp"`
	} `json:"complaint"`
	Delivery *struct {
		Recipients []string  `json:"recipients"`
		Timestamp  time.Time `json:"timestamp"`
	} `json:"delivery"`
	Reject *struct {
		Reason string `json:"reason"`
	} `json:"reject"`
}

type recipient struct {
	EmailAddress string `json:"emailAddress"`
}

// maxReason bounds a reason taken from an event: SES's classifications are
// short words.
const maxReason = 64

// Parse reads the detail of an SES event. It fails only on a document that
// is not an SES event; what it does not know it leaves out of the Outcome.
func Parse(raw []byte) (Outcome, error) {
	var d detail
	if err := json.Unmarshal(raw, &d); err != nil {
		return Outcome{}, fmt.Errorf("not an SES event: %w", err)
	}
	if d.EventType == "" {
		return Outcome{}, errors.New("not an SES event: no eventType")
	}
	o := Outcome{EventType: d.EventType, Outbox: tag(d.Mail.Tags, tilgang.MailTagOutbox)}
	o.Target = tilgang.MailTarget{OrgID: tag(d.Mail.Tags, tilgang.MailTagOrg), UserID: tag(d.Mail.Tags, tilgang.MailTagUser),
		InvitationID: tag(d.Mail.Tags, tilgang.MailTagInvitation)}
	if o.Target.OrgID == "" {
		o.Target = tilgang.MailTarget{}
	}
	addresses := d.Mail.Destination
	st := &o.State
	switch d.EventType {
	case "Bounce":
		if d.Bounce == nil {
			return o, errors.New("a Bounce event without bounce")
		}
		st.At, st.Reason = d.Bounce.Timestamp, clean(d.Bounce.BounceType+"/"+d.Bounce.BounceSubType)
		switch {
		case d.Bounce.BounceType != "Permanent":
			st.State = tilgang.MailStateSoftBounce
		case d.Bounce.BounceSubType == "Suppressed" || d.Bounce.BounceSubType == "OnAccountSuppressionList":
			st.State = tilgang.MailStateSuppressed
		default:
			st.State = tilgang.MailStateBounced
		}
		addresses = emails(d.Bounce.BouncedRecipients, addresses)
	case "Complaint":
		if d.Complaint == nil {
			return o, errors.New("a Complaint event without complaint")
		}
		st.State, st.At, st.Reason = tilgang.MailStateComplained, d.Complaint.Timestamp, clean(d.Complaint.ComplaintFeedbackType)
		addresses = emails(d.Complaint.ComplainedRecipients, addresses)
	case "Delivery":
		if d.Delivery == nil {
			return o, errors.New("a Delivery event without delivery")
		}
		st.State, st.At = tilgang.MailStateDelivered, d.Delivery.Timestamp
		if len(d.Delivery.Recipients) > 0 {
			addresses = d.Delivery.Recipients
		}
	case "Reject":
		if d.Reject == nil {
			return o, errors.New("a Reject event without reject")
		}
		st.State, st.At, st.Reason = tilgang.MailStateRejected, d.Mail.Timestamp, clean(d.Reject.Reason)
	default:
		return o, nil
	}
	if st.At.IsZero() {
		st.At = d.Mail.Timestamp
	}
	if len(addresses) != 1 {
		// tilgang mails a user or an invitee alone; a report on several
		// addresses cannot be one target's.
		o.Target = tilgang.MailTarget{}
		return o, nil
	}
	st.Address = tilgang.AddressHash(addresses[0])
	return o, nil
}

func tag(tags map[string][]string, name string) string {
	if v := tags[name]; len(v) == 1 {
		return v[0]
	}
	return ""
}

func emails(rs []recipient, fallback []string) []string {
	if len(rs) == 0 {
		return fallback
	}
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.EmailAddress
	}
	return out
}

// clean keeps a reason printable and short: it is shown in the admin API
// and logged, and comes from outside.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '@' {
			return -1
		}
		return r
	}, s)
	s = strings.Trim(s, "/ ")
	if len(s) > maxReason {
		s = strings.ToValidUTF8(s[:maxReason], "")
	}
	return s
}
