import { useTranslation } from '../i18n';
import { RankTable } from './ItemDetail';
import { fmtP, fmtStat } from './format';
import type { Labels } from './labels';
import type { RoundResults } from '../api/types';
import { TableWrap } from '../components/TableWrap';

/** Every ranking item of a round: mean ranks with Kendall's W and its p-value, overall and per group. */
export function RankingsView({ results, labels, lang }: { results: RoundResults; labels: Labels; lang: string }) {
  const { t } = useTranslation();
  const items = results.items.filter((i) => i.type === 'ranking' && i.ranking);
  if (items.length === 0) return <p className="empty">{t('results.rankings.none')}</p>;
  return (
    <div className="rankings">
      {items.map((it) => (
        <section key={it.item_id} className="card" aria-label={labels.item(it.item_id)}>
          <h3>{labels.item(it.item_id)}</h3>
          <RankTable round={results.round} item={it} labels={labels} lang={lang} caption={t('results.rankings.overall')} />
          {results.groups.length > 0 && (
            <TableWrap>
              <table className="compact-table">
                <caption>{t('results.rankings.byGroup')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('results.board.group')}</th>
                    <th scope="col">m</th>
                    <th scope="col">W</th>
                    <th scope="col">p</th>
                    <th scope="col">{t('results.rankings.firstPlace')}</th>
                  </tr>
                </thead>
                <tbody>
                  {results.groups.map((g) => {
                    const s = it.ranking?.by_group[g];
                    const best = s && s.m > 0 ? [...s.options].sort((a, b) => (a.mean_rank ?? Infinity) - (b.mean_rank ?? Infinity))[0] : undefined;
                    return (
                      <tr key={g}>
                        <th scope="row">{labels.group(g)}</th>
                        <td className="num">{s?.m ?? 0}</td>
                        <td className="num">{fmtStat(s?.w, lang, 3)}</td>
                        <td className="num">{fmtP(s?.p, lang)}</td>
                        <td>{best ? labels.option(it.item_id, best.id) : '–'}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </TableWrap>
          )}
        </section>
      ))}
    </div>
  );
}
