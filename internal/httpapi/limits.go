package httpapi

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
	s    *Server
	keys []string
	at   time.Time
}

// reserve reserves one attempt at now on every limit, all or none, each in
// one atomic step of the store (docs/SECURITY.md, "Rate limits"): a full
// key refuses with 429, msg and Retry-After, and takes back what was
// reserved on the keys before it.
func (s *Server) reserve(ctx context.Context, now time.Time, window time.Duration, msg string, limits ...limit) (*reservation, error) {
	r := &reservation{s: s, at: now}
	for _, l := range limits {
		ok, wait, err := s.deps.Limiter.Reserve(ctx, l.key, now, window, l.max)
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
		if err := r.s.deps.Limiter.TakeBack(ctx, k, r.at); err != nil {
			return err
		}
	}
	return nil
}

// seconds is d in whole seconds for Retry-After, rounded up, at least 1.
func seconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

// argonWait is how long a request waits for a free password slot.
const argonWait = 2 * time.Second

// withPasswordSlot runs fn, an argon2id computation (19 MiB of memory and
// tens of milliseconds of one core each), in one of the slots that bound
// how many run at once: as many as the Go scheduler runs in parallel, so
// 100 parallel logins take the memory of a few. A request that finds no
// slot free within the wait gets 503 with Retry-After (and has checked
// nothing).
func (s *Server) withPasswordSlot(ctx context.Context, fn func()) error {
	select {
	case s.argon <- struct{}{}:
	default:
		t := time.NewTimer(s.argonWait)
		defer t.Stop()
		select {
		case s.argon <- struct{}{}:
		case <-t.C:
			return &delphi.Error{Code: delphi.EUNAVAILABLE, Message: "the server is busy checking passwords; try again in a moment", RetryAfter: 1}
		case <-ctx.Done():
			return &delphi.Error{Code: delphi.EUNAVAILABLE, Message: "the request was cancelled", Err: ctx.Err()}
		}
	}
	done := false
	defer func() {
		if !done { // fn panicked
			<-s.argon
		}
	}()
	fn()
	done = true
	if len(s.argon) == 1 {
		<-s.argon
		return nil
	}
	// Other computations run at the same time, as in a flood of logins.
	// The 19 MiB of this one are garbage now: collect them before the slot
	// is free, so that the next computation reuses that memory (left to the
	// pacer, the heap grows to twice its live size first, and its live size
	// holds every slot's 19 MiB). The request does not wait for it.
	go func() {
		runtime.GC()
		<-s.argon
	}()
	return nil
}
