// The flow and attrition reports of a study (GET …/results/flow and
// …/results/attrition), fetched once when their view opens.
import { useCallback, useEffect, useState } from 'react';
import { request } from '../api';
import type { components } from '../api/schema';

type S = components['schemas'];
export type Flow = S['Flow'];
export type FlowRound = S['FlowRound'];
export type FlowCounts = S['FlowCounts'];
export type Attrition = S['Attrition'];
export type AttritionRound = S['AttritionRound'];
export type AttritionComparison = S['AttritionComparison'];

const base = (id: string) => `/api/v1/surveys/${encodeURIComponent(id)}/results`;

export const flowApi = {
  flow: (id: string, signal?: AbortSignal) => request<Flow>('GET', `${base(id)}/flow`, { signal }),
  attrition: (id: string, signal?: AbortSignal) => request<Attrition>('GET', `${base(id)}/attrition`, { signal }),
};

/** Loads one report when mounted; retry loads it again. */
export function useReport<T>(load: (signal: AbortSignal) => Promise<T>) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const ctl = new AbortController();
    setError(undefined);
    load(ctl.signal).then(setData, (err: unknown) => {
      if (!ctl.signal.aborted) setError(err);
    });
    return () => ctl.abort();
    // load is recreated by every render of the caller; the attempt counts.
  }, [attempt]);
  const retry = useCallback(() => setAttempt((a) => a + 1), []);
  return { data, error, retry };
}
