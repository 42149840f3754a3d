// The reporting API (staff): the methods checklist with the methods
// paragraph, and the locked analysis protocol.
import { request } from '../api';
import type { ProtocolView, Report } from '../api/types';

const path = (id: string, what: string) => `/api/v1/surveys/${encodeURIComponent(id)}/${what}`;

export const reportingApi = {
  report: (id: string, signal?: AbortSignal) => request<Report>('GET', path(id, 'reporting'), { signal }),
  protocol: (id: string, signal?: AbortSignal) => request<ProtocolView>('GET', path(id, 'protocol'), { signal }),
};
