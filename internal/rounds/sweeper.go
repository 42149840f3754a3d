package rounds

import (
	"context"
	"time"
)

// SweepInterval is how often the sweeper closes rounds whose deadline has
// passed. Correctness does not depend on it: every request that touches a
// round closes it first if it is overdue (Refresh).
const SweepInterval = 30 * time.Second

// Sweeper is the background deadline sweep of a serving process.
type Sweeper struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// StartSweeper runs one sweep now, so that a deadline that passed while no
// server ran is honoured before the first request, then one every
// SweepInterval until Stop.
func (s *Service) StartSweeper() *Sweeper {
	ctx, cancel := context.WithCancel(context.Background())
	sw := &Sweeper{cancel: cancel, done: make(chan struct{})}
	s.sweepOnce(ctx)
	go func() {
		defer close(sw.done)
		t := time.NewTicker(SweepInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.sweepOnce(ctx)
			}
		}
	}()
	return sw
}

// Stop stops the sweep and waits for a run in progress.
func (sw *Sweeper) Stop() {
	sw.cancel()
	<-sw.done
}

func (s *Service) sweepOnce(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, SweepInterval)
	defer cancel()
	if n, err := s.CloseOverdue(ctx); err != nil {
		s.log().Warn("deadline sweep", "closed", n, "err", err)
	} else if n > 0 {
		s.log().Info("deadline sweep", "closed", n)
	}
}
