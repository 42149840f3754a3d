// Command expertenrunde runs the Expertenrunde server and its admin commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain()
	code := run(ctx, m, os.Args[1:])
	stop()
	os.Exit(code)
}

// run parses, runs, waits for a signal while serving, and closes; it returns the exit code.
func run(ctx context.Context, m *Main, args []string) int {
	if err := m.ParseFlags(args); err != nil {
		if errors.Is(err, errHelp) {
			return 0
		}
		fmt.Fprintln(m.Stderr, err)
		return 2
	}
	err := m.Run(ctx)
	if err == nil && m.Serving() {
		<-ctx.Done()
		fmt.Fprintln(m.Stderr, "shutting down: finishing in-flight requests")
	}
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			return ee.code
		}
		fmt.Fprintln(m.Stderr, "error:", err)
		return 1
	}
	return 0
}
