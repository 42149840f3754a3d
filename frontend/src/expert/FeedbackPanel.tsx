import { useId, type ReactNode } from 'react';
import { useTranslation } from '../i18n';
import { formatNumber, label as labelOf } from '../format';
import { localized } from '../text';
import { TableWrap } from '../components/TableWrap';
import { SubmittedDrafts } from '../components/SubmittedDrafts';
import { DistributionChart } from './DistributionChart';
import type { AnswerValue, ChoiceGroupFeedback, Group, GroupEntry, Item, ItemFeedback, RankingGroupFeedback, Scale, Suppressed, SummaryFeedback } from '../api/types';
import { scaleOf } from './util';

/** Whether a by_group entry is a group too small to be shown (only `suppressed: true`). */
function isSuppressed<T extends object>(e: GroupEntry<T>): e is Suppressed {
  return 'suppressed' in e && e.suppressed === true;
}

/** Comments beyond this many start collapsed. */
export const COMMENTS_OPEN_MAX = 3;

export interface FeedbackPanelProps {
  item: Item;
  feedback: ItemFeedback;
  scales: Scale[] | null;
  groups: Group[];
  lang: string;
  /** The round the feedback comes from. */
  round: number;
  /** The expert's own answer in that round, highlighted in the chart. */
  own?: AnswerValue | undefined;
  /** The study's min_group_n (the server sends it): smaller groups come without numbers (`suppressed`). */
  minGroupN: number;
  /** The id of the item's heading: the panel's name adds the question, so that each item's feedback region has a name of its own. */
  itemHeading?: string;
  /** The panel's heading instead of "Result of round n" (the real-time mode's current result). */
  heading?: string;
  /** Shown after the statistics: the previous round's top arguments (arguments between rounds). */
  children?: ReactNode;
}

/** Half up to one decimal, as published tables round (81.25 → 81.3). */
export function roundHalfUp1(v: number): number {
  return Math.sign(v) * Math.round(Math.abs(v) * 10 + 1e-9) / 10;
}

function num(v: number | null | undefined, lang: string): string {
  return v == null ? '–' : formatNumber(roundHalfUp1(v), lang);
}

/** "Median 4, IQR 3–5, 18 Antworten": the text alternative of a summary. */
export function summaryText(s: SummaryFeedback, lang: string, t: (k: string, o?: Record<string, unknown>) => string): string {
  const parts: string[] = [];
  if (s.median !== undefined) parts.push(t('feedback.median', { value: num(s.median, lang) }));
  if (s.q1 !== undefined && s.q3 !== undefined) parts.push(t('feedback.iqr', { q1: num(s.q1, lang), q3: num(s.q3, lang) }));
  if (s.mean !== undefined) parts.push(t('feedback.mean', { value: num(s.mean, lang) }));
  if (s.sd !== undefined) parts.push(t('feedback.sd', { value: num(s.sd, lang) }));
  parts.push(t('feedback.answers', { count: s.n }));
  return parts.join(', ');
}

function Summary({ s, scale, own, lang, round }: { s: SummaryFeedback; scale: Scale | undefined; own: unknown; lang: string; round: number }) {
  const { t } = useTranslation();
  const tt = t as unknown as (k: string, o?: Record<string, unknown>) => string;
  const text = summaryText(s, lang, tt);
  return (
    <div className="summary">
      <p className="summary-text">{text}</p>
      {s.distribution && scale && (
        <DistributionChart
          points={scale.points.map((p) => ({ value: p.value, count: s.distribution?.find((d) => d.value === p.value)?.count ?? 0 }))}
          q1={s.q1}
          q3={s.q3}
          median={s.median}
          own={typeof own === 'number' ? own : undefined}
          label={text}
          round={round}
        />
      )}
      <ul className="summary-facts">
        {s.agreement_percent !== undefined && (
          <li>{t('feedback.agreement', { percent: num(s.agreement_percent, lang) })}</li>
        )}
        {s.consensus && <li>{t('feedback.consensus', { outcome: labelOf(t, 'feedback.outcome', s.consensus) })}</li>}
        {s.abstentions !== undefined && s.abstentions > 0 && <li>{t('feedback.abstentions', { count: s.abstentions })}</li>}
      </ul>
    </div>
  );
}

