// Package users is the application logic of users: the rules of SPEC §4
// applied on top of the store, shared by the admin API, SCIM and the CSV
// import.
package users

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/cpr"
	"github.com/tilgang/tilgang/internal/secret"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// Service creates, changes and reads users. Build it with New.
type Service struct {
	store *store.Store
	vault *cpr.Vault
	codes *secret.Codes
	links *secret.Links
	now   func() time.Time
}

// New returns a service over st, sealing CPR numbers with vault, hashing
// activation codes with codes and making activation links with links.
func New(st *store.Store, vault *cpr.Vault, codes *secret.Codes, links *secret.Links, opts ...Option) *Service {
	s := &Service{store: st, vault: vault, codes: codes, links: links, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Option configures a Service.
type Option func(*Service)

// WithClock makes the service read time from now instead of time.Now:
// tests of expiry and of deactivation windows set the date.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// NewRequest is a user to create.
type NewRequest struct {
	User *tilgang.User // the fields given; ID, status and times are set here
	CPR  string        // the plain CPR number, if given
	// Rules to apply beyond the common ones.
	Rules Rules
	// Activate starts activation at once (admin and SCIM creation): the user
	// becomes pending_activation and the activation mail is queued. Without
	// it the user is imported and waits for an admin (CSV import).
	Activate bool
	// Deactivated creates the user inside this deactivation window, as an
	// identity provider does when it provisions a disabled account. Such a
	// user gets no activation mail until it is reactivated and activated.
	Deactivated *tilgang.Deactivation
	// Row is the CSV import row that creates the user, recorded in the same
	// transaction (tilgang.Change.Row).
	Row *tilgang.ImportRow
}

// Created is the result of Create.
type Created struct {
	User *tilgang.User
	// ActivationCode is the temporary code of a date-of-birth user, shown
	// once to the admin and never stored in the clear.
	ActivationCode string
}

// Create validates and stores a new user of org, with its history entry
// and, when it is activated, its activation mail in the same transaction.
func (s *Service) Create(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, req NewRequest) (Created, error) {
	u := req.User
	u.OrgID, u.ID = org.ID, uuid.NewString()
	u.Status, u.Version = tilgang.StatusImported, 0
	u.CPR = tilgang.SealedCPR{}
	var number cpr.Number
	if req.CPR != "" {
		n, err := cpr.Parse(req.CPR)
		if err != nil {
			return Created{}, invalidCPR(err)
		}
		number = n
	}
	now := s.now()
	if err := normalise(org, u, number, req.Rules, true, now); err != nil {
		return Created{}, err
	}
	if !number.IsZero() {
		sealed, err := s.seal(org.ID, u.ID, number)
		if err != nil {
			return Created{}, err
		}
		u.CPR = sealed
	}
	change := tilgang.Change{Activity: activity(actor, "user.created", nil), MaxAdmins: org.MaxAdmins, Row: req.Row}
	if req.Row != nil {
		req.Row.UserID = u.ID
	}
	var code string
	switch {
	case req.Deactivated != nil:
		Deactivate(u, *req.Deactivated)
	case req.Activate:
		code = s.startActivation(u, now)
		change.Mail = []tilgang.Mail{activationMail(org, u)}
	}
	if err := s.store.CreateUser(ctx, u, change); err != nil {
		return Created{}, err
	}
	return Created{User: u, ActivationCode: code}, nil
}

// startActivation makes u pending_activation and, for a user known only by
// date of birth, issues a temporary code, which it returns.
func (s *Service) startActivation(u *tilgang.User, now time.Time) string {
	u.Status = tilgang.StatusPendingActivation
	u.Activation = &tilgang.Activation{LinkID: secret.NewNonce(), IssuedAt: now.UTC(), ExpiresAt: now.UTC().Add(tilgang.ActivationValidity)}
	if u.CPR.IsZero() && u.DateOfBirth != "" {
		code := secret.NewCode()
		u.Activation.CodeHash = s.codes.Hash(u.ID, code)
		return code
	}
	return ""
}

func activationMail(org *tilgang.Organisation, u *tilgang.User) tilgang.Mail {
	id, _ := uuid.NewV7()
	return tilgang.Mail{ID: id.String(), OrgID: org.ID, UserID: u.ID, Kind: tilgang.MailActivation, Language: org.Language}
}

// Get reads one user of org. id may be written in any form of a UUID,
// also the seeds' 32 digits without hyphens. Anything else names no user;
// checking that here also keeps an over-long id from reaching DynamoDB,
// which refuses such a key with an error that would become a 5xx.
func (s *Service) Get(ctx context.Context, org *tilgang.Organisation, id string) (*tilgang.User, error) {
	parsed, err := uuid.Parse(id)
	if err != nil {
		return nil, tilgang.ErrUserNotFound
	}
	return s.store.User(ctx, org.ID, parsed.String())
}

// List reads a page of org's users.
func (s *Service) List(ctx context.Context, org *tilgang.Organisation, q tilgang.UserQuery) (tilgang.UserPage, error) {
	return s.store.Users(ctx, org.ID, q)
}

// Update stores u, a changed copy of old, after checking it against the
// rules. Anonymity and the CPR number cannot change.
func (s *Service) Update(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, old, u *tilgang.User, r Rules) error {
	return s.update(ctx, actor, org, old, u, "", r, nil)
}

// update is Update that may also attach a first CPR number.
func (s *Service) update(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, old, u *tilgang.User, cprNumber string, r Rules, row *tilgang.ImportRow) error {
	if u.Anonymous != old.Anonymous {
		return tilgang.Invalid("anonymous", "field.immutable", "anonymity is chosen at creation and cannot change")
	}
	u.ID, u.OrgID, u.CPR = old.ID, old.OrgID, old.CPR
	if err := s.attachCPR(org, u, cprNumber); err != nil {
		return err
	}
	var number cpr.Number
	if cprNumber != "" && old.CPR.IsZero() {
		number, _ = cpr.Parse(cprNumber) // attachCPR has parsed it
	}
	if err := normalise(org, u, number, r, false, s.now()); err != nil {
		return err
	}
	fields := changedFields(old, u)
	if len(fields) == 0 {
		// Nothing to store, and no history entry for a no-op.
		u.Version, u.CreatedAt, u.UpdatedAt = old.Version, old.CreatedAt, old.UpdatedAt
		if row != nil {
			return s.store.PutImportRow(ctx, old.OrgID, row)
		}
		return nil
	}
	return s.store.UpdateUser(ctx, old, u, tilgang.Change{Activity: activity(actor, "user.updated", fields), MaxAdmins: org.MaxAdmins, Row: row})
}

// Delete erases u (SPEC §4): personal data goes, identifiers are freed, a
// history entry without personal data stays.
func (s *Service) Delete(ctx context.Context, actor tilgang.Actor, u *tilgang.User) error {
	return s.store.DeleteUser(ctx, u, tilgang.Change{Activity: activity(actor, "user.deleted", nil)})
}

// MaskedCPR returns u's CPR number as DDMMYY-****, or "" if u has none.
func (s *Service) MaskedCPR(u *tilgang.User) (string, error) {
	if u.CPR.IsZero() {
		return "", nil
	}
	n, err := s.vault.Open(u.CPR.Sealed, cprAAD(u.OrgID, u.ID))
	if err != nil {
		return "", fmt.Errorf("users: open CPR of user %s: %w", u.ID, err)
	}
	return n.Masked(), nil
}

func (s *Service) seal(orgID, userID string, n cpr.Number) (tilgang.SealedCPR, error) {
	sealed, err := s.vault.Seal(n, cprAAD(orgID, userID))
	if err != nil {
		return tilgang.SealedCPR{}, fmt.Errorf("users: seal CPR: %w", err)
	}
	return tilgang.SealedCPR{Lookup: s.vault.Lookup(orgID, n), Sealed: sealed}, nil
}

// cprAAD binds a sealed CPR number to its user, so that a copied ciphertext
// does not open under another user.
func cprAAD(orgID, userID string) []byte { return []byte(orgID + "/" + userID) }

func invalidCPR(err error) error {
	var ce *cpr.Error
	if errors.As(err, &ce) {
		return tilgang.Invalid("cpr", ce.Code, ce.Message)
	}
	return tilgang.Invalid("cpr", "cpr.invalid", "not a valid CPR number")
}

func activity(actor tilgang.Actor, action string, fields []string) tilgang.Activity {
	return tilgang.Activity{Actor: actor.Name, Source: actor.Source, Action: action, Fields: fields}
}
