package session

import (
	"context"
	"math"
	"runtime"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// limit is one rate-limited key: at most max checked attempts in a window.
type limit struct {
	key string
	max int
}

// reservation is one attempt reserved on each of its keys before a guess
// is checked. It counts as a failure unless taken back.
type reservation struct {
	limiter delphi.LimiterStore
	keys    []string
	at      time.Time
}

// reserve reserves one attempt at now on every limit, all or none, each in
// one atomic step of the store (docs/SECURITY.md, "Rate limits"): a full
// key refuses with ERATELIMIT, msg and RetryAfter, and takes back what was
// reserved on the keys before it.
func (s *Service) reserve(ctx context.Context, now time.Time, window time.Duration, msg string, limits ...limit) (*reservation, error) {
	r := &reservation{limiter: s.Limiter, at: now}
	for _, l := range limits {
		ok, wait, err := s.Limiter.Reserve(ctx, l.key, now, window, l.max)
		if err == nil && !ok {
			err = &delphi.Error{Code: delphi.ERATELIMIT, Message: msg, RetryAfter: seconds(wait)}
		}
		if err != nil {
			return nil, r.cancel(ctx, err)
		}
		r.keys = append(r.keys, l.key)
	}
	return r, nil
}

// cancel takes the whole reservation back, because the guess was not
// checked, and returns err (or the take-back's own error).
func (r *reservation) cancel(ctx context.Context, err error) error {
	if terr := r.takeBack(ctx, r.keys...); terr != nil {
		return terr
	}
	return err
}

// takeBack removes the reserved attempt from keys.
func (r *reservation) takeBack(ctx context.Context, keys ...string) error {
	for _, k := range keys {
		if err := r.limiter.TakeBack(ctx, k, r.at); err != nil {
			return err
		}
	}
	return nil
}

// seconds is d in whole seconds for Retry-After, rounded up, at least 1.
func seconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

// SlotWait is how long a password check waits for a free slot by default.
const SlotWait = 2 * time.Second

// Slots bound how many argon2id computations (19 MiB of memory and tens of
// milliseconds of one core each) run at once, so that 100 parallel logins
// take the memory of a few. Build one per process.
type Slots struct {
	ch   chan struct{} // one token per computation running
	wait time.Duration
}

// NewSlots returns n slots (n ≤ 0: as many as the Go scheduler runs in
// parallel, GOMAXPROCS) in which a computation waits at most wait
// (≤ 0: SlotWait) for a free one.
func NewSlots(n int, wait time.Duration) *Slots {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	if wait <= 0 {
		wait = SlotWait
	}
	return &Slots{ch: make(chan struct{}, n), wait: wait}
}

// Run runs fn in a free slot. When none frees up within the wait it
// returns EUNAVAILABLE with RetryAfter 1 without running fn; a cancelled
// ctx also returns EUNAVAILABLE.
func (sl *Slots) Run(ctx context.Context, fn func()) error {
	select {
	case sl.ch <- struct{}{}:
	default:
		t := time.NewTimer(sl.wait)
		defer t.Stop()
		select {
		case sl.ch <- struct{}{}:
		case <-t.C:
			return &delphi.Error{Code: delphi.EUNAVAILABLE, Message: "the server is busy checking passwords; try again in a moment", RetryAfter: 1}
		case <-ctx.Done():
			return &delphi.Error{Code: delphi.EUNAVAILABLE, Message: "the request was cancelled", Err: ctx.Err()}
		}
	}
	done := false
	defer func() {
		if !done { // fn panicked
			<-sl.ch
		}
	}()
	fn()
	done = true
	if len(sl.ch) == 1 {
		<-sl.ch
		return nil
	}
	// Other computations run at the same time, as in a flood of logins.
	// The 19 MiB of this one are garbage now: collect them before the slot
	// is free, so that the next computation reuses that memory (left to the
	// pacer, the heap grows to twice its live size first, and its live size
	// holds every slot's 19 MiB). The caller does not wait for it.
	go func() {
		runtime.GC()
		<-sl.ch
	}()
	return nil
}

// HoldAll takes every slot, as computations in flight would, and returns
// the function that frees them: what a flood of logins does, for tests.
func (sl *Slots) HoldAll() (release func()) {
	for range cap(sl.ch) {
		sl.ch <- struct{}{}
	}
	return func() {
		for range cap(sl.ch) {
			<-sl.ch
		}
	}
}
