// The state of the invitations page (InvitationsPage): the round's mail
// status and response rates (polled while a job runs), sending invitations
// and reminders, and the mail texts with their preview. The reducers are
// pure; the hooks connect them to the server.
import { useEffect, useReducer, useRef } from 'react';
import { ApiError } from '../api';
import type { MailJobAccepted, MailPreview, MailText, SendOptions } from '../api/types';
import { useApiData } from '../hooks';
import { newIdempotencyKey, panelApi } from './api';

/** How long the page waits before it asks again while a job runs. */
const POLL_MS = 3000;

/** The round's response rates and mail status; both are asked again while a job runs. */
export function useMailRound(surveyId: string, round: number) {
  const rates = useApiData((signal) => panelApi.progress(surveyId, round, signal), [surveyId, round]);
  const status = useApiData((signal) => panelApi.mailStatus(surveyId, round, signal), [surveyId, round]);
  const forbidden = status.error instanceof ApiError && status.error.status === 403;

  // Poll while a job runs, so progress moves without reloading.
  const reloadStatus = status.reload;
  const reloadRates = rates.reload;
  useEffect(() => {
    if (!status.data?.running) return;
    const timer = setTimeout(() => {
      reloadStatus();
      reloadRates();
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [status.data, reloadStatus, reloadRates]);

  const retry = async () => {
    await panelApi.retry(surveyId, round);
    status.reload();
  };
  const sent = () => {
    status.reload();
    rates.reload();
  };
  return { rates, status, forbidden, retry, sent };
}

// ---- sending

export type SendKind = 'invitations' | 'reminders';

export interface SendState {
  group: string;
  keep: boolean;
  /** Reminders: hours since the last mail to the same expert, 0–720. */
  interval: number;
  /** The send waiting for confirmation. */
  confirm: SendKind | null;
  busy: boolean;
  error: unknown;
  /** The last job, in words. */
  result: string;
}

export type SendEvent =
  | { type: 'group'; group: string }
  | { type: 'keep'; keep: boolean }
  | { type: 'interval'; hours: number }
  | { type: 'confirm'; kind: SendKind | null }
  | { type: 'start' }
  | { type: 'sent'; result: string }
  | { type: 'failed'; error: unknown };

export const initialSend: SendState = { group: '', keep: false, interval: 24, confirm: null, busy: false, error: null, result: '' };

export function sendReducer(s: SendState, e: SendEvent): SendState {
  switch (e.type) {
    case 'group':
      return { ...s, group: e.group };
    case 'keep':
      return { ...s, keep: e.keep };
    case 'interval':
      return { ...s, interval: Math.max(0, Math.min(720, e.hours || 0)) };
    case 'confirm':
      return { ...s, confirm: e.kind };
    case 'start':
      return { ...s, busy: true, error: null, result: '' };
    case 'sent':
      return { ...s, busy: false, confirm: null, result: e.result };
    case 'failed':
      return { ...s, busy: false, confirm: null, error: e.error };
  }
}

/** The send request: the interval only for reminders. */
export function sendOptions(s: SendState, kind: SendKind): SendOptions {
  return kind === 'reminders' ? { group: s.group, keep_links: s.keep, min_interval_hours: s.interval } : { group: s.group, keep_links: s.keep };
}

/**
 * The send form and `send`. One Idempotency-Key per intended send: a retry
 * of the same press (e.g. after a network error) reuses it, so the server
 * answers once.
 */
export function useSend(surveyId: string, round: number, describe: (r: MailJobAccepted) => string, onSent: () => void) {
  const [state, dispatch] = useReducer(sendReducer, initialSend);
  const key = useRef<{ kind: SendKind; key: string } | null>(null);
  const send = async (kind: SendKind) => {
    dispatch({ type: 'start' });
    if (!key.current || key.current.kind !== kind) key.current = { kind, key: newIdempotencyKey() };
    try {
      const res = await panelApi.send(surveyId, round, kind, sendOptions(state, kind), key.current.key);
      key.current = null;
      dispatch({ type: 'sent', result: describe(res) });
      onSent();
    } catch (error) {
      dispatch({ type: 'failed', error });
    }
  };
  return { state, dispatch, send };
}

// ---- the mail texts and their preview

export interface TextsState {
  /** The texts as edited; null while unchanged since the last save. */
  draft: Record<string, MailText> | null;
  saving: boolean;
  error: unknown;
  saved: boolean;
  previewLang: string;
  kind: MailPreview['kind'];
  /** Counts the saves, so the preview is asked again after each. */
  generation: number;
}

export type TextsEvent =
  | { type: 'edit'; base: Record<string, MailText>; lang: string; field: keyof MailText; value: string }
  | { type: 'previewLang'; lang: string }
  | { type: 'kind'; kind: MailPreview['kind'] }
  | { type: 'start' }
  | { type: 'saved' }
  | { type: 'failed'; error: unknown };

/** The preview starts in the page language when the study has it, else in the study's first. */
export function initialTexts({ langs, uiLang }: { langs: string[]; uiLang: string }): TextsState {
  const previewLang = uiLang === 'en' && langs.includes('en') ? 'en' : (langs[0] ?? 'de');
  return { draft: null, saving: false, error: null, saved: false, previewLang, kind: 'invite', generation: 0 };
}

export function textsReducer(s: TextsState, e: TextsEvent): TextsState {
  switch (e.type) {
    case 'edit':
      return { ...s, draft: { ...e.base, [e.lang]: { ...e.base[e.lang], [e.field]: e.value } } };
    case 'previewLang':
      return { ...s, previewLang: e.lang };
    case 'kind':
      return { ...s, kind: e.kind };
    case 'start':
      return { ...s, saving: true, error: null, saved: false };
    case 'saved':
      return { ...s, saving: false, draft: null, saved: true, generation: s.generation + 1 };
    case 'failed':
      return { ...s, saving: false, error: e.error };
  }
}

/** The round's mail texts (draft over stored), saving them, and the preview. */
export function useMailTexts(surveyId: string, round: number, langs: string[], uiLang: string) {
  const texts = useApiData((signal) => panelApi.texts(surveyId, round, signal), [surveyId, round]);
  const [state, dispatch] = useReducer(textsReducer, { langs, uiLang }, initialTexts);
  const preview = useApiData(
    (signal) => panelApi.preview(surveyId, round, state.previewLang, state.kind, signal),
    [surveyId, round, state.previewLang, state.kind, state.generation],
  );
  const values = state.draft ?? texts.data?.mail ?? {};
  const save = async () => {
    dispatch({ type: 'start' });
    try {
      await panelApi.putTexts(surveyId, round, values);
      dispatch({ type: 'saved' });
      texts.reload();
    } catch (error) {
      dispatch({ type: 'failed', error });
    }
  };
  const edit = (lang: string, field: keyof MailText, value: string) => dispatch({ type: 'edit', base: values, lang, field, value });
  return { texts, preview, state, dispatch, values, save, edit };
}
