package schema

import scim "github.com/elimity-com/scim/schema"

// enterpriseUser is the enterprise User extension (RFC 7643 §4.3) as the
// library defines it, under the name RFC 7643 §8.7.1 gives it: the
// library calls it "Enterprise User", which is the RFC's description.
func enterpriseUser() scim.Schema {
	s := scim.ExtensionEnterpriseUser()
	s.Name = text("EnterpriseUser")
	return s
}
