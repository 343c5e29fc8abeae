package mail

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// checkMailState keeps mail from an address that SES reported as bounced
// for good, complained about or suppressed (SPEC §13): the item is skipped
// with reason "address.<state>", until the user's or invitation's address
// changes (tilgang.MailState.Blocks). Mail to administrators' addresses
// has no mail state. states holds those a chunk read at once; one it did
// not read is read on its own.
func (m *Mailer) checkMailState(ctx context.Context, states mailStates, mail tilgang.Mail, to []string) error {
	target := mail.Target()
	if target.IsZero() || len(to) != 1 {
		return nil
	}
	st, read := states[target]
	if !read {
		var err error
		if st, err = m.store.MailState(ctx, target); err != nil {
			return fmt.Errorf("mail: read the mail state: %w", err)
		}
	}
	if st.Blocks(to[0]) {
		return Skip("address." + st.State)
	}
	return nil
}

// mailStates are the mail states a chunk read at once, by target; a target
// it read has an entry, nil when no state is recorded.
type mailStates map[tilgang.MailTarget]*tilgang.MailState

// tags are the message tags of mail (tilgang.MailTagOrg and the others):
// its target and its outbox item, which SES hands back in the events of the
// configuration set. A
// value SES would refuse (only ASCII letters, digits, '_' and '-') is left
// out; ids are UUIDs, so none is.
func tags(mail tilgang.Mail) []types.MessageTag {
	var out []types.MessageTag
	add := func(name, value string) {
		if value != "" && tagValue(value) {
			out = append(out, types.MessageTag{Name: aws.String(name), Value: aws.String(value)})
		}
	}
	target := mail.Target()
	add(tilgang.MailTagOrg, target.OrgID)
	add(tilgang.MailTagUser, target.UserID)
	add(tilgang.MailTagInvitation, target.InvitationID)
	add(tilgang.MailTagOutbox, mail.ID)
	return out
}

func tagValue(s string) bool {
	return len(s) <= 256 && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	}) < 0
}
