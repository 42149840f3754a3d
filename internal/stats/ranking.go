package stats

import "math/big"

// OptionRank is the result of one ranking option.
type OptionRank struct {
	ID         string  `json:"id"`
	MeanRank   Num     `json:"mean_rank"`
	RankSum    float64 `json:"rank_sum"`
	FirstShare Num     `json:"first_share"`         // 0–1
	TopKShare  Num     `json:"topk_share,omitzero"` // 0–1, when top_k > 0
}

// RankingSummary is the result of one ranking item.
type RankingSummary struct {
	M           int          `json:"m"`                 // experts with a valid, non-empty ranking
	NOptions    int          `json:"n_options"`         // distinct options
	Abstentions int          `json:"abstentions"`       // empty rankings
	Invalid     int          `json:"invalid,omitempty"` // rankings with unknown or repeated ids, dropped
	TopK        int          `json:"top_k,omitempty"`
	Options     []OptionRank `json:"options"` // in the order given
	W           Num          `json:"w"`       // Kendall's W, tie-corrected
	Chi2        Num          `json:"chi2"`    // m(n-1)W
	DF          int          `json:"df"`      // n-1
	P           Num          `json:"p"`       // chi-square upper tail

	Undefined map[string]string `json:"undefined,omitempty"` // field → reason
}

// Ranked is one expert's ranking: option ids best first and, when ties are
// allowed, each entry's place in competition ranking ("1224": tied entries
// share the place of the first of them, and the next entry's place is its
// position). Places nil means no ties: entry i is at place i+1.
type Ranked struct {
	IDs    []string
	Places []int
}

// ValidPlaces reports whether places is a competition ranking of that many
// entries: places[0] = 1 and each next place either repeats the one before
// (a tie) or equals its position (1-based).
func ValidPlaces(places []int) bool {
	for i, p := range places {
		if p != i+1 && (i == 0 || p != places[i-1]) {
			return false
		}
	}
	return true
}

// Ranking summarises rankings (expert → option ids, best first) over
// options; see RankingTies.
func Ranking(rankings map[string][]string, options []string, topK int) RankingSummary {
	rs := make(map[string]Ranked, len(rankings))
	for k, r := range rankings {
		rs[k] = Ranked{IDs: r}
	}
	return RankingTies(rs, options, topK)
}

// RankingTies summarises rankings (expert → Ranked) over options. Tied
// entries get the mid-rank of the positions they share. A ranking may be
// partial: the options it leaves out share the remaining mid-rank
// (L+1+n)/2. Empty rankings are abstentions; rankings naming an unknown
// option or one twice, or with places that are not a competition ranking
// (ValidPlaces) of its entries, are dropped as invalid. topK > 0 reports
// each option's share of experts placing it within the first topK places;
// first_share counts every option at place 1. W = 12S / (m²(n³-n) - mΣT)
// with T = Σ(t³-t) over every tie group of every ranking (tied entries and
// the unranked rest), computed exactly; chi-square = m(n-1)W with n-1 df.
func RankingTies(rankings map[string]Ranked, options []string, topK int) RankingSummary {
	idx := make(map[string]int, len(options))
	var ids []string
	for _, o := range options {
		if _, dup := idx[o]; !dup {
			idx[o] = len(ids)
			ids = append(ids, o)
		}
	}
	n := len(ids)
	rs := RankingSummary{NOptions: n, TopK: max(topK, 0)}
	rank2 := make([]int64, n) // doubled rank sums: mid-ranks are halves
	first := make([]int64, n)
	top := make([]int64, n)
	var sumT int64
	seen := make([]bool, n)
	for _, rk := range rankings {
		r := rk.IDs
		if len(r) == 0 {
			rs.Abstentions++
			continue
		}
		clear(seen)
		ok := rk.Places == nil || len(rk.Places) == len(r) && ValidPlaces(rk.Places)
		for _, id := range r {
			if !ok {
				break
			}
			j, known := idx[id]
			if !known || seen[j] {
				ok = false
				break
			}
			seen[j] = true
		}
		if !ok {
			rs.Invalid++
			continue
		}
		rs.M++
		for i := 0; i < len(r); {
			j := i + 1 // the tie group is r[i:j]
			for rk.Places != nil && j < len(r) && rk.Places[j] == rk.Places[i] {
				j++
			}
			t := int64(j - i)
			sumT += t*t*t - t
			mid2 := int64(i + 1 + j) // doubled mid-rank of positions i+1..j
			for _, id := range r[i:j] {
				k := idx[id]
				rank2[k] += mid2
				if i == 0 {
					first[k]++
				}
				if i < topK {
					top[k]++
				}
			}
			i = j
		}
		if l := int64(len(r)); l < int64(n) {
			mid2 := l + 1 + int64(n)
			for j := range ids {
				if !seen[j] {
					rank2[j] += mid2
				}
			}
			t := int64(n) - l
			sumT += t*t*t - t
		}
	}

	m := int64(rs.M)
	rs.Options = make([]OptionRank, n)
	for j, id := range ids {
		o := OptionRank{ID: id, RankSum: float64(rank2[j]) / 2}
		o.MeanRank = ratio(rank2[j], 2*m, "no rankings")
		o.FirstShare = ratio(first[j], m, "no rankings")
		if topK > 0 {
			o.TopKShare = ratio(top[j], m, "no rankings")
		}
		rs.Options[j] = o
	}
	if n > 0 {
		rs.DF = n - 1
	}

	var reason string
	switch {
	case n < 2:
		reason = "fewer than 2 options"
	case m < 2:
		reason = "m < 2"
	}
	if reason == "" {
		// 12S = 12 Σ((R2_j - m(n+1))/2)² = 3 Σ(R2_j - m(n+1))².
		nn := int64(n)
		num := new(big.Int)
		c := big.NewInt(m * (nn + 1))
		for _, r2 := range rank2 {
			d := new(big.Int).Sub(big.NewInt(r2), c)
			num.Add(num, d.Mul(d, d))
		}
		num.Mul(num, big.NewInt(3))
		den := big.NewInt(m * m)
		den.Mul(den, big.NewInt(nn*nn*nn-nn))
		den.Sub(den, big.NewInt(m*sumT))
		if den.Sign() == 0 {
			reason = "all ranks tied"
		} else {
			w := new(big.Rat).SetFrac(num, den)
			rs.W = ratNum(w)
			chi := new(big.Rat).Mul(w, big.NewRat(m*(nn-1), 1))
			rs.Chi2 = ratNum(chi)
			rs.P = NumOf(chiSquareSurvival(rs.Chi2.Value, n-1))
		}
	}
	if reason != "" {
		rs.W, rs.Chi2, rs.P = UndefinedNum(reason), UndefinedNum(reason), UndefinedNum(reason)
	}
	fields := map[string]Num{"w": rs.W, "chi2": rs.Chi2, "p": rs.P}
	if n > 0 {
		fields["options.mean_rank"] = rs.Options[0].MeanRank
		fields["options.first_share"] = rs.Options[0].FirstShare
		fields["options.topk_share"] = rs.Options[0].TopKShare
	}
	rs.Undefined = undefinedOf(fields)
	return rs
}
