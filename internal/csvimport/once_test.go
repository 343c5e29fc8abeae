package csvimport_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tilgang/tilgang/internal/csvimport"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// generate returns an import file of n C rows with distinct e-mail
// addresses and CPR numbers.
func generate(n int) []byte {
	var b bytes.Buffer
	b.WriteString("Aktion;UUID;Fornavn;Efternavn;CPR;Foedselsdato;Email;Telefon;Anonym;Referencetekst;TargetIAL;EAN;P-nummer;SE-nummer;Loginmiddel\r\n")
	for i := range n {
		day, month, year := i%28+1, i/28%12+1, i/(28*12)%100
		fmt.Fprintf(&b, "C;;Bruger;Nummer %d;%02d%02d%02d%04d;;bruger%d@example.dk;;N;;3;;;;\r\n", i, day, month, year, i/(28*12*100), i)
	}
	return b.Bytes()
}

// checkOnce checks that each of n generated rows made one user with one
// history entry, and that the import's results add up.
func checkOnce(t *testing.T, f *fixture, name string, n int) {
	t.Helper()
	r, _ := f.receipt(name)
	if r.Status != "completed" || r.Created != n || r.Failed != 0 || len(r.Rows) != n {
		t.Fatalf("receipt: status %s, created %d, failed %d, rows %d; want %d created", r.Status, r.Created, r.Failed, len(r.Rows), n)
	}
	us := f.users()
	if len(us) != n {
		t.Fatalf("%d users; want %d", len(us), n)
	}
	for _, u := range us {
		if acts := f.historyActions(u.ID); !slices.Equal(acts, []string{"user.created"}) {
			t.Fatalf("%s: history %v; want one user.created", u.Email, acts)
		}
	}
	if got := f.count("importRow"); got != n {
		t.Errorf("%d recorded rows; want %d", got, n)
	}
	imps, err := f.st.Imports(context.Background(), f.org.ID, 10, "")
	if err != nil || len(imps.Imports) != 1 {
		t.Fatalf("imports = %+v, %v", imps, err)
	}
	if c := imps.Imports[0].Counts; c.Created != n || c.Failed != 0 {
		t.Errorf("import record counts %+v; want %d created", c, n)
	}
}

// receiptVersions counts the versions of an object in the versioned bucket.
func (f *fixture) versions(key string) int {
	f.t.Helper()
	out, err := f.s3.ListObjectVersions(context.Background(), &s3.ListObjectVersionsInput{Bucket: aws.String(f.bucket), Prefix: aws.String(key)})
	if err != nil {
		f.t.Fatal(err)
	}
	return len(out.Versions)
}

func TestDuplicateDeliveries(t *testing.T) {
	t.Parallel()
	const n = 60
	f := newFixture(t, nil, csvimport.Options{Workers: 8})
	ev := f.put("dobbelt.csv", generate(n))
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			if err := f.h.Handle(context.Background(), ev); err != nil {
				t.Errorf("concurrent delivery: %v", err)
			}
		})
	}
	wg.Wait() // the deliveries that found the import busy left at once; the holder returned when done
	_, first := f.receipt("dobbelt")
	for range 2 {
		f.handle(ev) // hours later, as far as the import can tell
	}
	checkOnce(t, f, "dobbelt", n)
	if _, again := f.receipt("dobbelt"); !bytes.Equal(first, again) {
		t.Error("the receipt changed after later deliveries")
	}
	for _, ext := range []string{"csv", "json"} {
		if v := f.versions("receipts/" + f.org.ID + "/dobbelt.receipt." + ext); v != 1 {
			t.Errorf("receipt .%s written %d times; want once", ext, v)
		}
	}
}

func TestResumeAfterCancel(t *testing.T) {
	t.Parallel()
	const n = 150
	f := newFixture(t, nil, csvimport.Options{Workers: 4, CheckpointEvery: 20})
	ev := f.put("afbrudt.csv", generate(n))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.h.Handle(ctx, ev) }()
	// Kill the import once it is well under way.
	waitFor(t, func() bool {
		page, err := f.st.Imports(context.Background(), f.org.ID, 1, "")
		return err == nil && len(page.Imports) == 1 && page.Imports[0].NextLine > n/3
	})
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled import returned %v; want context.Canceled", err)
	}
	page, _ := f.st.Imports(context.Background(), f.org.ID, 1, "")
	cut := page.Imports[0]
	if cut.Status != tilgang.ImportRunning || cut.NextLine >= n+2 {
		t.Fatalf("after the cut: %+v; want a running import part-way", cut)
	}
	applied := len(f.users())
	if applied == 0 || applied == n {
		t.Fatalf("%d users after the cut; want some, not all", applied)
	}
	t.Logf("cut after line %d (checkpoint), %d rows applied", cut.NextLine-1, applied)
	f.handle(ev) // the next delivery resumes
	checkOnce(t, f, "afbrudt", n)
}

// continuations carries an import on in the test, as a new Lambda
// invocation would: it collects the events to deliver next.
type continuations struct {
	mu     sync.Mutex
	events []events.S3Event
}

func (c *continuations) Continue(_ context.Context, ev events.S3Event) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, ev)
	return nil
}

