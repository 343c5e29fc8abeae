package tenants_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// Valid numbers of each kind.
const (
	ean1 = "5790000000005"
	ean2 = "5790000000029"
	pNo  = "1000000001"
	seNo = "12345678"
)

// fixture is the tenants service on a fresh table with one provisioned
// organisation.
type fixture struct {
	st    *store.Store
	svc   *tenants.Service
	org   *tilgang.Organisation
	creds tenants.Credentials
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := testenv.Store(t)
	f := &fixture{st: st, svc: tenants.New(st)}
	f.org = &tilgang.Organisation{Name: "Firma A/S", CVR: "11111111", IAL: 3, EANNumbers: []string{ean1}, MaxAdmins: 5}
	var err error
	if f.creds, err = f.svc.Provision(context.Background(), f.org); err != nil {
		t.Fatal(err)
	}
	return f
}

// stored reads the organisation as stored.
func (f *fixture) stored(t *testing.T) *tilgang.Organisation {
	t.Helper()
	o, err := f.st.Organisation(context.Background(), f.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// wantProblems fails unless err holds exactly the (field, code) problems
// want, in any order, all of kind.
func wantProblems(t *testing.T, err error, kind tilgang.Kind, want ...[2]string) {
	t.Helper()
	var got [][2]string
	for _, p := range tilgang.Problems(err) {
		if p.Kind != kind {
			t.Errorf("%s of kind %d, want %d", p, p.Kind, kind)
		}
		got = append(got, [2]string{p.Field, p.Code})
	}
	sortPairs := func(l [][2]string) {
		slices.SortFunc(l, func(a, b [2]string) int { return strings.Compare(a[0]+" "+a[1], b[0]+" "+b[1]) })
	}
	sortPairs(got)
	sortPairs(want)
	if !slices.Equal(got, want) {
		t.Errorf("problems %v (error %v), want %v", got, err, want)
	}
}

func TestUpdateSettingsNormalises(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	before := *f.org

	in := tenants.SettingsOf(f.org)
	in.Name = "Firma A/S (ny)"
	in.EANNumbers = []string{ean1, " " + ean2 + " ", ean1}
	in.PNumbers = []string{pNo}
	in.SENumbers = []string{seNo, seNo}
	in.AdminEmails = []string{" it@example.dk "}
	in.Language = "en"
	in.AllowAnonymous, in.ReferenceTextEnabled, in.AllowPrivateMitID = true, true, true
	got, err := f.svc.UpdateSettings(ctx, f.org, in)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.EANNumbers, []string{ean1, ean2}) || !slices.Equal(got.SENumbers, []string{seNo}) ||
		!slices.Equal(got.AdminEmails, []string{"it@example.dk"}) || got.Language != "en" || got.Name != in.Name ||
		!got.AllowAnonymous || !got.ReferenceTextEnabled || !got.AllowPrivateMitID {
		t.Errorf("updated organisation %+v", got)
	}
	// What the operator set stays: registration and licence.
	if got.ID != before.ID || got.CVR != before.CVR || got.IAL != before.IAL || got.MaxAdmins != 5 || got.Version != before.Version+1 {
		t.Errorf("updated organisation %+v, from %+v", got, before)
	}
	if s := f.stored(t); s.Version != got.Version || !slices.Equal(s.EANNumbers, got.EANNumbers) || s.MaxAdmins != 5 {
		t.Errorf("stored %+v, returned %+v", s, got)
	}
	// The organisation it was given is the one read before.
	if f.org.Version != before.Version || !slices.Equal(f.org.EANNumbers, before.EANNumbers) {
		t.Errorf("the argument changed: %+v", f.org)
	}
	// Settings read before the change are stale now.
	if _, err := f.svc.UpdateSettings(ctx, f.org, in); !errors.Is(err, tilgang.ErrStale) {
		t.Errorf("update of a stale read: %v", err)
	}
	// Empty lists clear.
	in = tenants.SettingsOf(got)
	in.SENumbers, in.AdminEmails = nil, []string{}
	if got, err = f.svc.UpdateSettings(ctx, got, in); err != nil || len(got.SENumbers) != 0 || len(got.AdminEmails) != 0 {
		t.Errorf("clearing lists: %+v, %v", got, err)
	}
}

func TestUpdateSettingsRefuses(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	many := func(n int, format string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf(format, i)
		}
		return out
	}
	tests := []struct {
		name string
		edit func(*tenants.Settings)
		want [][2]string
	}{
		{"blank name", func(s *tenants.Settings) { s.Name = "  " }, [][2]string{{"name", "field.required"}}},
		{"long name", func(s *tenants.Settings) { s.Name = strings.Repeat("x", 201) }, [][2]string{{"name", "field.too_long"}}},
		{"name on two lines", func(s *tenants.Settings) { s.Name = "Firma A/S\n\nURGENT: pay at https://evil.example" }, [][2]string{{"name", "text.control"}}},
		{"short EAN", func(s *tenants.Settings) { s.EANNumbers = []string{"123"} }, [][2]string{{"eanNumbers", "number.invalid"}}},
		{"EAN in scientific notation", func(s *tenants.Settings) { s.EANNumbers = []string{"2,56522E+12"} }, [][2]string{{"eanNumbers", "number.scientific"}}},
		{"long P-number", func(s *tenants.Settings) { s.PNumbers = []string{"12345678901"} }, [][2]string{{"pNumbers", "number.invalid"}}},
		{"SE-number with a letter", func(s *tenants.Settings) { s.SENumbers = []string{"1234567a"} }, [][2]string{{"seNumbers", "number.invalid"}}},
		{"admin e-mail", func(s *tenants.Settings) { s.AdminEmails = []string{"nope"} }, [][2]string{{"adminEmails", "email.format"}}},
		{"language", func(s *tenants.Settings) { s.Language = "de" }, [][2]string{{"language", "language.invalid"}}},
		{"no language", func(s *tenants.Settings) { s.Language = "" }, [][2]string{{"language", "language.invalid"}}},
		{"too many EANs", func(s *tenants.Settings) { s.EANNumbers = many(1001, "579%010d") }, [][2]string{{"eanNumbers", "field.too_many"}}},
		{"too many P-numbers", func(s *tenants.Settings) { s.PNumbers = many(1001, "1%09d") }, [][2]string{{"pNumbers", "field.too_many"}}},
		{"too many admin e-mails", func(s *tenants.Settings) { s.AdminEmails = many(101, "a%d@example.dk") }, [][2]string{{"adminEmails", "field.too_many"}}},
		{"every fault at once", func(s *tenants.Settings) {
			s.Name, s.Language = "", "sv"
			s.EANNumbers, s.AdminEmails = []string{"1", ean2, "2"}, []string{"x"}
		}, [][2]string{{"name", "field.required"}, {"language", "language.invalid"}, {"eanNumbers", "number.invalid"}, {"eanNumbers", "number.invalid"}, {"adminEmails", "email.format"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tenants.SettingsOf(f.org)
			tt.edit(&in)
			got, err := f.svc.UpdateSettings(context.Background(), f.org, in)
			if got != nil {
				t.Errorf("refused update returned %+v", got)
			}
			wantProblems(t, err, tilgang.KindInvalid, tt.want...)
		})
	}
	if s := f.stored(t); s.Version != f.org.Version || !slices.Equal(s.EANNumbers, []string{ean1}) {
		t.Errorf("refused updates changed the organisation: %+v", s)
	}
}
