// Package users is the application logic of users: the rules of SPEC §4
// applied on top of the store, shared by the admin API, SCIM and the CSV
// import.
package users

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/cpr"
	"github.com/tilgang/tilgang/internal/metrics"
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
	log   *slog.Logger
	// cprPerDay is the organisation's CPR look-ups a day (cprtaken.go).
	cprPerDay int
}

// New returns a service over st, sealing CPR numbers with vault, hashing
// activation codes with codes and making activation links with links. Each
// may hold only some keys, or be nil, for a function that does not need
// them (config.Functions): what needs a missing key fails with an error
// that wraps cpr.ErrNoKey or secret.ErrNoLinkKey.
func New(st *store.Store, vault *cpr.Vault, codes *secret.Codes, links *secret.Links, opts ...Option) *Service {
	s := &Service{store: st, vault: vault, codes: codes, links: links, now: time.Now, log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		cprPerDay: DefaultCPRLookupsPerDay}
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

// WithLogger logs to log what the service notices but does not fail on:
// a user whose stored record cannot be read (by ids only).
func WithLogger(log *slog.Logger) Option { return func(s *Service) { s.log = log } }

// NewRequest is a user to create.
type NewRequest struct {
	User *tilgang.User // the fields given; ID, status and times are set here
	CPR  string        // the plain CPR number, if given
	// Profile is who asks: it says which fields are required (see Profile).
	Profile Profile
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
	// NoCode says that the asker cannot be handed a temporary code (an
	// identity provider). Activate then does not start the activation of a
	// user known by date of birth alone, whose activation page asks for the
	// code: the user is created imported, without mail, and an
	// administrator starts its activation (SendActivation) and gets the
	// code to hand over.
	NoCode bool
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
	now := s.now()
	number, err := judge(req.Profile, org, nil, u, req.CPR, now)
	if err != nil {
		return Created{}, err
	}
	if !number.IsZero() {
		sealed, err := s.seal(org.ID, u.ID, number)
		if err != nil {
			return Created{}, err
		}
		u.CPR = sealed
	}
	change := tilgang.Change{Activity: activity(actor, "user.created", nil), MaxAdmins: org.MaxAdmins, Row: req.Row,
		CPRLookups: s.cprLookups(number)}
	if req.Row != nil {
		req.Row.UserID = u.ID
	}
	var code string
	switch {
	case req.Deactivated != nil:
		Deactivate(u, *req.Deactivated)
	case req.Activate && req.NoCode && knownByBirthDate(u):
		// Imported: a mail asking for a code that nobody was given would
		// strand the user.
	case req.Activate:
		if code, err = s.startActivation(u, now); err != nil {
			return Created{}, err
		}
		if u.Email != "" {
			change.Mail = []tilgang.Mail{activationMail(org, u)}
		} // else the mail goes with the user's first address (update)
	}
	if err := s.store.CreateUser(ctx, u, change); err != nil {
		return Created{}, s.cprTaken(ctx, actor, org, err)
	}
	metrics.Add(ctx, metrics.UsersCreated, 1)
	return Created{User: u, ActivationCode: code}, nil
}

// knownByBirthDate reports whether u is known by date of birth alone: its
// activation asks for a temporary code.
func knownByBirthDate(u *tilgang.User) bool { return u.CPR.IsZero() && u.DateOfBirth != "" }

// startActivation makes u pending_activation and, for a user known only by
// date of birth, issues a temporary code, which it returns. A service
// without the link key (a function that never hands out codes) refuses to
// issue one rather than store a code nobody can check.
func (s *Service) startActivation(u *tilgang.User, now time.Time) (string, error) {
	if u.CPR.IsZero() && u.DateOfBirth != "" && s.codes == nil {
		return "", fmt.Errorf("users: issue an activation code: %w", secret.ErrNoLinkKey)
	}
	u.Status = tilgang.StatusPendingActivation
	u.Activation = &tilgang.Activation{LinkID: secret.NewNonce(), IssuedAt: now.UTC(), ExpiresAt: now.UTC().Add(tilgang.ActivationValidity)}
	if u.CPR.IsZero() && u.DateOfBirth != "" {
		code := secret.NewCode()
		u.Activation.CodeHash = s.codes.Hash(u.ID, code)
		return code, nil
	}
	return "", nil
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
	u, err := s.store.User(ctx, org.ID, parsed.String())
	s.noteUnreadable(ctx, err)
	return u, err
}

// noteUnreadable logs err if it is a user whose stored record does not
// decode whole (tilgang.UnreadableUser), by ids and attribute names only.
func (s *Service) noteUnreadable(ctx context.Context, err error) {
	var damaged *tilgang.UnreadableUser
	if errors.As(err, &damaged) {
		s.log.WarnContext(ctx, "user unreadable", slog.String("orgId", damaged.User.OrgID), slog.String("userId", damaged.User.ID),
			slog.String("part", "record"), slog.Any("attributes", damaged.User.Unreadable))
	}
}

// List reads a page of org's users. A user whose stored record cannot be
// read is named in the page's Unreadable and logged, and the rest of the
// page answers (SPEC §14).
func (s *Service) List(ctx context.Context, org *tilgang.Organisation, q tilgang.UserQuery) (tilgang.UserPage, error) {
	page, err := s.store.Users(ctx, org.ID, q)
	s.logUnreadable(ctx, org, page.Unreadable)
	return page, err
}

// logUnreadable logs the users of org whose records could not be read,
// by id only: a record that does not decode may hold anything.
func (s *Service) logUnreadable(ctx context.Context, org *tilgang.Organisation, ids []string) {
	for _, id := range ids {
		LogUnreadable(ctx, s.log, org.ID, id, "record")
	}
}

// LogUnreadable logs that a part ("record", "cpr") of organisation
// orgID's user id could not be read, with the ids and nothing else: no
// value, no error text.
func LogUnreadable(ctx context.Context, log *slog.Logger, orgID, id, part string) {
	log.WarnContext(ctx, "user unreadable", slog.String("orgId", orgID), slog.String("userId", id), slog.String("part", part))
}

// Update stores u, a changed copy of old, after checking it against the
// rules for p's asker. Anonymity and the CPR number cannot change.
func (s *Service) Update(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, old, u *tilgang.User, p Profile) error {
	return s.update(ctx, actor, org, old, u, "", p, nil)
}

// Judge applies the rulebook to u for p's asker, as Create (old is nil) or
// Update (u is a changed copy of old) would, and stores nothing. cprText is
// the CPR number a new user is given, "" for none. u is left in the stored
// form the rules give it. The CSV import judges with it the rows it does
// not apply, so that a receipt names every problem of a row at once.
func (s *Service) Judge(org *tilgang.Organisation, p Profile, old, u *tilgang.User, cprText string) error {
	_, err := judge(p, org, old, u, cprText, s.now())
	return err
}

// update is Update that may also attach a first CPR number, cprNumber, and
// record an import row with the change.
//
// A user that awaits activation without an e-mail address (SCIM creates
// such users) gets its activation mail when it gets an address: a fresh
// link, valid from now, in the same transaction as the change.
func (s *Service) update(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, old, u *tilgang.User, cprNumber string, p Profile, row *tilgang.ImportRow) error {
	u.ID, u.OrgID, u.CPR = old.ID, old.OrgID, old.CPR
	now := s.now()
	number, err := judge(p, org, old, u, cprNumber, now)
	if err != nil {
		return err
	}
	if !number.IsZero() {
		if u.CPR, err = s.seal(org.ID, u.ID, number); err != nil {
			return err
		}
	}
	change := tilgang.Change{MaxAdmins: org.MaxAdmins, Row: row, CPRLookups: s.cprLookups(number)}
	fields := changedFields(old, u)
	// Not for a user known by date of birth alone, whose code nobody
	// would be given: an administrator sends its activation.
	if old.Email == "" && u.Email != "" && old.Status == tilgang.StatusPendingActivation && u.Status == tilgang.StatusPendingActivation &&
		!knownByBirthDate(u) {
		if _, err := s.startActivation(u, now); err != nil {
			return err
		}
		change.Mail = []tilgang.Mail{activationMail(org, u)}
		fields = append(fields, "activation")
	}
	if len(fields) == 0 {
		// Nothing to store, and no history entry for a no-op.
		u.Version, u.CreatedAt, u.UpdatedAt = old.Version, old.CreatedAt, old.UpdatedAt
		if row != nil {
			return s.store.PutImportRow(ctx, old.OrgID, row)
		}
		return nil
	}
	change.Activity = activity(actor, "user.updated", fields)
	return s.cprTaken(ctx, actor, org, s.store.UpdateUser(ctx, old, u, change))
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
	if !s.vault.CanLookup() {
		return tilgang.SealedCPR{}, fmt.Errorf("users: store a CPR number: %w", cpr.ErrNoKey)
	}
	sealed, err := s.vault.Seal(n, cprAAD(orgID, userID))
	if err != nil {
		return tilgang.SealedCPR{}, fmt.Errorf("users: seal CPR: %w", err)
	}
	return tilgang.SealedCPR{Lookup: s.vault.Lookup(orgID, n), Sealed: sealed}, nil
}

// cprAAD binds a sealed CPR number to its user, so that a copied ciphertext
// does not open under another user (cpr.UserAAD, which the re-seal after a
// key rotation uses too).
func cprAAD(orgID, userID string) []byte { return cpr.UserAAD(orgID, userID) }

func activity(actor tilgang.Actor, action string, fields []string) tilgang.Activity {
	return actor.Activity(action, fields)
}
