import { useEffect, useId, useState } from 'react';
import { useTranslation } from '../i18n';
import { ErrorAlert, Loading } from '../components/ErrorAlert';
import { TableWrap } from '../components/TableWrap';
import { OutcomeText } from './ItemDetail';
import { fmtStat } from './format';
import type { Labels } from './labels';
import { resultsApi } from './api';
import type { Sensitivity, SensitivityRule } from '../api/types';

/** The grid slice shown: an IQR condition ("none" or its limit) and a min n. */
interface Slice {
  iqr: string;
  minN: number;
}

const iqrKey = (r: SensitivityRule) => (r.grid?.iqr_max == null ? 'none' : String(r.grid.iqr_max));

/** The columns of one slice of the grid: one rule per agreement threshold, ascending. */
export function sliceRules(s: Sensitivity, slice: Slice): { index: number; rule: SensitivityRule }[] {
  return s.rules
    .map((rule, index) => ({ index, rule }))
    .filter(({ rule }) => rule.kind === 'grid' && rule.grid && iqrKey(rule) === slice.iqr && rule.grid.min_n === slice.minN)
    .sort((a, b) => (a.rule.grid?.agreement_percent ?? 0) - (b.rule.grid?.agreement_percent ?? 0));
}

/** Loads and shows the threshold sensitivity report of one round. */
export function SensitivityView({ surveyId, round, labels, lang }: { surveyId: string; round: number; labels: Labels; lang: string }) {
  const [data, setData] = useState<Sensitivity>();
  const [error, setError] = useState<unknown>();
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const ctl = new AbortController();
    setError(undefined);
    resultsApi
      .sensitivity(surveyId, round, ctl.signal)
      .then(setData)
      .catch((err: unknown) => {
        if (!ctl.signal.aborted) setError(err);
      });
    return () => ctl.abort();
  }, [surveyId, round, attempt]);

  if (error != null) return <ErrorAlert error={error} onRetry={() => setAttempt((a) => a + 1)} />;
  if (!data || data.round !== round) return <Loading />;
  return <SensitivityTable data={data} labels={labels} lang={lang} />;
}

export function SensitivityTable({ data, labels, lang }: { data: Sensitivity; labels: Labels; lang: string }) {
  const { t } = useTranslation();
  const iqrSelect = useId();
  const minNSelect = useId();
  const [slice, setSlice] = useState<Slice>({ iqr: 'none', minN: data.min_n_grid.includes(data.min_n) ? data.min_n : (data.min_n_grid[0] ?? 0) });
  const [onlyNear, setOnlyNear] = useState(false);
  const iqrs = ['none', ...new Set(data.rules.filter((r) => r.kind === 'grid' && r.grid?.iqr_max != null).map(iqrKey))];
  const cols = sliceRules(data, slice);
  const extras = data.rules.map((rule, index) => ({ index, rule })).filter(({ rule }) => rule.kind === 'extra');
  const hasThreshold = data.threshold_percent != null;
  const near = data.items.filter((it) => it.near_threshold).length;
  const rows = onlyNear ? data.items.filter((it) => it.near_threshold) : data.items;

  return (
    <div className="sensitivity">
      <p className="muted">{t('results.sensitivity.intro', { resamples: data.bootstrap.resamples })}</p>
      <p data-testid="sensitivity-summary">
        {hasThreshold
          ? t('results.sensitivity.nearSummary', {
              count: near,
              total: data.items.length,
              threshold: fmtStat(data.threshold_percent, lang),
              band: fmtStat(data.near_percent, lang),
            })
          : t('results.sensitivity.noThreshold')}
      </p>
      {data.items.length === 0 ? (
        <p className="empty">{t('results.sensitivity.empty')}</p>
      ) : (
        <>
          <div className="filter">
            <label htmlFor={iqrSelect}>{t('results.sensitivity.iqr')}</label>
            <select id={iqrSelect} value={slice.iqr} onChange={(e) => setSlice({ ...slice, iqr: e.target.value })}>
              {iqrs.map((k) => (
                <option key={k} value={k}>
                  {k === 'none' ? t('results.sensitivity.iqrNone') : t('results.sensitivity.iqrMax', { max: fmtStat(Number(k), lang) })}
                </option>
              ))}
            </select>
            <label htmlFor={minNSelect}>{t('results.sensitivity.minN')}</label>
            <select id={minNSelect} value={slice.minN} onChange={(e) => setSlice({ ...slice, minN: Number(e.target.value) })}>
              {data.min_n_grid.map((k) => (
                <option key={k} value={k}>
                  {k === 0 ? t('results.sensitivity.minNNone') : k === data.min_n ? t('results.sensitivity.minNStudy', { n: k }) : String(k)}
                </option>
              ))}
            </select>
            {hasThreshold && (
              <label className="checkbox">
                <input type="checkbox" checked={onlyNear} onChange={(e) => setOnlyNear(e.target.checked)} />{' '}
                {t('results.sensitivity.onlyNear')}
              </label>
            )}
          </div>
          <TableWrap>
            <table className="compact-table sensitivity-table">
              <caption className="visually-hidden">{t('results.sensitivity.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('results.sensitivity.item')}</th>
                  <th scope="col">n</th>
                  <th scope="col">{t('results.sensitivity.agreement')}</th>
                  <th scope="col">{t('results.sensitivity.ci')}</th>
                  <th scope="col">{t('results.sensitivity.studyRule')}</th>
                  {hasThreshold && <th scope="col">{t('results.sensitivity.near')}</th>}
                  {cols.map(({ rule }) => (
                    <th scope="col" key={rule.id} title={rule.id}>
                      {t('results.sensitivity.atLeast', { percent: fmtStat(rule.grid?.agreement_percent, lang) })}
                    </th>
                  ))}
                  {extras.map(({ rule }) => (
                    <th scope="col" key={rule.id}>
                      {rule.id}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((it) => (
                  <tr key={`${it.item_id}/${it.criterion_id ?? ''}`} data-row={it.criterion_id ? `${it.item_id}/${it.criterion_id}` : it.item_id}>
                    <th scope="row">{labels.row(it.item_id, it.criterion_id)}</th>
                    <td className="num">{it.n}</td>
                    <td className="num">{fmtStat(it.agreement_percent, lang, 1)}</td>
                    <td className="num">
                      {it.ci.low == null || it.ci.high == null
                        ? '–'
                        : t('results.sensitivity.ciRange', { low: fmtStat(it.ci.low, lang, 1), high: fmtStat(it.ci.high, lang, 1) })}
                    </td>
                    <td>
                      <OutcomeText outcome={it.outcome} />
                    </td>
                    {hasThreshold && (
                      <td>
                        {it.near_threshold ? (
                          <strong>
                            {t('results.sensitivity.nearYes', {
                              minus: t(`results.outcome.${it.outcome_minus}` as 'results.outcome.none'),
                              plus: t(`results.outcome.${it.outcome_plus}` as 'results.outcome.none'),
                            })}
                          </strong>
                        ) : (
                          t('results.no')
                        )}
                      </td>
                    )}
                    {cols.map(({ index, rule }) => (
                      <td key={rule.id}>
                        <OutcomeText outcome={it.outcomes[index] ?? 'none'} />
                      </td>
                    ))}
                    {extras.map(({ index, rule }) => (
                      <td key={rule.id}>
                        <OutcomeText outcome={it.outcomes[index] ?? 'none'} />
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          <p className="small muted">{t('results.sensitivity.bootstrapNote', { prng: data.bootstrap.prng })}</p>
        </>
      )}
    </div>
  );
}
