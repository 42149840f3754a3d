package results

import (
	"context"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/stats"
)

// Board is the consensus board of the dashboard: analysis.Overview over
// every round's results, with each rating cell's per-group outcome copied
// from the same results (by_group), and the rounds it covers.
type Board struct {
	Rounds []RoundInfo           `json:"rounds"` // ascending, one per column
	Groups []string              `json:"groups"` // union of the rounds' groups, in first-seen order
	Rows   []BoardRow            `json:"rows"`
	Tally  []analysis.RoundTally `json:"tally"`

	// Alternatives names the study's alternative rule sets; each cell
	// carries its outcomes under them (analysis.Board).
	Alternatives []analysis.BoardRuleSet `json:"alternatives"`
}

// BoardRow is analysis.BoardRow with cells that carry the group outcomes.
type BoardRow struct {
	analysis.BoardRow
	Cells []BoardCell `json:"cells"`
}

// BoardCell is analysis.BoardCell plus, for ratings and criteria, each
// group's outcome, n and median in that round.
type BoardCell struct {
	analysis.BoardCell
	ByGroup map[string]GroupCell `json:"by_group,omitempty"`
}

// GroupCell is one group's outcome in one board cell.
type GroupCell struct {
	Outcome string    `json:"outcome"`
	N       int       `json:"n"`
	Median  stats.Num `json:"median"`
}

// Overview builds the board of a study. ENOTFOUND for an unknown study.
func (s *Service) Overview(ctx context.Context, surveyID string) (*Board, error) {
	all, infos, err := s.All(ctx, surveyID)
	if err != nil {
		return nil, err
	}
	return BuildBoard(all, infos), nil
}

// BuildBoard adds the per-group outcomes of rs to analysis.Overview(rs).
// infos describe rs, in the same order.
func BuildBoard(rs []*analysis.RoundResults, infos []RoundInfo) *Board {
	ov := analysis.Overview(rs)
	b := &Board{Rounds: infos, Groups: []string{}, Rows: make([]BoardRow, 0, len(ov.Rows)), Tally: ov.Tally, Alternatives: ov.Alternatives}
	if b.Rounds == nil {
		b.Rounds = []RoundInfo{}
	}
	byRound := map[int]*analysis.RoundResults{}
	seen := map[string]bool{}
	for _, r := range rs {
		if r == nil {
			continue
		}
		byRound[r.Round] = r
		for _, g := range r.Groups {
			if !seen[g] {
				seen[g] = true
				b.Groups = append(b.Groups, g)
			}
		}
	}
	for _, row := range ov.Rows {
		out := BoardRow{BoardRow: row, Cells: make([]BoardCell, len(row.Cells))}
		out.BoardRow.Cells = nil // replaced by Cells
		for i, c := range row.Cells {
			cell := BoardCell{BoardCell: c}
			if c.Present {
				if rr := ratingOf(byRound[c.Round], row.ItemID, row.CriterionID); rr != nil {
					cell.ByGroup = make(map[string]GroupCell, len(rr.ByGroup))
					for g, gr := range rr.ByGroup {
						cell.ByGroup[g] = GroupCell{Outcome: gr.Consensus.Outcome, N: gr.Summary.N, Median: gr.Summary.Median}
					}
				}
			}
			out.Cells[i] = cell
		}
		b.Rows = append(b.Rows, out)
	}
	return b
}

// ratingOf finds the rating (or criterion) result of an item in r.
func ratingOf(r *analysis.RoundResults, itemID, criterionID string) *analysis.RatingResult {
	if r == nil {
		return nil
	}
	it, ok := r.Item(itemID)
	if !ok {
		return nil
	}
	if criterionID == "" {
		return it.Rating
	}
	rr, _ := it.Criterion(criterionID)
	return rr
}
