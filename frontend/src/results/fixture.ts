// Results of the demo study (test/fixture.ts) in two rounds: round 1
// closed, round 2 open (live). Numbers are hand-made but consistent.
import type { Board, Consensus, Outcome, RatingResult, RoundResults, Summary, Transitions } from '../api/types';

export function summary(counts: number[], median: number | null, q1: number | null, q3: number | null, extra: Partial<Summary> = {}): Summary {
  const n = counts.reduce((a, b) => a + b, 0);
  return {
    n,
    abstentions: 0,
    quantile_type: 7,
    mean: null,
    sd: null,
    cv: null,
    median,
    q1,
    q3,
    iqr: q1 != null && q3 != null ? q3 - q1 : null,
    min: null,
    max: null,
    modes: [],
    distribution: counts.map((count, i) => ({ value: i + 1, count, percent: n ? (100 * count) / n : null })),
    agreement_percent: n ? (100 * ((counts[3] ?? 0) + (counts[4] ?? 0))) / n : null,
    bimodal: false,
    bimodality_coefficient: null,
    ...extra,
  };
}

const c = (outcome: Outcome): Consensus => ({ outcome, reason: `all(agreement=${outcome === 'consensus_in' ? 'in' : 'no'}, iqr=held)` });

function rating(overall: Summary, outcome: Outcome, groups: Record<string, [Summary, Outcome]>, extra: Partial<RatingResult> = {}): RatingResult {
  const by_group: RatingResult['by_group'] = {};
  for (const [g, [s, o]] of Object.entries(groups)) by_group[g] = { summary: s, consensus: c(o) };
  return {
    overall,
    consensus: c(outcome),
    by_group,
    divergence: {
      score: 0,
      flags: [],
      median_gap: null,
      group_medians: Object.entries(groups).map(([g, [s, o]]) => ({ group: g, n: s.n, median: s.median, consensus: o, eligible: s.n >= 3 })),
    },
    ...extra,
  };
}

const base = {
  survey_id: 'demo-2026',
  version: '2026-11',
  quantile_type: 7,
  consensus_rule: { all: [{ agreement: { min_percent: 75 } }, { iqr: { max: 1 } }] },
  rule_text: { de: 'Konsens, wenn …', en: 'Consensus when …' },
  groups: ['pol', 'civ'],
};

export const round1: RoundResults = {
  ...base,
  round: 1,
  computed_at: '2026-11-10T12:00:00Z',
  live: false,
  respondents: { total: 18, by_group: { pol: 10, civ: 8 } },
  items: [
    {
      item_id: 't1',
      type: 'rating',
      section_id: 'themen',
      position: 0,
      answered: 18,
      n: 18,
      rating: rating(summary([1, 1, 3, 8, 5], 4, 3, 5), 'none', {
        pol: [summary([0, 0, 1, 5, 4], 4, 4, 5), 'consensus_in'],
        civ: [summary([1, 1, 2, 3, 1], 3.5, 2.75, 4), 'none'],
      }, {
        divergence: {
          score: 1.375,
          flags: ['median_gap'],
          median_gap: 2.5,
          group_medians: [
            { group: 'pol', n: 10, median: 4.5, consensus: 'consensus_in', eligible: true },
            { group: 'civ', n: 8, median: 2, consensus: 'none', eligible: true },
          ],
        },
      }),
      divergence_score: 1.375,
      comments: [
        { text: 'Wohnen ist das wichtigste Thema.', group: 'pol', kind: 'comment' },
        { text: 'Zu teuer für kleine Städte.', group: 'civ', kind: 'comment' },
      ],
    },
    {
      item_id: 't2',
      type: 'multi_rating',
      section_id: 'themen',
      position: 1,
      answered: 18,
      n: 18,
      criteria: [
        {
          criterion_id: 'imp',
          ...rating(summary([6, 5, 4, 2, 1], 2, 1, 3), 'consensus_out', { pol: [summary([3, 3, 2, 1, 1], 2, 1, 3), 'consensus_out'], civ: [summary([3, 2, 2, 1, 0], 2, 1, 3), 'none'] }),
        },
        {
          criterion_id: 'feas',
          ...rating(summary([2, 6, 10], 3, 2, 3), 'none', { pol: [summary([1, 3, 6], 3, 2, 3), 'none'], civ: [summary([1, 3, 4], 2.5, 2, 3), 'none'] }, {
            divergence: {
              score: 2.25,
              flags: ['opposite_consensus', 'bimodal'],
              median_gap: 0.5,
              group_medians: [
                { group: 'pol', n: 10, median: 3, consensus: 'consensus_in', eligible: true },
                { group: 'civ', n: 2, median: 1, consensus: 'consensus_out', eligible: false },
              ],
            },
          }),
        },
      ],
      divergence_score: 2.25,
      comments: [],
    },
    {
      item_id: 'f3',
      type: 'ranking',
      section_id: 'formate',
      position: 4,
      answered: 18,
      n: 18,
      ranking: {
        top_k: 3,
        overall: {
          m: 18,
          n_options: 4,
          abstentions: 0,
          top_k: 3,
          options: [
            { id: 'a', mean_rank: 2.25, rank_sum: 40.5, first_share: 0.25, topk_share: 0.8125 },
            { id: 'b', mean_rank: 1.5, rank_sum: 27, first_share: 0.625, topk_share: 1 },
            { id: 'c', mean_rank: 3.125, rank_sum: 56.25, first_share: 0.125, topk_share: 0.5 },
            { id: 'd', mean_rank: 3.125, rank_sum: 56.25, first_share: 0, topk_share: 0.6875 },
          ],
          w: 0.41234,
          chi2: 22.27,
          df: 3,
          p: 0.0000576,
        },
        by_group: {
          pol: { m: 10, n_options: 4, abstentions: 0, options: [{ id: 'b', mean_rank: 1.4, rank_sum: 14, first_share: 0.7 }, { id: 'a', mean_rank: 2, rank_sum: 20, first_share: 0.3 }], w: 0.5, chi2: 15, df: 3, p: 0.0123 },
          civ: { m: 0, n_options: 4, abstentions: 0, options: [], w: null, chi2: null, df: 3, p: null },
        },
      },
      divergence_score: 0,
      comments: [],
    },
  ],
};

