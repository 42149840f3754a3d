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

// newStore opens a fresh, migrated database for one test.
func newStore(tb testing.TB) *store.Store { return storetest.NewStore(tb, "httpapi") }

// clock is an injectable, settable clock.
type clock struct{ t atomic.Pointer[time.Time] }

func newClock(t time.Time) *clock    { c := &clock{}; c.set(t); return c }
func (c *clock) now() time.Time      { return *c.t.Load() }
func (c *clock) set(t time.Time)     { c.t.Store(&t) }
func (c *clock) add(d time.Duration) { c.set(c.now().Add(d)) }
