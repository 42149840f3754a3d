package httpapi_test

import (
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/store"
	"github.com/expertenrunde/expertenrunde/internal/store/storetest"
)

// The API tests run against the real embedded database: one FerretDB
// instance for the package, one database per test.
func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// appTestTimeout is the timeout of every app.Test call, in milliseconds:
// a safety net against a handler that hangs, far above what a loaded
// machine under -race needs. Fiber's default is 1 s, and 30 s failed
// TestPanelImport5000 on a busy machine.
const appTestTimeout = 10 * 60 * 1000

// netTimeout is the same safety net for the tests that talk HTTP to a
// listening server.
const netTimeout = appTestTimeout * time.Millisecond

// newStore opens a fresh, migrated database for one test.
func newStore(tb testing.TB) *store.Store { return storetest.NewStore(tb, "httpapi") }

// clock is an injectable, settable clock.
type clock struct{ t atomic.Pointer[time.Time] }

func newClock(t time.Time) *clock    { c := &clock{}; c.set(t); return c }
func (c *clock) now() time.Time      { return *c.t.Load() }
func (c *clock) set(t time.Time)     { c.t.Store(&t) }
func (c *clock) add(d time.Duration) { c.set(c.now().Add(d)) }
