package patch

import (
	"fmt"
	"testing"

	fp "github.com/scim2/filter-parser/v2"
)

func TestScratch(t *testing.T) {
	for _, s := range []string{
		"userName", "name.givenName",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
		"urn:ietf:params:scim:schemas:core:2.0:User:name.givenName",
		`emails[type eq "work"]`, `emails[type eq "work"].value`, `emails[type eq "work" and primary eq true].value`,
		`emails[not (type eq "work")]`,
		`urn:ietf:params:scim:schemas:extension:tilgang:2.0:User:roles[role eq "x"].orgUnit`,
		`emails[type eq "a\"b"]`, `a.b.c`, `$ref`, `emails[value eq "x"].value.x`, ` userName`, `userName `, `members[value eq 1.5e3]`,
		`emails[type eq "work" or type eq "home" or type eq "x"]`, `emails[(type eq "work")]`,
		`emails[type[value eq "x"]]`,
	} {
		p, err := fp.ParsePath([]byte(s))
		fmt.Printf("%-60q -> %q uri=%q name=%q sub=%q expr=%#v subattr=%q err=%v\n", s, p.String(), p.AttributePath.URI(), p.AttributePath.AttributeName, p.AttributePath.SubAttributeName(), p.ValueExpression, p.SubAttributeName(), err)
	}
}
