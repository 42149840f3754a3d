// Calls of the results API; the shared client (../api) does the fetching.
import { ApiError, request } from '../api';
import type { Board, RealtimeResults, ResponseRates, RoundResults, Sensitivity, Transitions } from '../api/types';

const base = (id: string) => `/api/v1/surveys/${encodeURIComponent(id)}`;

export const resultsApi = {
  overview: (id: string, signal?: AbortSignal) => request<Board>('GET', `${base(id)}/results/overview`, { signal }),
  round: (id: string, n: number, signal?: AbortSignal) =>
    request<RoundResults>('GET', `${base(id)}/rounds/${n}/results`, { signal }),
  transitions: (id: string, n: number, signal?: AbortSignal) =>
    request<Transitions>('GET', `${base(id)}/rounds/${n}/transitions`, { signal }),
  /** The threshold sensitivity report of round n. */
  sensitivity: (id: string, n: number, signal?: AbortSignal) =>
    request<Sensitivity>('GET', `${base(id)}/rounds/${n}/sensitivity`, { signal }),
  /** The analysed revision history of a real-time study. */
  realtime: (id: string, signal?: AbortSignal) => request<RealtimeResults>('GET', `${base(id)}/results/realtime`, { signal }),
  /** The response rates of a round; undefined when the server has no progress endpoint (404). */
  progress: async (id: string, n: number, signal?: AbortSignal): Promise<ResponseRates | undefined> => {
    try {
      return await request<ResponseRates>('GET', `${base(id)}/rounds/${n}/progress`, { signal });
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 403)) return undefined;
      throw err;
    }
  },
};