/** The ids of a by_group map in the order of the study's groups, then any the study does not define. */
function groupOrder(groups: Group[], data: Record<string, unknown>): string[] {
  return [...groups.map((g) => g.id).filter((id) => data[id]), ...Object.keys(data).filter((id) => !groups.some((g) => g.id === id))];
}

/** A group's label in lang, its id when the study has no label for it, noGroup for the empty id. */
function groupName(groups: Group[], id: string, lang: string, noGroup: string): string {
  return id ? localized(groups.find((g) => g.id === id)?.label, lang) || id : noGroup;
}

/** The anonymity note of a table with hidden groups: once, below the table, referred to by each hidden row. */
function SuppressedNote({ id, minGroupN }: { id: string; minGroupN: number }) {
  const { t } = useTranslation();
  return (
    <p id={id} className="footnote muted small">
      <span aria-hidden="true">* </span>
      {t('feedback.suppressed', { min: minGroupN })}
    </p>
  );
}

/** A hidden group's cell: "hidden*", described by the table's note. */
function SuppressedCell({ colSpan, note }: { colSpan?: number; note: string }) {
  const { t } = useTranslation();
  return (
    <td colSpan={colSpan} className="muted small" aria-describedby={note}>
      {t('feedback.suppressedShort')}
      <span aria-hidden="true">*</span>
    </td>
  );
}

