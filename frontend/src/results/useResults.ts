// Loads everything the dashboard shows and keeps open rounds live: while a
// round is open and the page is visible, the board, that round's results
// and its response rates are fetched again every POLL_MS.
import { useCallback, useEffect, useRef, useState } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { api, ApiError } from '../api';
import type { Survey } from '../api/types';
import { resultsApi } from './api';
import type { Board, ResponseRates, RoundResults, Transitions } from '../api/types';

export const POLL_MS = 10_000;

export interface ResultsData {
  survey?: Survey;
  board?: Board;
  rounds: Record<number, RoundResults>;
  transitions: Record<number, Transitions | undefined>;
  /** Response rates of the open rounds; undefined when the server has none. */
  progress: Record<number, ResponseRates | undefined>;
}

export function useResults(id: string) {
  const navigate = useNavigate();
  const location = useLocation();
  const [data, setData] = useState<ResultsData>({ rounds: {}, transitions: {}, progress: {} });
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const dataRef = useRef(data);
  dataRef.current = data;
  const busy = useRef(false);

  const refresh = useCallback(
    async (signal?: AbortSignal) => {
      if (busy.current) return;
      busy.current = true;
      try {
        const prev = dataRef.current;
        const [survey, board] = await Promise.all([prev.survey ?? api.survey(id, signal), resultsApi.overview(id, signal)]);
        const rounds = { ...prev.rounds };
        const transitions = { ...prev.transitions };
        const progress = { ...prev.progress };
        // Closed rounds are frozen: fetched once. Open rounds every time.
        await Promise.all(
          board.rounds.map(async (r) => {
            const stale = r.live || !rounds[r.number] || rounds[r.number]?.live;
            if (!stale) return;
            const [res, tr, pr] = await Promise.all([
              resultsApi.round(id, r.number, signal),
              r.number > 1 ? resultsApi.transitions(id, r.number, signal).catch(() => undefined) : undefined,
              r.live ? resultsApi.progress(id, r.number, signal).catch(() => undefined) : undefined,
            ]);
            rounds[r.number] = res;
            transitions[r.number] = tr;
            if (r.live) progress[r.number] = pr;
            else delete progress[r.number];
          }),
        );
        if (signal?.aborted) return;
        setData({ survey, board, rounds, transitions, progress });
        setError(undefined);
      } catch (err) {
        if (signal?.aborted || (err instanceof DOMException && err.name === 'AbortError')) return;
        if (err instanceof ApiError && err.status === 401) {
          void navigate('/login', { replace: true, state: { from: location.pathname + location.search } });
          return;
        }
        setError(err);
      } finally {
        busy.current = false;
        setLoading(false);
      }
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [id],
  );

  useEffect(() => {
    const ac = new AbortController();
    setData({ rounds: {}, transitions: {}, progress: {} });
    dataRef.current = { rounds: {}, transitions: {}, progress: {} };
    setLoading(true);
    void refresh(ac.signal);
    return () => ac.abort();
  }, [refresh]);

  const live = !!data.board?.rounds.some((r) => r.live);
  useEffect(() => {
    if (!live) return;
    const visible = () => typeof document === 'undefined' || document.visibilityState === 'visible';
    const timer = setInterval(() => {
      if (visible()) void refresh();
    }, POLL_MS);
    const onVisible = () => {
      if (visible()) void refresh();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [live, refresh]);

  return { data, error, loading, live, refresh: () => void refresh() };
}
