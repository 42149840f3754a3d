// The researcher's view of a real-time study (#21): how each item's median
// and IQR moved while the panel answered, who revised after seeing the
// feedback, and each expert's first against their last answer.
import { useId, useState } from 'react';
import type { PlotOptions } from '@observablehq/plot';
import { useTranslation, type TFunction } from '../i18n';
import { ErrorAlert, Loading } from '../components/ErrorAlert';
import { TableWrap } from '../components/TableWrap';
import type { Plot } from '../components/plot';
import { formatDateTime } from '../format';
import { useApiData } from '../hooks';
import { PlotImage } from './charts';
import { OutcomeText } from './ItemDetail';
import { fmtP, fmtShare, fmtStat } from './format';
import type { Labels } from './labels';
import { resultsApi } from './api';
import type { Definition, RealtimeHistoryItem, RealtimePoint, RealtimeResults, RealtimeSeries } from '../api/types';

/** One series of the history: a rating, a criterion of a multi_rating item, or a numeric item. */
export interface SeriesRow {
  itemId: string;
  criterionId?: string;
  series: RealtimeSeries;
  /** The scale's lowest and highest point (ratings), for the chart's axis. */
  domain?: [number, number];
}

/** Every series of the results, in item order (criteria in their order). */
export function seriesRows(data: RealtimeResults, def: Definition | undefined): SeriesRow[] {
  const items = new Map((def?.sections ?? []).flatMap((s) => s.items ?? []).map((it) => [it.id, it]));
  const domain = (scaleId: string | undefined): [number, number] | undefined => {
    const pts = (def?.scales ?? []).find((s) => s.id === scaleId)?.points?.map((p) => p.value) ?? [];
    return pts.length > 0 ? [Math.min(...pts), Math.max(...pts)] : undefined;
  };
  const out: SeriesRow[] = [];
  for (const it of data.items) {
    const item = items.get(it.item_id);
    if (it.rating) out.push({ itemId: it.item_id, series: it.rating, domain: domain(item?.scale) });
    if (it.numeric) out.push({ itemId: it.item_id, series: it.numeric });
    for (const c of it.criteria ?? [])
      out.push({ itemId: it.item_id, criterionId: c.criterion_id, series: c, domain: domain(item?.criteria?.find((x) => x.id === c.criterion_id)?.scale) });
  }
  return out;
}

/** Loads and shows the analysed revision history of a real-time study. */
export function RealtimeView({ surveyId, def, labels, lang }: { surveyId: string; def: Definition | undefined; labels: Labels; lang: string }) {
  const { data, error, reload } = useApiData((signal) => resultsApi.realtime(surveyId, signal), [surveyId]);
  if (error != null) return <ErrorAlert error={error} onRetry={reload} />;
  if (!data) return <Loading />;
  return <RealtimeReport data={data} def={def} labels={labels} lang={lang} onRefresh={reload} />;
}

