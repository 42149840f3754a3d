// Types mirroring the JSON of the Go API (internal/delphi). Field names are
// snake_case exactly as the server sends them.

/** A text per language code, e.g. {"de": "Wohnen", "en": "Housing"}. */
export type Text = Partial<Record<string, string>>;

export type Role = 'admin' | 'coordinator' | 'researcher';

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role | string;
  survey_ids: string[] | null;
  created_at?: string;
  updated_at?: string;
  /** Set while an admin has disabled the account (it cannot sign in); absent when enabled. */
  disabled_at?: string;
}

export interface UserList {
  users: User[] | null;
}

export interface LoginResponse {
  token: string;
  expires_at: string;
  user: User;
}

export interface SurveySummary {
  id: string;
  revision: number;
  version: string;
  title: Text;
  description?: Text;
  languages: string[];
  status: string;
  item_count: number;
  section_count: number;
  group_count: number;
  updated_at: string;
}

export interface SurveyList {
  surveys: SurveySummary[] | null;
}

export interface Survey {
  id: string;
  revision: number;
  status: string;
  created_at: string;
  updated_at: string;
  definition: Definition;
}

export interface Definition {
  id: string;
  version: string;
  languages: string[];
  title: Text;
  description?: Text;
  time_zone?: string;
  contact?: { name: string; email: string };
  privacy?: Text;
  groups: Group[] | null;
  scales: Scale[] | null;
  quantile_type?: number;
  consensus: Rule;
  rounds: RoundPlan;
  sections: Section[] | null;
}

export interface Group {
  id: string;
  label: Text;
}

export interface Band {
  min: number;
  max: number;
}

export interface Scale {
  id: string;
  points: { value: number; label: Text }[];
  abstain?: { label: Text } | null;
  agreement: Band;
  disagreement?: Band | null;
}

export interface Section {
  id: string;
  title: Text;
  description?: Text;
  items: Item[] | null;
}

export type ItemType =
  | 'rating'
  | 'multi_rating'
  | 'single_choice'
  | 'multiple_choice'
  | 'ranking'
  | 'numeric'
  | 'text';

export interface Item {
  id: string;
  type: ItemType | string;
  text: Text;
  help?: Text;
  scale?: string;
  criteria?: { id: string; label: Text; scale: string }[];
  options?: { id: string; label: Text }[];
  max_choices?: number;
  top_k?: number;
  numeric?: { unit?: Text; min?: number | null; max?: number | null; integer?: boolean } | null;
  max_length?: number;
  comment?: boolean;
}

/** A consensus rule: exactly one of all/any/agreement/iqr/sd/cv/comet is set. */
export interface Rule {
  min_n?: number;
  all?: Rule[];
  any?: Rule[];
  agreement?: { min_percent: number };
  iqr?: { max: number };
  sd?: { max: number };
  cv?: { max: number };
  comet?: {
    in_band: Band;
    out_band: Band;
    min_percent: number;
    max_opposite_percent: number;
  };
}

export interface RoundPlan {
  planned: number;
  feedback: {
    statistics: string[] | null;
    own_previous: boolean;
    comments: boolean;
    by_group: boolean;
    hide_until_answered: boolean;
    justify_outside_iqr: boolean;
    /** Absent in studies stored before the option: the server's default 3 applies. */
    min_group_n?: number;
  };
  carry_over: { mode: string; items?: string[] | null };
  allow_revision?: boolean | null;
}
