package localstack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	startTimeout = 60 * time.Second // java on a busy CI box can be slow
	stopGrace    = 3 * time.Second  // SIGTERM → SIGKILL
	pollInterval = 50 * time.Millisecond
	tailSize     = 4 << 10
)

// child is one emulator process, alone in its own process group so that
// killing the group also kills anything it spawned, and so that a Ctrl-C in
// the terminal reaches the command under test first, not the emulators.
type child struct {
	name   string
	url    string
	cmd    *exec.Cmd
	tail   *tailBuffer
	exited chan struct{} // closed once cmd.Wait has returned
}

func startChild(name string, cmd *exec.Cmd, logs *logSink) (*child, error) {
	c := &child{name: name, cmd: cmd, tail: &tailBuffer{}, exited: make(chan struct{})}
	out := io.MultiWriter(c.tail, logs.prefixed(name))
	cmd.Stdout, cmd.Stderr = out, out
	// Pdeathsig: if this process dies without running Close (SIGKILL, a
	// panic), the kernel kills the emulator too instead of leaking it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	// The output pipe is drained by a goroutine; don't let Wait hang on it.
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	go func() {
		_ = cmd.Wait()
		close(c.exited)
	}()
	return c, nil
}

// waitReady polls url until ready accepts a response, the process exits,
// ctx ends or startTimeout passes.
func (c *child) waitReady(ctx context.Context, url string, ready func(*http.Response) bool) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			ok := ready(resp)
			_ = resp.Body.Close()
			if ok {
				return nil
			}
		}
		select {
		case <-c.exited:
			return fmt.Errorf("exited before answering (%s)", c.cmd.ProcessState)
		case <-ctx.Done():
			return fmt.Errorf("not answering at %s: %w", url, ctx.Err())
		case <-tick.C:
		}
	}
}

// stop terminates the process group and waits for the process to exit.
// The emulators keep everything in memory, so there is nothing to flush and
// a signal death is the expected outcome, not an error.
func (c *child) stop() error {
	pgid := c.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(stopGrace):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-c.exited
	}
	// Anything else left in the group (there should be nothing) goes too.
	if err := syscall.Kill(-pgid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("%s: kill process group: %w", c.name, err)
	}
	return nil
}

// freePort asks the kernel for an unused loopback port. Another process may
// take it before the emulator binds it; startEmulator retries on that.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// tailBuffer keeps the last tailSize bytes written, for error messages.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - tailSize; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.buf))
}

// logSink serialises the emulators' output into Options.Logs, whole lines at
// a time, so the two processes' lines don't interleave mid-line.
type logSink struct {
	mu sync.Mutex
	w  io.Writer
}

func newLogSink(w io.Writer) *logSink {
	if w == nil {
		w = io.Discard
	}
	return &logSink{w: w}
}

func (l *logSink) prefixed(name string) io.Writer {
	return &prefixWriter{sink: l, prefix: "[" + name + "] "}
}

// prefixWriter buffers a partial line until its newline arrives. Each child
// has its own, and os/exec writes to it from a single goroutine.
type prefixWriter struct {
	sink    *logSink
	prefix  string
	partial []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.partial = append(p.partial, b...)
	var out bytes.Buffer
	for {
		i := bytes.IndexByte(p.partial, '\n')
		if i < 0 {
			break
		}
		out.WriteString(p.prefix)
		out.Write(p.partial[:i+1])
		p.partial = p.partial[i+1:]
	}
	if out.Len() > 0 {
		p.sink.mu.Lock()
		_, _ = p.sink.w.Write(out.Bytes())
		p.sink.mu.Unlock()
	}
	return len(b), nil
}