export const round2: RoundResults = {
  ...base,
  round: 2,
  computed_at: '2026-11-26T09:30:00Z',
  live: true,
  respondents: { total: 12, by_group: { pol: 7, civ: 5 } },
  items: [
    {
      item_id: 't1',
      type: 'rating',
      section_id: 'themen',
      position: 0,
      answered: 12,
      n: 12,
      rating: rating(summary([0, 0, 1, 7, 4], 4, 4, 5), 'consensus_in', {
        pol: [summary([0, 0, 0, 4, 3], 4, 4, 5), 'consensus_in'],
        civ: [summary([0, 0, 1, 3, 1], 4, 4, 4), 'none'],
      }, {
        stability: {
          n_paired: 12,
          quantile_type: 7,
          share_changed: 0.8125,
          scheibe: 0.125,
          stable: true,
          wilcoxon: { n: 5, w_plus: 12, w_minus: 3, z: 1.2, p: 0.03906, method: 'exact' },
          delta_iqr: -1,
          delta_cv: -0.05,
          delta_iqr_rounds: -0.5,
        },
      }),
      divergence_score: 0,
      comments: [{ text: 'Jetzt überzeugt.', group: 'civ', kind: 'justification' }],
    },
  ],
};

export const transitions2: Transitions = {
  round: 2,
  from: 1,
  items: [
    {
      item_id: 't1',
      values: [1, 2, 3, 4, 5],
      overall: {
        n_paired: 12,
        up: 5,
        same: 6,
        down: 1,
        counts: [
          [0, 0, 0, 1, 0],
          [0, 0, 1, 0, 0],
          [0, 0, 0, 2, 0],
          [0, 0, 0, 4, 1],
          [0, 0, 0, 1, 2],
        ],
      },
      by_group: {
        pol: { n_paired: 7, up: 2, same: 5, down: 0, counts: [[0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 3, 1], [0, 0, 0, 0, 2]] },
        civ: { n_paired: 5, up: 3, same: 1, down: 1, counts: [[0, 0, 0, 1, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 1, 0], [0, 0, 0, 1, 0]] },
      },
    },
  ],
};

export const board: Board = {
  rounds: [
    { number: 1, status: 'closed', live: false, computed_at: '2026-11-10T12:00:00Z', closed_at: '2026-11-10T12:00:00Z' },
    { number: 2, status: 'open', live: true, computed_at: '2026-11-26T09:30:00Z' },
  ],
  groups: ['pol', 'civ'],
  rows: [
    {
      item_id: 't1',
      type: 'rating',
      section_id: 'themen',
      cells: [
        { round: 1, present: true, outcome: 'none', n: 18, median: 4, iqr: 2, agreement_percent: 72.22222222222223, by_group: { pol: { outcome: 'consensus_in', n: 10, median: 4 }, civ: { outcome: 'none', n: 8, median: 3.5 } } },
        { round: 2, present: true, outcome: 'consensus_in', n: 12, median: 4, iqr: 1, agreement_percent: 91.66666666666667, by_group: { pol: { outcome: 'consensus_in', n: 7, median: 4 }, civ: { outcome: 'none', n: 5, median: 4 } } },
      ],
    },
    {
      item_id: 't2',
      criterion_id: 'imp',
      type: 'multi_rating',
      section_id: 'themen',
      cells: [
        { round: 1, present: true, outcome: 'consensus_out', n: 18, median: 2, iqr: 1, agreement_percent: 16.666666666666668, by_group: { pol: { outcome: 'consensus_out', n: 10, median: 2 }, civ: { outcome: 'none', n: 8, median: 2 } } },
        { round: 2, present: false, n: 0 },
      ],
    },
    {
      item_id: 't2',
      criterion_id: 'feas',
      type: 'multi_rating',
      section_id: 'themen',
      cells: [
        { round: 1, present: true, outcome: 'none', n: 18, median: 3, iqr: 1, agreement_percent: 55.55555555555556, by_group: { pol: { outcome: 'none', n: 10, median: 3 }, civ: { outcome: 'none', n: 8, median: 2.5 } } },
        { round: 2, present: false, n: 0 },
      ],
    },
    {
      item_id: 'f3',
      type: 'ranking',
      section_id: 'formate',
      cells: [
        { round: 1, present: true, n: 18 },
        { round: 2, present: false, n: 0 },
      ],
    },
  ],
  tally: [
    { round: 1, consensus_in: 0, consensus_out: 1, none: 2 },
    { round: 2, consensus_in: 1, consensus_out: 0, none: 0 },
  ],
};
