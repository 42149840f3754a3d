package httpapi

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// lineupWait bounds how long a request waits in a lineup before it is
// told to come back (503 with Retry-After).
const lineupWait = 20 * time.Second

// lineup lets n requests of one kind run at once; the others wait in line
// for a free place (a Go channel: first come, nearly first served).
//
// It serves the questionnaire (GET /participation): the largest answer an
// expert gets, with a session check and a write of the response's
// activity. When an invitation reaches a large panel, every expert opens
// the questionnaire within seconds; with all those loads at once the
// process had far more work in flight than its cores, and the autosaves
// sent meanwhile queued behind it. Measured with 1,000 experts at human
// pace (docs/PERFORMANCE.md): save p99 0.6–1.3 s with every load at once;
// 17 ms, and the loads themselves faster too, with GOMAXPROCS loads at a
// time. Saves are not lined up: they are small, and keeping them fast
// keeps answers safe.
type lineup struct {
	slots chan struct{}
	wait  time.Duration
}

// newLineup returns a lineup of n places (at least 1) whose requests wait
// at most wait.
func newLineup(n int, wait time.Duration) *lineup {
	return &lineup{slots: make(chan struct{}, max(n, 1)), wait: wait}
}

// wrap runs next when a place is free. EUNAVAILABLE (503, Retry-After 2)
// after waiting l.wait: the server is saturated for that long. A nil
// lineup runs next at once.
func (l *lineup) wrap(next fiber.Handler) fiber.Handler {
	if l == nil {
		return next
	}
	return func(c *fiber.Ctx) error {
		t := time.NewTimer(l.wait)
		defer t.Stop()
		select {
		case l.slots <- struct{}{}:
		case <-t.C:
			return &delphi.Error{Code: delphi.EUNAVAILABLE, Message: "the server is busy; try again in a moment", RetryAfter: 2}
		}
		defer func() { <-l.slots }()
		return next(c)
	}
}
