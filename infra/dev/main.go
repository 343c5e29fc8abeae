// Command dev runs the whole product locally (make dev): see
// internal/devserver. It stops everything it started on Ctrl-C or SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/tilgang/tilgang/internal/devserver"
	"github.com/tilgang/tilgang/internal/localstack"
)

func main() {
	addr := flag.String("addr", envOr("DEV_ADDR", "127.0.0.1:3000"), "where to serve the HTTP functions")
	flag.Parse()
	root, err := localstack.FindRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "dev:", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := devserver.Run(ctx, devserver.Options{Root: root, Addr: *addr, Out: os.Stdout}); err != nil {
		fmt.Fprintln(os.Stderr, "dev:", err)
		os.Exit(1)
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
