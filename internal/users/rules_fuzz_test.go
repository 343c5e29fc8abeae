package users

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/validate"
)

// fuzzProfiles are the profiles FuzzRulebook picks from.
var fuzzProfiles = []Profile{AdminProfile, ImportProfile, InviteeProfile, SCIMProfile, {}}

// FuzzRulebook judges arbitrary users for every profile: it must not
// panic; it refuses only with complete invalid-input problems that blame
// a field; a user it accepts is in its stored form, has what its profile
// requires, and is accepted unchanged when judged again as an update.
func FuzzRulebook(f *testing.F) {
	f.Add(uint8(0), uint8(0), "", "Anna", "Hansen", "anna@example.dk", "12 34 56 78", "", "1990-01-31", "", 0, "", "", "", "", "", "", false)
	f.Add(uint8(1), uint8(7), "", " Bo ", "Berg", "Bo@Example.DK", "+45 1234 5678", "0101901234", "01011990", "Afd. 7", 3,
		ean1, pNo2, seNo, "PrivatID", "external", "sagsbehandler", false)
	f.Add(uint8(3), uint8(1), "idp-user", "", "", "", "", "0101575000", "", "", 4, "1", "", "", "privatid", "x", "user-admin", true)
	f.Add(uint8(2), uint8(0), "ignored", "Ida", "Holm", "ida@firma", "1234", "101901234", "2030-01-01", "", 5, "", "", "", "NemID", "", " ", false)
	f.Fuzz(func(t *testing.T, profile, flags uint8, userName, first, last, email, phone, cprText, dob, ref string, ial int,
		ean, pNumber, seNumber, login, kind, role string, anonymous bool) {
		p := fuzzProfiles[int(profile)%len(fuzzProfiles)]
		org := testOrg()
		org.AllowAnonymous, org.ReferenceTextEnabled, org.AllowPrivateMitID = flags&1 != 0, flags&2 != 0, flags&4 != 0
		if flags&8 != 0 {
			org.IAL = 4
		}
		u := &tilgang.User{UserName: userName, FirstName: first, LastName: last, Email: email, Phone: phone,
			DateOfBirth: dob, ReferenceText: ref, TargetIAL: ial, EAN: ean, PNumber: pNumber, SENumber: seNumber,
			LoginMeans: login, Kind: kind, Anonymous: anonymous}
		if role != "" {
			u.Roles = []tilgang.Role{{Role: role}}
		}
		n, err := judge(p, org, nil, u, cprText, testNow)
		if err != nil {
			checkProblems(t, err)
			return
		}
		checkStored(t, p, org, u)
		if !n.IsZero() {
			u.CPR = tilgang.SealedCPR{Lookup: testLookup(n), Sealed: []byte{1}}
		}
		old := u.Clone()
		again := u.Clone()
		if _, err := judge(p, org, old, again, "", testNow); err != nil {
			t.Fatalf("an accepted user is refused as an update: %v\n%+v", err, u)
		}
		if f := changedFields(old, again); len(f) > 0 {
			t.Fatalf("judging an accepted user again changes %v", f)
		}
	})
}

// checkProblems fails unless err is only complete invalid-input problems
// that blame a field.
func checkProblems(t *testing.T, err error) {
	t.Helper()
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("error %v is not joined problems", err)
	}
	for _, e := range joined.Unwrap() {
		var p *tilgang.Error
		if !errors.As(e, &p) || p.Kind != tilgang.KindInvalid || p.Field == "" || p.Code == "" || p.Message == "" {
			t.Fatalf("problem %#v is not complete", e)
		}
	}
}

// checkStored fails unless u, accepted for p's asker in org, is in its
// stored form and has what p requires.
func checkStored(t *testing.T, p Profile, org *tilgang.Organisation, u *tilgang.User) {
	t.Helper()
	if e, err := validate.Email(u.Email); u.Email != "" && (err != nil || e != u.Email) {
		t.Fatalf("e-mail %q stored", u.Email)
	}
	if ph, err := validate.Phone(u.Phone); u.Phone != "" && (err != nil || ph != u.Phone) {
		t.Fatalf("phone %q stored", u.Phone)
	}
	if d, err := time.Parse(time.DateOnly, u.DateOfBirth); u.DateOfBirth != "" && (err != nil || d.Format(time.DateOnly) != u.DateOfBirth) {
		t.Fatalf("date of birth %q stored", u.DateOfBirth)
	}
	switch {
	case u.UserName == "":
		t.Fatalf("no userName")
	case u.TargetIAL != 3 && u.TargetIAL != 4 || u.TargetIAL > org.IAL:
		t.Fatalf("target IAL %d in an IAL %d organisation", u.TargetIAL, org.IAL)
	case u.EAN != "" && !slices.Contains(org.EANNumbers, u.EAN),
		u.PNumber != "" && !slices.Contains(org.PNumbers, u.PNumber),
		u.SENumber != "" && !slices.Contains(org.SENumbers, u.SENumber):
		t.Fatalf("unregistered number stored: %q %q %q", u.EAN, u.PNumber, u.SENumber)
	case u.Kind != tilgang.KindEmployee && u.Kind != tilgang.KindExternal:
		t.Fatalf("kind %q", u.Kind)
	case u.LoginMeans != "" && u.LoginMeans != tilgang.LoginMeansPrivateMitID:
		t.Fatalf("login means %q", u.LoginMeans)
	case u.Anonymous && (u.IsAdmin() || !org.AllowAnonymous):
		t.Fatalf("anonymous user %+v in %+v", u, org)
	case u.ReferenceText != "" && !org.ReferenceTextEnabled:
		t.Fatalf("reference text stored where it is not enabled")
	case p.requireNames && (u.FirstName == "" || u.LastName == ""),
		p.requireEmail && u.Email == "",
		p.requireIdentity && u.DateOfBirth == "",
		p.requireNumbers && (u.EAN == "" || u.PNumber == "" || u.SENumber == ""):
		t.Fatalf("%+v accepted without what its profile requires", u)
	}
}
