package tenants

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/validate"
)

// The operator's use cases (SPEC §13): what the operator command does
// with organisations beyond what their own admins may. There is no HTTP
// route to any of them; the operator reaches the table with AWS
// credentials.

// Registration is the part of an organisation that comes from its
// registration and its licence: only an operator sets it.
type Registration struct {
	CVR       string // 8 digits
	IAL       int    // 3 or 4
	MaxAdmins int    // 0: no limit
}

// RegistrationOf returns o's registration.
func RegistrationOf(o *tilgang.Organisation) Registration {
	return Registration{CVR: o.CVR, IAL: o.IAL, MaxAdmins: o.MaxAdmins}
}

// Register checks the settings and registration of a new organisation and
// stores it with a new id. It returns the organisation as stored, or every
// invalid field at once as joined *tilgang.Error values.
func (s *Service) Register(ctx context.Context, in Settings, reg Registration) (*tilgang.Organisation, error) {
	o := &tilgang.Organisation{ID: uuid.NewString()}
	if in.Language == "" {
		in.Language = tilgang.Languages[0]
	}
	if err := errors.Join(in.applyTo(o), reg.applyTo(o)); err != nil {
		return nil, err
	}
	if err := s.store.CreateOrganisation(ctx, o); err != nil {
		return nil, fmt.Errorf("tenants: create organisation: %w", err)
	}
	return o, nil
}

// Reconfigure stores in and reg as org's settings and registration, as
// UpdateSettings does for the settings alone.
func (s *Service) Reconfigure(ctx context.Context, org *tilgang.Organisation, in Settings, reg Registration) (*tilgang.Organisation, error) {
	o := *org
	if err := errors.Join(in.applyTo(&o), reg.applyTo(&o)); err != nil {
		return nil, err
	}
	if err := s.store.UpdateOrganisation(ctx, &o); err != nil {
		return nil, err
	}
	return &o, nil
}

// SetDisabled disables org (disabled true) or enables it again. A disabled
// organisation's tokens open nothing (Authenticate), nor do its mailed
// links, and its files are not imported; its data is kept. Disabling a
// disabled organisation keeps the time it was first disabled.
func (s *Service) SetDisabled(ctx context.Context, org *tilgang.Organisation, disabled bool) (*tilgang.Organisation, error) {
	if org.Disabled() == disabled {
		return org, nil
	}
	o := *org
	o.DisabledAt = time.Time{}
	if disabled {
		o.DisabledAt = s.now().UTC()
	}
	if err := s.store.UpdateOrganisation(ctx, &o); err != nil {
		return nil, err
	}
	return &o, nil
}

// Organisation reads one organisation; an id that is not a UUID names none.
func (s *Service) Organisation(ctx context.Context, id string) (*tilgang.Organisation, error) {
	parsed, err := uuid.Parse(id)
	if err != nil {
		return nil, tilgang.ErrOrgNotFound
	}
	return s.store.Organisation(ctx, parsed.String())
}

// Organisations lists every organisation, ordered by id.
func (s *Service) Organisations(ctx context.Context) ([]*tilgang.Organisation, error) {
	return s.store.Organisations(ctx)
}

// IssueToken mints a token of org for an operator, who holds every
// authority: the request is checked as MintToken checks it, but no role
// is refused for want of a granting token.
func (s *Service) IssueToken(ctx context.Context, org *tilgang.Organisation, req TokenRequest) (Minted, error) {
	if err := req.check(); err != nil {
		return Minted{}, err
	}
	if !req.ExpiresAt.IsZero() && !req.ExpiresAt.After(s.now()) {
		return Minted{}, tilgang.Invalid("expiresAt", "token.expiry_past", "a token's expiry must be in the future")
	}
	return s.mint(ctx, org.ID, req)
}

// applyTo validates the registration and copies it onto o.
func (reg Registration) applyTo(o *tilgang.Organisation) error {
	var errs []error
	cvr, err := validate.CVR(reg.CVR)
	if err != nil {
		errs = append(errs, fieldError("cvr", err))
	}
	if err := validate.IAL(reg.IAL); err != nil {
		errs = append(errs, fieldError("ial", err))
	}
	if reg.MaxAdmins < 0 {
		errs = append(errs, tilgang.Invalid("maxAdmins", "field.invalid", "maxAdmins is 0 (no limit) or more"))
	}
	o.CVR, o.IAL, o.MaxAdmins = cvr, reg.IAL, reg.MaxAdmins
	return errors.Join(errs...)
}
