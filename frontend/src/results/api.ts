// Calls of the results API; the shared client (../api) does the fetching.
import { ApiError, request } from '../api';
import type { Board, Progress, RoundResults, Transitions } from './types';

const base = (id: string) => `/api/v1/surveys/${encodeURIComponent(id)}`;
const opts = (signal?: AbortSignal) => (signal ? { signal } : {});

export const resultsApi = {
  overview: (id: string, signal?: AbortSignal) => request<Board>('GET', `${base(id)}/results/overview`, opts(signal)),
  round: (id: string, n: number, signal?: AbortSignal) =>
    request<RoundResults>('GET', `${base(id)}/rounds/${n}/results`, opts(signal)),
  transitions: (id: string, n: number, signal?: AbortSignal) =>
    request<Transitions>('GET', `${base(id)}/rounds/${n}/transitions`, opts(signal)),
  /** The response rates of a round; undefined when the server has no progress endpoint (404). */
  progress: async (id: string, n: number, signal?: AbortSignal): Promise<Progress | undefined> => {
    try {
      return await request<Progress>('GET', `${base(id)}/rounds/${n}/progress`, opts(signal));
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 403)) return undefined;
      throw err;
    }
  },
};
