import { useCallback, useEffect, useReducer, useState } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { ApiError } from './api';

export interface ApiData<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads data from the API when the component mounts or deps change, aborting
 * stale requests. A 401 (session gone) sends the user to the login page.
 */
export function useApiData<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): ApiData<T> {
  const navigate = useNavigate();
  const location = useLocation();
  const [generation, setGeneration] = useState(0);
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });

  useEffect(() => {
    const ac = new AbortController();
    setState((s) => ({ ...s, error: undefined, loading: true }));
    load(ac.signal).then(
      (data) => {
        if (!ac.signal.aborted) setState({ data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (ac.signal.aborted) return;
        if (error instanceof ApiError && error.status === 401) {
          void navigate('/login', { replace: true, state: { from: location.pathname + location.search } });
          return;
        }
        setState({ data: undefined, error, loading: false });
      },
    );
    return () => ac.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...state, reload };
}

/** A user action that calls the server: whether it runs, its error, and the notice of its success. */
export interface ActionState {
  busy: boolean;
  error: unknown;
  notice: string;
}

export type ActionEvent = { type: 'start' } | { type: 'done'; notice?: string | undefined } | { type: 'failed'; error: unknown };

export const idleAction: ActionState = { busy: false, error: null, notice: '' };

/** Starting clears the last error and notice; the end sets one of them. */
export function actionReducer(s: ActionState, e: ActionEvent): ActionState {
  switch (e.type) {
    case 'start':
      return { busy: true, error: null, notice: '' };
    case 'done':
      return { busy: false, error: null, notice: e.notice ?? '' };
    case 'failed':
      return { ...s, busy: false, error: e.error };
  }
}

/**
 * The state of one kind of user action, and `run`, which runs fn through it
 * and says whether it succeeded (a failure is kept as `error`).
 */
export function useAction() {
  const [state, dispatch] = useReducer(actionReducer, idleAction);
  const run = useCallback(async (fn: () => Promise<unknown>, notice?: string): Promise<boolean> => {
    dispatch({ type: 'start' });
    try {
      await fn();
      dispatch({ type: 'done', notice });
      return true;
    } catch (error) {
      dispatch({ type: 'failed', error });
      return false;
    }
  }, []);
  return { ...state, run };
}
