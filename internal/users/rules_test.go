package users

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/cpr"
	"github.com/tilgang/tilgang/internal/tilgang"
)

var testNow = time.Date(2025, time.June, 1, 12, 0, 0, 0, time.UTC)

const (
	ean1 = "5790000000005"
	pNo1 = "1000000001"
	pNo2 = "1000000002"
	seNo = "12345678"
)

// testOrg is an IAL 3 organisation with one EAN, two P-numbers and one
// SE-number, and every optional flag off.
func testOrg() *tilgang.Organisation {
	return &tilgang.Organisation{ID: "o1", Name: "Firma A/S", CVR: "12345678", IAL: 3,
		EANNumbers: []string{ean1}, PNumbers: []string{pNo1, pNo2}, SENumbers: []string{seNo}, Language: "da"}
}

// testUser is a valid date-of-birth user.
func testUser() *tilgang.User {
	return &tilgang.User{FirstName: "Anna", LastName: "Hansen", Email: "anna@example.dk", DateOfBirth: "1990-01-31"}
}

func mustCPR(t *testing.T, s string) cpr.Number {
	t.Helper()
	n, err := cpr.Parse(s)
	if err != nil {
		t.Fatalf("cpr.Parse(%q): %v", s, err)
	}
	return n
}

// problemsOf lists err's problems as "field:code", sorted.
func problemsOf(err error) []string {
	var out []string
	for _, e := range tilgang.Problems(err) {
		if e.Kind != tilgang.KindInvalid {
			out = append(out, "kind-not-invalid:"+e.Code)
			continue
		}
		out = append(out, e.Field+":"+e.Code)
	}
	slices.Sort(out)
	return out
}

// testLookup is a look-up hash for tests: the digits, reversed.
func testLookup(n cpr.Number) string {
	d := []byte(n.Digits())
	slices.Reverse(d)
	return string(d)
}

