// Command stack runs one command against a fresh local AWS stack:
//
//	go run ./infra/stack [-root DIR] [-logs FILE] -- cmd args...
//
// It starts DynamoDB Local, the SES v2 emulator and the in-process S3
// emulator (internal/localstack) on free loopback ports, runs cmd with the
// stack's AWS_* and TILGANG_* variables added to its environment, stops the
// stack when cmd exits (whatever its result), and exits with cmd's exit code.
// SIGINT and SIGTERM are passed on to cmd. make bench and make soak run
// go test this way.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/tilgang/tilgang/internal/localstack"
)

// killAfter is how long cmd may take to exit after a forwarded signal
// before it is killed, so a hung command cannot keep the stack alive.
const killAfter = 10 * time.Second

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	fs := flag.NewFlagSet("stack", flag.ContinueOnError)
	root := fs.String("root", "", "repository root, where infra/emulators lives (default: nearest directory upwards with a go.mod)")
	logPath := fs.String("logs", "", "file the emulators' output is appended to (default: <root>/.local/stack.log)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: go run ./infra/stack [-root DIR] [-logs FILE] -- cmd [args...]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}

	// Under `go run`, a SIGTERM to the go command kills only that command;
	// have the kernel send it on to us so the emulators are still stopped.
	_, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0)

	// Catch signals from the start: during start-up they cancel it, later
	// they are forwarded to the command.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)

	if *root == "" {
		var err error
		if *root, err = localstack.FindRoot(); err != nil {
			return fail(err)
		}
	}
	if *logPath == "" {
		*logPath = filepath.Join(*root, ".local", "stack.log")
	}
	logs, err := openLog(*logPath, fs.Args())
	if err != nil {
		return fail(err)
	}
	defer logs.Close()

	startCtx, stopStartSignals := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	begin := time.Now()
	st, err := localstack.Start(startCtx, localstack.Options{Root: *root, Logs: logs})
	interrupted := startCtx.Err() != nil
	stopStartSignals()
	if err != nil {
		if interrupted {
			return signalExit(<-sigs) // NotifyContext saw it, so did sigs
		}
		return fail(fmt.Errorf("%w\n(emulator output: %s)", err, *logPath))
	}
	fmt.Fprintf(os.Stderr, "stack: ready in %v: dynamodb %s  s3 %s  ses %s  region %s  (logs %s)\n",
		time.Since(begin).Round(10*time.Millisecond), st.DynamoDBEndpoint, st.S3Endpoint, st.SESEndpoint, st.Region, *logPath)

	code := runCommand(fs.Args(), st.Env(), sigs)
	if err := st.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "stack: stopping:", err)
	}
	return code
}

// runCommand runs argv with env added, forwarding signals, and returns its
// exit code the way a shell reports it (128+n for death by signal n).
func runCommand(argv, env []string, sigs <-chan os.Signal) int {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), env...) // later entries win
	// If we die without cleaning up, the command should not run on against
	// emulators that are gone. It stays in our process group so it keeps the
	// terminal (and receives a terminal Ctrl-C directly).
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "stack:", err)
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
			return 127
		}
		return 126
	}

	exited := make(chan struct{})
	go func() {
		var kill *time.Timer
		for {
			select {
			case sig := <-sigs:
				_ = cmd.Process.Signal(sig)
				if kill == nil {
					kill = time.AfterFunc(killAfter, func() { _ = cmd.Process.Kill() })
				}
			case <-exited:
				if kill != nil {
					kill.Stop()
				}
				return
			}
		}
	}()
	_ = cmd.Wait()
	close(exited)

	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return signalExit(ws.Signal())
	}
	return cmd.ProcessState.ExitCode()
}

func signalExit(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 1
}

// openLog appends, so that concurrent or earlier runs' output is kept, and
// marks where this run starts.
func openLog(path string, argv []string) (io.WriteCloser, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(f, "==== %s pid %d: %s\n", time.Now().Format(time.RFC3339), os.Getpid(), strings.Join(argv, " "))
	return f, nil
}

func fail(err error) int {
	fmt.Fprintln(os.Stderr, "stack:", err)
	return 1
}
