package analysis

import (
	"cmp"
	"slices"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/stats"
)

// Board is the consensus board of the dashboard: one row per item (per
// criterion for multi_rating), one cell per round.
type Board struct {
	Rounds []int        `json:"rounds"` // ascending
	Rows   []BoardRow   `json:"rows"`
	Tally  []RoundTally `json:"tally"` // per round, over the rating rows

	// Alternatives are the study's alternative rule sets (name and label)
	// as of the latest round, in order; each cell's alternatives follow it.
	Alternatives []BoardRuleSet `json:"alternatives"`
}

// BoardRuleSet names an alternative rule set on the board.
type BoardRuleSet struct {
	Name  string      `json:"name"`
	Label delphi.Text `json:"label,omitempty"`
}

// BoardOutcome is a cell's outcome under one alternative rule set.
type BoardOutcome struct {
	Rule    string `json:"rule"`
	Outcome string `json:"outcome"`
}

// BoardRow is one item, or one criterion of a multi_rating item.
type BoardRow struct {
	ItemID      string      `json:"item_id"`
	CriterionID string      `json:"criterion_id,omitempty"`
	Type        string      `json:"type"`
	SectionID   string      `json:"section_id"`
	Cells       []BoardCell `json:"cells"` // one per entry of Board.Rounds
}

// BoardCell is one item (criterion) in one round. Present is false when the
// item was not asked in that round. Outcome, median, iqr and
// agreement_percent are set for ratings and criteria only.
type BoardCell struct {
	Round            int       `json:"round"`
	Present          bool      `json:"present"`
	Outcome          string    `json:"outcome,omitempty"`
	N                int       `json:"n"`
	Median           stats.Num `json:"median,omitzero"`
	IQR              stats.Num `json:"iqr,omitzero"`
	AgreementPercent stats.Num `json:"agreement_percent,omitzero"`

	Alternatives []BoardOutcome `json:"alternatives,omitempty"` // outcomes under the alternative rule sets
}

// RoundTally counts the outcomes of the rating rows present in one round.
type RoundTally struct {
	Round        int `json:"round"`
	ConsensusIn  int `json:"consensus_in"`
	ConsensusOut int `json:"consensus_out"`
	None         int `json:"none"`
}

// Overview builds the consensus board from the results of several rounds,
// in any order (nil entries are skipped; of two results for one round
// number the later in the slice wins). Rows follow the item's position in
// the latest round that has it, then the item id, then criterion order.
func Overview(rounds []*RoundResults) Board {
	byRound := map[int]*RoundResults{}
	for _, r := range rounds {
		if r != nil {
			byRound[r.Round] = r
		}
	}
	b := Board{Rounds: make([]int, 0, len(byRound)), Rows: []BoardRow{}, Tally: []RoundTally{}, Alternatives: []BoardRuleSet{}}
	for n := range byRound {
		b.Rounds = append(b.Rounds, n)
	}
	slices.Sort(b.Rounds)
	if len(b.Rounds) > 0 {
		for _, set := range byRound[b.Rounds[len(b.Rounds)-1]].RuleSets {
			if !set.Primary {
				b.Alternatives = append(b.Alternatives, BoardRuleSet{Name: set.Name, Label: set.Label})
			}
		}
	}

	type rowKey struct{ item, criterion string }
	type rowInfo struct {
		row      BoardRow
		position int
		order    int // criterion index
	}
	rows := map[rowKey]*rowInfo{}
	for ri, n := range b.Rounds {
		r := byRound[n]
		tally := RoundTally{Round: n}
		for _, it := range r.Items {
			add := func(criterion string, order int, rr *RatingResult, nr *NumericResult) {
				k := rowKey{it.ItemID, criterion}
				info := rows[k]
				if info == nil {
					info = &rowInfo{row: BoardRow{ItemID: it.ItemID, CriterionID: criterion, Cells: make([]BoardCell, len(b.Rounds))}}
					for i, m := range b.Rounds {
						info.row.Cells[i] = BoardCell{Round: m}
					}
					rows[k] = info
				}
				// Later rounds overwrite: the latest definition wins.
				info.row.Type, info.row.SectionID, info.position, info.order = it.Type, it.SectionID, it.Position, order
				cell := BoardCell{Round: n, Present: true, N: it.N}
				switch {
				case rr != nil:
					s := rr.Overall
					cell.N, cell.Outcome = s.N, rr.Consensus.Outcome
					cell.Median, cell.IQR, cell.AgreementPercent = nonZero(s.Median), nonZero(s.IQR), nonZero(s.AgreementPercent)
					cell.Alternatives = boardOutcomes(rr.Alternatives)
				case nr != nil && nr.Consensus != nil:
					s := nr.Overall
					cell.N, cell.Outcome = s.N, nr.Consensus.Outcome
					cell.Median, cell.IQR = nonZero(s.Median), nonZero(s.IQR)
					cell.Alternatives = boardOutcomes(nr.Alternatives)
				}
				if rr != nil || (nr != nil && nr.Consensus != nil) {
					switch cell.Outcome {
					case ConsensusIn:
						tally.ConsensusIn++
					case ConsensusOut:
						tally.ConsensusOut++
					default:
						tally.None++
					}
				}
				info.row.Cells[ri] = cell
			}
			switch {
			case it.Rating != nil:
				add("", 0, it.Rating, nil)
			case it.Criteria != nil:
				for ci := range it.Criteria {
					add(it.Criteria[ci].CriterionID, ci, &it.Criteria[ci].RatingResult, nil)
				}
			default:
				add("", 0, nil, it.Numeric)
			}
		}
		b.Tally = append(b.Tally, tally)
	}

	infos := make([]*rowInfo, 0, len(rows))
	for _, info := range rows {
		infos = append(infos, info)
	}
	slices.SortFunc(infos, func(a, c *rowInfo) int {
		return cmp.Or(cmp.Compare(a.position, c.position), cmp.Compare(a.row.ItemID, c.row.ItemID),
			cmp.Compare(a.order, c.order), cmp.Compare(a.row.CriterionID, c.row.CriterionID))
	})
	for _, info := range infos {
		b.Rows = append(b.Rows, info.row)
	}
	return b
}

// nonZero keeps an undefined statistic visible as null: a Num read back
// from JSON null has no reason and would otherwise be omitted.
func nonZero(n stats.Num) stats.Num {
	if !n.Valid && n.Reason == "" {
		return stats.UndefinedNum(stats.ReasonStored)
	}
	return n
}

// boardOutcomes keeps the rule and outcome of each alternative.
func boardOutcomes(alts []RuleOutcome) []BoardOutcome {
	if len(alts) == 0 {
		return nil
	}
	out := make([]BoardOutcome, len(alts))
	for i, a := range alts {
		out[i] = BoardOutcome{Rule: a.Rule, Outcome: a.Outcome}
	}
	return out
}
