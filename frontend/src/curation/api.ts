// Round 0 (issue #20): the experts' suggestions and summary list through
// their session, and the staff's curation page. Types come from the
// generated OpenAPI schema.
import { request } from '../api';
import type { components } from '../api/schema';
import { EXPERT_CSRF_COOKIE } from '../expert/api';

type S = components['schemas'];
export type Round0 = S['Round0'];
export type SuggestionInput = S['SuggestionInput'];
export type OwnSuggestion = S['OwnSuggestion'];
export type MySuggestions = S['MySuggestions'];
export type SuggestionStatus = S['SuggestionStatus'];
export type Suggestion = S['Suggestion'];
export type CuratedItem = S['CuratedItem'];
export type CurationBoard = S['CurationBoard'];
export type CurateRequest = S['CurateRequest'];
export type RewordRequest = S['RewordRequest'];
export type Round0Summary = S['Round0Summary'];
export type Round0SummaryEntry = S['Round0SummaryEntry'];
export type ProvenanceRow = S['ProvenanceRow'];

const part = '/api/v1/participation';
const csrf = { csrfCookie: EXPERT_CSRF_COOKIE };

export const round0Api = {
  mine: (signal?: AbortSignal) => request<MySuggestions>('GET', `${part}/suggestions`, { signal }),
  suggest: (body: SuggestionInput) => request<OwnSuggestion>('POST', `${part}/suggestions`, { ...csrf, body }),
  edit: (id: string, body: SuggestionInput) => request<OwnSuggestion>('PUT', `${part}/suggestions/${encodeURIComponent(id)}`, { ...csrf, body }),
  withdraw: (id: string) => request<void>('DELETE', `${part}/suggestions/${encodeURIComponent(id)}`, csrf),
  summary: (signal?: AbortSignal) => request<Round0Summary>('GET', `${part}/round0-summary`, { signal }),
};

export type Round0Api = typeof round0Api;

const cur = (id: string) => `/api/v1/surveys/${encodeURIComponent(id)}/curation`;

export const curationApi = {
  board: (id: string, signal?: AbortSignal) => request<CurationBoard>('GET', cur(id), { signal }),
  curate: (id: string, body: CurateRequest) => request<CurationBoard>('POST', `${cur(id)}/items`, { body }),
  reword: (id: string, itemId: string, body: RewordRequest) =>
    request<CurationBoard>('PATCH', `${cur(id)}/items/${encodeURIComponent(itemId)}`, { body }),
  discard: (id: string, itemId: string) => request<CurationBoard>('DELETE', `${cur(id)}/items/${encodeURIComponent(itemId)}`),
  reject: (id: string, sid: string, reason: string) =>
    request<CurationBoard>('POST', `${cur(id)}/suggestions/${encodeURIComponent(sid)}/reject`, { body: { reason } }),
};

export type CurationApi = typeof curationApi;
