import { useCallback, useEffect, useId, useState } from 'react';
import { useTranslation } from '../i18n';
import { ErrorAlert, errorText } from '../components/ErrorAlert';
import { TableWrap } from '../components/TableWrap';
import { formatNumber } from '../format';
import type { Labels } from '../results/labels';
import { staffArgumentsApi, type StaffArgument, type StaffArgumentsApi } from './api';
import './arguments.css';

export interface StaffArgumentsProps {
  surveyId: string;
  itemId: string;
  labels: Labels;
  lang: string;
  /** Coordinators and admins hide and unhide; researchers read. */
  canModerate: boolean;
  client?: StaffArgumentsApi;
}

/**
 * Every argument on an item, of every round, with its author's pseudonym and
 * group, its ratings (n, mean, distribution) and its hiding; for
 * coordinators the hiding and unhiding (with a reason, audited).
 */
export function StaffArguments({ surveyId, itemId, labels, lang, canModerate, client = staffArgumentsApi }: StaffArgumentsProps) {
  const { t } = useTranslation();
  const hid = useId();
  const [list, setList] = useState<StaffArgument[]>();
  const [error, setError] = useState<unknown>();
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  useEffect(() => {
    const ctl = new AbortController();
    client.list(surveyId, ctl.signal).then(
      (l) => {
        setList(l);
        setError(undefined);
      },
      (err: unknown) => {
        if (!ctl.signal.aborted) setError(err);
      },
    );
    return () => ctl.abort();
  }, [client, surveyId, generation]);

  if (error !== undefined && !list) return <ErrorAlert error={error} onRetry={reload} />;
  if (!list) return null;
  const rows = list.filter((a) => a.item_id === itemId);
  return (
    <section className="staff-arguments" aria-labelledby={hid}>
      <h3 id={hid}>{t('arguments.staffTitle', { count: rows.length })}</h3>
      {canModerate && <p className="muted small">{t('arguments.moderationNote')}</p>}
      {rows.length === 0 ? (
        <p className="muted">{t('arguments.staffNone')}</p>
      ) : (
        <TableWrap>
          <table className="compact-table">
            <thead>
              <tr>
                <th scope="col">{t('arguments.round')}</th>
                <th scope="col">{t('arguments.stanceHead')}</th>
                <th scope="col">{t('arguments.argument')}</th>
                <th scope="col">{t('arguments.pseudonym')}</th>
                <th scope="col">{t('arguments.group')}</th>
                <th scope="col">{t('arguments.n')}</th>
                <th scope="col">{t('arguments.mean')}</th>
                <th scope="col">{t('arguments.distribution')}</th>
                <th scope="col">{t('arguments.status')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((a) => (
                <tr key={a.id} data-argument={a.id}>
                  <td>{a.round}</td>
                  <td>
                    <span className={`badge stance-${a.stance}`}>{t(a.stance === 'pro' ? 'arguments.pro' : 'arguments.con')}</span>
                    {a.option_id && <> {labels.option(itemId, a.option_id)}</>}
                  </td>
                  <td className="argument-cell">{a.text}</td>
                  <td>{a.pseudonym}</td>
                  <td>{a.group ? labels.group(a.group) : ''}</td>
                  <td>{a.ratings.n}</td>
                  <td>{a.ratings.n > 0 ? formatNumber(Math.round(a.ratings.mean * 100) / 100, lang) : '–'}</td>
                  <td>{a.ratings.distribution.join(' · ')}</td>
                  <td>
                    {a.hidden ? t('arguments.hidden', { reason: a.hidden.reason }) : t('arguments.visible')}
                    {canModerate && <Moderate arg={a} surveyId={surveyId} client={client} onChanged={reload} />}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
}

function Moderate({ arg, surveyId, client, onChanged }: { arg: StaffArgument; surveyId: string; client: StaffArgumentsApi; onChanged: () => void }) {
  const { t } = useTranslation();
  const id = useId();
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const run = async (f: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await f();
      setAsking(false);
      setReason('');
      onChanged();
    } catch (err) {
      setError(errorText(err, t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="moderate">
      {arg.hidden ? (
        <button type="button" disabled={busy} onClick={() => void run(() => client.unhide(surveyId, arg.id))}>
          {t('arguments.unhide')}
        </button>
      ) : asking ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void run(() => client.hide(surveyId, arg.id, reason));
          }}
        >
          <label htmlFor={`${id}-reason`}>{t('arguments.hideReason')}</label>
          <input id={`${id}-reason`} value={reason} maxLength={5000} onChange={(e) => setReason(e.target.value)} />{' '}
          <button type="submit" disabled={busy || reason.trim() === ''}>
            {t('arguments.hideConfirm')}
          </button>{' '}
          <button type="button" onClick={() => setAsking(false)}>
            {t('arguments.cancel')}
          </button>
        </form>
      ) : (
        <button type="button" onClick={() => setAsking(true)}>
          {t('arguments.hide')}
        </button>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