/** The split by group; a group below the study's min_group_n appears without numbers. */
function ByGroup({
  groups,
  data,
  lang,
  minGroupN,
}: {
  groups: Group[];
  data: Record<string, GroupEntry<SummaryFeedback>>;
  lang: string;
  minGroupN: number;
}) {
  const { t } = useTranslation();
  const note = useId();
  const ids = groupOrder(groups, data);
  if (ids.length === 0) return null;
  const name = (id: string) => groupName(groups, id, lang, t('feedback.noGroup'));
  const hidden = ids.some((id) => isSuppressed(data[id]!));
  return (
    <TableWrap label={t('feedback.byGroup')}>
      <table className="by-group">
        <caption>{t('feedback.byGroup')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('feedback.group')}</th>
            <th scope="col" className="num">
              n
            </th>
            <th scope="col" className="num">
              {t('stats.median')}
            </th>
            <th scope="col" className="num">
              IQR
            </th>
          </tr>
        </thead>
        <tbody>
          {ids.map((id) => {
            const s = data[id]!;
            if (isSuppressed(s)) {
              return (
                <tr key={id}>
                  <th scope="row">{name(id)}</th>
                  <SuppressedCell colSpan={3} note={note} />
                </tr>
              );
            }
            return (
              <tr key={id}>
                <th scope="row">{name(id)}</th>
                <td className="num">{s.n}</td>
                <td className="num">{s.median === undefined ? '' : num(s.median, lang)}</td>
                <td className="num">{s.q1 === undefined ? '' : `${num(s.q1, lang)}–${num(s.q3, lang)}`}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {hidden && <SuppressedNote id={note} minGroupN={minGroupN} />}
    </TableWrap>
  );
}

/** One option's row in a group's part of OptionsByGroup: its label and its numbers. */
interface OptionRow {
  id: string;
  label: string;
  cells: string[];
}

/**
 * The split by group of a choice or ranking item. With option numbers
 * ("distribution"), one block of rows per group, headed by the group and
 * its n, with a row per option, so that the table stays at most three
 * narrow columns wide on a phone; without, a row per group with its n.
 * A group below the study's min_group_n appears without numbers.
 */
function OptionsByGroup<T>({
  groups,
  data,
  lang,
  minGroupN,
  size,
  sizeText,
  heads,
  rows,
}: {
  groups: Group[];
  data: Record<string, GroupEntry<T>>;
  lang: string;
  minGroupN: number;
  /** The group's n (m for a ranking). */
  size: (e: T) => number;
  /** "10 Antworten", "10 Rangfolgen". */
  sizeText: (e: T) => string;
  /** The heads of the number columns after the option column. */
  heads: string[];
  rows: (e: T) => OptionRow[] | undefined;
}) {
  const { t } = useTranslation();
  const note = useId();
  const ids = groupOrder(groups, data);
  if (ids.length === 0) return null;
  const name = (id: string) => groupName(groups, id, lang, t('feedback.noGroup'));
  const hidden = ids.some((id) => isSuppressed(data[id]!));
  const withOptions = ids.some((id) => {
    const e = data[id]!;
    return !isSuppressed(e) && (rows(e)?.length ?? 0) > 0;
  });
  if (!withOptions) {
    return (
      <TableWrap label={t('feedback.byGroup')}>
        <table className="by-group">
          <caption>{t('feedback.byGroup')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('feedback.group')}</th>
              <th scope="col" className="num">
                n
              </th>
            </tr>
          </thead>
          <tbody>
            {ids.map((id) => {
              const e = data[id]!;
              return (
                <tr key={id}>
                  <th scope="row">{name(id)}</th>
                  {isSuppressed(e) ? <SuppressedCell note={note} /> : <td className="num">{size(e)}</td>}
                </tr>
              );
            })}
          </tbody>
        </table>
        {hidden && <SuppressedNote id={note} minGroupN={minGroupN} />}
      </TableWrap>
    );
  }
  const cols = heads.length + 1;
  return (
    <TableWrap label={t('feedback.byGroup')}>
      <table className="by-group by-group-options">
        <caption>{t('feedback.byGroup')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('feedback.option')}</th>
            {heads.map((h, i) => (
              <th scope="col" key={i} className="num">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        {ids.map((id) => {
          const e = data[id]!;
          return (
            <tbody key={id}>
              <tr>
                <th scope="rowgroup" colSpan={cols}>
                  {isSuppressed(e) ? name(id) : `${name(id)}: ${sizeText(e)}`}
                </th>
              </tr>
              {isSuppressed(e) ? (
                <tr>
                  <SuppressedCell colSpan={cols} note={note} />
                </tr>
              ) : (
                rows(e as T)?.map((r) => (
                  <tr key={r.id}>
                    <th scope="row">{r.label}</th>
                    {r.cells.map((c, i) => (
                      <td key={i} className="num">
                        {c}
                      </td>
                    ))}
                  </tr>
                ))
              )}
            </tbody>
          );
        })}
      </table>
      {hidden && <SuppressedNote id={note} minGroupN={minGroupN} />}
    </TableWrap>
  );
}

/** The options of a ranking by mean rank, undefined ones last (the order of the list). */
function byMeanRank<O extends { mean_rank?: number | null | undefined }>(options: O[]): O[] {
  return [...options].sort((a, b) => (a.mean_rank ?? Infinity) - (b.mean_rank ?? Infinity));
}

/**
 * What the panel answered to an item in the previous round: n, median and
 * IQR (as a band on the distribution chart, with a text alternative),
 * percent agreement, consensus, choice counts and shares, mean ranks and
 * first-place shares, the split by group for each of these (groups with
 * fewer answers than `minGroupN` without numbers) and the anonymised comments
 * (collapsed when there are many).
 */
export function FeedbackPanel({ item, feedback: fb, scales, groups, lang, round, own, minGroupN, itemHeading, heading, children }: FeedbackPanelProps) {
  const { t } = useTranslation();
  const hid = useId();
  const ownMap = (own && typeof own === 'object' && !Array.isArray(own) ? own : {}) as Record<string, unknown>;
  const optionLabel = (id: string) => localized(item.options?.find((o) => o.id === id)?.label, lang) || id;
  const comments = fb.comments ?? [];
  const pct = (share: number | null | undefined) => (share == null ? '–' : `${formatNumber(roundHalfUp1(share * 100), lang)} %`);
  return (
    <section className="feedback" aria-labelledby={itemHeading ? `${hid} ${itemHeading}` : hid}>
      <h3 id={hid}>{heading ?? t('feedback.title', { round })}</h3>
      {(fb.submitted ?? 0) + (fb.drafts ?? 0) > 0 && (
        <p className="summary-text small muted">
          <SubmittedDrafts submitted={fb.submitted} drafts={fb.drafts} />
        </p>
      )}
      {fb.rating && (
        <>
          <Summary s={fb.rating} scale={scaleOf(scales, item.scale)} own={own} lang={lang} round={round} />
          {fb.rating.by_group && <ByGroup groups={groups} data={fb.rating.by_group} lang={lang} minGroupN={minGroupN} />}
        </>
      )}
      {fb.criteria?.map((c) => {
        const crit = item.criteria?.find((x) => x.id === c.criterion_id);
        return (
          <div key={c.criterion_id} className="criterion-feedback">
            <h4>{localized(crit?.label, lang) || c.criterion_id}</h4>
            <Summary s={c} scale={scaleOf(scales, crit?.scale)} own={ownMap[c.criterion_id]} lang={lang} round={round} />
            {c.by_group && <ByGroup groups={groups} data={c.by_group} lang={lang} minGroupN={minGroupN} />}
          </div>
        );
      })}
      {fb.numeric && (
        <>
          <Summary s={fb.numeric} scale={undefined} own={own} lang={lang} round={round} />
          {fb.numeric.by_group && <ByGroup groups={groups} data={fb.numeric.by_group} lang={lang} minGroupN={minGroupN} />}
        </>
      )}
      {fb.choice && (
        <>
          <p className="summary-text">{t('feedback.answers', { count: fb.choice.n })}</p>
          {fb.choice.options && (
            <ul className="option-counts">
              {fb.choice.options.map((o) => (
                <li key={o.id}>
                  {optionLabel(o.id)}: {o.count} ({pct(o.share)})
                </li>
              ))}
            </ul>
          )}
          {fb.choice.by_group && (
            <OptionsByGroup<ChoiceGroupFeedback>
              groups={groups}
              data={fb.choice.by_group}
              lang={lang}
              minGroupN={minGroupN}
              size={(e) => e.n}
              sizeText={(e) => t('feedback.answers', { count: e.n })}
              heads={[t('feedback.count')]}
              rows={(e) => e.options?.map((o) => ({ id: o.id, label: optionLabel(o.id), cells: [`${o.count} (${pct(o.share)})`] }))}
            />
          )}
        </>
      )}
      {fb.ranking && (
        <>
          <p className="summary-text">{t('feedback.rankings', { count: fb.ranking.m })}</p>
          {fb.ranking.options && (
            <ol className="option-counts">
              {byMeanRank(fb.ranking.options).map((o) => (
                <li key={o.id}>
                  {t('feedback.meanRank', { label: optionLabel(o.id), rank: num(o.mean_rank, lang), first: pct(o.first_share) })}
                </li>
              ))}
            </ol>
          )}
          {fb.ranking.by_group && (
            <OptionsByGroup<RankingGroupFeedback>
              groups={groups}
              data={fb.ranking.by_group}
              lang={lang}
              minGroupN={minGroupN}
              size={(e) => e.m}
              sizeText={(e) => t('feedback.rankings', { count: e.m })}
              heads={[t('feedback.meanRankHead'), t('feedback.firstShare')]}
              rows={(e) =>
                e.options && byMeanRank(e.options).map((o) => ({ id: o.id, label: optionLabel(o.id), cells: [num(o.mean_rank, lang), pct(o.first_share)] }))
              }
            />
          )}
        </>
      )}
      {!fb.rating && !fb.criteria && !fb.numeric && !fb.choice && !fb.ranking && (
        <p className="summary-text">{t('feedback.answers', { count: fb.n })}</p>
      )}
      {comments.length > 0 && (
        <details className="comments" open={comments.length <= COMMENTS_OPEN_MAX}>
          <summary>{t('feedback.comments', { count: comments.length })}</summary>
          <ul>
            {comments.map((c, i) => (
              <li key={i}>
                {c.group && <span className="badge">{localized(groups.find((g) => g.id === c.group)?.label, lang) || c.group}</span>}{' '}
                {c.kind === 'justification' && <span className="muted small">{t('feedback.justification')}: </span>}
                {c.text}
              </li>
            ))}
          </ul>
        </details>
      )}
      {children}
    </section>
  );
}
