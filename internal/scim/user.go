package scim

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"time"

	"github.com/tilgang/tilgang/internal/httpx"
	"github.com/tilgang/tilgang/internal/scim/resource"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// toResource is the SCIM form of u, built from the value types a request
// body decodes to (json.Number, []any, map[string]any), so that filters and
// PATCH treat stored and sent values alike.
func toResource(u *tilgang.User, base string) resource.Resource {
	r := map[string]any{
		"schemas":  []any{resource.UserSchema, resource.TilgangSchema},
		"id":       u.ID,
		"userName": u.UserName,
		"active":   u.Status != tilgang.StatusDeactivated,
		"meta": map[string]any{
			"resourceType": "User",
			"created":      u.CreatedAt.UTC().Format(time.RFC3339Nano),
			"lastModified": u.UpdatedAt.UTC().Format(time.RFC3339Nano),
			"location":     base + "/Users/" + u.ID,
			"version":      httpx.VersionETag(u.Version).String(),
		},
	}
	setString(r, "externalId", u.ExternalID)
	overlay(r, u)
	if _, ok := r[resource.EnterpriseSchema]; ok {
		// "schemas" names the extensions the resource holds (RFC 7643 §3).
		r["schemas"] = []any{resource.UserSchema, resource.EnterpriseSchema, resource.TilgangSchema}
	}
	ext := map[string]any{"anonymous": u.Anonymous, "canSign": u.CanSign, "status": string(u.Status), "kind": u.Kind}
	if u.CPR.IsZero() {
		// The date of a CPR number is 6 of its 10 digits: SCIM, which
		// never returns the number, does not return its date either, in
		// answers, filters or sorting (SPEC §14).
		setString(ext, "dateOfBirth", u.DateOfBirth)
	}
	setString(ext, "referenceText", u.ReferenceText)
	setString(ext, "ean", u.EAN)
	setString(ext, "pNumber", u.PNumber)
	setString(ext, "seNumber", u.SENumber)
	setString(ext, "loginMeans", u.LoginMeans)
	if u.TargetIAL != 0 {
		ext["targetIal"] = json.Number(strconv.Itoa(u.TargetIAL))
	}
	setStrings(ext, "authenticators", u.Authenticators)
	setStrings(ext, "rights", u.Rights)
	setStrings(ext, "sealProfiles", u.SealProfiles)
	if len(u.Roles) > 0 {
		roles := make([]any, len(u.Roles))
		for i, role := range u.Roles {
			m := map[string]any{"role": role.Role}
			setString(m, "orgUnit", role.OrgUnit)
			roles[i] = m
		}
		ext["roles"] = roles
	}
	if d := u.Deactivation; d != nil {
		w := map[string]any{"from": d.From}
		setString(w, "to", d.To)
		ext["deactivation"] = w
	}
	r[resource.TilgangSchema] = ext
	return r
}

func setString(m map[string]any, key, v string) {
	if v != "" {
		m[key] = v
	}
}

func setStrings(m map[string]any, key string, v []string) {
	if len(v) > 0 {
		l := make([]any, len(v))
		for i, s := range v {
			l[i] = s
		}
		m[key] = l
	}
}

// decodeResource decodes a JSON object in generic form.
func decodeResource(b []byte) (resource.Resource, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var r resource.Resource
	if err := dec.Decode(&r); err != nil {
		return nil, resource.InvalidSyntax("the body is not a JSON object: " + err.Error())
	}
	if r == nil {
		return nil, resource.InvalidSyntax("the body must be a JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, resource.InvalidSyntax("the body holds more than one JSON value")
	}
	return r, nil
}

// userInput is what a SCIM body asks for: the user's fields, the CPR
// number if it gave one, and "active" if present.
type userInput struct {
	user   *tilgang.User
	cpr    string
	active *bool
	// hasTilgang says whether the body holds the tilgang extension, and
	// hasAnonymous whether it sets anonymous: an identity provider that
	// knows nothing of them must not erase them with a PUT.
	hasTilgang, hasAnonymous bool
}

// keepOmitted carries over from old what a PUT body left out and the
// identity provider cannot be expected to know: the tilgang extension, and
// anonymity, which is immutable (RFC 7644 §3.5.1).
func (in userInput) keepOmitted(old *tilgang.User) {
	u := in.user
	if !in.hasTilgang {
		u.DateOfBirth, u.ReferenceText, u.TargetIAL = old.DateOfBirth, old.ReferenceText, old.TargetIAL
		u.EAN, u.PNumber, u.SENumber, u.LoginMeans = old.EAN, old.PNumber, old.SENumber, old.LoginMeans
		u.Authenticators, u.Kind = old.Authenticators, old.Kind
	}
	// Read-only over SCIM (schema.tilgangUser): never taken from a body.
	u.Rights, u.CanSign, u.SealProfiles, u.Roles = old.Rights, old.CanSign, old.SealProfiles, old.Roles
	if !in.hasAnonymous {
		u.Anonymous = old.Anonymous
	}
}

// fromResource reads a SCIM User into the domain. Read-only attributes
// (id, meta, status, …) are ignored, as RFC 7644 §3.5.1 says for PUT; a
// password is never read, let alone stored.
func fromResource(r resource.Resource) (userInput, error) {
	var in userInput
	u := &tilgang.User{}
	in.user = u
	rd := reader{}
	u.UserName = rd.str(r, "userName")
	u.ExternalID = rd.str(r, "externalId")
	in.active = rd.boolean(r, "active")
	// The product's fields are read from the attributes as kept, so that
	// what is derived and what is shown back are one and the same.
	kept, err := keep(r)
	if err != nil {
		return userInput{}, err
	}
	if name := rd.object(kept, "name"); name != nil {
		u.FirstName = rd.str(name, "givenName")
		u.LastName = rd.str(name, "familyName")
	}
	u.Email = rd.pickedValue(kept, "emails", emailTypes)
	u.Phone = rd.pickedValue(kept, "phoneNumbers", phoneTypes)
	if ent := rd.object(kept, resource.EnterpriseSchema); ent != nil {
		u.EmployeeNumber = rd.str(ent, "employeeNumber")
		u.Department = rd.str(ent, "department")
		u.Organization = rd.str(ent, "organization")
		u.Manager = rd.manager(ent)
	}
	if ext, _ := resource.Container(r, resource.TilgangSchema, false); ext != nil {
		in.hasTilgang = true
		in.cpr = rd.str(ext, "cpr")
		u.DateOfBirth = rd.str(ext, "dateOfBirth")
		if a := rd.boolean(ext, "anonymous"); a != nil {
			u.Anonymous, in.hasAnonymous = *a, true
		}
		u.ReferenceText = rd.str(ext, "referenceText")
		u.TargetIAL = rd.integer(ext, "targetIal")
		u.EAN = rd.str(ext, "ean")
		u.PNumber = rd.str(ext, "pNumber")
		u.SENumber = rd.str(ext, "seNumber")
		u.LoginMeans = rd.str(ext, "loginMeans")
		u.Authenticators = rd.strs(ext, "authenticators")
		// rights, canSign, sealProfiles and roles are read-only over SCIM
		// and ignored here (RFC 7644 §3.5.1); a PATCH that names them is
		// refused with mutability before it gets here.
		u.Kind = rd.str(ext, "kind")
	}
	if rd.err != nil {
		return userInput{}, rd.err
	}
	if u.SCIMAttributes, err = encodeKept(kept); err != nil {
		return userInput{}, err
	}
	// Whether the values make a user (userName is required, RFC 7643
	// §4.1) is the users rulebook's to say.
	return in, nil
}
