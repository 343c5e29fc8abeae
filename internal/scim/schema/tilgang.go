package schema

import (
	"encoding/json"
	"fmt"

	scim "github.com/elimity-com/scim/schema"

	"github.com/tilgang/tilgang/internal/scim/resource"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// tilgangUser is the tilgang User extension: the fields of SPEC §4 that
// the core and enterprise schemas have no place for. The CPR number can be
// written but never read, not even masked: it is sensitive personal data.
func tilgangUser() scim.Schema {
	ro := scim.AttributeMutabilityReadOnly()
	str := func(name, desc string) scim.CoreAttribute {
		return scim.SimpleCoreAttribute(scim.SimpleStringParams(scim.StringParams{Name: name, Description: text(desc)}))
	}
	strs := func(name, desc string) scim.CoreAttribute {
		return scim.SimpleCoreAttribute(scim.SimpleStringParams(scim.StringParams{Name: name, Description: text(desc), MultiValued: true}))
	}
	roStrs := func(name, desc string) scim.CoreAttribute {
		return scim.SimpleCoreAttribute(scim.SimpleStringParams(scim.StringParams{Name: name, Description: text(desc), MultiValued: true, Mutability: ro}))
	}
	return scim.Schema{
		ID:          resource.TilgangSchema,
		Name:        text("TilgangUser"),
		Description: text("tilgang user"),
		Attributes: scim.Attributes{
			scim.SimpleCoreAttribute(scim.SimpleStringParams(scim.StringParams{
				CaseExact:   true,
				Description: text("CPR number, 10 digits DDMMYYSSSS; stored encrypted, never returned."),
				Mutability:  scim.AttributeMutabilityWriteOnly(),
				Name:        "cpr",
				Returned:    scim.AttributeReturnedNever(),
				Uniqueness:  scim.AttributeUniquenessServer(),
			})),
			str("dateOfBirth", "Date of birth, YYYY-MM-DD, for a user without a CPR number; not returned for a user with one, whose number it is part of."),
			scim.SimpleCoreAttribute(scim.SimpleBooleanParams(scim.BooleanParams{
				Description: text("Whether the user is anonymous; chosen at creation only."),
				Mutability:  scim.AttributeMutabilityImmutable(),
				Name:        "anonymous",
			})),
			str("referenceText", "Free reference text; only if the organisation enables it."),
			targetIAL(),
			str("ean", "EAN number, one of the organisation's registered numbers."),
			str("pNumber", "P-number, one of the organisation's registered numbers."),
			str("seNumber", "SE-number, one of the organisation's registered numbers."),
			scim.SimpleCoreAttribute(scim.SimpleStringParams(scim.StringParams{
				CanonicalValues: []string{tilgang.LoginMeansPrivateMitID},
				CaseExact:       true,
				Description:     text("How the user activates; PrivatID (private MitID) needs a CPR number."),
				Name:            "loginMeans",
			})),
			strs("authenticators", "Authenticators the user may use."),
			// Rights, signing, seal profiles and roles are read-only over
			// SCIM (SPEC §14): an identity provider's token holds no role
			// authority, and roles come from groupRoles. RFC 7644 §3.5.1
			// lets a PUT or POST carry them (ignored), so that a client
			// that sends back what it read keeps working; a PATCH that
			// names them is refused with mutability.
			roStrs("rights", "Rights the user holds; set in tilgang by a rights-admin."),
			scim.SimpleCoreAttribute(scim.SimpleBooleanParams(scim.BooleanParams{
				Description: text("Whether the user may sign; set in tilgang by a rights-admin."),
				Mutability:  ro,
				Name:        "canSign",
			})),
			roStrs("sealProfiles", "Seal profiles the user may use; set in tilgang by a rights-admin."),
			scim.SimpleCoreAttribute(scim.SimpleStringParams(scim.StringParams{
				CanonicalValues: []string{tilgang.KindEmployee, tilgang.KindExternal},
				CaseExact:       true,
				Description:     text("Kind of user."),
				Name:            "kind",
			})),
			scim.ComplexCoreAttribute(scim.ComplexParams{
				Description: text("Roles in tilgang, each optionally limited to an organisation unit; granted through the organisation's groupRoles."),
				Mutability:  ro,
				MultiValued: true,
				Name:        "roles",
				SubAttributes: []scim.SimpleParams{
					scim.SimpleStringParams(scim.StringParams{Name: "role", Required: true, Mutability: ro, Description: text("The role.")}),
					scim.SimpleStringParams(scim.StringParams{Name: "orgUnit", Mutability: ro, Description: text("The organisation unit the role is limited to; empty for the whole organisation.")}),
				},
			}),
			scim.SimpleCoreAttribute(scim.SimpleStringParams(scim.StringParams{
				CanonicalValues: statuses(),
				CaseExact:       true,
				Description:     text("Where the user is in its life cycle."),
				Mutability:      ro,
				Name:            "status",
			})),
			// A part of a read-only complex value cannot be writable, so
			// the sub-attributes are read-only too.
			scim.ComplexCoreAttribute(scim.ComplexParams{
				Description: text("The deactivation window, days in Europe/Copenhagen, both inclusive."),
				Mutability:  ro,
				Name:        "deactivation",
				SubAttributes: []scim.SimpleParams{
					scim.SimpleStringParams(scim.StringParams{Name: "from", Mutability: ro, Description: text("First day of the deactivation, YYYY-MM-DD.")}),
					scim.SimpleStringParams(scim.StringParams{Name: "to", Mutability: ro, Description: text("Last day of the deactivation, YYYY-MM-DD; absent when open-ended.")}),
				},
			}),
		},
	}
}

// targetIAL is the target identity assurance level, an integer whose
// canonical values are the levels tilgang knows. The library's
// NumberParams have no canonical values; its decoding of an attribute in
// the RFC 7643 §7 form has, so this one attribute is decoded from that
// form rather than built from parameters.
func targetIAL() scim.CoreAttribute {
	const def = `{"id": "targetIal", "attributes": [{
		"name": "targetIal", "type": "integer", "multiValued": false,
		"description": "Target identity assurance level, at most the organisation's.",
		"required": false, "caseExact": false, "canonicalValues": ["3", "4"],
		"mutability": "readWrite", "returned": "default", "uniqueness": "none"}]}`
	var s scim.Schema
	if err := json.Unmarshal([]byte(def), &s); err != nil || len(s.Attributes) != 1 {
		panic(fmt.Sprintf("schema: targetIal: %v", err))
	}
	return s.Attributes[0]
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
