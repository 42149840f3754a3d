// The state of the panel page (PanelPage): the list filters, the open
// dialog, and the notice or error of the last action; the expert form. The
// reducers are pure; usePanel loads the list for the filters.
import { useReducer } from 'react';
import { expertStatusValues, pathsApiV1SurveysIdExpertsGetParametersQueryStatusValues as listStatusValues } from '../api/schema';
import type { Expert, ExpertInput, Survey } from '../api/types';
import { useApiData } from '../hooks';
import { panelApi } from './api';

/** The expert statuses the list filters by. */
export const STATUSES: readonly string[] = expertStatusValues;
/** The statuses within a round (the list's other status values), offered once a round is chosen. */
export const ROUND_STATUSES: readonly string[] = listStatusValues.filter((s) => !STATUSES.includes(s));

export type Dialog =
  | { kind: 'import' }
  | { kind: 'add' }
  | { kind: 'edit'; expert: Expert }
  | { kind: 'erase'; expert: Expert }
  | { kind: 'link'; expert: Expert; link?: string }
  | { kind: 'links' };

export interface PanelState {
  group: string;
  status: string;
  /** 0: no round chosen. */
  round: number;
  dialog: Dialog | null;
  notice: string;
  actionError: unknown;
}

export type PanelEvent =
  | { type: 'filter'; group?: string; status?: string; round?: number }
  | { type: 'dialog'; dialog: Dialog | null }
  | { type: 'start' }
  | { type: 'failed'; error: unknown }
  | { type: 'done'; notice: string };

export const initialPanel: PanelState = { group: '', status: '', round: 0, dialog: null, notice: '', actionError: null };

export function panelReducer(s: PanelState, e: PanelEvent): PanelState {
  switch (e.type) {
    case 'filter':
      return { ...s, group: e.group ?? s.group, status: e.status ?? s.status, round: e.round ?? s.round };
    case 'dialog':
      return { ...s, dialog: e.dialog };
    case 'start':
      return { ...s, notice: '', actionError: null };
    case 'failed':
      return { ...s, actionError: e.error };
    case 'done':
      // A dialog's action succeeded: it closes and says so.
      return { ...s, dialog: null, notice: e.notice };
  }
}

/** The list request for the filters: a round status only with a round. */
export function listQuery(s: Pick<PanelState, 'group' | 'status' | 'round'>): { group: string; status: string; round?: number } {
  const status = s.round === 0 && ROUND_STATUSES.includes(s.status) ? '' : s.status;
  return s.round ? { group: s.group, status, round: s.round } : { group: s.group, status };
}

/** The page's state and the expert list for its filters. */
export function usePanel(surveyId: string, round = 0) {
  const [state, dispatch] = useReducer(panelReducer, { ...initialPanel, round });
  const list = useApiData((signal) => panelApi.list(surveyId, listQuery(state), signal), [surveyId, state.group, state.status, state.round]);
  /** Runs a toolbar action; a failure shows as the page's error. */
  const act = async (fn: () => Promise<void>) => {
    dispatch({ type: 'start' });
    try {
      await fn();
    } catch (error) {
      dispatch({ type: 'failed', error });
    }
  };
  return { state, dispatch, list, act };
}

/** The expert form's fields: the expert's, or a new expert in the study's first group and first language. */
export function initialExpertInput({ survey, expert }: { survey: Survey; expert?: Expert | undefined }): ExpertInput {
  return {
    name: expert?.name ?? '',
    email: expert?.email ?? '',
    organisation: expert?.organisation ?? '',
    group: expert?.group ?? survey.definition.groups?.[0]?.id ?? '',
    language: expert?.language ?? studyLanguages(survey)[0]!,
    notes: expert?.notes ?? '',
    declined: !!expert?.declined_at,
  };
}

/** The languages an expert of the study may have: the study's (the server refuses any other). */
export function studyLanguages(survey: Survey): ExpertLanguage[] {
  const langs = (survey.definition.languages ?? []).filter((l): l is ExpertLanguage => l === 'de' || l === 'en');
  return langs.length > 0 ? langs : ['de', 'en'];
}

type ExpertLanguage = NonNullable<ExpertInput['language']>;

export function expertInputReducer(v: ExpertInput, patch: Partial<ExpertInput>): ExpertInput {
  return { ...v, ...patch };
}

/** The request body: a new expert cannot have declined yet. */
export function expertBody(v: ExpertInput, isNew: boolean): ExpertInput {
  const body = { ...v };
  if (isNew) delete body.declined;
  return body;
}

export function useExpertForm(survey: Survey, expert: Expert | undefined) {
  return useReducer(expertInputReducer, { survey, expert }, initialExpertInput);
}
