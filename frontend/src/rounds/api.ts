// The round lifecycle API (staff).
import { request } from '../api';
import type { PrepareRequest, Round, RoundList } from '../api/types';

const path = (id: string, n?: number, action?: string) =>
  `/api/v1/surveys/${encodeURIComponent(id)}/rounds${n !== undefined ? `/${n}` : ''}${action ? `/${action}` : ''}`;

export const roundsApi = {
  list: (id: string, signal?: AbortSignal) => request<RoundList>('GET', path(id), { signal }),
  get: (id: string, n: number, signal?: AbortSignal) => request<Round>('GET', path(id, n), { signal }),
  prepare: (id: string, body: PrepareRequest) => request<Round>('POST', path(id), { body }),
  update: (id: string, n: number, body: { opens_at?: string; deadline?: string }) => request<Round>('PATCH', path(id, n), { body }),
  open: (id: string, n: number) => request<Round>('POST', path(id, n, 'open')),
  close: (id: string, n: number) => request<Round>('POST', path(id, n, 'close')),
  reopen: (id: string, n: number, reason: string, deadline?: string) =>
    request<Round>('POST', path(id, n, 'reopen'), { body: deadline ? { reason, deadline } : { reason } }),
};
