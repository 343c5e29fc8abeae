package schema

import (
	"fmt"

	"github.com/elimity-com/scim/optional"
	scim "github.com/elimity-com/scim/schema"
)

// coreUser is the core User schema (RFC 7643 §4.1, §8.7.1): the library's,
// which follows the RFC, with the common attributes in front and tilgang's
// own words where tilgang does more than the RFC says.
func coreUser() scim.Schema {
	s := scim.CoreUserSchema()
	attrs := s.Attributes
	// userName is unique in the organisation (uniqueness "server") and
	// compared case-insensitively (caseExact false), as the library has
	// it; the description says what the organisation is to the user.
	edit(attrs, "userName", func(a scim.CoreAttribute) scim.CoreAttribute {
		return a.WithDescription(text("Identifier the user signs in with; unique in the organisation, compared case-insensitively. REQUIRED."))
	})
	// active does more in tilgang than an administrative flag: it starts
	// and ends a deactivation (SPEC §4).
	edit(attrs, "active", func(a scim.CoreAttribute) scim.CoreAttribute {
		return a.WithDescription(text("Whether the user may sign in; false starts an open-ended deactivation, true ends it."))
	})
	// Identity providers send a password (Okta does); tilgang users sign
	// in with MitID, so it is neither stored nor returned. writeOnly and
	// returned "never" are the library's, and the RFC's.
	edit(attrs, "password", func(a scim.CoreAttribute) scim.CoreAttribute {
		return a.WithDescription(text("Cleartext password; accepted for compatibility, never stored, never returned.")).
			WithMutability(scim.AttributeMutabilityWriteOnly()).
			WithReturned(scim.AttributeReturnedNever())
	})
	// groups is read-only (the library marks it and its sub-attributes
	// so): membership changes through the Group resource (RFC 7643 §4.1.2).
	// It is returned on request: reading it is a query of its own, which
	// every list of users would otherwise pay for each user.
	edit(attrs, "groups", func(a scim.CoreAttribute) scim.CoreAttribute {
		return a.WithDescription(text("Groups the user belongs to; changed through the Group resource, never here. Returned when asked for with attributes=groups.")).
			WithMutability(scim.AttributeMutabilityReadOnly()).
			WithReturned(scim.AttributeReturnedRequest())
	})
	// externalId is unique in the organisation when set: SPEC §5 answers
	// `externalId eq` with a key look-up, which needs one user per value.
	s.Attributes = withCommon(attrs, scim.SimpleCoreAttribute(scim.SimpleStringParams(scim.StringParams{
		CaseExact:   true,
		Description: text("Identifier of the user in the provisioning client; unique in the organisation when set."),
		Name:        scim.CommonAttributeExternalID,
		Uniqueness:  scim.AttributeUniquenessServer(),
	})))
	return s
}

// withCommon returns attrs with the common attributes of RFC 7643 §3.1
// around them: id and externalId first, meta last. RFC 7643 §3.1 lets a
// schema list them; tilgang does, so that one schema answers every
// question about a core attribute path (Find, filters on "id" and
// "meta.lastModified") and clients see externalId's uniqueness.
func withCommon(attrs scim.Attributes, externalID scim.CoreAttribute) scim.Attributes {
	out := make(scim.Attributes, 0, len(attrs)+3)
	out = append(out, idAttribute(), externalID)
	out = append(out, attrs...)
	return append(out, metaAttribute())
}

// idAttribute is the library's common id with required false: the service
// provider assigns it and a client never sends it (RFC 7643 §3.1), so
// "required" would only mislead a client that reads it as "must send".
func idAttribute() scim.CoreAttribute {
	return commonAttribute(scim.CommonAttributeID).WithRequired(false)
}

// commonAttribute returns the library's definition of a common attribute.
func commonAttribute(name string) scim.CoreAttribute {
	a, ok := scim.Attributes(scim.CommonAttributes()).ContainsAttribute(name)
	if !ok {
		panic(fmt.Sprintf("schema: the library defines no common attribute %q", name))
	}
	return a
}

// metaAttribute is the common meta attribute (RFC 7643 §3.1). It is built
// here rather than taken from the library because the library's
// meta.location is a reference without referenceTypes, which RFC 7643 §7
// gives every reference. The service provider keeps meta, so every part
// is read-only.
func metaAttribute() scim.CoreAttribute {
	ro := scim.AttributeMutabilityReadOnly()
	return scim.ComplexCoreAttribute(scim.ComplexParams{
		Description: text("Resource metadata kept by the service provider (a common attribute)."),
		Mutability:  ro,
		Name:        scim.CommonAttributeMeta,
		SubAttributes: []scim.SimpleParams{
			scim.SimpleStringParams(scim.StringParams{
				CaseExact: true, Mutability: ro, Name: "resourceType",
				Description: text("The name of the resource type of the resource."),
			}),
			scim.SimpleDateTimeParams(scim.DateTimeParams{
				Mutability: ro, Name: "created",
				Description: text("When the resource was added to the service provider."),
			}),
			scim.SimpleDateTimeParams(scim.DateTimeParams{
				Mutability: ro, Name: "lastModified",
				Description: text("When the resource was last changed at the service provider."),
			}),
			scim.SimpleReferenceParams(scim.ReferenceParams{
				Mutability: ro, Name: "location", ReferenceTypes: []scim.AttributeReferenceType{scim.AttributeReferenceTypeURI},
				Description: text("The URI of the resource."),
			}),
			scim.SimpleStringParams(scim.StringParams{
				CaseExact: true, Mutability: ro, Name: "version",
				Description: text("The version of the resource, as in its ETag."),
			}),
		},
	})
}

// edit replaces the attribute named name in attrs by f of it. The names
// are the library's; a name it no longer defines is a programming error
// that the package's tests find.
func edit(attrs scim.Attributes, name string, f func(scim.CoreAttribute) scim.CoreAttribute) {
	for i, a := range attrs {
		if a.Name() == name {
			attrs[i] = f(a)
			return
		}
	}
	panic(fmt.Sprintf("schema: no attribute %q to change", name))
}

func text(s string) optional.String { return optional.NewString(s) }
