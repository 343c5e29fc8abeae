package csvimport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/tilgang/tilgang/internal/csvimport/csvfile"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// task is one row on its way through the workers.
type task struct {
	row   csvfile.Row
	keys  []string // userKeys of row
	after []*task  // earlier rows about the same user, which must finish first
	// limited: the row finds its user by CPR number alone beyond the
	// import's look-ups (limits.go).
	limited bool
	done    chan struct{} // closed when result or err is set
	result  tilgang.ImportRow
	err     error
}

// applyAll applies the rows from the checkpoint on. Rows run on Workers
// goroutines, except that a row waits for every earlier row that names the
// same user (by UUID, CPR number or e-mail), so a file that creates a user
// and then changes it works as it reads. Progress is the longest run of
// finished rows from the start: rows finished beyond a gap are recorded
// already (their results), so a resume that finds them only reads back
// their result.
func (r *run) applyAll(ctx context.Context) error {
	body, err := r.open(ctx)
	if err != nil {
		return err
	}
	defer body.Close()
	rd, err := r.reader(body)
	if err != nil {
		return fmt.Errorf("read object: %w", err)
	}
	work := make(chan *task)
	var wg sync.WaitGroup
	for range r.h.opts.Workers {
		wg.Go(func() {
			for t := range work {
				for _, a := range t.after {
					<-a.done
					if a.err != nil && t.err == nil {
						// Applied now, the row could see the user as it
						// was before that row: leave it for the next run.
						t.err = fmt.Errorf("line %d waits for line %d: %w", t.row.Line, a.row.Line, a.err)
					}
				}
				t.after = nil // so that a chain of rows about one user is not kept alive
				if t.err == nil {
					t.result, t.err = r.apply(ctx, &t.row, t.limited)
				}
				close(t.done)
			}
		})
	}
	p := pipeline{run: r, last: map[string]*task{}, lastCheckpoint: r.h.opts.Now(), pace: newPacer(r.h.opts)}
	err = p.feed(ctx, rd, work)
	close(work)
	wg.Wait()
	// Every task has finished: take what they did, also after an error.
	if ferr := p.drain(ctx, true); err == nil {
		err = ferr
	}
	if err == nil || errors.Is(err, errDeadline) {
		if cerr := p.checkpoint(ctx); cerr != nil {
			return cerr
		}
	}
	return err
}

// pipeline tracks the rows in flight, in line order.
type pipeline struct {
	run            *run
	pending        []*task          // dispatched, oldest first
	last           map[string]*task // the latest pending task per user key
	barrier        *task            // a pending row that every later row waits for
	next           int              // line after the finished prefix, 0 if none yet
	byCPR          int              // rows read so far that find their user by CPR number alone
	counts         tilgang.ImportCounts
	finished       int // rows since the last checkpoint
	lastCheckpoint time.Time
	pace           *pacer
}

// maxPending bounds the rows in flight per worker, and so the memory.
const maxPending = 8

func (p *pipeline) feed(ctx context.Context, rd *csvfile.Reader, work chan<- *task) error {
	r := p.run
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		row, err := rd.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			// The file was read through once without a file-level problem;
			// anything now is a read error.
			return fmt.Errorf("read object: %w", err)
		}
		// Counted from the file's start, also on a resume, so that every run
		// gives the same rows the look-ups.
		limited := false
		if findsByCPR(&row) {
			p.byCPR++
			limited = p.byCPR > r.imp.CPRLookups
		}
		if row.Line < r.imp.NextLine {
			continue
		}
		// Only a row to apply is worth the time left: skipping the rows an
		// earlier invocation applied takes none.
		if r.nearDeadline(ctx) {
			return errDeadline
		}
		if err := p.pace.wait(ctx); err != nil {
			return err
		}
		t := &task{row: row, done: make(chan struct{}), limited: limited}
		if p.barrier != nil {
			t.after = append(t.after, p.barrier)
		}
		if isBarrier(&row) {
			t.after = append(t.after, p.pending...)
			p.barrier = t
		}
		t.keys = userKeys(&row)
		for _, k := range t.keys {
			if prev := p.last[k]; prev != nil {
				t.after = append(t.after, prev)
			}
			p.last[k] = t
		}
		p.pending = append(p.pending, t)
		select {
		case work <- t:
		case <-ctx.Done():
			return ctx.Err()
		}
		if err := p.drain(ctx, len(p.pending) >= maxPending*r.h.opts.Workers); err != nil {
			return err
		}
	}
}

// drain takes the finished rows off the front of pending; with wait it
// waits for the front row first. It checkpoints every CheckpointEvery rows
// and every third of the lease.
func (p *pipeline) drain(ctx context.Context, wait bool) error {
	for len(p.pending) > 0 {
		t := p.pending[0]
		if wait {
			<-t.done
		} else {
			select {
			case <-t.done:
			default:
				return nil
			}
		}
		if t.err != nil {
			return t.err
		}
		p.pending = p.pending[1:]
		if p.barrier == t {
			p.barrier = nil
		}
		for _, k := range t.keys {
			if p.last[k] == t {
				delete(p.last, k)
			}
		}
		p.count(t.result)
		p.next = t.row.Line + 1
		p.finished++
		wait = false
		opts := p.run.h.opts
		if p.finished >= opts.CheckpointEvery || opts.Now().Sub(p.lastCheckpoint) > opts.Lease/3 {
			if err := p.checkpoint(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *pipeline) count(res tilgang.ImportRow) {
	switch res.Result {
	case tilgang.RowCreated:
		p.counts.Created++
	case tilgang.RowUpdated:
		p.counts.Updated++
	case tilgang.RowDeleted:
		p.counts.Deleted++
	default:
		p.counts.Failed++
	}
}

// checkpoint records the finished prefix and its counts, and extends the
// lease.
func (p *pipeline) checkpoint(ctx context.Context) error {
	r := p.run
	p.lastCheckpoint = r.h.opts.Now()
	if p.next == 0 {
		return nil
	}
	prog := store.ImportProgress{Validated: true, Rows: r.imp.Rows, NextLine: p.next, Counts: p.counts}
	if err := r.h.store.CheckpointImport(ctx, r.imp, r.owner, prog, r.leaseUntil()); err != nil {
		return err
	}
	p.counts, p.finished, p.next = tilgang.ImportCounts{}, 0, 0
	return nil
}

// userKeys names the users a row may touch, for ordering rows about the
// same user: by UUID, CPR number and e-mail address (folded as user names
// are). The keys stay in memory only.
func userKeys(row *csvfile.Row) []string {
	var keys []string
	if row.UUID != "" {
		keys = append(keys, "id:"+row.UUID)
	}
	if !row.CPR.IsZero() {
		keys = append(keys, "cpr:"+row.CPR.Digits())
	}
	if row.Email != "" {
		keys = append(keys, "email:"+tilgang.FoldUserName(row.Email))
	}
	return keys
}

// isBarrier reports whether a row must run after every earlier row and
// before every later one. The keys of a row are only what its cells say: a
// D row frees identifiers it may not name (a user deleted by UUID frees its
// CPR number and e-mail address for a later C row), and a U row that
// changes an e-mail address frees the old one. Both are rare in bulk files,
// so ordering them fully costs little.
func isBarrier(row *csvfile.Row) bool {
	return row.Action == csvfile.ActionDelete || (row.Action == csvfile.ActionUpdate && row.Set.Has(csvfile.FieldEmail))
}