func (c *continuations) next() (events.S3Event, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.events) == 0 {
		return events.S3Event{}, false
	}
	ev := c.events[0]
	c.events = c.events[1:]
	return ev, true
}

// TestContinuesBeforeDeadline gives each invocation 100 ms before its
// reserve on a clock that moves a millisecond each time the import reads
// it, not with the machine's load: a file that needs longer finishes over
// several invocations.
func TestContinuesBeforeDeadline(t *testing.T) {
	t.Parallel()
	const n = 150
	const budget = 100 * time.Millisecond
	f := newFixture(t, nil, csvimport.Options{})
	var ticks atomic.Int64
	start := time.Now()
	now := func() time.Time { return start.Add(time.Duration(ticks.Add(1)) * time.Millisecond) }
	cont := &continuations{}
	f.h = csvimport.New(f.s3, f.st, f.svc, cont, slog.New(slog.NewJSONHandler(io.Discard, nil)),
		csvimport.Options{Workers: 4, Reserve: time.Hour - budget, Now: now, RowsPerSecond: -1})
	ev := f.put("stor.csv", generate(n))
	invocations := 0
	for ok := true; ok; ev, ok = cont.next() {
		invocations++
		if invocations > 200 {
			t.Fatal("the import does not finish")
		}
		// The deadline is an hour of the test's clock away; the context
		// itself never runs out in real time.
		ctx, cancel := context.WithDeadline(context.Background(), now().Add(time.Hour))
		err := f.h.Handle(ctx, ev)
		cancel()
		if err != nil {
			t.Fatalf("invocation %d: %v", invocations, err)
		}
	}
	if invocations < 2 {
		t.Fatalf("%d invocation; the test needs the import cut by the deadline", invocations)
	}
	t.Logf("%d invocations", invocations)
	checkOnce(t, f, "stor", n)
}

// waitFor polls cond; the test's own timeout bounds it.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for !cond() {
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRowsAboutOneUserKeepFileOrder: a D row by UUID frees the CPR number
// and e-mail address that a later C row takes; on 16 workers the C row must
// still run after the D row.
func TestRowsAboutOneUserKeepFileOrder(t *testing.T) {
	t.Parallel()
	const n = 12
	f := newFixture(t, nil, csvimport.Options{})
	var file bytes.Buffer
	file.WriteString("Aktion;UUID;Fornavn;Efternavn;CPR;Email;TargetIAL\r\n")
	for i := range n {
		cpr, email := fmt.Sprintf("0%d0%d80%04d", i%9+1, i%9+1, i), fmt.Sprintf("gammel%d@example.dk", i)
		old, err := f.svc.Create(context.Background(), tilgang.Actor{Name: "test"}, f.org, users.NewRequest{
			User: &tilgang.User{FirstName: "Gammel", LastName: "Bruger", Email: email, TargetIAL: 3}, CPR: cpr,
		})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&file, "D;%s;;;;;\r\nC;;Ny;Bruger;%s;%s;3\r\n", old.User.ID, cpr, email)
	}
	f.handle(f.put("rokering.csv", file.Bytes()))
	r, _ := f.receipt("rokering")
	if r.Deleted != n || r.Created != n || r.Failed != 0 {
		for _, row := range r.Rows {
			if row.Result == "failed" {
				t.Logf("line %d: %+v", row.Line, row.Errors)
			}
		}
		t.Fatalf("deleted %d, created %d, failed %d; want %d, %d, 0", r.Deleted, r.Created, r.Failed, n, n)
	}
}

// TestGrantIsBoundToOneVersion: an upload grant imports one object
// version, the first one delivered; a second version written to the same
// key (the URL used again) is ignored, whichever order the events come
// in, and the receipt stays the imported version's. A version that is gone
// when its event comes is rejected, and still uses up the grant.
func TestGrantIsBoundToOneVersion(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, csvimport.Options{})
	v1 := f.put("uge.csv", generate(2))
	v2 := testenv.Upload(t, f.s3, f.bucket, "imports/"+f.org.ID+"/uge.csv", generate(3)) // the same grant
	f.handle(v2)
	f.handle(v1)
	f.handle(v2) // a redelivery finds the finished import
	if r, _ := f.receipt("uge"); r.Created != 3 {
		t.Fatalf("the receipt is not the first delivered version's: %+v", r)
	}
	if n := len(f.users()); n != 3 {
		t.Fatalf("%d users; want the 3 of the version imported", n)
	}

	gone := f.put("weg.csv", generate(2))
	kept := slices.Clone(gone.Records)
	gone.Records = slices.Clone(gone.Records)
	gone.Records[0].S3.Object.VersionID = "no-such-version"
	f.handle(gone)
	f.handle(events.S3Event{Records: kept})
	page, err := f.st.Imports(context.Background(), f.org.ID, 10, "")
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, imp := range page.Imports {
		codes = append(codes, string(imp.Status)+":"+imp.ReasonCode)
	}
	slices.Sort(codes)
	if !slices.Equal(codes, []string{"completed:", "rejected:file.changed"}) {
		t.Fatalf("imports %v", codes)
	}
	if n := len(f.users()); n != 3 {
		t.Fatalf("%d users; the version written after the grant was used must not be imported", n)
	}
}
