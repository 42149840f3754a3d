import { useId, useState, type ReactNode } from 'react';
import { useTranslation } from '../i18n';
import { DistributionChart, TransitionChart } from './charts';
import { OUTCOME_ICON } from './ConsensusBoard';
import { fmtP, fmtPRel, fmtShare, fmtStat } from './format';
import type { Labels } from './labels';
import type { ItemResult, ItemTransition, RatingResult, RoundResults, Summary, Transitions } from '../api/types';
import { TableWrap } from '../components/TableWrap';
import { RuleComparison } from './Alternatives';

interface Props {
  itemId: string;
  rounds: RoundResults[]; // ascending
  transitions: Record<number, Transitions | undefined>;
  groups: string[];
  labels: Labels;
  lang: string;
}

/** One item across rounds: distributions, movement, stability, consensus and comments. */
export function ItemDetail({ itemId, rounds, transitions, groups, labels, lang }: Props) {
  const { t } = useTranslation();
  const [group, setGroup] = useState('');
  const gid = useId();
  const present = rounds
    .map((r) => ({ round: r.round, item: r.items.find((i) => i.item_id === itemId) }))
    .filter((x): x is { round: number; item: ItemResult } => !!x.item);
  const latest = present[present.length - 1]?.item;

  if (!latest) return <p className="empty">{t('results.detail.notFound', { id: itemId })}</p>;

  const criteria: { id: string; label: string }[] =
    latest.type === 'multi_rating'
      ? (latest.criteria ?? []).map((c) => ({ id: c.criterion_id, label: labels.criterion(itemId, c.criterion_id) }))
      : latest.type === 'rating'
        ? [{ id: '', label: t('results.detail.rating') }]
        : [];
  const Sub = criteria.length > 1 ? 'h4' : 'h3';

  const ratingOf = (it: ItemResult, cid: string): RatingResult | undefined =>
    cid ? it.criteria?.find((c) => c.criterion_id === cid) : it.rating;
  const transitionOf = (round: number, cid: string): ItemTransition | undefined =>
    transitions[round]?.items.find((x) => x.item_id === itemId && (x.criterion_id ?? '') === cid);

  return (
    <article className="item-detail" aria-labelledby={`${gid}-h`}>
      <h2 id={`${gid}-h`}>
        {labels.item(itemId)} <span className="muted small">{itemId}</span>
      </h2>
      <p className="muted">
        {t('results.detail.meta', {
          block: labels.section(latest.section_id),
          type: t(`item.type.${latest.type}` as 'item.type.rating', { defaultValue: latest.type }),
        })}
      </p>

      {criteria.length > 0 && groups.length > 0 && (
        <div className="filter">
          <label htmlFor={`${gid}-g`}>{t('results.detail.view')}</label>
          <select id={`${gid}-g`} value={group} onChange={(e) => setGroup(e.target.value)}>
            <option value="">{t('results.board.allGroups')}</option>
            {groups.map((g) => (
              <option key={g} value={g}>
                {labels.group(g)}
              </option>
            ))}
          </select>
        </div>
      )}

      {criteria.map((c) => (
        <section key={c.id} className="criterion" aria-label={c.label}>
          {/* The parts' headings come one level below the item's, or the criterion's. */}
          {criteria.length > 1 && <h3>{c.label}</h3>}
          <ConsensusTable rows={present.map((p) => ({ round: p.round, rr: ratingOf(p.item, c.id) }))} group={group} labels={labels} />
          <RuleComparison
            rows={present.map((p) => {
              const rr = ratingOf(p.item, c.id);
              return { round: p.round, alternatives: group ? rr?.by_group[group]?.alternatives : rr?.alternatives };
            })}
            sets={rounds[rounds.length - 1]?.rule_sets ?? []}
            showPrimary={false}
            lang={lang}
            caption={group ? t('results.detail.alternativesGroup', { group: labels.group(group) }) : t('results.detail.alternatives')}
          />

          <Sub>{t('results.detail.distribution')}</Sub>
          <div className="multiples">
            {present.map((p) => {
              const rr = ratingOf(p.item, c.id);
              if (!rr) return null;
              const s: Summary | undefined = group ? rr.by_group[group]?.summary : rr.overall;
              return (
                <figure key={p.round} className="multiple">
                  <figcaption>{t('results.roundN', { n: p.round })}</figcaption>
                  {s ? (
                    <DistributionChart
                      distribution={s.distribution ?? []}
                      median={s.median}
                      q1={s.q1}
                      q3={s.q3}
                      alt={distAlt(t, p.round, s, lang)}
                      xLabel={t('results.detail.scalePoint')}
                      yLabel={t('results.detail.percent')}
                    />
                  ) : (
                    <p className="muted">{t('results.detail.noData')}</p>
                  )}
                </figure>
              );
            })}
          </div>

          {present.some((p) => p.round > 1) && (
            <>
              <Sub>{t('results.detail.movement')}</Sub>
              <div className="multiples">
                {present
                  .filter((p) => p.round > 1)
                  .map((p) => {
                    const tr = transitionOf(p.round, c.id);
                    const m = tr && (group ? tr.by_group[group] : tr.overall);
                    return (
                      <figure key={p.round} className="multiple">
                        <figcaption>{t('results.detail.fromTo', { from: p.round - 1, to: p.round })}</figcaption>
                        {tr && m ? (
                          <TransitionChart
                            values={tr.values}
                            matrix={m}
                            alt={t('results.detail.movementAlt', {
                              from: p.round - 1,
                              to: p.round,
                              count: m.n_paired,
                              up: m.up,
                              same: m.same,
                              down: m.down,
                            })}
                            fromLabel={t('results.roundN', { n: p.round - 1 })}
                            toLabel={t('results.roundN', { n: p.round })}
                          />
                        ) : (
                          <p className="muted">{t('results.detail.noData')}</p>
                        )}
                      </figure>
                    );
                  })}
              </div>
              <StabilityTable rows={present.filter((p) => p.round > 1).map((p) => ({ round: p.round, rr: ratingOf(p.item, c.id) }))} lang={lang} />
              {group && <p className="muted small">{t('results.detail.stabilityOverall')}</p>}
            </>
          )}
        </section>
      ))}

      {latest.type === 'ranking' && (
        <section aria-label={t('results.detail.ranks')}>
          {present.map((p) => (
            <RankTable key={p.round} round={p.round} item={p.item} labels={labels} lang={lang} />
          ))}
        </section>
      )}
      {(latest.type === 'single_choice' || latest.type === 'multiple_choice') && (
        <ChoiceTable present={present} itemId={itemId} labels={labels} lang={lang} />
      )}
      {latest.type === 'numeric' && <NumericTable present={present} lang={lang} />}
      {latest.type === 'numeric' && (
        <RuleComparison
          rows={present.map((p) => ({ round: p.round, primary: p.item.numeric?.consensus, alternatives: p.item.numeric?.alternatives }))}
          sets={rounds[rounds.length - 1]?.rule_sets ?? []}
          primaryText={rounds[rounds.length - 1]?.rule_sets?.find((s) => s.primary)?.numeric_text?.[lang]}
          showPrimary
          lang={lang}
          caption={t('results.detail.numericConsensus')}
        />
      )}

      <Comments present={present} labels={labels} />
    </article>
  );
}

