package operator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/operator"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// TestMailRedrive: outbox items still pending an hour after they were
// written (no mailer runs here) are written again by tilgang mail redrive;
// --limit bounds a call, and exit status 4 says more remain.
func TestMailRedrive(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, table := testenv.Table(t)
	_, bucket := testenv.Bucket(t)
	devFile := writeDevFile(t, "http://127.0.0.1:1", table, bucket)

	hourAgo := time.Now().Add(-time.Hour)
	st := store.New(db, table, store.WithClock(func() time.Time { return hourAgo }))
	org := &tilgang.Organisation{ID: uuid.NewString(), Name: "Post ApS", CVR: "12345678", IAL: 3}
	if err := st.CreateOrganisation(ctx, org); err != nil {
		t.Fatal(err)
	}
	var mailIDs []string
	for range 2 {
		id, _ := uuid.NewV7()
		u := &tilgang.User{ID: uuid.NewString(), OrgID: org.ID, FirstName: "Anna", LastName: "Hansen", Email: "anna@post.example", Status: tilgang.StatusPendingActivation}
		u.UserName = u.ID
		err := st.CreateUser(ctx, u, tilgang.Change{
			Activity: tilgang.Activity{Actor: "test", Action: "user.created", Source: "admin"},
			Mail:     []tilgang.Mail{{ID: id.String(), OrgID: org.ID, UserID: u.ID, Kind: tilgang.MailActivation, Language: "da"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		mailIDs = append(mailIDs, id.String())
	}

	redrive := func(args ...string) (map[string]any, error) {
		t.Helper()
		var out, errOut bytes.Buffer
		args = append([]string{"mail", "redrive", "--json", "--local", "--dev-file", devFile}, args...)
		err := operator.Run(ctx, args, &out, &errOut, operator.Deps{Connect: operator.Connect(nil)})
		var got map[string]any
		if jerr := json.Unmarshal(out.Bytes(), &got); jerr != nil {
			t.Fatalf("tilgang %s: %v (%v) in %q", strings.Join(args, " "), jerr, err, out.String())
		}
		return got, err
	}
	got, err := redrive("--limit", "1")
	if operator.ExitCode(err) != 4 || got["redriven"] != 1.0 || got["more"] != true {
		t.Fatalf("--limit 1: %v, %v (exit %d); want 1 re-driven, more (exit 4)", got, err, operator.ExitCode(err))
	}
	got, err = redrive()
	if err != nil || got["redriven"] != 1.0 || got["more"] != false {
		t.Fatalf("second call: %v, %v; want the other re-driven", got, err)
	}
	items, err := st.OutboxItems(ctx, mailIDs)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it == nil || it.Status != store.OutboxSkipped || !strings.HasPrefix(it.Reason, "redriven:") {
			t.Fatalf("the old item after the re-drive: %+v", it)
		}
	}
	// The new items are fresh: nothing is due.
	got, err = redrive()
	if err != nil || got["redriven"] != 0.0 {
		t.Fatalf("third call: %v, %v; want nothing re-driven", got, err)
	}
}
