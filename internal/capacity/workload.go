package capacity

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// Workload is the synthetic load the simulator drives through the store.
// Rates are per simulated second at Scale 1.
type Workload struct {
	Orgs    int // organisations
	Users   int // users in all, over organisations of Zipf-distributed sizes
	Largest int // users of the largest organisation

	// Imports: every organisation in Importing uploads a file at once (08:00
	// on a Monday), of its size in rows; the largest uploads LargestRows. At
	// most Concurrent imports run at once (the csvimport function's
	// reserved concurrency), each at RowsPerSecond; the others wait.
	Importing     int
	LargestRows   int
	Concurrent    int
	RowsPerSecond float64

	// SCIMPerSecond is the largest organisation's identity provider running
	// a full sync in Entra's pattern: a GET by userName filter, then a POST
	// for a user it does not find or a PATCH for one it does.
	SCIMPerSecond float64
	// ActivationsPerSecond users activate, over every organisation by size.
	ActivationsPerSecond float64
	// InvitationsPerSecond administrators invite.
	InvitationsPerSecond float64
	// SweepPerSecond is how fast the scheduler's daily sweep does due work.
	SweepPerSecond float64

	Seconds int     // simulated seconds
	Scale   float64 // multiplies every rate but an import's own pace
	Seed    uint64
}

// Target is the workload the product is sized for (issue 17): 10,000
// organisations, 10 million users, the largest with 1 million importing
// 100,000 rows while its identity provider syncs, 500 organisations
// importing at 08:00 on a Monday.
func Target() Workload {
	return Workload{
		Orgs: 10_000, Users: 10_000_000, Largest: 1_000_000,
		Importing: 500, LargestRows: 100_000, Concurrent: CsvimportConcurrency, RowsPerSecond: 100,
		SCIMPerSecond: 100, ActivationsPerSecond: 200, InvitationsPerSecond: 20, SweepPerSecond: 200,
		Seconds: 30, Scale: 1, Seed: 1,
	}
}

// CsvimportConcurrency is the csvimport function's reserved concurrency in
// template.yaml: how many imports run at once. A test checks the template.
const CsvimportConcurrency = 10

// OrgSizes returns n organisation sizes from a Zipf distribution whose
// largest is largest and whose sum is about total: size(k) = largest/k^s,
// with s found by bisection.
func OrgSizes(n, total, largest int) []int {
	sum := func(s float64) float64 {
		t := 0.0
		for k := 1; k <= n; k++ {
			t += math.Max(1, float64(largest)/math.Pow(float64(k), s))
		}
		return t
	}
	lo, hi := 0.0, 4.0
	for range 60 {
		mid := (lo + hi) / 2
		if sum(mid) > float64(total) {
			lo = mid
		} else {
			hi = mid
		}
	}
	out := make([]int, n)
	for k := range out {
		out[k] = max(1, int(float64(largest)/math.Pow(float64(k+1), hi)))
	}
	return out
}

// sim is one run: the store on the meter, the simulated clock and what the
// workload has written that later work refers to.
type sim struct {
	w     Workload
	m     *Meter
	st    *store.Store
	now   time.Time
	rnd   *rand.Rand
	sizes []int
	cum   []int // cumulative sizes, to pick an organisation by size
	seq   int
	mails []string // outbox ids written this second, for the mailer
	ops   map[string]Op
}

// do runs one operation of kind and adds what the meter billed for it to
// the kind's units.
func (s *sim) do(kind string, n int, f func() error) error {
	w0, r0 := s.m.Billed()
	err := f()
	w1, r1 := s.m.Billed()
	op := s.ops[kind]
	op.N += n
	op.WRU += w1 - w0
	op.RRU += r1 - r0
	s.ops[kind] = op
	return err
}

// Run drives w through a store on a new meter and returns the meter's
// report.
func Run(ctx context.Context, w Workload) (*Report, error) {
	m := NewMeter(store.TableDefinition("tilgang"))
	s := &sim{w: w, m: m, rnd: rand.New(rand.NewPCG(w.Seed, 17)),
		// 08:00 on a Monday in Copenhagen.
		now: time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)}
	s.st = store.New(m.Client(), "tilgang", store.WithClock(func() time.Time { return s.now }))
	s.sizes = OrgSizes(w.Orgs, w.Users, w.Largest)
	s.cum = make([]int, len(s.sizes))
	c := 0
	for i, n := range s.sizes {
		c += n
		s.cum[i] = c
	}
	s.ops = map[string]Op{}
	if err := s.run(ctx); err != nil {
		return nil, err
	}
	r := m.Report()
	r.Ops = s.ops
	return r, nil
}

// import_ is one organisation's import in the queue.
type import_ struct {
	org      int
	id       string
	rows     int
	done     int
	carry    float64
	imp      *tilgang.Import
	sinceCkp int
}

// rate turns a per-second rate into a count for this second, carrying the
// fraction.
func rate(r float64, carry *float64) int {
	*carry += r
	n := int(*carry)
	*carry -= float64(n)
	return n
}

