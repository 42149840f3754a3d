package storetest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/expertenrunde/expertenrunde/internal/store"
)

// The packages whose tests need a database share one embedded FerretDB per
// test binary (started by Main) and give each test its own database.
var (
	embeddedURI string
	embedded    *store.Embedded
	dbSeq       atomic.Int64
)

// OperationTimeout is the store's operation timeout in tests: a safety net
// against a hang, far above what a loaded machine under -race needs (the
// server's 10 s failed listing a panel of 5,000 on a busy machine).
const OperationTimeout = 10 * time.Minute

// Main starts one embedded database for a test package, runs its tests and
// stops it; call it from TestMain: os.Exit(storetest.Main(m)).
func Main(m *testing.M) int {
	store.SetOperationTimeout(OperationTimeout)
	dir, err := os.MkdirTemp("", "expertenrunde-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	emb, err := store.StartEmbedded(context.Background(), dir, slog.New(slog.DiscardHandler))
	if err != nil {
		fmt.Fprintln(os.Stderr, "embedded database:", err)
		return 1
	}
	defer emb.Close()
	embeddedURI, embedded = emb.URI(), emb
	return m.Run()
}

// URI returns the address of the embedded database started by Main.
func URI() string { return embeddedURI }

// Patient returns uri with the driver's server selection timeout raised to
// OperationTimeout. The driver bounds the checkout of a pooled connection
// by that timeout too, and the server's 1.5 s (store.ServerSelectionTimeout,
// there so that a request answers 503 quickly when the database is gone)
// failed a test of 40 concurrent writes on a busy machine while the
// database was up. The tests that need a lost database found quickly open
// their own stores.
func Patient(uri string) string {
	opt := "serverSelectionTimeoutMS=" + strconv.FormatInt(OperationTimeout.Milliseconds(), 10)
	switch {
	case strings.Contains(uri, "?"):
		return uri + "&" + opt
	case strings.HasSuffix(uri, "/"):
		return uri + "?" + opt
	default:
		return uri + "/?" + opt
	}
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_]`)

// NewStore opens a fresh, migrated database on the embedded server for one
// test (prefix names it), dropped when the test ends.
func NewStore(tb testing.TB, prefix string) *store.Store {
	tb.Helper()
	return NewMonitoredStore(tb, prefix, nil)
}

// NewMonitoredStore is NewStore with the driver reporting every command to
// mon (store.OpenMonitored).
func NewMonitoredStore(tb testing.TB, prefix string, mon *event.CommandMonitor) *store.Store {
	tb.Helper()
	if embeddedURI == "" {
		tb.Fatal("storetest.NewStore needs storetest.Main in TestMain")
	}
	ctx := context.Background()
	name := fmt.Sprintf("%s_%d_%d", unsafeName.ReplaceAllString(prefix, "_"), os.Getpid(), dbSeq.Add(1))
	st, err := store.OpenMonitored(ctx, Patient(embeddedURI), name, nil, mon)
	if err != nil {
		tb.Fatal(err)
	}
	st.CollectionCreated = func(ctx context.Context) error { // as the server does
		_, err := embedded.IndexIDs(ctx, name)
		return err
	}
	st.Erased = func(ctx context.Context) error { return embedded.Checkpoint(ctx, name) }
	if err := st.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = st.DropDatabase(context.Background())
		_ = st.Close(context.Background())
	})
	return st
}

// OtherInstance opens a second store on st's database, as another instance
// of the server would (its own connections, locks and in-process caches),
// closed when the test ends. Its clock is st's.
func OtherInstance(tb testing.TB, st *store.Store) *store.Store {
	tb.Helper()
	other, err := store.Open(context.Background(), Patient(embeddedURI), st.DatabaseName(), nil)
	if err != nil {
		tb.Fatal(err)
	}
	other.Now = st.Now
	tb.Cleanup(func() { _ = other.Close(context.Background()) })
	return other
}
