import { Fragment } from 'react';
import { useTranslation } from '../i18n';
import { ErrorAlert, Loading } from '../components/ErrorAlert';
import { TableWrap } from '../components/TableWrap';
import { fmtP, fmtStat } from './format';
import { flowApi, useReport, type Attrition, type AttritionComparison } from './flowApi';
import type { Labels } from './labels';

/** The results view "attrition": who left after a round vs who went on, per rating row and group. */
export function AttritionView({ surveyId, labels, lang }: { surveyId: string; labels: Labels; lang: string }) {
  const { data, error, retry } = useReport((signal) => flowApi.attrition(surveyId, signal));
  if (error != null) return <ErrorAlert error={error} onRetry={retry} />;
  if (!data) return <Loading />;
  return <AttritionReport attrition={data} labels={labels} lang={lang} />;
}

export function AttritionReport({ attrition, labels, lang }: { attrition: Attrition; labels: Labels; lang: string }) {
  const { t } = useTranslation();
  const cells = (c: AttritionComparison) => (
    <>
      <td className="num">{c.n_left}</td>
      <td className="num">{c.n_stayed}</td>
      <td className="num">{fmtStat(c.median_left, lang, 2)}</td>
      <td className="num">{fmtStat(c.median_stayed, lang, 2)}</td>
      <td className="num">{fmtStat(c.test.u1, lang, 1)}</td>
      <td className="num">{fmtP(c.test.p, lang)}</td>
      <td>{c.test.method ? t(c.test.method === 'exact' ? 'results.attrition.exact' : 'results.attrition.normal') : '–'}</td>
      <td>{c.flag ? <strong className="flag">{t('results.attrition.flagged')}</strong> : ''}</td>
    </>
  );
  return (
    <section className="attrition-view" aria-label={t('results.tabs.attrition')}>
      <h2>{t('results.tabs.attrition')}</h2>
      <p className="muted">{t('results.attrition.intro')}</p>
      {attrition.rounds.length === 0 && <p className="empty">{t('results.attrition.none')}</p>}
      {attrition.rounds.map((r) => (
        <TableWrap key={r.round}>
          <table className="compact-table attrition-table">
            <caption>
              {t('results.attrition.caption', { from: r.from, round: r.round, left: r.left, stayed: r.stayed, flagged: r.flagged })}
            </caption>
            <thead>
              <tr>
                <th scope="col">{t('results.attrition.col.item')}</th>
                <th scope="col">{t('results.attrition.col.group')}</th>
                <th scope="col">{t('results.attrition.col.nLeft')}</th>
                <th scope="col">{t('results.attrition.col.nStayed')}</th>
                <th scope="col">{t('results.attrition.col.medianLeft')}</th>
                <th scope="col">{t('results.attrition.col.medianStayed')}</th>
                <th scope="col">{t('results.attrition.col.u')}</th>
                <th scope="col">{t('results.attrition.col.p')}</th>
                <th scope="col">{t('results.attrition.col.method')}</th>
                <th scope="col">{t('results.attrition.col.flag')}</th>
              </tr>
            </thead>
            <tbody>
              {r.items.map((it) => {
                const key = `${it.item_id}/${it.criterion_id ?? ''}`;
                const groups = Object.keys(it.by_group);
                return (
                  <Fragment key={key}>
                    <tr data-row={key} className={it.overall.flag ? 'flagged' : undefined}>
                      <th scope="row">{labels.row(it.item_id, it.criterion_id)}</th>
                      <td>{t('results.attrition.total')}</td>
                      {cells(it.overall)}
                    </tr>
                    {groups.map((g) => (
                      <tr key={g} data-row={key} data-group={g} className={it.by_group[g]!.flag ? 'flagged' : undefined}>
                        <th scope="row" className="sub">
                          {labels.row(it.item_id, it.criterion_id)}
                        </th>
                        <td>{labels.group(g)}</td>
                        {cells(it.by_group[g]!)}
                      </tr>
                    ))}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
        </TableWrap>
      ))}
    </section>
  );
}
