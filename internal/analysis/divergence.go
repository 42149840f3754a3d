package analysis

import (
	"fmt"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/stats"
)

// Divergence thresholds (policy Delphi).
const (
	// DivergenceMinGroupN is the fewest valid answers a group needs to take
	// part in the median-gap and opposite-consensus flags.
	DivergenceMinGroupN = 3
	// DivergenceMedianGap is the gap between the highest and the lowest
	// group median, in scale points, that raises FlagMedianGap.
	DivergenceMedianGap = 2
)

// Divergence flags.
const (
	FlagMedianGap         = "median_gap"         // group medians ≥ DivergenceMedianGap apart
	FlagOppositeConsensus = "opposite_consensus" // one group consensus_in, another consensus_out
	FlagBimodal           = "bimodal"            // the overall distribution is bimodal (stats.Bimodal)
)

// Divergence describes how far the expert groups disagree on one rating.
type Divergence struct {
	// Score sorts items by divergence: the number of flags plus the median
	// gap as a fraction of the scale's span (0–1), so in [0, 4].
	Score float64  `json:"score"`
	Flags []string `json:"flags"` // in the order median_gap, opposite_consensus, bimodal
	// MedianGap is the highest minus the lowest median of the eligible
	// groups; null with fewer than two eligible groups.
	MedianGap    stats.Num     `json:"median_gap"`
	GroupMedians []GroupMedian `json:"group_medians"` // every group, in RoundResults.Groups order
}

// GroupMedian is one group's column of the side-by-side view.
type GroupMedian struct {
	Group     string    `json:"group"`
	N         int       `json:"n"`
	Median    stats.Num `json:"median"`
	Consensus string    `json:"consensus"`
	Eligible  bool      `json:"eligible"` // n ≥ DivergenceMinGroupN
}

// divergence evaluates the three flags on a computed rating result.
func divergence(r *RatingResult, sc delphi.Scale, groups []string) Divergence {
	d := Divergence{Flags: []string{}, GroupMedians: make([]GroupMedian, 0, len(groups))}
	var lo, hi float64
	eligible := 0
	in, out := false, false
	for _, g := range groups {
		gr := r.ByGroup[g]
		gm := GroupMedian{Group: g, N: gr.Summary.N, Median: gr.Summary.Median, Consensus: gr.Consensus.Outcome}
		gm.Eligible = gm.N >= DivergenceMinGroupN && gm.Median.Valid
		if gm.Eligible {
			m := gm.Median.Value
			if eligible == 0 || m < lo {
				lo = m
			}
			if eligible == 0 || m > hi {
				hi = m
			}
			eligible++
			in = in || gm.Consensus == ConsensusIn
			out = out || gm.Consensus == ConsensusOut
		}
		d.GroupMedians = append(d.GroupMedians, gm)
	}
	gap := 0.0
	if eligible >= 2 {
		gap = hi - lo // medians are halves of scale values: exact
		d.MedianGap = stats.NumOf(gap)
		if gap >= DivergenceMedianGap {
			d.Flags = append(d.Flags, FlagMedianGap)
		}
	} else {
		d.MedianGap = stats.UndefinedNum(fmt.Sprintf("fewer than 2 groups with n ≥ %d", DivergenceMinGroupN))
	}
	if in && out {
		d.Flags = append(d.Flags, FlagOppositeConsensus)
	}
	if r.Overall.Bimodal {
		d.Flags = append(d.Flags, FlagBimodal)
	}
	d.Score = float64(len(d.Flags))
	if n := len(sc.Points); n > 1 {
		if span := float64(sc.Points[n-1].Value - sc.Points[0].Value); span > 0 {
			d.Score += min(gap/span, 1)
		}
	}
	return d
}
