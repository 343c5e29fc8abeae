package tilgang

import "time"

// Console sign-in (SPEC §9, issue 16): people who hold an admin role sign
// in to the administrators' console with a mailed link or a passkey, and
// get a server-side session.

// Lifetimes of what the console hands out.
const (
	SignInLinkTTL      = 10 * time.Minute
	SessionIdle        = 30 * time.Minute
	SessionAbsolute    = 12 * time.Hour
	ReauthWindow       = 10 * time.Minute
	PasskeyCeremonyTTL = 5 * time.Minute
)

// SignInRef names a user whose address may sign in: the organisation and
// the user, read again before anything is trusted.
type SignInRef struct {
	OrgID  string
	UserID string
}

// SignInLink is a mailed sign-in link as stored, keyed by the hash of its
// token; spending it deletes it.
type SignInLink struct {
	SignInRef
	ExpiresAt time.Time
	// Register says the link may only register a passkey (the
	// organisation requires passkeys).
	Register bool
}

// Session is a signed-in person's console session, keyed by the hash of
// its id. The user is read again on every request: the session proves
// only who signed in and when.
type Session struct {
	Hash      string
	OrgID     string
	UserID    string
	CSRF      string    // the value of every form's csrf field
	CreatedAt time.Time // the absolute limit counts from here
	LastSeen  time.Time // the idle limit counts from here
	// AuthAt is when the person last proved who they are (a link or a
	// passkey): re-authentication asks for it to be recent.
	AuthAt time.Time
	// Passkey says that the session was started with a passkey.
	Passkey bool
	// Challenge is the session data of a passkey registration under way
	// (go-webauthn's, as JSON), empty when none is.
	Challenge []byte
}

// Passkey is a WebAuthn credential of a user, as go-webauthn's Credential
// marshalled to JSON: the store keeps it opaque.
type Passkey struct {
	ID         []byte // the credential id
	OrgID      string
	UserID     string
	Credential []byte
	CreatedAt  time.Time
}

// Errors of console sign-in.
var (
	ErrSessionNotFound    = &Error{Kind: KindNotFound, Code: "session.not_found", Message: "no such session"}
	ErrSignInLinkNotFound = &Error{Kind: KindNotFound, Code: "signin.not_found", Message: "no such sign-in link"}
	ErrPasskeyNotFound    = &Error{Kind: KindNotFound, Code: "passkey.not_found", Message: "no such passkey"}
)
