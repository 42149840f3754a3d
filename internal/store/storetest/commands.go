package storetest

import (
	"context"
	"slices"
	"sync"

	"go.mongodb.org/mongo-driver/v2/event"
)

// Commands records the commands a store sends to the database while a
// function runs (NewMonitoredStore with its Monitor), each as "find",
// "update", … or, with Collections, "find experts".
type Commands struct {
	Collections bool // also name the collection of each command

	mu    sync.Mutex
	on    bool
	names []string
}

// Monitor is the driver's command monitor that reports to c.
func (c *Commands) Monitor() *event.CommandMonitor {
	return &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if !c.on {
			return
		}
		name := e.CommandName
		if c.Collections {
			col, _ := e.Command.Lookup(e.CommandName).StringValueOK()
			name += " " + col
		}
		c.names = append(c.names, name)
	}}
}

// During returns the commands sent while fn ran.
func (c *Commands) During(fn func()) []string {
	c.mu.Lock()
	c.on, c.names = true, nil
	c.mu.Unlock()
	fn()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.on = false
	return slices.Clone(c.names)
}