func TestRulebook(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		org     func(*tilgang.Organisation)
		user    func(*tilgang.User)
		cpr     string
		profile *Profile // nil: AdminProfile
		// old makes the check an update from old, which it may change
		// (it starts as a copy of the user after user).
		old   func(*tilgang.User)
		want  []string
		check func(t *testing.T, u *tilgang.User)
	}{
		{
			name: "valid user gets its defaults",
			check: func(t *testing.T, u *tilgang.User) {
				if u.UserName != "anna@example.dk" || u.Kind != tilgang.KindEmployee || u.TargetIAL != 3 {
					t.Errorf("userName %q, kind %q, targetIal %d", u.UserName, u.Kind, u.TargetIAL)
				}
				if u.EAN != ean1 || u.SENumber != seNo {
					t.Errorf("single registered numbers not defaulted: ean %q, se %q", u.EAN, u.SENumber)
				}
				if u.PNumber != "" {
					t.Errorf("pNumber %q defaulted from two choices", u.PNumber)
				}
			},
		},
		// testNow is in 2025; a CPR of 2030 (7th digit 4) is a date to come.
		{name: "CPR date in the future", cpr: "0101304000", user: func(u *tilgang.User) { u.DateOfBirth = "" }, want: []string{"cpr:cpr.invalid_date"}},
		{name: "first name required", user: func(u *tilgang.User) { u.FirstName = "  " }, want: []string{"firstName:field.required"}},
		{name: "surname required", user: func(u *tilgang.User) { u.LastName = "" }, want: []string{"lastName:field.required"}},
		{name: "names optional for SCIM", profile: &SCIMProfile, user: func(u *tilgang.User) { u.UserName, u.FirstName, u.LastName = "anna", "", "" }},
		{name: "userName required for SCIM", profile: &SCIMProfile, user: func(u *tilgang.User) { u.UserName = " " }, want: []string{"userName:field.required"}},
		{name: "e-mail optional for SCIM", profile: &SCIMProfile, user: func(u *tilgang.User) { u.UserName, u.Email = "anna", "" },
			check: func(t *testing.T, u *tilgang.User) {
				if u.UserName != "anna" || u.Email != "" {
					t.Errorf("userName %q, email %q", u.UserName, u.Email)
				}
			}},
		{name: "e-mail checked for SCIM", profile: &SCIMProfile, user: func(u *tilgang.User) { u.UserName, u.Email = "anna", "anna@firma" }, want: []string{"email:email.format"}},
		{name: "SCIM userName does not follow the e-mail", profile: &SCIMProfile,
			user: func(u *tilgang.User) { u.UserName, u.Email = "anna@example.dk", "anna.h@example.dk" },
			old:  func(o *tilgang.User) { o.Email = "anna@example.dk" },
			check: func(t *testing.T, u *tilgang.User) {
				if u.UserName != "anna@example.dk" {
					t.Errorf("userName %q", u.UserName)
				}
			}},
		{name: "the zero profile requires a userName only", profile: &Profile{},
			user: func(u *tilgang.User) { u.FirstName, u.Email, u.DateOfBirth = "", "", "" }, want: []string{"userName:field.required"}},
		{name: "the zero profile takes the e-mail as userName", profile: &Profile{},
			user: func(u *tilgang.User) { u.FirstName, u.DateOfBirth = "", "" },
			check: func(t *testing.T, u *tilgang.User) {
				if u.UserName != "anna@example.dk" {
					t.Errorf("userName %q", u.UserName)
				}
			}},
		{name: "names required for invitees", profile: &InviteeProfile, user: func(u *tilgang.User) { u.FirstName, u.DateOfBirth = "", "" }, want: []string{"firstName:field.required"}},
		{
			name: "names trimmed",
			user: func(u *tilgang.User) { u.FirstName, u.LastName = " Anna ", "\tHansen\n" },
			check: func(t *testing.T, u *tilgang.User) {
				if u.FirstName != "Anna" || u.LastName != "Hansen" {
					t.Errorf("names %q %q", u.FirstName, u.LastName)
				}
			},
		},
		{name: "name of 200 characters", user: func(u *tilgang.User) { u.FirstName = strings.Repeat("Å", 200) }},
		{name: "name of 201 characters", user: func(u *tilgang.User) { u.FirstName = strings.Repeat("Å", 201) }, want: []string{"firstName:field.too_long"}},
		{name: "reference text too long", org: func(o *tilgang.Organisation) { o.ReferenceTextEnabled = true },
			user: func(u *tilgang.User) { u.ReferenceText = strings.Repeat("x", 1001) }, want: []string{"referenceText:field.too_long"}},
		{name: "e-mail required", user: func(u *tilgang.User) { u.Email = "" }, want: []string{"email:field.required"}},
		{name: "e-mail of spaces", user: func(u *tilgang.User) { u.Email = "   " }, want: []string{"email:field.required"}},
		{name: "e-mail without dot in domain", user: func(u *tilgang.User) { u.Email = "anna@firma" }, want: []string{"email:email.format"}},
		{name: "e-mail with display name", user: func(u *tilgang.User) { u.Email = "Anna <anna@example.dk>" }, want: []string{"email:email.format"}},
		{
			name: "e-mail normalised and used as userName",
			user: func(u *tilgang.User) { u.Email = " Anna.Hansen@Example.DK " },
			check: func(t *testing.T, u *tilgang.User) {
				if u.Email != "Anna.Hansen@example.dk" || u.UserName != u.Email {
					t.Errorf("email %q, userName %q", u.Email, u.UserName)
				}
			},
		},
		{
			name: "userName follows a new e-mail when it was the old one",
			user: func(u *tilgang.User) { u.UserName, u.Email = "Anna@Example.dk", "bo@example.dk" },
			old:  func(o *tilgang.User) { o.Email = "anna@example.dk" },
			check: func(t *testing.T, u *tilgang.User) {
				if u.UserName != "bo@example.dk" {
					t.Errorf("userName %q", u.UserName)
				}
			},
		},
		{
			name: "userName kept when both change",
			user: func(u *tilgang.User) { u.UserName, u.Email = "bo", "bo@example.dk" },
			old:  func(o *tilgang.User) { o.UserName, o.Email = "anna@example.dk", "anna@example.dk" },
			check: func(t *testing.T, u *tilgang.User) {
				if u.UserName != "bo" {
					t.Errorf("userName %q", u.UserName)
				}
			},
		},
		{
			name: "given userName kept, trimmed",
			user: func(u *tilgang.User) { u.UserName, u.ExternalID = " anna.h ", " ext-1 " },
			check: func(t *testing.T, u *tilgang.User) {
				if u.UserName != "anna.h" || u.ExternalID != "ext-1" {
					t.Errorf("userName %q, externalId %q", u.UserName, u.ExternalID)
				}
			},
		},
		{name: "phone Danish grouped", user: func(u *tilgang.User) { u.Phone = "12 34 56 78" }, check: wantPhone("12345678")},
		{name: "phone E.164 grouped", user: func(u *tilgang.User) { u.Phone = "+45 12 34 56 78" }, check: wantPhone("+4512345678")},
		{name: "phone 00 prefix", user: func(u *tilgang.User) { u.Phone = "0045 1234 5678" }, check: wantPhone("+4512345678")},
		{name: "phone no-break spaces", user: func(u *tilgang.User) { u.Phone = "12\u00a034\u00a056\u00a078" }, check: wantPhone("12345678")},
		{name: "phone too short", user: func(u *tilgang.User) { u.Phone = "1234567" }, want: []string{"phone:phone.format"}},
		{name: "phone with letters", user: func(u *tilgang.User) { u.Phone = "+45 CALL ME" }, want: []string{"phone:phone.format"}},
		{name: "phone of spaces is none", user: func(u *tilgang.User) { u.Phone = "  " }, check: wantPhone("")},
		{name: "date of birth CSV form", user: func(u *tilgang.User) { u.DateOfBirth = "31011990" }, check: wantDOB("1990-01-31")},
		{name: "date of birth not a date", user: func(u *tilgang.User) { u.DateOfBirth = "1990-02-30" }, want: []string{"dateOfBirth:dob.format"}},
		{name: "date of birth in the future", user: func(u *tilgang.User) { u.DateOfBirth = "2030-01-01" }, want: []string{"dateOfBirth:dob.format"}},
		{name: "date of birth before 1875", user: func(u *tilgang.User) { u.DateOfBirth = "1874-12-31" }, want: []string{"dateOfBirth:dob.format"}},
		{name: "CPR alone sets date of birth", user: func(u *tilgang.User) { u.DateOfBirth = "" }, cpr: "3101901234", check: wantDOB("1990-01-31")},
		{name: "CPR and agreeing date of birth", cpr: "3101901234", check: wantDOB("1990-01-31")},
		{name: "CPR and agreeing CSV date", user: func(u *tilgang.User) { u.DateOfBirth = "31011990" }, cpr: "310190-1234", check: wantDOB("1990-01-31")},
		{name: "CPR of the 2000s", user: func(u *tilgang.User) { u.DateOfBirth = "" }, cpr: "0101054321", check: wantDOB("2005-01-01")},
		{name: "CPR and other date of birth", user: func(u *tilgang.User) { u.DateOfBirth = "1990-02-01" }, cpr: "3101901234",
			want: []string{"dateOfBirth:dob.cpr_mismatch"}},
		{name: "CPR and invalid date of birth: one problem", user: func(u *tilgang.User) { u.DateOfBirth = "1990-02-30" }, cpr: "3101901234",
			want: []string{"dateOfBirth:dob.format"}},
		{name: "CPR of another century", user: func(u *tilgang.User) { u.DateOfBirth = "1990-01-31" }, cpr: "3101905234",
			want: []string{"dateOfBirth:dob.cpr_mismatch"}}, // seventh digit 5 and year 90: born 1890
		{name: "CPR malformed: one problem", user: func(u *tilgang.User) { u.DateOfBirth = "" }, cpr: "01019O1234", want: []string{"cpr:cpr.format"}},
		{name: "CPR without its leading zero", cpr: "101901234", want: []string{"cpr:cpr.leading_zero_lost"}},
		{name: "CPR of 12 digits", cpr: "310119901234", want: []string{"cpr:cpr.twelve_digits"}},
		{name: "CPR not a date", cpr: "3102901234", want: []string{"cpr:cpr.invalid_date"}},
		// The century rules: seventh digit 4 or 9 runs to 2036, 5 to 8 to 2057.
		{name: "CPR of 2036 by digit 4", user: func(u *tilgang.User) { u.DateOfBirth = "" }, cpr: "0101364000", want: []string{"cpr:cpr.invalid_date"}},
		{name: "CPR of 2057 by digit 5", user: func(u *tilgang.User) { u.DateOfBirth = "" }, cpr: "0101575000", want: []string{"cpr:cpr.invalid_date"}},
		{name: "identity required", user: func(u *tilgang.User) { u.DateOfBirth = "" }, want: []string{"cpr:field.required"}},
		{name: "identity optional for SCIM", profile: &SCIMProfile, user: func(u *tilgang.User) { u.UserName, u.DateOfBirth = "anna", "" }},
		{name: "identity optional for invitees", profile: &InviteeProfile, user: func(u *tilgang.User) { u.DateOfBirth = "" }},
		{name: "stored CPR is an identity", old: func(*tilgang.User) {},
			user: func(u *tilgang.User) { u.DateOfBirth, u.CPR = "", tilgang.SealedCPR{Lookup: "h", Sealed: []byte{1}} }},
		// A number given for a user that has one is never compared (SPEC
		// §14): the same answer for the stored number and another one.
		{name: "stored CPR given again", cpr: "3101901234", old: func(*tilgang.User) {},
			user: func(u *tilgang.User) {
				u.DateOfBirth, u.CPR = "1990-01-31", tilgang.SealedCPR{Lookup: testLookup(mustCPR(t, "3101901234")), Sealed: []byte{1}}
			}, want: []string{"cpr:field.immutable"}},
		{name: "stored CPR changed", cpr: "0101901234", old: func(*tilgang.User) {},
			user: func(u *tilgang.User) {
				u.DateOfBirth, u.CPR = "1990-01-31", tilgang.SealedCPR{Lookup: testLookup(mustCPR(t, "3101901234")), Sealed: []byte{1}}
			}, want: []string{"cpr:field.immutable"}},
		{name: "stored CPR given again over SCIM", profile: &SCIMProfile, cpr: "3101901234", old: func(*tilgang.User) {},
			user: func(u *tilgang.User) {
				u.UserName, u.DateOfBirth, u.CPR = "anna", "1990-01-31", tilgang.SealedCPR{Lookup: testLookup(mustCPR(t, "3101901234")), Sealed: []byte{1}}
			}, check: wantDOB("1990-01-31")},
		{name: "stored CPR changed over SCIM", profile: &SCIMProfile, cpr: "0101901234", old: func(*tilgang.User) {},
			user: func(u *tilgang.User) {
				u.UserName, u.DateOfBirth, u.CPR = "anna", "1990-01-31", tilgang.SealedCPR{Lookup: testLookup(mustCPR(t, "3101901234")), Sealed: []byte{1}}
			}, check: wantDOB("1990-01-31")},
		{name: "date of birth against a stored CPR over SCIM", profile: &SCIMProfile, old: func(o *tilgang.User) { o.DateOfBirth = "1990-01-31" },
			user: func(u *tilgang.User) {
				u.UserName, u.DateOfBirth, u.CPR = "anna", "1990-02-01", tilgang.SealedCPR{Lookup: "h", Sealed: []byte{1}}
			},
			check: wantDOB("1990-01-31")},
		{name: "first CPR on update", cpr: "3101901234", old: func(*tilgang.User) {}, check: wantDOB("1990-01-31")},
		{name: "date of birth of a stored CPR kept", old: func(o *tilgang.User) { o.DateOfBirth = "1990-01-31" },
			user:  func(u *tilgang.User) { u.DateOfBirth, u.CPR = "", tilgang.SealedCPR{Lookup: "h", Sealed: []byte{1}} },
			check: wantDOB("1990-01-31")},
		{name: "date of birth against a stored CPR", old: func(o *tilgang.User) { o.DateOfBirth = "1990-01-31" },
			user: func(u *tilgang.User) {
				u.DateOfBirth, u.CPR = "1990-02-01", tilgang.SealedCPR{Lookup: "h", Sealed: []byte{1}}
			},
			want: []string{"dateOfBirth:dob.cpr_mismatch"}},
		{name: "target IAL defaults to the organisation's", org: func(o *tilgang.Organisation) { o.IAL = 4 },
			check: func(t *testing.T, u *tilgang.User) {
				if u.TargetIAL != 4 {
					t.Errorf("targetIal %d, want 4", u.TargetIAL)
				}
			}},
		{name: "target IAL 3 in an IAL 4 organisation", org: func(o *tilgang.Organisation) { o.IAL = 4 }, user: func(u *tilgang.User) { u.TargetIAL = 3 }},
		{name: "target IAL 4 in an IAL 4 organisation", org: func(o *tilgang.Organisation) { o.IAL = 4 }, user: func(u *tilgang.User) { u.TargetIAL = 4 }},
		{name: "target IAL 5", user: func(u *tilgang.User) { u.TargetIAL = 5 }, want: []string{"targetIal:ial.range"}},
		{name: "target IAL 2", user: func(u *tilgang.User) { u.TargetIAL = 2 }, want: []string{"targetIal:ial.range"}},
		{name: "target IAL -3", user: func(u *tilgang.User) { u.TargetIAL = -3 }, want: []string{"targetIal:ial.range"}},
		{name: "target IAL 4 in an IAL 3 organisation", user: func(u *tilgang.User) { u.TargetIAL = 4 }, want: []string{"targetIal:ial.range"}},
		{name: "target IAL required for imports", profile: &ImportProfile, user: func(u *tilgang.User) { u.EAN, u.PNumber, u.SENumber = ean1, pNo1, seNo },
			want: []string{"targetIal:field.required"}},
		{name: "EAN not registered", user: func(u *tilgang.User) { u.EAN = "5790000000012" }, want: []string{"ean:ean.unregistered"}},
		{name: "EAN malformed", user: func(u *tilgang.User) { u.EAN = "5,79E+12" }, want: []string{"ean:ean.unregistered"}},
		{name: "P-number not registered", user: func(u *tilgang.User) { u.PNumber = "1000000003" }, want: []string{"pNumber:pnumber.unregistered"}},
		{name: "SE-number not registered", user: func(u *tilgang.User) { u.SENumber = "87654321" }, want: []string{"seNumber:senumber.unregistered"}},
		{name: "registered number trimmed", user: func(u *tilgang.User) { u.SENumber = " " + seNo + " " }},
		{name: "number of an organisation without numbers", org: func(o *tilgang.Organisation) { o.EANNumbers = nil },
			user: func(u *tilgang.User) { u.EAN = ean1 }, want: []string{"ean:ean.unregistered"}},
		{name: "registered numbers chosen", user: func(u *tilgang.User) { u.EAN, u.PNumber, u.SENumber = ean1, pNo2, seNo },
			check: func(t *testing.T, u *tilgang.User) {
				if u.PNumber != pNo2 {
					t.Errorf("pNumber %q", u.PNumber)
				}
			}},
		{name: "numbers required for imports", profile: &ImportProfile, user: func(u *tilgang.User) { u.TargetIAL = 3 },
			want: []string{"ean:field.required", "pNumber:field.required", "seNumber:field.required"}},
		{name: "numbers given for imports", profile: &ImportProfile, user: func(u *tilgang.User) { u.TargetIAL, u.EAN, u.PNumber, u.SENumber = 3, ean1, pNo1, seNo }},
		{name: "numbers for imports in an organisation without numbers", profile: &ImportProfile, user: func(u *tilgang.User) { u.TargetIAL = 3 },
			org: func(o *tilgang.Organisation) { o.EANNumbers, o.PNumbers, o.SENumbers = nil, nil, nil }},
		{name: "anonymous not allowed", user: func(u *tilgang.User) { u.Anonymous = true }, want: []string{"anonymous:anonymous.not_allowed"}},
		{name: "anonymous allowed", org: func(o *tilgang.Organisation) { o.AllowAnonymous = true }, user: func(u *tilgang.User) { u.Anonymous = true }},
		{name: "anonymous kept on update after the flag is off", old: func(*tilgang.User) {}, user: func(u *tilgang.User) { u.Anonymous = true }},
		{name: "anonymity cannot change", org: func(o *tilgang.Organisation) { o.AllowAnonymous = true },
			old: func(o *tilgang.User) { o.Anonymous = false }, user: func(u *tilgang.User) { u.Anonymous = true }, want: []string{"anonymous:field.immutable"}},
		{name: "anonymous with an admin role", org: func(o *tilgang.Organisation) { o.AllowAnonymous = true },
			user: func(u *tilgang.User) {
				u.Anonymous, u.Roles = true, []tilgang.Role{{Role: tilgang.RoleUserAdmin}}
			}, want: []string{"roles:anonymous.admin"}},
		{name: "anonymous with a padded admin role", org: func(o *tilgang.Organisation) { o.AllowAnonymous = true },
			user: func(u *tilgang.User) {
				u.Anonymous, u.Roles = true, []tilgang.Role{{Role: " " + tilgang.RoleCompanyAdmin + "\t"}}
			}, want: []string{"roles:anonymous.admin"}},
		{name: "anonymous with a plain role", org: func(o *tilgang.Organisation) { o.AllowAnonymous = true },
			user: func(u *tilgang.User) {
				u.Anonymous, u.Roles = true, []tilgang.Role{{Role: "sagsbehandler", OrgUnit: "HR"}}
			}},
		{name: "roles trimmed", user: func(u *tilgang.User) { u.Roles = []tilgang.Role{{Role: " sagsbehandler ", OrgUnit: " HR "}} },
			check: func(t *testing.T, u *tilgang.User) {
				if u.Roles[0] != (tilgang.Role{Role: "sagsbehandler", OrgUnit: "HR"}) {
					t.Errorf("roles %+v", u.Roles)
				}
			}},
		{name: "role without a name", user: func(u *tilgang.User) { u.Roles = []tilgang.Role{{Role: " ", OrgUnit: "HR"}} }, want: []string{"roles:role.required"}},
		{name: "roles without names: one problem", user: func(u *tilgang.User) { u.Roles = []tilgang.Role{{Role: " "}, {Role: ""}} }, want: []string{"roles:role.required"}},
		{name: "role name too long", user: func(u *tilgang.User) { u.Roles = []tilgang.Role{{Role: strings.Repeat("r", 101)}} }, want: []string{"roles:field.too_long"}},
		{name: "reference text disabled", user: func(u *tilgang.User) { u.ReferenceText = "Afdeling 7" }, want: []string{"referenceText:referencetext.disabled"}},
		{name: "reference text enabled", org: func(o *tilgang.Organisation) { o.ReferenceTextEnabled = true }, user: func(u *tilgang.User) { u.ReferenceText = "Afdeling 7" }},
		{name: "PrivatID without CPR", org: func(o *tilgang.Organisation) { o.AllowPrivateMitID = true },
			user: func(u *tilgang.User) { u.LoginMeans = tilgang.LoginMeansPrivateMitID }, want: []string{"loginMeans:loginmeans.needs_cpr"}},
		{name: "PrivatID with a malformed CPR: one problem", org: func(o *tilgang.Organisation) { o.AllowPrivateMitID = true }, cpr: "123",
			user: func(u *tilgang.User) { u.LoginMeans = tilgang.LoginMeansPrivateMitID }, want: []string{"cpr:cpr.format"}},
		{name: "PrivatID not allowed", cpr: "3101901234",
			user: func(u *tilgang.User) { u.LoginMeans = tilgang.LoginMeansPrivateMitID }, want: []string{"loginMeans:loginmeans.not_allowed"}},
		{name: "PrivatID neither", user: func(u *tilgang.User) { u.LoginMeans = tilgang.LoginMeansPrivateMitID },
			want: []string{"loginMeans:loginmeans.needs_cpr", "loginMeans:loginmeans.not_allowed"}},
		{name: "PrivatID with CPR, allowed", org: func(o *tilgang.Organisation) { o.AllowPrivateMitID = true }, cpr: "3101901234",
			user: func(u *tilgang.User) { u.LoginMeans = tilgang.LoginMeansPrivateMitID }},
		{name: "PrivatID with stored CPR", org: func(o *tilgang.Organisation) { o.AllowPrivateMitID = true }, old: func(*tilgang.User) {},
			user: func(u *tilgang.User) {
				u.LoginMeans, u.CPR = tilgang.LoginMeansPrivateMitID, tilgang.SealedCPR{Lookup: "h", Sealed: []byte{1}}
			}},
		{name: "login means unknown", user: func(u *tilgang.User) { u.LoginMeans = "NemID" }, want: []string{"loginMeans:loginmeans.value"}},
		{name: "login means in lower case", user: func(u *tilgang.User) { u.LoginMeans = "privatid" }, want: []string{"loginMeans:loginmeans.value"}},
		{name: "kind external", user: func(u *tilgang.User) { u.Kind = tilgang.KindExternal }, check: func(t *testing.T, u *tilgang.User) {
			if u.Kind != tilgang.KindExternal {
				t.Errorf("kind %q", u.Kind)
			}
		}},
		{name: "kind invalid", user: func(u *tilgang.User) { u.Kind = "contractor" }, want: []string{"kind:kind.invalid"}},
		{name: "kind in other case", user: func(u *tilgang.User) { u.Kind = "Employee" }, want: []string{"kind:kind.invalid"}},
		{name: "too many rights", user: func(u *tilgang.User) { u.Rights = make([]string, 101) }, want: []string{"rights:field.too_many"}},
		{name: "right too long", user: func(u *tilgang.User) { u.Rights = []string{strings.Repeat("ø", 101)} }, want: []string{"rights:field.too_long"}},
		{name: "authenticator too long", user: func(u *tilgang.User) { u.Authenticators = []string{"app", strings.Repeat("a", 5000)} },
			want: []string{"authenticators:field.too_long"}},
		{name: "every problem at once",
			user: func(u *tilgang.User) {
				u.FirstName, u.Email, u.Phone, u.TargetIAL, u.EAN, u.Kind = "", "nope", "1", 5, "1", "x"
			},
			want: []string{"ean:ean.unregistered", "email:email.format", "firstName:field.required", "kind:kind.invalid", "phone:phone.format", "targetIal:ial.range"}},
		{name: "too many roles", user: func(u *tilgang.User) { u.Roles = slices.Repeat([]tilgang.Role{{Role: "r"}}, 101) }, want: []string{"roles:field.too_many"}},
		{name: "department too long", user: func(u *tilgang.User) { u.Department = strings.Repeat("d", 201) }, want: []string{"department:field.too_long"}},
		{name: "externalId trimmed and limited", user: func(u *tilgang.User) { u.ExternalID = " " + strings.Repeat("e", 201) + " " }, want: []string{"externalId:field.too_long"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			org, u := testOrg(), testUser()
			if tt.org != nil {
				tt.org(org)
			}
			if tt.user != nil {
				tt.user(u)
			}
			p := AdminProfile
			if tt.profile != nil {
				p = *tt.profile
			}
			var old *tilgang.User
			if tt.old != nil {
				old = u.Clone()
				tt.old(old)
			}
			_, err := judge(p, org, old, u, tt.cpr, testNow)
			if got := problemsOf(err); !slices.Equal(got, tt.want) {
				t.Fatalf("problems = %v, want %v (err %v)", got, tt.want, err)
			}
			if err != nil && len(tilgang.Problems(err)) == 0 {
				t.Fatalf("error %v is not a tilgang.Error", err)
			}
			if tt.check != nil {
				tt.check(t, u)
			}
		})
	}
}

