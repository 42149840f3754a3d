// The participation API client. The expert session lives in the HttpOnly
// er_expert cookie (sent to /api/v1/participation only); writes echo the
// er_expert_csrf cookie in X-CSRF-Token.
import { request, retryUnavailable } from '../api';
import type { BatchAnswer, BatchResult, Participation, RealtimeFeedback, SessionResult, SubmitResult } from '../api/types';

export const EXPERT_CSRF_COOKIE = 'er_expert_csrf';
const base = '/api/v1/participation';
const csrf = { csrfCookie: EXPERT_CSRF_COOKIE };

export const participationApi = {
  /** Exchanges the personal link token for a session (cookies). */
  session: (token: string) =>
    request<SessionResult>('POST', `${base}/session`, { body: { token } }),
  /** The questionnaire; a load the saturated server turned away (503) is tried again after its Retry-After. */
  get: (signal?: AbortSignal) => retryUnavailable(() => request<Participation>('GET', base, { signal }), signal),
  /** Saves several answers in one request; each result is the stored answer or that answer's error. */
  saveBatch: (answers: BatchAnswer[]) => request<BatchResult>('PUT', `${base}/answers`, { ...csrf, body: { answers } }),
  submit: () => request<SubmitResult>('POST', `${base}/submit`, csrf),
  consent: () => request<{ consent_at: string }>('POST', `${base}/consent`, csrf),
  decline: () => request<{ declined_at: string }>('POST', `${base}/decline`, csrf),
  /** Real-time studies: the panel's current statistics of the items the expert has answered. */
  realtime: (signal?: AbortSignal) => request<RealtimeFeedback>('GET', `${base}/realtime`, { signal }),
};

export type ParticipationApi = typeof participationApi;
