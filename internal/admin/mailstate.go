package admin

import (
	"context"
	"log/slog"
	"time"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// MailStates reads what SES last reported of the mail to a user or an
// invitation (SPEC §13); store.Store does.
type MailStates interface {
	MailState(ctx context.Context, target tilgang.MailTarget) (*tilgang.MailState, error)
}

// WithMailStates shows each user's and invitation's mail state, read from
// m, in GET /users/{id} and GET /invitations/{id}. Without it no mail state
// is shown.
func WithMailStates(m MailStates) Option { return func(h *Handler) { h.mailStates = m } }

// mailStateJSON is a mail state as the API shows it: what happened, when,
// and SES's classification. Never an address: the state is shown only when
// it is about the current one (tilgang.MailState.Current).
type mailStateJSON struct {
	State  string    `json:"state"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason,omitempty"`
	// Blocked says that no mail goes to the address until it changes.
	Blocked bool `json:"blocked"`
}

// mailState returns the mail state of target about address, or nil when
// there is none, it is about another address, or it could not be read
// (logged: one unreadable part never fails an answer, SPEC §14).
func (h *Handler) mailState(ctx context.Context, target tilgang.MailTarget, address string) *mailStateJSON {
	if h.mailStates == nil || address == "" {
		return nil
	}
	st, err := h.mailStates.MailState(ctx, target)
	if err != nil {
		h.log.WarnContext(ctx, "mail state not read; shown without it", slog.String("org", target.OrgID),
			slog.String("user", target.UserID), slog.String("invitation", target.InvitationID), slog.Any("error", err))
		return nil
	}
	if st = st.Current(address); st == nil {
		return nil
	}
	return &mailStateJSON{State: st.State, At: st.At, Reason: st.Reason, Blocked: st.Blocks(address)}
}