func (s *sim) run(ctx context.Context) error {
	w := s.w
	// The queue: the largest organisation first (its upload is the one the
	// issue names), then Importing others, picked by seed.
	queue := []*import_{{org: 0, rows: w.LargestRows}}
	for _, o := range s.rnd.Perm(len(s.sizes) - 1)[:min(w.Importing, len(s.sizes)-1)] {
		queue = append(queue, &import_{org: o + 1, rows: s.sizes[o+1]})
	}
	concurrent := max(1, int(math.Round(float64(w.Concurrent)*w.Scale)))
	var running []*import_
	var scimCarry, actCarry, invCarry, sweepCarry float64
	today := tilgang.Today(s.now)
	if _, err := s.st.DueOn(ctx, today); err != nil { // the sweep's read
		return err
	}
	for sec := range w.Seconds {
		s.m.At(int64(sec))
		s.now = s.now.Add(time.Second)
		for len(running) < concurrent && len(queue) > 0 {
			im := queue[0]
			queue = queue[1:]
			if err := s.startImport(ctx, im); err != nil {
				return err
			}
			running = append(running, im)
		}
		s.mails = s.mails[:0]
		// Work of one second, interleaved as it would arrive.
		left := running[:0]
		for _, im := range running {
			n := rate(w.RowsPerSecond, &im.carry)
			if w.RowsPerSecond < 0 {
				n = im.rows // unpaced: a whole small file in a second, as fast as 16 workers go
				n = min(n, 800)
			}
			for range min(n, im.rows-im.done) {
				if err := s.do(OpRow, 1, func() error { return s.importRow(ctx, im) }); err != nil {
					return err
				}
			}
			if im.done < im.rows {
				left = append(left, im)
			}
		}
		running = left
		for range rate(w.SCIMPerSecond*w.Scale, &scimCarry) {
			if err := s.do(OpSCIM, 1, func() error { return s.scim(ctx) }); err != nil {
				return err
			}
		}
		for range rate(w.ActivationsPerSecond*w.Scale, &actCarry) {
			if err := s.do(OpActivation, 1, func() error { return s.activate(ctx) }); err != nil {
				return err
			}
		}
		for range rate(w.InvitationsPerSecond*w.Scale, &invCarry) {
			if err := s.do(OpInvitation, 1, func() error { return s.invite(ctx) }); err != nil {
				return err
			}
		}
		for range rate(w.SweepPerSecond*w.Scale, &sweepCarry) {
			if err := s.do(OpSweep, 1, func() error { return s.sweep(ctx, today) }); err != nil {
				return err
			}
		}
		if err := s.do(OpMail, len(s.mails), func() error { return s.mailer(ctx) }); err != nil {
			return err
		}
	}
	return nil
}

func (s *sim) id(kind string) string {
	s.seq++
	return fmt.Sprintf("%s%012d", kind, s.seq)
}

func orgID(o int) string { return fmt.Sprintf("org%09d", o) }

