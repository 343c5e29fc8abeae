package csvimport_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/tilgang/tilgang/internal/csvimport"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// TestLookAlikeAddresses: a file's addresses are one user's when they are
// one name after NFKC and case folding (SPEC §14), against the users an
// identity provider made and among the file's own rows. A full-width
// address is no address at all (validate.Email allows ASCII only).
func TestLookAlikeAddresses(t *testing.T) {
	t.Parallel()
	f := newFixture(t, &tilgang.Organisation{Name: "English Ltd", IAL: 3, Language: "en"}, csvimport.Options{})
	// An identity provider's user, whose userName is the full-width
	// look-alike of max@example.dk.
	if _, err := f.svc.Create(context.Background(), tilgang.Actor{Name: "idp", Source: "scim"}, f.org, users.NewRequest{
		User:    &tilgang.User{UserName: "ｍax@example.dk", FirstName: "Max", LastName: "Bahr"},
		Profile: users.SCIMProfile,
	}); err != nil {
		t.Fatal(err)
	}
	body := "Action,Email,First name,Surname,CPR number,Date of birth,Target IAL\r\n" +
		"C,max@example.dk,Max,Hansen,,01011980,3\r\n" + // the IdP's user's name
		"C,anna@example.dk,Anna,Hansen,,01011981,3\r\n" +
		"C,ａnna@example.dk,Anna,Jensen,,01011982,3\r\n" + // full-width a
		"C,ANNA@example.dk,Anna,Olsen,,01011983,3\r\n"
	f.handle(f.put("lookalike.csv", []byte(body)))
	r, _ := f.receipt("lookalike")
	want := []string{
		"2 failed user.exists",
		"3 created",
		"4 failed email.format",
		"5 failed user.exists",
	}
	var got []string
	for _, row := range r.Rows {
		s := fmt.Sprintf("%d %s", row.Line, row.Result)
		for _, e := range row.Errors {
			s += " " + e.Code
		}
		got = append(got, s)
	}
	if !slices.Equal(got, want) {
		t.Errorf("rows:\n got %q\nwant %q", got, want)
	}
	if n := len(f.users()); n != 2 {
		t.Errorf("%d users, want the IdP's and anna@example.dk", n)
	}
}
