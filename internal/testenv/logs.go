package testenv

import (
	"bytes"
	"log/slog"
	"sync"
)

// Logs collects the JSON log lines that a server under test writes from
// its goroutines, for tests that check what is (never) logged. The zero
// value is ready to use.
type Logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Logger returns a debug-level JSON logger that writes to l.
func (l *Logs) Logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything logged so far.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
