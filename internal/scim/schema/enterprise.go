package schema

import "github.com/tilgang/tilgang/internal/scim/resource"

// Enterprise returns the enterprise User extension (RFC 7643 §4.3).
func Enterprise() Schema {
	return Schema{
		ID:          resource.EnterpriseSchema,
		Name:        "EnterpriseUser",
		Description: "Enterprise user",
		Attributes: []Attribute{
			str("employeeNumber", "Number the organisation identifies the user by."),
			str("costCenter", "The user's cost centre."),
			str("organization", "The user's organisation."),
			str("division", "The user's division."),
			str("department", "The user's department."),
			complexAttr("manager", "The user's manager.",
				str("value", "The id of the manager's User resource."),
				ref("$ref", "The URI of the manager's User resource.", "User"),
				str("displayName", "The manager's display name.").readOnly(),
			),
		},
	}
}
