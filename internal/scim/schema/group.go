package schema

import scim "github.com/elimity-com/scim/schema"

// coreGroup is the core Group schema (RFC 7643 §4.2, §8.7.1): the
// library's, with the common attributes, and displayName unique in the
// organisation (SPEC §5), so that `displayName eq` is a key look-up.
func coreGroup() scim.Schema {
	s := scim.CoreGroupSchema()
	edit(s.Attributes, "displayName", func(scim.CoreAttribute) scim.CoreAttribute {
		// The library has no WithUniqueness, so the attribute is built
		// anew with the library's parameters: required, as RFC 7643 §4.2
		// has it, and the rest the RFC's defaults.
		return scim.SimpleCoreAttribute(scim.SimpleStringParams(scim.StringParams{
			Description: text("A human-readable name for the Group; unique in the organisation. REQUIRED."),
			Name:        "displayName",
			Required:    true,
			Uniqueness:  scim.AttributeUniquenessServer(),
		}))
	})
	// Whether a group's externalId is unique is for the Group resource to
	// say when /Groups is built; until then it is the library's, with
	// uniqueness "none".
	s.Attributes = withCommon(s.Attributes, commonAttribute(scim.CommonAttributeExternalID))
	return s
}
