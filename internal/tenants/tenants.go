// Package tenants is the application logic of organisations and their
// tokens (SPEC §3, §10): the settings an organisation's admins may change,
// minting, listing and revoking tokens, resolving a bearer token to its
// organisation, and provisioning a new organisation with its first
// tokens. Provisioning has no public API: make dev seeds its demo
// organisations with Provision, and operators create, change and disable
// organisations with the operator command (operator.go, SPEC §13).
package tenants

import (
	"time"

	"github.com/tilgang/tilgang/internal/store"
)

// Service reads and changes organisations and their tokens. Build it with
// New.
type Service struct {
	store *store.Store
	now   func() time.Time
}

// New returns a service over st.
func New(st *store.Store, opts ...Option) *Service {
	s := &Service{store: st, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Option adjusts a Service.
type Option func(*Service)

// WithClock makes the service read the time from now: token expiry and
// use.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }
