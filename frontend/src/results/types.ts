// Types of the results API (internal/analysis, internal/results). Statistics
// that are undefined arrive as null; see docs/ANALYSIS.md.

export type Num = number | null;
export type Outcome = 'consensus_in' | 'consensus_out' | 'none';

export interface DistPoint {
  value: number;
  count: number;
  percent: Num;
}

export interface Summary {
  n: number;
  abstentions: number;
  quantile_type: number;
  mean: Num;
  sd: Num;
  cv: Num;
  median: Num;
  q1: Num;
  q3: Num;
  iqr: Num;
  min: Num;
  max: Num;
  modes: number[] | null;
  distribution?: DistPoint[];
  agreement_percent?: Num;
  disagreement_percent?: Num;
  rwg?: Num;
  bimodal?: boolean;
}

export interface Consensus {
  outcome: Outcome | string;
  reason: string;
}

export interface Stability {
  n_paired: number;
  share_changed: Num;
  scheibe: Num;
  stable?: boolean;
  wilcoxon: { n: number; w_plus: number; w_minus: number; z: Num; p: Num; method?: string };
  delta_iqr: Num;
  delta_cv: Num;
}

export interface GroupMedian {
  group: string;
  n: number;
  median: Num;
  consensus: string;
  eligible: boolean;
}

export interface Divergence {
  score: number;
  flags: string[];
  median_gap: Num;
  group_medians: GroupMedian[];
}

export interface RatingResult {
  overall: Summary;
  consensus: Consensus;
  by_group: Record<string, { summary: Summary; consensus: Consensus }>;
  stability?: Stability;
  divergence: Divergence;
}

export interface CriterionResult extends RatingResult {
  criterion_id: string;
}

export interface OptionRank {
  id: string;
  mean_rank: Num;
  rank_sum: number;
  first_share: Num;
  topk_share?: Num;
}

export interface RankingSummary {
  m: number;
  n_options: number;
  abstentions: number;
  top_k?: number;
  options: OptionRank[];
  w: Num;
  chi2?: Num;
  df: number;
  p: Num;
}

export interface OptionCount {
  id: string;
  count: number;
  share: Num;
}

export interface Comment {
  text: string;
  group: string;
  kind: 'answer' | 'comment' | 'justification' | string;
}

export interface ItemResult {
  item_id: string;
  type: string;
  section_id: string;
  position: number;
  answered: number;
  n: number;
  rating?: RatingResult;
  criteria?: CriterionResult[];
  choice?: { n: number; options: OptionCount[]; by_group: Record<string, { n: number; options: OptionCount[] }> };
  ranking?: { top_k: number; overall: RankingSummary; by_group: Record<string, RankingSummary> };
  numeric?: { overall: Summary; by_group: Record<string, Summary>; stability?: Stability };
  text?: { n: number; texts: string[] };
  divergence_score: number;
  comments: Comment[];
}

export interface RoundResults {
  survey_id: string;
  version: string;
  round: number;
  computed_at: string;
  live: boolean;
  quantile_type: number;
  rule_text: Record<string, string>;
  groups: string[];
  respondents: { total: number; by_group: Record<string, number> };
  items: ItemResult[];
}

export interface RoundInfo {
  number: number;
  status: string;
  live: boolean;
  computed_at: string;
  opened_at?: string;
  closed_at?: string;
  deadline?: string;
}

export interface GroupCell {
  outcome: string;
  n: number;
  median: Num;
}

export interface BoardCell {
  round: number;
  present: boolean;
  outcome?: string;
  n: number;
  median?: Num;
  iqr?: Num;
  agreement_percent?: Num;
  by_group?: Record<string, GroupCell>;
}

export interface BoardRow {
  item_id: string;
  criterion_id?: string;
  type: string;
  section_id: string;
  cells: BoardCell[];
}

export interface Board {
  rounds: RoundInfo[];
  groups: string[];
  rows: BoardRow[];
  tally: { round: number; consensus_in: number; consensus_out: number; none: number }[];
}

export interface TransitionMatrix {
  n_paired: number;
  up: number;
  same: number;
  down: number;
  counts: number[][];
}

export interface ItemTransition {
  item_id: string;
  criterion_id?: string;
  values: number[];
  overall: TransitionMatrix;
  by_group: Record<string, TransitionMatrix>;
}

export interface Transitions {
  round: number;
  from: number;
  items: ItemTransition[];
}

/**
 * The response rates of a round (GET .../progress, issue #3). Only the
 * fields read here are typed; any may be missing.
 */
export interface Progress {
  invited?: number;
  started?: number;
  submitted?: number;
  by_group?: Record<string, { invited?: number; started?: number; submitted?: number }>;
}