func wantPhone(want string) func(*testing.T, *tilgang.User) {
	return func(t *testing.T, u *tilgang.User) {
		t.Helper()
		if u.Phone != want {
			t.Errorf("phone %q, want %q", u.Phone, want)
		}
	}
}

func wantDOB(want string) func(*testing.T, *tilgang.User) {
	return func(t *testing.T, u *tilgang.User) {
		t.Helper()
		if u.DateOfBirth != want {
			t.Errorf("dateOfBirth %q, want %q", u.DateOfBirth, want)
		}
	}
}

// TestRulebookMessagesHoldNoValues checks that no problem repeats the
// value it refuses: messages reach logs and screens, values may be
// personal data.
func TestRulebookMessagesHoldNoValues(t *testing.T) {
	t.Parallel()
	u := testUser()
	u.Email, u.Phone, u.DateOfBirth = "secret-mail@nowhere", "99999", "1990-02-01"
	_, err := judge(AdminProfile, testOrg(), nil, u, "3101901234", testNow)
	if len(tilgang.Problems(err)) != 3 {
		t.Fatalf("problems %v, want e-mail, phone and date of birth", err)
	}
	for _, e := range tilgang.Problems(err) {
		for _, v := range []string{"secret-mail", "99999", "3101901234", "310190", "1990-02-01"} {
			if strings.Contains(e.Error(), v) {
				t.Errorf("problem %q shows the value %q", e.Error(), v)
			}
		}
	}
}

