package store

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"

	"go.mongodb.org/mongo-driver/v2/event"
)

// TestWriteGateOneWriterAtATime: of many concurrent write commands at most
// one is between Started and its end at any moment; reads pass beside it.
func TestWriteGateOneWriterAtATime(t *testing.T) {
	g := newWriteGate()
	g.on.Store(true)
	mon := g.monitor(nil)
	var inside, most atomic.Int32
	var id atomic.Int64
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for range 200 {
				rid := id.Add(1)
				name := []string{"insert", "update", "delete", "findAndModify"}[w%4]
				mon.Started(t.Context(), &event.CommandStartedEvent{CommandName: name, RequestID: rid})
				n := inside.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				inside.Add(-1)
				if rid%2 == 0 {
					mon.Succeeded(t.Context(), &event.CommandSucceededEvent{CommandFinishedEvent: event.CommandFinishedEvent{RequestID: rid}})
				} else {
					mon.Failed(t.Context(), &event.CommandFailedEvent{CommandFinishedEvent: event.CommandFinishedEvent{RequestID: rid}})
				}
			}
		})
	}
	wg.Wait()
	if m := most.Load(); m != 1 {
		t.Fatalf("%d write commands were inside the gate at once, want 1", m)
	}
	if len(g.sem) != 0 {
		t.Fatal("the gate is still held after every command ended")
	}

	// A read passes while a write holds the gate (it would block forever
	// here otherwise), and a write whose context ended goes ahead without
	// it and gives back nothing when it ends.
	mon.Started(t.Context(), &event.CommandStartedEvent{CommandName: "update", RequestID: 1})
	mon.Started(t.Context(), &event.CommandStartedEvent{CommandName: "find", RequestID: 2})
	mon.Succeeded(t.Context(), &event.CommandSucceededEvent{CommandFinishedEvent: event.CommandFinishedEvent{RequestID: 2}})
	ended, cancel := context.WithCancel(t.Context())
	cancel()
	mon.Started(ended, &event.CommandStartedEvent{CommandName: "insert", RequestID: 3})
	mon.Failed(ended, &event.CommandFailedEvent{CommandFinishedEvent: event.CommandFinishedEvent{RequestID: 3}})
	if len(g.sem) != 1 {
		t.Fatal("a read or a write that never held the gate released the holder's place")
	}
	mon.Succeeded(t.Context(), &event.CommandSucceededEvent{CommandFinishedEvent: event.CommandFinishedEvent{RequestID: 1}})
	if len(g.sem) != 0 {
		t.Fatal("the holder's end did not release the gate")
	}

	// Off (MongoDB), nothing waits: two writes in a row from one goroutine.
	g.on.Store(false)
	mon.Started(t.Context(), &event.CommandStartedEvent{CommandName: "insert", RequestID: 4})
	mon.Started(t.Context(), &event.CommandStartedEvent{CommandName: "insert", RequestID: 5})
	if len(g.sem) != 0 {
		t.Fatal("the gate was taken while off")
	}
}

// TestWriteGatePassesEventsOn: the monitor given to OpenMonitored still
// sees every event.
func TestWriteGatePassesEventsOn(t *testing.T) {
	var started, succeeded, failed int
	g := newWriteGate()
	g.on.Store(true)
	mon := g.monitor(&event.CommandMonitor{
		Started:   func(context.Context, *event.CommandStartedEvent) { started++ },
		Succeeded: func(context.Context, *event.CommandSucceededEvent) { succeeded++ },
		Failed:    func(context.Context, *event.CommandFailedEvent) { failed++ },
	})
	mon.Started(t.Context(), &event.CommandStartedEvent{CommandName: "insert", RequestID: 1})
	mon.Succeeded(t.Context(), &event.CommandSucceededEvent{CommandFinishedEvent: event.CommandFinishedEvent{RequestID: 1}})
	mon.Started(t.Context(), &event.CommandStartedEvent{CommandName: "find", RequestID: 2})
	mon.Failed(t.Context(), &event.CommandFailedEvent{CommandFinishedEvent: event.CommandFinishedEvent{RequestID: 2}})
	if started != 2 || succeeded != 1 || failed != 1 {
		t.Fatalf("passed on %d started, %d succeeded, %d failed; want 2, 1, 1", started, succeeded, failed)
	}
}

// TestDemoteHandlerAttrsWhenLogged: the attributes and groups FerretDB adds
// reach the log as with a plain handler, though only when a record is
// logged; Info is dropped and Warn becomes Debug.
func TestDemoteHandlerAttrsWhenLogged(t *testing.T) {
	noTime := func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}
	opts := &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: noTime}
	var got, want bytes.Buffer
	l := slog.New(demoteHandler{inner: slog.NewTextHandler(&got, opts)}).With("a", 1).WithGroup("g").With("b", 2)
	l.Info("dropped", "c", 0)
	l.Warn("kept", "c", 3)
	slog.New(slog.NewTextHandler(&want, opts)).With("a", 1).WithGroup("g").With("b", 2).Debug("kept", "c", 3)
	if got.String() != want.String() {
		t.Fatalf("logged\n%s\nwant\n%s", got.String(), want.String())
	}
}
