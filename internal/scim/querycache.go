package scim

import (
	"strings"
	"sync"
	"time"
)

// queryCache remembers, per organisation and filter, what a walk through
// the users learned: the total, and cursors after every page boundary. An
// identity provider that pages through thousands of users then reads each
// page from where the previous one ended, instead of from the start
// (issue: deep pages must not re-read every earlier page). It lives in the
// function instance: a client that lands on another instance just walks
// again, which is slower, never wrong. Users created or deleted elsewhere
// meanwhile may shift pages, as between any two list requests, for at most
// the TTL; a walk that starts again at the first page, and any write through
// this instance, starts afresh.
type queryCache struct {
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	entries map[string]*queryState
}

// queryState is what is known of one query. Guarded by queryCache.mu.
type queryState struct {
	expires time.Time
	total   int // -1 until a walk has reached the end, or a count was made
	// cursors maps a number of matches n to the cursor after the n-th
	// match, so that a page starting at n+1 resumes there.
	cursors map[int]string
}

// Bounds on the cache's memory.
const (
	maxCachedQueries   = 200
	maxCursorsPerQuery = 10000
	queryCacheTTL      = time.Minute
)

func newQueryCache() *queryCache {
	return &queryCache{ttl: queryCacheTTL, now: time.Now, entries: map[string]*queryState{}}
}

// start returns the total if known, and the best place to start a walk for
// a page beginning after skip matches: the cursor and how many matches lie
// before it.
func (c *queryCache) start(key string, skip int) (total int, cursor string, before int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.entries[key]
	if !ok || c.now().After(st.expires) {
		return -1, "", 0
	}
	if cur, ok := st.cursors[skip]; ok {
		return st.total, cur, skip
	}
	best := 0
	for n, cur := range st.cursors {
		if n <= skip && n > best {
			best, cursor = n, cur
		}
	}
	return st.total, cursor, best
}

// learn records cursors after match counts and, if known, the total.
func (c *queryCache) learn(key string, cursors map[int]string, total int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.entries[key]
	if !ok || c.now().After(st.expires) {
		if len(c.entries) >= maxCachedQueries {
			clear(c.entries)
		}
		// The expiry is fixed from the first page on, so that what a walk
		// learned is never older than the TTL.
		st = &queryState{total: -1, cursors: map[int]string{}, expires: c.now().Add(c.ttl)}
		c.entries[key] = st
	}
	if total >= 0 {
		st.total = total
	}
	for n, cur := range cursors {
		if len(st.cursors) >= maxCursorsPerQuery {
			break
		}
		st.cursors[n] = cur
	}
}

// drop forgets one query, so that a walk that starts again from the first
// page reads afresh.
func (c *queryCache) drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, key)
}

// forget drops every query of an organisation: a user this instance
// created, renamed or deleted moves what the queries learned.
func (c *queryCache) forget(orgID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for key := range c.entries {
		if strings.HasPrefix(key, orgID+"\x00") {
			delete(c.entries, key)
		}
	}
}

// queryKey names a query of an organisation.
func queryKey(orgID, filter string) string { return orgID + "\x00" + filter }
