// The state of the round management page (RoundsPage): the rounds loaded
// from the server, the actions on them, and the forms for new dates, a
// reopening and the next round. The reducers and body builders are pure.
import { useReducer } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import type { Definition, Item, PrepareRequest, Round } from '../api/types';
import { useAction, useApiData } from '../hooks';
import { roundsApi } from './api';
import { fromZonedInput, toZonedInput } from './zone';

/** Runs a round action; true when it succeeded (the page then reloads). */
export type Run = (fn: () => Promise<unknown>) => Promise<boolean>;

/** The study, its rounds and the latest round with its items; `run` for the actions on them. */
export function useRoundsPage(id: string) {
  const { t } = useTranslation();
  const { data, error, loading, reload } = useApiData(
    async (signal) => {
      const [survey, list] = await Promise.all([api.survey(id, signal), roundsApi.list(id, signal)]);
      const last = list.rounds[list.rounds.length - 1];
      const latest = last ? await roundsApi.get(id, last.number, signal) : undefined;
      return { survey, list, latest };
    },
    [id],
  );
  const action = useAction();
  const run: Run = async (fn) => {
    const ok = await action.run(fn, t('rounds.done'));
    if (ok) reload();
    return ok;
  };
  return { data, error, loading, reload, run, actionError: action.error, notice: action.notice };
}

/** The dates of a round as the API takes them: only those filled in, in UTC. */
export function datesBody(opensAt: string, deadline: string, zone: string): { opens_at?: string; deadline?: string } {
  const body: { opens_at?: string; deadline?: string } = {};
  const o = fromZonedInput(opensAt, zone);
  const d = fromZonedInput(deadline, zone);
  if (o) body.opens_at = o;
  if (d) body.deadline = d;
  return body;
}

// ---- the actions of one round

export type RoundForm = '' | 'dates' | 'reopen' | 'close';

export interface RoundActionsState {
  form: RoundForm;
  reason: string;
  /** Wall-clock times in the study's time zone, as the inputs show them. */
  opensAt: string;
  deadline: string;
}

export type RoundActionsEvent = { type: 'form'; form: RoundForm } | { type: 'set'; field: 'reason' | 'opensAt' | 'deadline'; value: string };

export function initialRoundActions({ round, zone }: { round: Round; zone: string }): RoundActionsState {
  return { form: '', reason: '', opensAt: toZonedInput(round.opens_at, zone), deadline: toZonedInput(round.deadline, zone) };
}

export function roundActionsReducer(s: RoundActionsState, e: RoundActionsEvent): RoundActionsState {
  switch (e.type) {
    case 'form':
      return { ...s, form: e.form };
    case 'set':
      return { ...s, [e.field]: e.value };
  }
}

export function useRoundActions(round: Round, zone: string) {
  return useReducer(roundActionsReducer, { round, zone }, initialRoundActions);
}

// ---- preparing round 1 or the next round

export interface NewItemDraft {
  section: string;
  id: string;
  type: 'rating' | 'text';
  scale: string;
  text: Record<string, string>;
  reason: string;
}

export interface ChangeDraft {
  itemId: string;
  text: Record<string, string>;
  reason: string;
}

export type CarryMode = NonNullable<NonNullable<PrepareRequest['carry_over']>['mode']>;

export interface PrepareState {
  opensAt: string;
  deadline: string;
  mode: CarryMode;
  /** The items carried over with mode "chosen". */
  chosen: string[];
  newItems: NewItemDraft[];
  changes: ChangeDraft[];
}

export type PrepareEvent =
  | { type: 'set'; field: 'opensAt' | 'deadline'; value: string }
  | { type: 'mode'; mode: CarryMode }
  | { type: 'choose'; itemId: string; on: boolean }
  | { type: 'addItem'; draft: NewItemDraft }
  | { type: 'item'; index: number; patch: Partial<NewItemDraft> }
  | { type: 'removeItem'; index: number }
  | { type: 'addChange'; draft: ChangeDraft }
  | { type: 'change'; index: number; patch: Partial<ChangeDraft> }
  | { type: 'removeChange'; index: number };

export function initialPrepare({ def, latest }: { def: Definition; latest: Round | undefined }): PrepareState {
  return {
    opensAt: '',
    deadline: '',
    mode: def.rounds?.carry_over?.mode || 'no_consensus',
    chosen: (latest?.items ?? []).map((ri) => ri.item.id),
    newItems: [],
    changes: [],
  };
}

const patchAt = <T>(all: T[], i: number, patch: Partial<T>) => all.map((x, j) => (j === i ? { ...x, ...patch } : x));

export function prepareReducer(s: PrepareState, e: PrepareEvent): PrepareState {
  switch (e.type) {
    case 'set':
      return { ...s, [e.field]: e.value };
    case 'mode':
      return { ...s, mode: e.mode };
    case 'choose':
      return { ...s, chosen: e.on ? [...s.chosen, e.itemId] : s.chosen.filter((x) => x !== e.itemId) };
    case 'addItem':
      return { ...s, newItems: [...s.newItems, e.draft] };
    case 'item':
      return { ...s, newItems: patchAt(s.newItems, e.index, e.patch) };
    case 'removeItem':
      return { ...s, newItems: s.newItems.filter((_, j) => j !== e.index) };
    case 'addChange':
      return { ...s, changes: [...s.changes, e.draft] };
    case 'change':
      return { ...s, changes: patchAt(s.changes, e.index, e.patch) };
    case 'removeChange':
      return { ...s, changes: s.changes.filter((_, j) => j !== e.index) };
  }
}

/** The texts of an item in each of the study's languages ('' where missing). */
export function textsOf(item: Item | undefined, langs: string[]): Record<string, string> {
  return Object.fromEntries(langs.map((l) => [l, item?.text[l] ?? '']));
}

/** A new item to fill in: a rating in the first section on the first scale. */
export function newItemDraft(def: Definition, langs: string[]): NewItemDraft {
  return { section: def.sections?.[0]?.id ?? '', id: '', type: 'rating', scale: def.scales?.[0]?.id ?? '', text: textsOf(undefined, langs), reason: '' };
}

/** The request that prepares the round; carry-over, new and changed items only for a next round. */
export function prepareBody(s: PrepareState, next: boolean, zone: string): PrepareRequest {
  const body: PrepareRequest = datesBody(s.opensAt, s.deadline, zone);
  if (!next) return body;
  body.carry_over = s.mode === 'chosen' ? { mode: s.mode, items: s.chosen } : { mode: s.mode };
  if (s.newItems.length)
    body.new_items = s.newItems.map((n) => {
      const item: Item = { id: n.id.trim(), type: n.type, text: n.text };
      if (n.type === 'rating') item.scale = n.scale;
      return n.reason.trim() ? { section_id: n.section, item, reason: n.reason } : { section_id: n.section, item };
    });
  if (s.changes.length) body.changed_items = s.changes.map((c) => ({ item_id: c.itemId, text: c.text, reason: c.reason }));
  return body;
}

export function usePrepare(def: Definition, latest: Round | undefined) {
  return useReducer(prepareReducer, { def, latest }, initialPrepare);
}
