import { useTranslation } from '../i18n';
import { OutcomeText } from './ItemDetail';
import { fmtStat } from './format';
import type { Labels } from './labels';
import type { Divergence, RoundResults } from '../api/types';
import { TableWrap } from '../components/TableWrap';

interface Row {
  itemId: string;
  criterionId?: string;
  d: Divergence;
}

/** The rated items (criteria) whose groups disagree, sorted by the divergence score. */
export function divergenceRows(r: RoundResults): Row[] {
  const rows: Row[] = [];
  for (const it of r.items) {
    if (it.rating) rows.push({ itemId: it.item_id, d: it.rating.divergence });
    for (const c of it.criteria ?? []) rows.push({ itemId: it.item_id, criterionId: c.criterion_id, d: c.divergence });
  }
  return rows
    .filter((x) => x.d && x.d.score > 0)
    .sort((a, b) => b.d.score - a.d.score || a.itemId.localeCompare(b.itemId));
}

export function DivergenceView({
  results,
  labels,
  lang,
  onOpenItem,
}: {
  results: RoundResults;
  labels: Labels;
  lang: string;
  onOpenItem: (itemId: string) => void;
}) {
  const { t } = useTranslation();
  const rows = divergenceRows(results);
  return (
    <div className="divergence">
      <p className="muted">{t('results.divergence.intro')}</p>
      {rows.length === 0 ? (
        <p className="empty">{t('results.divergence.none')}</p>
      ) : (
        <ol className="divergence-list">
          {rows.map((r) => (
            <li key={`${r.itemId}/${r.criterionId ?? ''}`} className="card" data-row={r.criterionId ? `${r.itemId}/${r.criterionId}` : r.itemId}>
              <h3>
                <button type="button" className="link-button" onClick={() => onOpenItem(r.itemId)}>
                  {labels.row(r.itemId, r.criterionId)}
                </button>
              </h3>
              <p className="small">
                {t('results.divergence.score', { score: fmtStat(r.d.score, lang) })} ·{' '}
                {t('results.divergence.gap', { gap: fmtStat(r.d.median_gap, lang) })}
                {r.d.flags.length > 0 &&
                  ` · ${r.d.flags.map((f) => t(`results.divergence.flag.${f}` as 'results.divergence.flag.bimodal', { defaultValue: f })).join(', ')}`}
              </p>
              <TableWrap>
                <table className="compact-table group-medians">
                  <caption className="visually-hidden">{t('results.divergence.caption', { item: labels.row(r.itemId, r.criterionId) })}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('results.board.group')}</th>
                      <th scope="col">{t('results.abbr.median')}</th>
                      <th scope="col">n</th>
                      <th scope="col">{t('results.board.outcome')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {r.d.group_medians.map((g) => (
                      <tr key={g.group} className={g.eligible ? undefined : 'ineligible'}>
                        <th scope="row">
                          {labels.group(g.group)}
                          {!g.eligible && <span className="muted small"> ({t('results.divergence.tooFew')})</span>}
                        </th>
                        <td className="num">{fmtStat(g.median, lang)}</td>
                        <td className="num">{g.n}</td>
                        <td>{g.n === 0 ? <span className="muted">{t('results.divergence.noAnswers')}</span> : <OutcomeText outcome={g.consensus} />}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