type T = ReturnType<typeof useTranslation>['t'];

/** "Runde 2: Median 4, IQR 3–5, 18 Antworten" */
export function distAlt(t: T, round: number, s: Summary, lang: string): string {
  const head = t('results.roundN', { n: round });
  if (s.n === 0) return `${head}: ${t('results.detail.noValid')}`;
  const body = t('results.detail.medianIqr', {
    median: fmtStat(s.median, lang),
    q1: fmtStat(s.q1, lang),
    q3: fmtStat(s.q3, lang),
  });
  return `${head}: ${body}, ${t('results.nAnswers', { count: s.n })}`;
}

export function OutcomeText({ outcome }: { outcome: string }) {
  const { t } = useTranslation();
  return (
    <span className={`outcome-text outcome-${outcome}`}>
      <span aria-hidden="true">{OUTCOME_ICON[outcome] ?? '?'} </span>
      {t(`results.outcome.${outcome}` as 'results.outcome.none', { defaultValue: outcome })}
    </span>
  );
}

function ConsensusTable({
  rows,
  group,
  labels,
}: {
  rows: { round: number; rr: RatingResult | undefined }[];
  group: string;
  labels: Labels;
}) {
  const { t } = useTranslation();
  return (
    <TableWrap>
      <table className="compact-table">
        <caption>{group ? t('results.detail.consensusGroup', { group: labels.group(group) }) : t('results.detail.consensus')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('results.round')}</th>
            <th scope="col">{t('results.board.outcome')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ round, rr }) => {
            const c = rr && (group ? rr.by_group[group]?.consensus : rr.consensus);
            return (
              <tr key={round}>
                <th scope="row">{t('results.roundN', { n: round })}</th>
                <td title={c?.reason ? t('results.detail.reasonCode', { reason: c.reason }) : undefined}>
                  {c ? <OutcomeText outcome={c.outcome} /> : '–'}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {labels.rule && (
        <p className="rule-text small">
          <strong>{t('results.detail.rule')}:</strong> {labels.rule}
        </p>
      )}
    </TableWrap>
  );
}

function StabilityTable({ rows, lang }: { rows: { round: number; rr: RatingResult | undefined }[]; lang: string }) {
  const { t } = useTranslation();
  return (
    <TableWrap>
      <table className="compact-table stability">
        <caption>{t('results.detail.stability')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('results.round')}</th>
            <th scope="col">{t('results.stability.paired')}</th>
            <th scope="col">{t('results.stability.changed')}</th>
            <th scope="col">{t('results.stability.scheibe')}</th>
            <th scope="col">{t('results.stability.stable')}</th>
            <th scope="col">{t('results.stability.wilcoxon')}</th>
            <th scope="col">{t('results.stability.deltaIqr')}</th>
            <th scope="col">{t('results.stability.deltaCv')}</th>
            <th scope="col">{t('results.stability.deltaIqrRounds')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ round, rr }) => {
            const s = rr?.stability;
            return (
              <tr key={round}>
                <th scope="row">{t('results.detail.fromTo', { from: round - 1, to: round })}</th>
                <td className="num">{s ? s.n_paired : '–'}</td>
                <td className="num">{fmtShare(s?.share_changed, lang)}</td>
                <td className="num">{fmtShare(s?.scheibe, lang)}</td>
                <td>{s?.stable === undefined ? '–' : s.stable ? t('results.yes') : t('results.no')}</td>
                <td className="num">{fmtP(s?.wilcoxon.p, lang)}</td>
                <td className="num">{fmtStat(s?.delta_iqr, lang)}</td>
                <td className="num">{fmtStat(s?.delta_cv, lang, 3)}</td>
                <td className="num">{fmtStat(s?.delta_iqr_rounds, lang)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableWrap>
  );
}

export function RankTable({ round, item, labels, lang, caption }: { round: number; item: ItemResult; labels: Labels; lang: string; caption?: ReactNode }) {
  const { t } = useTranslation();
  const r = item.ranking;
  if (!r) return null;
  const o = r.overall;
  const options = [...o.options].sort((a, b) => (a.mean_rank ?? Infinity) - (b.mean_rank ?? Infinity));
  return (
    <TableWrap>
      <table className="compact-table ranks">
        <caption>
          {caption ?? t('results.roundN', { n: round })} –{' '}
          {t('results.rankings.summary', { w: fmtStat(o.w, lang, 3), p: fmtPRel(o.p, lang), m: o.m })}
        </caption>
        <thead>
          <tr>
            <th scope="col">{t('results.rankings.place')}</th>
            <th scope="col">{t('results.rankings.option')}</th>
            <th scope="col">{t('results.rankings.meanRank')}</th>
            <th scope="col">{t('results.rankings.first')}</th>
            {r.top_k > 0 && <th scope="col">{t('results.rankings.topK', { k: r.top_k })}</th>}
          </tr>
        </thead>
        <tbody>
          {options.map((op, i) => (
            <tr key={op.id} data-option={op.id}>
              <td className="num">{i + 1}</td>
              <th scope="row">{labels.option(item.item_id, op.id)}</th>
              <td className="num">{fmtStat(op.mean_rank, lang)}</td>
              <td className="num">{fmtShare(op.first_share, lang)}</td>
              {r.top_k > 0 && <td className="num">{fmtShare(op.topk_share, lang)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function ChoiceTable({ present, itemId, labels, lang }: { present: { round: number; item: ItemResult }[]; itemId: string; labels: Labels; lang: string }) {
  const { t } = useTranslation();
  return (
    <>
      {present.map(({ round, item }) =>
        item.choice ? (
          <TableWrap key={round}>
            <table className="compact-table">
              <caption>
                {t('results.roundN', { n: round })} – {t('results.nAnswers', { count: item.choice.n })}
              </caption>
              <thead>
                <tr>
                  <th scope="col">{t('results.rankings.option')}</th>
                  <th scope="col">{t('results.detail.count')}</th>
                  <th scope="col">{t('results.detail.share')}</th>
                </tr>
              </thead>
              <tbody>
                {item.choice.options.map((o) => (
                  <tr key={o.id}>
                    <th scope="row">{labels.option(itemId, o.id)}</th>
                    <td className="num">{o.count}</td>
                    <td className="num">{fmtShare(o.share, lang)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        ) : null,
      )}
    </>
  );
}

function NumericTable({ present, lang }: { present: { round: number; item: ItemResult }[]; lang: string }) {
  const { t } = useTranslation();
  return (
    <TableWrap>
      <table className="compact-table">
        <caption>{t('results.detail.numeric')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('results.round')}</th>
            <th scope="col">n</th>
            <th scope="col">{t('results.abbr.median')}</th>
            <th scope="col">{t('results.abbr.iqr')}</th>
            <th scope="col">{t('results.detail.range')}</th>
          </tr>
        </thead>
        <tbody>
          {present.map(({ round, item }) => {
            const s = item.numeric?.overall;
            return (
              <tr key={round}>
                <th scope="row">{t('results.roundN', { n: round })}</th>
                <td className="num">{s?.n ?? 0}</td>
                <td className="num">{fmtStat(s?.median, lang)}</td>
                <td className="num">{fmtStat(s?.iqr, lang)}</td>
                <td className="num">
                  {fmtStat(s?.min, lang)}–{fmtStat(s?.max, lang)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableWrap>
  );
}

/** Every comment and justification with its round and group; never who wrote it. */
function Comments({ present, labels }: { present: { round: number; item: ItemResult }[]; labels: Labels }) {
  const { t } = useTranslation();
  const total = present.reduce((n, p) => n + p.item.comments.length, 0);
  return (
    <section className="comments" aria-label={t('results.detail.comments')}>
      <h3>{t('results.detail.commentsCount', { count: total })}</h3>
      {total === 0 && <p className="muted">{t('results.detail.noComments')}</p>}
      {present
        .filter((p) => p.item.comments.length > 0)
        .map((p) => (
          <div key={p.round}>
            <h4>{t('results.roundN', { n: p.round })}</h4>
            <ul className="comment-list">
              {p.item.comments.map((c, i) => (
                <li key={i} data-kind={c.kind}>
                  <p className="comment-meta muted small">
                    {t(`results.kind.${c.kind}` as 'results.kind.comment', { defaultValue: c.kind })} ·{' '}
                    {c.group ? labels.group(c.group) : t('results.detail.noGroup')}
                  </p>
                  <p className="comment-text">{c.text}</p>
                </li>
              ))}
            </ul>
          </div>
        ))}
    </section>
  );
}
