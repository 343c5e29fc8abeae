package schema

import "github.com/tilgang/tilgang/internal/scim/resource"

// User returns the core User schema (RFC 7643 §4.1). It also lists the
// common attributes id, externalId and meta (RFC 7643 §3.1), so that one
// table answers every question about a core attribute path.
func User() Schema {
	return Schema{
		ID:          resource.UserSchema,
		Name:        "User",
		Description: "User account",
		Attributes: []Attribute{
			str("id", "Identifier of the user, assigned by the service provider.").caseExact().readOnly().returned(ReturnedAlways).unique(UniqueServer),
			str("externalId", "Identifier of the user in the provisioning client; unique in the organisation when set.").caseExact().unique(UniqueServer),
			str("userName", "Identifier the user signs in with; unique in the organisation, compared case-insensitively.").required().unique(UniqueServer),
			complexAttr("name", "The parts of the user's real name.",
				str("formatted", "The full name, formatted for display."),
				str("familyName", "The family name (surname)."),
				str("givenName", "The given name (first name)."),
				str("middleName", "The middle names."),
				str("honorificPrefix", "Title before the name, such as \"Dr.\"."),
				str("honorificSuffix", "Title after the name, such as \"Jr.\"."),
			),
			str("displayName", "The name shown for the user."),
			str("nickName", "The casual name of the user."),
			ref("profileUrl", "URL of the user's online profile.", RefExternal),
			str("title", "The user's job title."),
			str("userType", "How the organisation classifies the user."),
			str("preferredLanguage", "Preferred written or spoken language, as in Accept-Language (RFC 7231)."),
			str("locale", "Locale for localised formatting, such as \"da-DK\"."),
			str("timezone", "Time zone in IANA form, such as \"Europe/Copenhagen\"."),
			boolean("active", "Whether the user may sign in; false starts an open-ended deactivation, true ends it."),
			str("password", "Cleartext password; accepted for compatibility, never returned.").writeOnly().returned(ReturnedNever),
			plural("emails", "E-mail addresses of the user.",
				str("value", "The e-mail address."),
				"work", "home", "other"),
			plural("phoneNumbers", "Phone numbers of the user.",
				str("value", "The phone number, preferably in RFC 3966 form."),
				"work", "home", "mobile", "fax", "pager", "other"),
			plural("ims", "Instant messaging addresses of the user.",
				str("value", "The instant messaging address."),
				"aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"),
			plural("photos", "URLs of images of the user.",
				ref("value", "URL of the image.", RefExternal),
				"photo", "thumbnail"),
			multi(complexAttr("addresses", "Physical mailing addresses of the user.",
				str("formatted", "The full address, formatted for display or mailing labels."),
				str("streetAddress", "Street name, house number and further lines."),
				str("locality", "City or locality."),
				str("region", "State or region."),
				str("postalCode", "Postal code."),
				str("country", "Country, as an ISO 3166-1 alpha-2 code."),
				str("type", "What the address is used for.").canonical("work", "home", "other"),
				boolean("primary", "Whether this is the preferred address."),
			)),
			multi(complexAttr("groups", "Groups the user belongs to; changed through the Group resource.",
				str("value", "The id of the group."),
				ref("$ref", "The URI of the group.", "User", "Group"),
				str("display", "The name of the group."),
				str("type", "Whether membership is direct or through another group.").canonical("direct", "indirect"),
			)).readOnly(),
			plural("entitlements", "Entitlements of the user.",
				str("value", "The entitlement.")),
			plural("roles", "Roles of the user in the provisioning client's terms.",
				str("value", "The role.")),
			plural("x509Certificates", "X.509 certificates of the user.",
				binary("value", "The DER-encoded certificate, base64-encoded.")),
			metaAttribute(),
		},
	}
}

// metaAttribute is the common meta attribute (RFC 7643 §3.1). The service
// provider keeps it, so every part is read-only.
func metaAttribute() Attribute {
	return complexAttr("meta", "Resource metadata kept by the service provider (a common attribute).",
		str("resourceType", "The name of the resource type.").caseExact(),
		dateTime("created", "When the resource was added."),
		dateTime("lastModified", "When the resource was last changed."),
		ref("location", "The URI of the resource.", RefURI),
		str("version", "The version of the resource, as in its ETag.").caseExact(),
	).readOnly()
}