// pickOrg picks an organisation with probability by its size.
func (s *sim) pickOrg() int {
	n := s.rnd.IntN(s.cum[len(s.cum)-1])
	lo, hi := 0, len(s.cum)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if s.cum[mid] > n {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// user is a plausible user of organisation o: about 1 KB stored, with an
// activation link that expires in ActivationValidity.
func (s *sim) user(o int) *tilgang.User {
	id := s.id("user-")
	return &tilgang.User{
		ID: id, OrgID: orgID(o), UserName: id + "@example.dk", ExternalID: "ext-" + id,
		FirstName: "Karen", LastName: "Sørensen-Mikkelsen", Email: id + "@example.dk", Phone: "+4512345678",
		Department: "Afdeling for borgerservice", Kind: "employee", LoginMeans: "mitid",
		Roles: []tilgang.Role{{Role: "user"}}, Status: tilgang.StatusImported,
		Activation: &tilgang.Activation{LinkID: s.id("link-"), IssuedAt: s.now, ExpiresAt: s.now.Add(tilgang.ActivationValidity)},
	}
}

func (s *sim) mail(u *tilgang.User, kind string) tilgang.Mail {
	m := tilgang.Mail{ID: s.id("mail-"), OrgID: u.OrgID, UserID: u.ID, Kind: kind, Language: "da"}
	s.mails = append(s.mails, m.ID)
	return m
}

func (s *sim) startImport(ctx context.Context, im *import_) error {
	im.id = s.id("import-")
	im.imp = &tilgang.Import{ID: im.id, OrgID: orgID(im.org), Bucket: "uploads", Key: "imports/" + orgID(im.org) + "/" + im.id + ".csv",
		Version: "v1", File: "brugere.csv", Uploader: "admin", Status: tilgang.ImportRunning}
	_, err := s.st.StartImport(ctx, im.imp, "worker", s.now.Add(45*time.Second))
	return err
}

// importRow applies one C row: a user with its activation link, the row's
// result, history and mail in one transaction, and a checkpoint every 500
// rows (csvimport.DefaultCheckpointEvery).
func (s *sim) importRow(ctx context.Context, im *import_) error {
	u := s.user(im.org)
	im.done++
	c := tilgang.Change{
		Activity: tilgang.Activity{At: s.now, Actor: "import " + im.id, Action: "user.created", Source: "csv"},
		Mail:     []tilgang.Mail{s.mail(u, tilgang.MailActivation)},
		Row:      &tilgang.ImportRow{ImportID: im.id, Line: im.done + 1, Action: "C", Result: tilgang.RowCreated, UserID: u.ID},
	}
	if err := s.st.CreateUser(ctx, u, c); err != nil {
		return fmt.Errorf("import row: %w", err)
	}
	if im.sinceCkp++; im.sinceCkp >= 500 || im.done == im.rows {
		im.sinceCkp = 0
		p := store.ImportProgress{Validated: true, Rows: im.rows, NextLine: im.done + 2}
		if err := s.st.CheckpointImport(ctx, im.imp, "worker", p, s.now.Add(45*time.Second)); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
	}
	return nil
}

// scim is one step of Entra's sync of the largest organisation: the token,
// GET /Users?filter=userName eq "…" (guard, then user), then a PATCH of the
// user found; one step in ten finds nobody and POSTs.
func (s *sim) scim(ctx context.Context) error {
	_, _ = s.st.TokenByHash(ctx, "entra-token-hash") // the meter finds none; the read is billed
	old := s.user(0)
	old.Status, old.Activation, old.Version = tilgang.StatusActive, nil, 3
	_, _ = s.st.UserByUserName(ctx, old.OrgID, old.UserName)
	_, _ = s.st.User(ctx, old.OrgID, old.ID)
	act := tilgang.Activity{At: s.now, Actor: "Entra", Source: "scim"}
	if s.rnd.IntN(10) == 0 {
		u := s.user(0)
		act.Action = "user.created"
		return s.st.CreateUser(ctx, u, tilgang.Change{Activity: act, Mail: []tilgang.Mail{s.mail(u, tilgang.MailActivation)}})
	}
	u := *old
	u.Department = "Ny afdeling"
	act.Action, act.Fields = "user.updated", []string{"department"}
	return s.st.UpdateUser(ctx, old, &u, tilgang.Change{Activity: act})
}

// activate is a user of some organisation activating: imported with a link
// to active, which removes the link's schedule entry.
func (s *sim) activate(ctx context.Context) error {
	old := s.user(s.pickOrg())
	old.Version = 1
	_, _ = s.st.User(ctx, old.OrgID, old.ID)
	u := *old
	u.Status, u.Activation = tilgang.StatusActive, nil
	act := tilgang.Activity{At: s.now, Actor: old.ID, Action: "user.activated", Source: "web"}
	return s.st.UpdateUser(ctx, old, &u, tilgang.Change{Activity: act})
}

func (s *sim) invite(ctx context.Context) error {
	o := s.pickOrg()
	id := s.id("inv-")
	inv := &tilgang.Invitation{ID: id, OrgID: orgID(o), Email: id + "@example.dk", Role: "useradmin", Language: "da",
		InviterName: "admin", Status: tilgang.InvitationPending, LinkID: s.id("link-"), ExpiresAt: s.now.Add(7 * 24 * time.Hour)}
	m := tilgang.Mail{ID: s.id("mail-"), OrgID: inv.OrgID, InvitationID: id, Kind: tilgang.MailInvitation, Language: "da"}
	s.mails = append(s.mails, m.ID)
	return s.st.CreateInvitation(ctx, inv, m)
}

// sweep does one due entry of today: an activation link that expired.
func (s *sim) sweep(ctx context.Context, today string) error {
	old := s.user(s.pickOrg())
	old.Version = 1
	old.Activation.ExpiresAt = s.now.Add(-time.Hour)
	d := store.Due{Day: today, OrgID: old.OrgID, UserID: old.ID, Work: store.WorkExpire}
	_, _ = s.st.User(ctx, old.OrgID, old.ID)
	u := *old
	u.Activation = nil
	act := tilgang.Activity{At: s.now, Actor: "scheduler", Action: "activation.expired", Source: "scheduler"}
	return s.st.ApplyDue(ctx, old, &u, tilgang.Change{Activity: act}, d)
}

// mailer sends this second's mail: the stream hands it over in batches of
// 100, claimed, read with their users and marked sent, each batch in one
// transaction.
func (s *sim) mailer(ctx context.Context) error {
	for i := 0; i < len(s.mails); i += 100 {
		ids := s.mails[i:min(i+100, len(s.mails))]
		if _, err := s.st.ClaimOutboxes(ctx, ids, "claim", s.now, s.now.Add(time.Minute)); err != nil {
			return fmt.Errorf("claim: %w", err)
		}
		if _, err := s.st.OutboxItems(ctx, ids); err != nil {
			return fmt.Errorf("read outbox: %w", err)
		}
		sent := make([]store.SentOutbox, len(ids))
		for j, id := range ids {
			sent[j] = store.SentOutbox{ID: id, Claim: "claim", MessageID: "ses-" + id}
		}
		if _, err := s.st.MarkOutboxesSent(ctx, sent, s.now); err != nil {
			return fmt.Errorf("mark sent: %w", err)
		}
	}
	return nil
}
