package httpapi

import (
	"context"
	"time"
)

// sweepInterval is how often the server closes rounds whose deadline has
// passed. Correctness does not depend on it: every request that touches a
// round closes it first if it is overdue (rounds.Service.Refresh).
const sweepInterval = 30 * time.Second

// sweeper is the background deadline sweep started by Listen.
type sweeper struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// CloseOverdueRounds closes every open round whose deadline has passed and
// returns how many it closed. Listen runs it once at startup (so a deadline
// that passed while the server was down is honoured) and then every 30 s.
func (s *Server) CloseOverdueRounds(ctx context.Context) (int, error) {
	svc, err := s.roundService()
	if err != nil {
		return 0, nil // a server without rounds has nothing to close
	}
	return svc.CloseOverdue(ctx)
}

func (s *Server) sweepOnce(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, sweepInterval)
	defer cancel()
	if n, err := s.CloseOverdueRounds(ctx); err != nil {
		s.log.Warn("deadline sweep", "closed", n, "err", err)
	} else if n > 0 {
		s.log.Info("deadline sweep", "closed", n)
	}
}

// startSweeper runs one sweep now, then one every sweepInterval until
// stopSweeper.
func (s *Server) startSweeper() {
	if s.sweep != nil || s.deps.Rounds == nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	sw := &sweeper{cancel: cancel, done: make(chan struct{})}
	s.sweep = sw
	s.sweepOnce(ctx)
	go func() {
		defer close(sw.done)
		t := time.NewTicker(sweepInterval)
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
}

// stopSweeper stops the sweep and waits for a run in progress.
func (s *Server) stopSweeper() {
	if s.sweep == nil {
		return
	}
	s.sweep.cancel()
	<-s.sweep.done
	s.sweep = nil
}
