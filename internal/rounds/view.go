package rounds

import (
	"context"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/results"
)

// View is a round as the staff see it.
type View struct {
	*delphi.Round
	TimeZone string         `json:"time_zone"`
	Origins  map[string]int `json:"origins"` // item count per origin
	// SnapshotAt is when the feedback snapshot was computed (closed rounds,
	// and reopened ones until the next close replaces it).
	SnapshotAt *time.Time     `json:"snapshot_at,omitempty"`
	Responses  *ResponseCount `json:"responses,omitempty"`
	// CarryOver is set on a closed round no next round was prepared from
	// yet: how many of its items each carry-over mode takes along (all,
	// no_consensus; chosen takes the chosen ones), by the rule Prepare uses.
	CarryOver map[string]int `json:"carry_over,omitempty"`
}

// ResponseCount is a round's participation so far, counted as
// results.ResponseRates counts it.
type ResponseCount struct {
	Opened    int `json:"opened"`
	Started   int `json:"started"`
	Submitted int `json:"submitted"`
}

// View describes round r of sv; with responses true it counts the round's
// responses too (Responses must be set). The stores' errors.
func (s *Service) View(ctx context.Context, sv *delphi.Survey, r *delphi.Round, responses bool) (*View, error) {
	out := &View{Round: r, TimeZone: sv.Definition.Zone(), Origins: map[string]int{}}
	for _, ri := range r.Items {
		out.Origins[ri.Origin]++
	}
	if r.Closes() > 0 { // also while reopened: the old snapshot stays until the next close
		snap, err := s.Rounds.Snapshot(ctx, sv.ID, r.Number)
		if err == nil {
			at := snap.ComputedAt
			out.SnapshotAt = &at
		} else if delphi.ErrorCode(err) != delphi.ENOTFOUND {
			return nil, err
		}
	}
	if r.Status == delphi.RoundClosed && r.NextCreatedAt == nil && s.Results != nil && r.Number > 0 {
		res, err := s.Results.Frozen(ctx, sv.ID, r.Number)
		switch {
		case err == nil:
			out.CarryOver = map[string]int{delphi.CarryAll: len(r.Items), delphi.CarryNoConsensus: 0}
			for _, ri := range r.Items {
				if NeedsAnotherRound(ri.Item, res) {
					out.CarryOver[delphi.CarryNoConsensus]++
				}
			}
		case delphi.ErrorCode(err) != delphi.ECONFLICT: // ECONFLICT: no snapshot to count from
			return nil, err
		}
	}
	if responses {
		rs, err := s.Responses.ListResponses(ctx, sv.ID, r.Number)
		if err != nil {
			return nil, err
		}
		_, total := results.ResponseRates(nil, rs, nil, results.LinkWindow{})
		out.Responses = &ResponseCount{Opened: total.Opened, Started: total.Started, Submitted: total.Submitted}
	}
	return out, nil
}
