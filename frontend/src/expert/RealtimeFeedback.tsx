import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { errorText } from '../components/ErrorAlert';
import { useTranslation } from '../i18n';
import type { Group, Item, RealtimeFeedback, Scale } from '../api/types';
import type { ParticipationApi } from './api';
import { FeedbackPanel } from './FeedbackPanel';
import type { SaveState } from './outbox';
import './realtime.css';

/** How often an open real-time study's feedback is fetched again while the page is visible. */
export const REALTIME_POLL_MS = 30_000;

export interface RealtimeState {
  /** The last answer of GET /participation/realtime. */
  data: RealtimeFeedback | undefined;
  loading: boolean;
  error: unknown;
  refresh: () => void;
}

/**
 * The panel's current statistics in a real-time study (`enabled`): fetched
 * at once, after each of the expert's own saves (the save state turning
 * `saved`), every REALTIME_POLL_MS while the page is visible and the study
 * open (`live`), and on refresh(). A newer request replaces an older one.
 */
export function useRealtimeFeedback(client: ParticipationApi, enabled: boolean, live: boolean, saveState: SaveState): RealtimeState {
  const [data, setData] = useState<RealtimeFeedback>();
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>();
  const current = useRef<AbortController | null>(null);

  const refresh = useCallback(() => {
    if (!enabled) return;
    current.current?.abort();
    const ac = new AbortController();
    current.current = ac;
    setLoading(true);
    client
      .realtime(ac.signal)
      .then((d) => {
        if (ac.signal.aborted) return;
        setData(d);
        setError(undefined);
      })
      .catch((err: unknown) => {
        if (!ac.signal.aborted) setError(err);
      })
      .finally(() => {
        if (current.current === ac) setLoading(false);
      });
  }, [client, enabled]);

  useEffect(() => {
    refresh();
    return () => current.current?.abort();
  }, [refresh]);

  useEffect(() => {
    if (saveState === 'saved') refresh();
  }, [saveState, refresh]);

  useEffect(() => {
    if (!enabled || !live) return;
    const visible = () => typeof document === 'undefined' || document.visibilityState === 'visible';
    const timer = setInterval(() => {
      if (visible()) refresh();
    }, REALTIME_POLL_MS);
    const onVisible = () => {
      if (visible()) refresh();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [enabled, live, refresh]);

  return { data, loading, error, refresh };
}

/** A time of day in the UI language, with seconds ("16:05:03"). */
function timeOfDay(iso: string, lang: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : new Intl.DateTimeFormat(lang, { timeStyle: 'medium' }).format(d);
}

export interface RealtimeItemFeedbackProps {
  item: Item;
  /** The expert has answered the item (a value, "cannot judge" included). */
  answered: boolean;
  state: RealtimeState;
  scales: Scale[] | null;
  groups: Group[];
  lang: string;
  /** The study's min_group_n, for the text of a suppressed group. */
  minGroupN: number;
  /** The id of the item's heading, which names the panel's region. */
  itemHeading: string;
}

/**
 * The panel's current result of one item in a real-time study: nothing but
 * a note before the expert's own answer (anti-anchoring); then the
 * statistics the study shows, from the other experts' latest answers, with
 * how many answers they rest on and when they were computed, or, below the
 * minimum, how many there are so far; and a button to fetch them again.
 */
export function RealtimeItemFeedback({ item, answered, state, scales, groups, lang, minGroupN, itemHeading }: RealtimeItemFeedbackProps) {
  const { t } = useTranslation();
  const hid = useId();
  if (!answered) {
    return <p className="muted small rt-feedback rt-before">{t('realtime.afterAnswer')}</p>;
  }
  const data = state.data;
  const status = data?.items[item.id];
  return (
    <div className="rt-feedback" data-realtime={item.id}>
      {status?.feedback ? (
        <FeedbackPanel
          item={item}
          feedback={status.feedback}
          scales={scales}
          groups={groups}
          lang={lang}
          round={0}
          minGroupN={minGroupN}
          itemHeading={itemHeading}
          heading={t('realtime.title')}
        />
      ) : (
        <section className="feedback" aria-labelledby={`${hid} ${itemHeading}`}>
          <h3 id={hid}>{t('realtime.title')}</h3>
          <p>{status && data ? t('realtime.tooFew', { count: status.n, min: data.min_n }) : t('realtime.pending')}</p>
        </section>
      )}
      {status && data && (
        <p className="small muted rt-meta">{t('realtime.basis', { count: status.n, time: timeOfDay(data.computed_at, lang) })}</p>
      )}
      <p className="rt-refresh">
        <button type="button" className="link-button" onClick={state.refresh} disabled={state.loading}>
          {state.loading ? t('realtime.refreshing') : t('realtime.refresh')}
        </button>
      </p>
      {state.error != null && (
        <p className="field-error" role="alert">
          {errorText(state.error, t)}
        </p>
      )}
    </div>
  );
}
