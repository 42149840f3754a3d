// The API of arguments between rounds: the expert's calls (their session
// cookie, writes echoing er_expert_csrf) and the staff's (the staff
// session). The types come from the OpenAPI document (../api/schema.ts).
import { request } from '../api';
import type { components } from '../api/schema';
import { EXPERT_CSRF_COOKIE } from '../expert/api';

type S = components['schemas'];
export type PanelArgument = S['PanelArgument'];
export type ArgumentPanel = S['ArgumentPanel'];
export type ArgumentTop = S['ArgumentTop'];
export type ArgumentInput = S['ArgumentInput'];
export type ArgumentEdit = S['ArgumentEdit'];
export type StaffArgument = S['StaffArgument'];
export type Stance = PanelArgument['stance'];

const base = '/api/v1/participation/arguments';
const csrf = { csrfCookie: EXPERT_CSRF_COOKIE };
const one = (id: string) => `${base}/${encodeURIComponent(id)}`;

export const argumentsApi = {
  panel: (signal?: AbortSignal) => request<ArgumentPanel>('GET', base, { signal }),
  post: (body: ArgumentInput) => request<PanelArgument>('POST', base, { ...csrf, body }),
  edit: (id: string, body: ArgumentEdit) => request<PanelArgument>('PUT', one(id), { ...csrf, body }),
  withdraw: (id: string) => request<void>('DELETE', one(id), csrf),
  rate: (id: string, value: number) => request<PanelArgument>('POST', `${one(id)}/rating`, { ...csrf, body: { value } }),
};
export type ArgumentsApi = typeof argumentsApi;

const staffBase = (survey: string) => `/api/v1/surveys/${encodeURIComponent(survey)}/arguments`;

export const staffArgumentsApi = {
  list: (survey: string, signal?: AbortSignal) =>
    request<{ arguments: StaffArgument[] }>('GET', staffBase(survey), { signal }).then((r) => r.arguments),
  hide: (survey: string, id: string, reason: string) =>
    request<StaffArgument>('POST', `${staffBase(survey)}/${encodeURIComponent(id)}/hide`, { body: { reason } }),
  unhide: (survey: string, id: string) =>
    request<StaffArgument>('POST', `${staffBase(survey)}/${encodeURIComponent(id)}/unhide`, { body: {} }),
};
export type StaffArgumentsApi = typeof staffArgumentsApi;
