// Package tilgang holds the domain types of tilgang: organisations, users,
// groups, credentials, activities and the mail they cause, and the typed
// errors every layer returns. It depends on nothing else in the project;
// the store, protocol and function packages below it depend on it.
package tilgang

// SCIMPrefix is where the SCIM service provider is mounted. It lives here,
// not in internal/scim, so that the console can link to it without linking
// the SCIM protocol code into its function.
const SCIMPrefix = "/scim/v2"

// ConsolePrefix is where the administrators' console is mounted. The
// console's pages and its passkey ceremonies are separate functions
// (README, "Cold start") that share its sessions and cookies, so the
// path they share lives here.
const ConsolePrefix = "/console"
