// Types of the participation API (internal/httpapi/participation.go).
import type { Contact, Group, Item, Scale, Text } from './deftypes';

export type { Group, Item, Scale, Text };

/** An answer value in the item's JSON form: 4 | "abstain" | {crit: 4} | "opt" | ["a","b"] | 12.5 | "text". */
export type AnswerValue = number | string | string[] | Record<string, number | string> | null;

export interface FeedbackOptions {
  statistics: string[] | null;
  own_previous: boolean;
  comments: boolean;
  by_group: boolean;
  hide_until_answered: boolean;
  justify_outside_iqr: boolean;
  /** Feedback by group shows a group's numbers only from this many answers on (the server sends the default 3 when the study sets none). */
  min_group_n?: number;
}

export interface SurveyInfo {
  id: string;
  title: Text;
  description?: Text;
  languages: string[];
  time_zone: string;
  privacy?: Text;
  contact?: Contact;
  groups: Group[];
  scales: Scale[] | null;
  feedback: FeedbackOptions;
  allow_revision: boolean;
  planned_rounds: number;
}

export interface ExpertInfo {
  pseudonym: string;
  group: string;
  language: string;
  consent_at: string | null;
  declined_at: string | null;
}

export interface RoundInfo {
  number: number;
  status: 'draft' | 'open' | 'closed' | string;
  opens_at: string | null;
  deadline: string | null;
  closed_at?: string;
}

export interface StoredAnswer {
  value: AnswerValue;
  comment: string;
  justification: string;
  seq: number;
  first_saved_at?: string;
  last_saved_at?: string;
  revisions: number;
  needs_justification: boolean;
}

export interface SummaryFeedback {
  n: number;
  median?: number | null;
  q1?: number | null;
  q3?: number | null;
  iqr?: number | null;
  mean?: number | null;
  sd?: number | null;
  distribution?: { value: number; count: number; percent?: number | null }[];
  abstentions?: number;
  agreement_percent?: number | null;
  consensus?: string;
}

/**
 * One group's entry in a by_group map: its numbers, or, for a group with
 * fewer answers than the study's min_group_n, only `suppressed: true`.
 */
export type GroupEntry<T> = (T & { suppressed?: false }) | { suppressed: true };

export interface RatingFeedback extends SummaryFeedback {
  by_group?: Record<string, GroupEntry<SummaryFeedback>>;
}

export interface CriterionFeedback extends RatingFeedback {
  criterion_id: string;
}

export interface ChoiceGroupFeedback {
  n: number;
  options?: { id: string; count: number; share: number | null }[];
}

export interface RankingGroupFeedback {
  m: number;
  top_k?: number;
  options?: { id: string; mean_rank?: number | null; first_share?: number | null; topk_share?: number | null }[];
}

export interface Comment {
  text: string;
  group: string;
  kind: string;
}

export interface ItemFeedback {
  item_id: string;
  type: string;
  n: number;
  rating?: RatingFeedback;
  criteria?: CriterionFeedback[];
  numeric?: RatingFeedback;
  choice?: ChoiceGroupFeedback & { by_group?: Record<string, GroupEntry<ChoiceGroupFeedback>> };
  ranking?: RankingGroupFeedback & { by_group?: Record<string, GroupEntry<RankingGroupFeedback>> };
  comments?: Comment[];
}

export interface ItemView {
  item: Item;
  origin: 'initial' | 'carried' | 'changed' | 'new' | string;
  previous?: StoredAnswer;
  feedback?: ItemFeedback;
  feedback_hidden?: boolean;
}

export interface SectionView {
  id: string;
  title: Text;
  description?: Text;
  items: ItemView[];
}

export interface Progress {
  answered: number;
  total: number;
}

export type ParticipationState = 'not_started' | 'upcoming' | 'open' | 'closed' | 'declined';

export interface Participation {
  state: ParticipationState;
  survey: SurveyInfo;
  expert: ExpertInfo;
  round: RoundInfo | null;
  sections: SectionView[];
  answers: Record<string, StoredAnswer>;
  progress: Progress;
  response: { first_opened_at?: string; started_at?: string; submitted_at?: string; submissions: number };
}

export interface AnswerBody {
  value: AnswerValue;
  comment: string;
  justification: string;
  seq: number;
}

export interface SaveResult {
  answer: StoredAnswer;
  applied: boolean;
  feedback?: ItemFeedback;
  progress: Progress;
}

export interface SubmitResult {
  submitted_at: string | null;
  submissions: number;
  changed: boolean;
  unanswered: string[];
  progress: Progress;
}
