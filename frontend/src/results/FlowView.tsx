import { Fragment } from 'react';
import { useTranslation } from '../i18n';
import { ErrorAlert, Loading } from '../components/ErrorAlert';
import { TableWrap } from '../components/TableWrap';
import { FlowFigure } from './FlowFigure';
import { flowApi, useReport, type Flow, type FlowCounts } from './flowApi';
import type { Labels } from './labels';

/** The results view "participant flow": the figure, then the numbers per round and group. */
export function FlowView({ surveyId, labels }: { surveyId: string; labels: Labels }) {
  const { t } = useTranslation();
  const { data, error, retry } = useReport((signal) => flowApi.flow(surveyId, signal));
  if (error != null) return <ErrorAlert error={error} onRetry={retry} />;
  if (!data) return <Loading />;
  return <FlowReport flow={data} labels={labels} fileBase={`${surveyId}-${t('results.flow.fileName')}`} />;
}

export function FlowReport({ flow, labels, fileBase }: { flow: Flow; labels: Labels; fileBase: string }) {
  const { t } = useTranslation();
  if (flow.rounds.length === 0) return <p className="empty">{t('results.flow.none')}</p>;
  const cell = (n: number | null | undefined) => (n == null ? '–' : n);
  const row = (label: string, c: FlowCounts | undefined, total?: boolean) => (
    <>
      <th scope="row" className={total ? 'total' : undefined}>
        {label}
      </th>
      <td className="num">{cell(c?.panel)}</td>
      <td className="num">{cell(c?.invited)}</td>
      <td className="num">{cell(c?.invited_mail)}</td>
      <td className="num">{cell(c?.invited_link)}</td>
      <td className="num">{cell(c?.opened)}</td>
      <td className="num">{cell(c?.started)}</td>
      <td className="num">{cell(c?.submitted)}</td>
      <td className="num">{cell(c?.declined)}</td>
      <td className="num">{cell(c?.continued)}</td>
      <td className="num">{cell(c?.dropped_out)}</td>
      <td className="num">{cell(c?.dropped_out_declined)}</td>
    </>
  );
  return (
    <section className="flow-view" aria-label={t('results.flow.title')}>
      <h2>{t('results.flow.title')}</h2>
      <p className="muted">{t('results.flow.intro')}</p>
      <FlowFigure flow={flow} fileBase={fileBase} />
      <p className="muted small">{t('results.flow.definitions')}</p>
      <TableWrap>
        <table className="compact-table flow-table">
          <caption>{t('results.flow.tableCaption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('results.flow.col.round')}</th>
              <th scope="col">{t('results.flow.col.group')}</th>
              <th scope="col">{t('results.flow.col.panel')}</th>
              <th scope="col">{t('results.flow.col.invited')}</th>
              <th scope="col">{t('results.flow.col.mail')}</th>
              <th scope="col">{t('results.flow.col.link')}</th>
              <th scope="col">{t('results.flow.col.opened')}</th>
              <th scope="col">{t('results.flow.col.started')}</th>
              <th scope="col">{t('results.flow.col.submitted')}</th>
              <th scope="col">{t('results.flow.col.declined')}</th>
              <th scope="col">{t('results.flow.col.continued')}</th>
              <th scope="col">{t('results.flow.col.droppedOut')}</th>
              <th scope="col">{t('results.flow.col.droppedDeclined')}</th>
            </tr>
          </thead>
          <tbody>
            {flow.rounds.map((r) => (
              <Fragment key={r.round}>
                {flow.groups.map((g) => (
                  <tr key={g} data-round={r.round} data-group={g}>
                    <td className="num">{r.round}</td>
                    {row(labels.group(g), r.by_group[g])}
                  </tr>
                ))}
                <tr data-round={r.round} data-group="" className="total-row">
                  <td className="num">{r.round}</td>
                  {row(t('results.flow.total'), r.participants, true)}
                </tr>
              </Fragment>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </section>
  );
}
