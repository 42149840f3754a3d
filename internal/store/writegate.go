package store

import (
	"context"
	"sync"
	"sync/atomic"

	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// writeGate lets one write command at a time of this store reach an
// embedded database (FerretDB on SQLite), the others wait in line here.
//
// SQLite admits one writer per database file. A writer that finds the file
// locked does not queue: SQLite's busy handler sleeps 1, 2, 5, 10, … up to
// 100 ms and tries again, so under a burst of saves the lock is free most
// of the time while the writers sleep, and a writer that backed off far
// loses to every newcomer. Measured with 1,000 experts at human pace
// (docs/PERFORMANCE.md): the process used 1.24 of the 2 cores while saves
// queued for seconds. Waiting here instead is a Go mutex: no sleeps, and
// first come (nearly) first served.
//
// The gate is a queue discipline only, never needed for correctness
// (SQLite's own locking still holds); on MongoDB it stays off. A write
// whose context ends while it waits stops waiting, and the driver then
// fails it (it checks the context right after Started), as a write that
// waited as long anywhere else would fail. It is
// driven by the driver's command monitor: Started, called in the calling
// goroutine before the command is sent, takes the gate; Succeeded or Failed,
// always published after the round trip, gives it back. (The driver could
// skip them only when compressing a message fails; the store configures no
// compressor for the embedded database.) Reads are not gated: SQLite's WAL
// lets them run beside the writer.
type writeGate struct {
	on   atomic.Bool
	sem  chan struct{}
	held sync.Map // request id (int64) → struct{}: the commands holding the gate
}

func newWriteGate() *writeGate { return &writeGate{sem: make(chan struct{}, 1)} }

// gatedCommands are the commands that write documents.
var gatedCommands = map[string]bool{
	"insert": true, "update": true, "delete": true, "findAndModify": true,
}

func (g *writeGate) started(ctx context.Context, e *event.CommandStartedEvent) {
	if !g.on.Load() || !gatedCommands[e.CommandName] {
		return
	}
	select {
	case g.sem <- struct{}{}:
		g.held.Store(e.RequestID, struct{}{})
	case <-ctx.Done():
		// The driver will fail the command at once; nothing to hold.
	}
}

func (g *writeGate) finished(requestID int64) {
	if _, ok := g.held.LoadAndDelete(requestID); ok {
		<-g.sem
	}
}

// monitor is the command monitor carrying the gate, calling mon's
// functions too (mon may be nil).
func (g *writeGate) monitor(mon *event.CommandMonitor) *event.CommandMonitor {
	if mon == nil {
		mon = &event.CommandMonitor{}
	}
	return &event.CommandMonitor{
		Started: func(ctx context.Context, e *event.CommandStartedEvent) {
			if mon.Started != nil {
				mon.Started(ctx, e)
			}
			g.started(ctx, e)
		},
		Succeeded: func(ctx context.Context, e *event.CommandSucceededEvent) {
			g.finished(e.RequestID)
			if mon.Succeeded != nil {
				mon.Succeeded(ctx, e)
			}
		},
		Failed: func(ctx context.Context, e *event.CommandFailedEvent) {
			g.finished(e.RequestID)
			if mon.Failed != nil {
				mon.Failed(ctx, e)
			}
		},
	}
}

// compressed reports whether the client may compress its messages: then
// the driver could start a command without finishing it (see writeGate),
// so the gate stays off.
func compressed(opts *options.ClientOptions) bool { return len(opts.Compressors) > 0 }
