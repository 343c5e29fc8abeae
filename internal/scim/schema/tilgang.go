package schema

import (
	"github.com/tilgang/tilgang/internal/scim/resource"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// Tilgang returns the tilgang User extension: the fields of SPEC §4 that
// the core and enterprise schemas have no place for. The CPR number can be
// written but never read, not even masked: it is sensitive personal data.
func Tilgang() Schema {
	return Schema{
		ID:          resource.TilgangSchema,
		Name:        "TilgangUser",
		Description: "tilgang user",
		Attributes: []Attribute{
			str("cpr", "CPR number, 10 digits DDMMYYSSSS; stored encrypted, never returned.").caseExact().writeOnly().returned(ReturnedNever).unique(UniqueServer),
			str("dateOfBirth", "Date of birth, YYYY-MM-DD, for a user without a CPR number."),
			boolean("anonymous", "Whether the user is anonymous; chosen at creation only.").immutable(),
			str("referenceText", "Free reference text; only if the organisation enables it."),
			integer("targetIal", "Target identity assurance level, at most the organisation's.").canonical("3", "4"),
			str("ean", "EAN number, one of the organisation's registered numbers."),
			str("pNumber", "P-number, one of the organisation's registered numbers."),
			str("seNumber", "SE-number, one of the organisation's registered numbers."),
			str("loginMeans", "How the user activates; PrivatID (private MitID) needs a CPR number.").caseExact().canonical(tilgang.LoginMeansPrivateMitID),
			multi(str("authenticators", "Authenticators the user may use.")),
			multi(str("rights", "Rights the user holds.")),
			boolean("canSign", "Whether the user may sign."),
			multi(str("sealProfiles", "Seal profiles the user may use.")),
			str("kind", "Kind of user.").caseExact().canonical(tilgang.KindEmployee, tilgang.KindExternal),
			multi(complexAttr("roles", "Roles in tilgang, each optionally limited to an organisation unit.",
				str("role", "The role.").required(),
				str("orgUnit", "The organisation unit the role is limited to; empty for the whole organisation."),
			)),
			str("status", "Where the user is in its life cycle.").caseExact().readOnly().canonical(statuses()...),
			complexAttr("deactivation", "The deactivation window, days in Europe/Copenhagen, both inclusive.",
				str("from", "First day of the deactivation, YYYY-MM-DD."),
				str("to", "Last day of the deactivation, YYYY-MM-DD; absent when open-ended."),
			).readOnly(),
		},
	}
}

// statuses lists the domain statuses, so that the canonical values follow
// the domain model.
func statuses() []string {
	s := make([]string, len(tilgang.Statuses))
	for i, st := range tilgang.Statuses {
		s[i] = string(st)
	}
	return s
}