func TestChangedFields(t *testing.T) {
	t.Parallel()
	base := func() *tilgang.User {
		return &tilgang.User{ID: "u1", OrgID: "o1", UserName: "anna", FirstName: "Anna", LastName: "Hansen",
			Email: "anna@example.dk", Phone: "12345678", CPR: tilgang.SealedCPR{Lookup: "h1", Sealed: []byte{1}},
			DateOfBirth: "1990-01-31", TargetIAL: 3, Rights: []string{"a"}, Kind: tilgang.KindEmployee,
			Roles: []tilgang.Role{{Role: "r", OrgUnit: "u"}}, Status: tilgang.StatusActive}
	}
	tests := []struct {
		name string
		edit func(*tilgang.User)
		want []string
	}{
		{"nothing", func(*tilgang.User) {}, nil},
		{"nil and empty lists are equal", func(u *tilgang.User) { u.Authenticators = []string{} }, nil},
		{"phone", func(u *tilgang.User) { u.Phone = "" }, []string{"phone"}},
		{"names", func(u *tilgang.User) { u.FirstName, u.LastName = "Bo", "Berg" }, []string{"firstName", "lastName"}},
		{"CPR names the field, not the value", func(u *tilgang.User) { u.CPR = tilgang.SealedCPR{Lookup: "h2", Sealed: []byte{2}} }, []string{"cpr"}},
		{"sealed copy alone is no change", func(u *tilgang.User) { u.CPR.Sealed = []byte{9} }, nil},
		{"role unit", func(u *tilgang.User) { u.Roles[0].OrgUnit = "v" }, []string{"roles"}},
		{"rights order", func(u *tilgang.User) { u.Rights = []string{"b", "a"} }, []string{"rights"}},
		{"signing and seals", func(u *tilgang.User) { u.CanSign, u.SealProfiles = true, []string{"s"} }, []string{"canSign", "sealProfiles"}},
		{"status and deactivation", func(u *tilgang.User) {
			u.Status, u.Deactivation = tilgang.StatusDeactivated, &tilgang.Deactivation{From: "2025-01-01"}
		}, []string{"status", "deactivation"}},
		{"every field", func(u *tilgang.User) {
			*u = tilgang.User{ID: u.ID, OrgID: u.OrgID, UserName: "x", ExternalID: "x", FirstName: "x", LastName: "x",
				Email: "x", Phone: "x", CPR: tilgang.SealedCPR{Lookup: "x"}, DateOfBirth: "x", ReferenceText: "x", TargetIAL: 4,
				EAN: "x", PNumber: "x", SENumber: "x", LoginMeans: "x", Authenticators: []string{"x"}, Rights: []string{"x"},
				CanSign: true, SealProfiles: []string{"x"}, Kind: "x", Roles: []tilgang.Role{{Role: "x"}}, Department: "x",
				Status: "x", Deactivation: &tilgang.Deactivation{From: "x"}}
		}, []string{"userName", "externalId", "firstName", "lastName", "email", "phone", "cpr", "dateOfBirth",
			"referenceText", "targetIal", "ean", "pNumber", "seNumber", "loginMeans", "authenticators", "rights",
			"canSign", "sealProfiles", "kind", "roles", "department", "status", "deactivation"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			old := base()
			u := old.Clone()
			tt.edit(u)
			if got := changedFields(old, u); !slices.Equal(got, tt.want) {
				t.Errorf("changedFields = %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("deactivation windows compared by value", func(t *testing.T) {
		t.Parallel()
		old := base()
		old.Deactivation = &tilgang.Deactivation{From: "2025-01-01", To: "2025-01-31"}
		u := old.Clone()
		if got := changedFields(old, u); got != nil {
			t.Errorf("cloned window reported as %v", got)
		}
		u.Deactivation.To = "2025-02-28"
		if got := changedFields(old, u); !slices.Equal(got, []string{"deactivation"}) {
			t.Errorf("changed window reported as %v", got)
		}
		u.Deactivation = nil
		if got := changedFields(old, u); !slices.Equal(got, []string{"deactivation"}) {
			t.Errorf("ended window reported as %v", got)
		}
	})
}