export function RealtimeReport({
  data,
  def,
  labels,
  lang,
  onRefresh,
}: {
  data: RealtimeResults;
  def: Definition | undefined;
  labels: Labels;
  lang: string;
  onRefresh?: () => void;
}) {
  const { t } = useTranslation();
  const itemSelect = useId();
  const rows = seriesRows(data, def);
  const covered = data.items.filter((it) => it.covered);
  const uncovered = data.items.filter((it) => !it.covered);
  const [chosen, setChosen] = useState('');
  const itemId = covered.some((it) => it.item_id === chosen) ? chosen : (covered[0]?.item_id ?? '');
  const shown = rows.filter((r) => r.itemId === itemId);
  const name = (r: SeriesRow) => labels.row(r.itemId, r.criterionId);

  return (
    <div className="realtime">
      <p data-testid="realtime-summary">
        {t('results.realtime.intro', { revisions: data.revisions, experts: data.experts, counted: data.counted })}{' '}
        {data.live
          ? t('results.liveAt', { time: formatDateTime(data.computed_at, lang) })
          : t('results.closedAt', { time: formatDateTime(data.computed_at, lang) })}{' '}
        {data.live && onRefresh && (
          <button type="button" className="button-secondary small-button" onClick={onRefresh}>
            {t('results.refresh')}
          </button>
        )}
      </p>
      <p className="muted small">{t(data.count === 'all' ? 'results.realtime.countAll' : 'results.realtime.countSubmitted')}</p>

      {rows.length === 0 ? (
        <p className="empty">{t('results.realtime.empty')}</p>
      ) : (
        <>
          <h2>{t('results.realtime.revisionsHeading')}</h2>
          <p className="muted small">{t('results.realtime.revisionsNote')}</p>
          <TableWrap>
            <table className="compact-table realtime-table">
              <caption className="visually-hidden">{t('results.realtime.revisionsCaption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('results.realtime.item')}</th>
                  <th scope="col">{t('results.realtime.experts')}</th>
                  <th scope="col">{t('results.realtime.revised')}</th>
                  <th scope="col">{t('results.realtime.afterFeedback')}</th>
                  <th scope="col">{t('results.realtime.toward')}</th>
                  <th scope="col">{t('results.realtime.away')}</th>
                  <th scope="col">{t('results.realtime.same')}</th>
                  <th scope="col">{t('results.realtime.notComparable')}</th>
                  <th scope="col">{t('results.realtime.meanChange')}</th>
                  <th scope="col">{t('results.realtime.paired')}</th>
                  <th scope="col">{t('results.realtime.changed')}</th>
                  <th scope="col">{t('results.realtime.stable')}</th>
                  <th scope="col">{t('results.realtime.wilcoxonP')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => {
                  const fb = r.series.after_feedback;
                  const st = r.series.stability;
                  return (
                    <tr key={`${r.itemId}/${r.criterionId ?? ''}`}>
                      <th scope="row">{name(r)}</th>
                      <td>{r.series.experts}</td>
                      <td>{r.series.revised}</td>
                      <td>{t('results.realtime.afterFeedbackCell', { count: fb.experts, revisions: fb.revisions })}</td>
                      <td>{fb.toward_median}</td>
                      <td>{fb.away_from_median}</td>
                      <td>{fb.same_distance}</td>
                      <td>{fb.not_comparable}</td>
                      <td>{fmtStat(fb.mean_abs_change, lang)}</td>
                      <td>{st.n_paired}</td>
                      <td>{fmtShare(st.share_changed, lang)}</td>
                      <td>{st.stable == null ? '–' : st.stable ? t('results.realtime.yes') : t('results.realtime.no')}</td>
                      <td>{fmtP(st.wilcoxon.p, lang)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </TableWrap>

          <h2>{t('results.realtime.seriesHeading')}</h2>
          <div className="filter">
            <label htmlFor={itemSelect}>{t('results.realtime.item')}</label>
            <select id={itemSelect} value={itemId} onChange={(e) => setChosen(e.target.value)}>
              {covered.map((it) => (
                <option key={it.item_id} value={it.item_id}>
                  {labels.item(it.item_id)}
                </option>
              ))}
            </select>
          </div>
          {shown.map((r) => (
            <SeriesDetail key={`${r.itemId}/${r.criterionId ?? ''}`} row={r} title={name(r)} end={data.computed_at} lang={lang} />
          ))}
        </>
      )}
      {uncovered.length > 0 && (
        <p className="muted small">{t('results.realtime.notCovered', { items: uncovered.map((it: RealtimeHistoryItem) => labels.item(it.item_id)).join(', ') })}</p>
      )}
    </div>
  );
}

/** A date-time to the second: revisions seconds apart must not look alike. */
function formatSeconds(iso: string, lang: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'medium' }).format(d);
}

/** The chart's text alternative: where the median and IQR started and ended, and how many changes. */
export function seriesAlt(t: TFunction, title: string, points: RealtimePoint[], lang: string): string {
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last) return t('results.realtime.altEmpty', { item: title });
  const iqr = (p: RealtimePoint) => `${fmtStat(p.q1, lang)}–${fmtStat(p.q3, lang)}`;
  return t('results.realtime.alt', {
    item: title,
    count: points.length,
    from: fmtStat(first.median, lang),
    to: fmtStat(last.median, lang),
    iqrFrom: iqr(first),
    iqrTo: iqr(last),
    n: last.n,
  });
}

function SeriesDetail({ row, title, end, lang }: { row: SeriesRow; title: string; end: string; lang: string }) {
  const { t } = useTranslation();
  const points = row.series.points;
  const hasOutcome = points.some((p) => p.outcome);
  return (
    <section className="realtime-series" aria-label={title}>
      <h3>{title}</h3>
      {points.length === 0 ? (
        <p className="muted">{t('results.realtime.noPoints')}</p>
      ) : (
        <>
          <figure className="multiple realtime-figure">
            <TimeSeriesChart
              points={points}
              end={end}
              domain={row.domain}
              alt={seriesAlt(t, title, points, lang)}
              xLabel={t('results.realtime.time')}
              yLabel={t('results.realtime.value')}
            />
            <figcaption className="small muted">{t('results.realtime.legend')}</figcaption>
          </figure>
          <details>
            <summary>{t('results.realtime.tableSummary')}</summary>
            <TableWrap>
              <table className="compact-table">
                <caption className="visually-hidden">{t('results.realtime.tableCaption', { item: title })}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('results.realtime.time')}</th>
                    <th scope="col">{t('results.realtime.changes')}</th>
                    <th scope="col">n</th>
                    <th scope="col">{t('results.realtime.abstentions')}</th>
                    <th scope="col">{t('results.abbr.median')}</th>
                    <th scope="col">Q1</th>
                    <th scope="col">Q3</th>
                    <th scope="col">{t('results.abbr.iqr')}</th>
                    {hasOutcome && <th scope="col">{t('results.realtime.consensus')}</th>}
                  </tr>
                </thead>
                <tbody>
                  {points.map((p, i) => (
                    <tr key={i}>
                      <th scope="row">{formatSeconds(p.at, lang)}</th>
                      <td>{p.changes}</td>
                      <td>{p.n}</td>
                      <td>{p.abstentions}</td>
                      <td>{fmtStat(p.median, lang)}</td>
                      <td>{fmtStat(p.q1, lang)}</td>
                      <td>{fmtStat(p.q3, lang)}</td>
                      <td>{fmtStat(p.iqr, lang)}</td>
                      {hasOutcome && <td>{p.outcome ? <OutcomeText outcome={p.outcome} /> : '–'}</td>}
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          </details>
        </>
      )}
    </section>
  );
}

const IQR_FILL = '#f0b429';
const MEDIAN = '#b35900';

/** One step of the series: the state from one change until the next (or the end). */
interface Step {
  from: Date;
  to: Date;
  median: number | null;
  q1: number | null;
  q3: number | null;
}

/** The steps of a series up to end (the time of the numbers; at least a minute after the first change). */
export function steps(points: RealtimePoint[], end: string): Step[] {
  const first = points[0] ? Date.parse(points[0].at) : 0;
  const stop = Math.max(Date.parse(end) || 0, first + 60_000, ...points.map((p) => Date.parse(p.at)));
  return points.map((p, i) => ({
    from: new Date(p.at),
    to: new Date(points[i + 1]?.at ?? stop),
    median: p.median ?? null,
    q1: p.q1 ?? null,
    q3: p.q3 ?? null,
  }));
}

/** The median as a step line over time with the IQR as a band behind it. */
export function TimeSeriesChart({
  points,
  end,
  domain,
  alt,
  xLabel,
  yLabel,
}: {
  points: RealtimePoint[];
  end: string;
  domain?: [number, number];
  alt: string;
  xLabel: string;
  yLabel: string;
}) {
  const data = steps(points, end);
  const band = data.filter((d) => d.q1 != null && d.q3 != null);
  const line = data.filter((d) => d.median != null);
  const jumps = line.slice(1).flatMap((d, i) => {
    const prev = line[i]!;
    return prev.to.getTime() === d.from.getTime() ? [{ x: d.from, y1: prev.median, y2: d.median }] : [];
  });
  const build = (Plot: Plot): PlotOptions => ({
    width: 560,
    height: 220,
    marginLeft: 44,
    marginBottom: 36,
    style: { fontSize: '11px', background: 'transparent' },
    x: { type: 'utc', label: xLabel },
    y: { domain: domain ? [domain[0] - 0.25, domain[1] + 0.25] : undefined, label: yLabel, nice: !domain },
    marks: [
      Plot.rect(band, { x1: 'from', x2: 'to', y1: 'q1', y2: 'q3', fill: IQR_FILL, fillOpacity: 0.3 }),
      Plot.ruleY(line, { y: 'median', x1: 'from', x2: 'to', stroke: MEDIAN, strokeWidth: 2.5 }),
      Plot.ruleX(jumps, { x: 'x', y1: 'y1', y2: 'y2', stroke: MEDIAN, strokeWidth: 1.5 }),
    ],
  });
  return <PlotImage build={build} alt={alt} dataKey={JSON.stringify([data, domain, end, xLabel, yLabel])} />;
}
