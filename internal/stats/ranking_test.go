package stats

import (
	"strings"
	"testing"
)

func TestRankingHandWorked(t *testing.T) {
	// m = 3 experts, n = 4 options a b c d, top-2 share.
	//   A full:  a b c d → a1 b2 c3 d4,               T = 0
	//   B top-2: b a     → b1 a2, c d share 3.5,       T = 2³-2 = 6
	//   C top-1: a       → a1, b c d share (2+3+4)/3 = 3, T = 3³-3 = 24
	// R = a 1+2+1 = 4, b 2+1+3 = 6, c 3+3.5+3 = 9.5, d 4+3.5+3 = 10.5 (Σ 30 = m·n(n+1)/2).
	// m(n+1)/2 = 7.5; S = 3.5² + 1.5² + 2² + 3² = 12.25+2.25+4+9 = 27.5.
	// W = 12·27.5 / (9·60 - 3·30) = 330/450 = 11/15.
	// chi² = m(n-1)W = 9·11/15 = 6.6, df 3, p = erfc(√3.3) + √(13.2/π)e^{-3.3} ≈ 0.085801.
	r := Ranking(map[string][]string{
		"A": {"a", "b", "c", "d"},
		"B": {"b", "a"},
		"C": {"a"},
		"D": {},         // abstains
		"E": {"a", "x"}, // unknown option: invalid
		"F": {"a", "a"}, // repeated: invalid
	}, []string{"a", "b", "c", "d"}, 2)
	if r.M != 3 || r.NOptions != 4 || r.Abstentions != 1 || r.Invalid != 2 || r.DF != 3 {
		t.Fatalf("m, n, abst, invalid, df = %d %d %d %d %d", r.M, r.NOptions, r.Abstentions, r.Invalid, r.DF)
	}
	nearNum(t, "w", r.W, 11.0/15, 1e-15)
	nearNum(t, "chi2", r.Chi2, 6.6, 1e-14)
	nearNum(t, "p", r.P, 0.08580108740012292, 1e-12)
	want := []struct {
		id           string
		sum          float64
		first, topk2 float64
	}{
		{"a", 4, 2.0 / 3, 1},       // first for A, C; top-2 for A, B, C
		{"b", 6, 1.0 / 3, 2.0 / 3}, // first for B; top-2 for A, B
		{"c", 9.5, 0, 0},
		{"d", 10.5, 0, 0},
	}
	for i, w := range want {
		o := r.Options[i]
		if o.ID != w.id || o.RankSum != w.sum {
			t.Errorf("option %d = %+v", i, o)
		}
		nearNum(t, w.id+" mean_rank", o.MeanRank, w.sum/3, 1e-15)
		nearNum(t, w.id+" first_share", o.FirstShare, w.first, 1e-15)
		nearNum(t, w.id+" topk_share", o.TopKShare, w.topk2, 1e-15)
	}
	js := mustJSON(t, r)
	if !strings.Contains(js, `"rank_sum":9.5`) || !strings.Contains(js, `"top_k":2`) {
		t.Errorf("JSON = %s", js)
	}
}

func TestRankingExtremes(t *testing.T) {
	opts := []string{"a", "b", "c"}
	// Perfect agreement: R = 3, 6, 9; S = 9+0+9 = 18; W = 12·18/(9·24) = 1.
	r := Ranking(map[string][]string{"1": {"a", "b", "c"}, "2": {"a", "b", "c"}, "3": {"a", "b", "c"}}, opts, 0)
	nearNum(t, "w agree", r.W, 1, 0)
	if r.Options[0].TopKShare != (Num{}) {
		t.Error("topk_share reported with topK = 0")
	}
	// Reversal: R = 4, 4, 4; W = 0; chi² = 0, p = 1.
	r = Ranking(map[string][]string{"1": {"a", "b", "c"}, "2": {"c", "b", "a"}}, opts, 0)
	nearNum(t, "w reversed", r.W, 0, 0)
	nearNum(t, "p reversed", r.P, 1, 0)
	// Every expert names only a: b, c tied at 2.5 for all. R = 2, 5, 5;
	// S = 4+1+1 = 6 (mean 4); W = 12·6/(4·24 - 2·(6+6)) = 72/72 = 1.
	r = Ranking(map[string][]string{"1": {"a"}, "2": {"a"}}, opts, 1)
	nearNum(t, "w all-tied rest", r.W, 1, 0)
}

func TestRankingUndefined(t *testing.T) {
	r := Ranking(map[string][]string{"1": {"a", "b"}}, []string{"a", "b"}, 0)
	undefined(t, "w m=1", r.W, "m < 2")
	undefined(t, "p m=1", r.P, "m < 2")
	if r.Undefined["w"] != "m < 2" {
		t.Errorf("undefined = %v", r.Undefined)
	}
	r = Ranking(nil, []string{"a", "b"}, 1)
	undefined(t, "mean_rank m=0", r.Options[0].MeanRank, "no rankings")
	if r.Undefined["options.topk_share"] != "no rankings" {
		t.Errorf("undefined = %v", r.Undefined)
	}
	mustJSON(t, r)
	r = Ranking(map[string][]string{"1": {"a"}, "2": {"a"}}, []string{"a", "a"}, 0)
	if r.NOptions != 1 {
		t.Errorf("n_options = %d, want 1 (duplicates dropped)", r.NOptions)
	}
	undefined(t, "w n=1", r.W, "fewer than 2 options")
	mustJSON(t, r)
	mustJSON(t, Ranking(nil, nil, 0))
}
