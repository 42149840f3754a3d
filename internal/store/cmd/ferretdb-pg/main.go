// Command ferretdb-pg runs FerretDB (the module the store embeds) with its
// PostgreSQL backend as a server process of its own, so that the tests can
// drive the MONGODB_URI path against a database in another process that
// they can stop and start (`make test-external`, scripts/test-external.sh).
// It is a test tool: the expertenrunde binary never runs it, and the
// release image builds without FerretDB's PostgreSQL backend
// (-tags ferretdb_no_postgresql).
//
//	ferretdb-pg -postgresql-url 'postgres://user@/postgres?host=/tmp/x' [-listen 127.0.0.1:0] [-uri-file f]
//
// Once the server answers a ping (which FerretDB passes on to PostgreSQL),
// it prints "ferretdb-pg: ready at <mongodb URI>" to stdout and writes the
// URI to -uri-file. It stops on SIGINT or SIGTERM and exits 0.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"

	"github.com/expertenrunde/expertenrunde/internal/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb-pg:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ferretdb-pg", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:0", "TCP address to listen on; a restart passes the address of the first start")
	pgURL := fs.String("postgresql-url", "", "PostgreSQL URL of the database FerretDB stores into (required)")
	uriFile := fs.String("uri-file", "", "write the mongodb:// URI to this file once the server answers")
	logLevel := fs.String("log-level", "error", "FerretDB's log level: debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *pgURL == "" || fs.NArg() > 0 {
		return errors.New("usage: ferretdb-pg -postgresql-url URL [-listen ADDR] [-uri-file FILE]")
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Handler:       "postgresql",
		PostgreSQLURL: *pgURL,
		Listener:      ferretdb.ListenerConfig{TCP: *listen},
		Logger:        slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})),
	})
	if err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.Run(runCtx) // always nil
	}()
	defer func() { cancel(); <-done }()

	uri := f.MongoDBURI() // the listener is bound by New
	readyCtx, readyCancel := context.WithTimeout(ctx, time.Minute)
	err = store.WaitReady(readyCtx, uri)
	readyCancel()
	if err != nil {
		return fmt.Errorf("the server at %s does not answer: %w", uri, err)
	}
	if *uriFile != "" {
		if err := writeAtomic(*uriFile, uri+"\n"); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "ferretdb-pg: ready at %s\n", uri)
	<-ctx.Done()
	return nil
}

// writeAtomic writes data to a temporary file beside path and renames it,
// so that a reader polling for path never sees it half written.
func writeAtomic(path, data string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".uri-*")
	if err != nil {
		return err
	}
	if _, err := tmp.WriteString(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
