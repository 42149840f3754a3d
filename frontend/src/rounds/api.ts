// The round lifecycle API (staff).
import { request } from '../api';
import type { Item, Text } from '../types';

export interface RoundItem {
  section_id: string;
  item: Item;
  origin: 'initial' | 'carried' | 'changed' | 'new' | string;
  reason?: string;
}

export interface RoundEvent {
  at: string;
  action: string;
  actor_id: string;
  reason?: string;
}

export interface Round {
  survey_id: string;
  number: number;
  status: 'draft' | 'open' | 'closed' | string;
  items: RoundItem[] | null;
  opens_at: string | null;
  deadline: string | null;
  opened_at?: string;
  closed_at?: string;
  history: RoundEvent[];
  time_zone: string;
  origins: Record<string, number>;
  snapshot_at?: string;
  responses?: { opened: number; started: number; submitted: number };
}

export interface RoundList {
  rounds: Round[];
  time_zone: string;
  planned: number;
}

export interface PrepareRequest {
  opens_at?: string;
  deadline?: string;
  carry_over?: { mode: string; items?: string[] };
  new_items?: { section_id: string; item: Item; reason?: string }[];
  changed_items?: { item_id: string; text: Text; help?: Text; reason: string }[];
}

const path = (id: string, n?: number, action?: string) =>
  `/api/v1/surveys/${encodeURIComponent(id)}/rounds${n ? `/${n}` : ''}${action ? `/${action}` : ''}`;

export const roundsApi = {
  list: (id: string, signal?: AbortSignal) => request<RoundList>('GET', path(id), signal ? { signal } : {}),
  get: (id: string, n: number, signal?: AbortSignal) => request<Round>('GET', path(id, n), signal ? { signal } : {}),
  prepare: (id: string, body: PrepareRequest) => request<Round>('POST', path(id), { body }),
  update: (id: string, n: number, body: { opens_at?: string; deadline?: string }) => request<Round>('PATCH', path(id, n), { body }),
  open: (id: string, n: number) => request<Round>('POST', path(id, n, 'open')),
  close: (id: string, n: number) => request<Round>('POST', path(id, n, 'close')),
  reopen: (id: string, n: number, reason: string, deadline?: string) =>
    request<Round>('POST', path(id, n, 'reopen'), { body: deadline ? { reason, deadline } : { reason } }),
};
