import { useId, useState } from 'react';
import { useTranslation } from '../i18n';
import { fmtPercent, fmtStat } from './format';
import type { Labels } from './labels';
import type { Board, BoardCell, BoardRow } from '../api/types';
import { CellAlternatives, ruleSetName } from './Alternatives';

const OUTCOMES = ['consensus_in', 'consensus_out', 'none'] as const;

/** The icon beside each outcome's text: the colour is never the only cue. */
export const OUTCOME_ICON: Record<string, string> = {
  consensus_in: '✓',
  consensus_out: '✗',
  none: '○',
};

interface ViewCell {
  present: boolean;
  outcome?: string; // rating rows only
  n: number;
  median?: number | null;
  iqr?: number | null;
  agreement?: number | null;
  alternatives?: { rule: string; outcome: string }[]; // overall only
}

/** The cell as the group filter shows it: overall, or one group's outcome from by_group. */
function viewCell(c: BoardCell, group: string): ViewCell {
  if (!c.present) return { present: false, n: 0 };
  if (!group || c.outcome === undefined) {
    return {
      present: true,
      outcome: c.outcome,
      n: c.n,
      median: c.median,
      iqr: c.iqr,
      agreement: c.agreement_percent,
      alternatives: c.alternatives,
    };
  }
  const g = c.by_group?.[group];
  return { present: true, outcome: g?.outcome ?? 'none', n: g?.n ?? 0, median: g?.median ?? null };
}

/** The outcome in the latest round that asked the row (for the outcome filter). */
function latestOutcome(row: BoardRow, group: string): string | undefined {
  for (let i = row.cells.length - 1; i >= 0; i--) {
    const c = row.cells[i];
    if (c?.present) return viewCell(c, group).outcome;
  }
  return undefined;
}

export function ConsensusBoard({
  board,
  labels,
  lang,
  onOpenItem,
}: {
  board: Board;
  labels: Labels;
  lang: string;
  onOpenItem: (itemId: string) => void;
}) {
  const { t } = useTranslation();
  const [block, setBlock] = useState('');
  const [outcome, setOutcome] = useState('');
  const [group, setGroup] = useState('');
  const ids = { block: useId(), outcome: useId(), group: useId(), caption: useId() };

  const rows = board.rows.filter(
    (r) => (!block || r.section_id === block) && (!outcome || latestOutcome(r, group) === outcome),
  );
  // Blocks in definition order, then any others the results name.
  const order = labels.sections.map((s) => s.id);
  const blocks = [...new Set([...order, ...board.rows.map((r) => r.section_id)])].filter((b) =>
    board.rows.some((r) => r.section_id === b),
  );
  const shown = blocks.filter((b) => rows.some((r) => r.section_id === b));
  const groupName = group ? labels.group(group) : '';
  const altNames = Object.fromEntries((board.alternatives ?? []).map((a) => [a.name, ruleSetName(a, lang)]));

  return (
    <div className="board">
      <div className="filters" role="group" aria-label={t('results.board.filters')}>
        <div className="filter">
          <label htmlFor={ids.block}>{t('results.board.block')}</label>
          <select id={ids.block} value={block} onChange={(e) => setBlock(e.target.value)}>
            <option value="">{t('results.board.allBlocks')}</option>
            {blocks.map((b) => (
              <option key={b} value={b}>
                {labels.section(b)}
              </option>
            ))}
          </select>
        </div>
        <div className="filter">
          <label htmlFor={ids.outcome}>{t('results.board.outcome')}</label>
          <select id={ids.outcome} value={outcome} onChange={(e) => setOutcome(e.target.value)}>
            <option value="">{t('results.board.allOutcomes')}</option>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {t(`results.outcome.${o}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="filter">
          <label htmlFor={ids.group}>{t('results.board.group')}</label>
          <select id={ids.group} value={group} onChange={(e) => setGroup(e.target.value)}>
            <option value="">{t('results.board.allGroups')}</option>
            {board.groups.map((g) => (
              <option key={g} value={g}>
                {labels.group(g)}
              </option>
            ))}
          </select>
        </div>
      </div>

      <Legend />
      {(board.alternatives ?? []).length > 0 && (
        <p className="muted small" data-testid="alternatives-note">
          {t(group ? 'results.board.alternativesGroup' : 'results.board.alternatives', {
            names: (board.alternatives ?? []).map((a) => ruleSetName(a, lang)).join(', '),
          })}
        </p>
      )}

      <p className="muted small">
        {t('results.board.count', { shown: rows.length, total: board.rows.length })}
        {outcome && ` ${t('results.board.outcomeNote')}`}
      </p>

      {rows.length === 0 ? (
        <p className="empty">{t('results.board.noRows')}</p>
      ) : (
        <div className="table-wrap board-wrap">
          <table className="board-table" aria-labelledby={ids.caption}>
            <caption id={ids.caption}>
              {group ? t('results.board.captionGroup', { group: groupName }) : t('results.board.caption')}
            </caption>
            <thead>
              <tr>
                <th scope="col">{t('results.board.item')}</th>
                {board.rounds.map((r) => (
                  <th scope="col" key={r.number}>
                    {t('results.roundN', { n: r.number })}
                    {r.live && <span className="badge live">{t('results.live')}</span>}
                  </th>
                ))}
              </tr>
            </thead>
            {shown.map((b) => (
              <tbody key={b} data-block={b}>
                <tr className="block-row">
                  <th scope="rowgroup" colSpan={board.rounds.length + 1}>
                    {labels.section(b)}
                  </th>
                </tr>
                {rows
                  .filter((r) => r.section_id === b)
                  .map((r) => (
                    <tr key={`${r.item_id}/${r.criterion_id ?? ''}`} data-row={r.criterion_id ? `${r.item_id}/${r.criterion_id}` : r.item_id}>
                      <th scope="row" className="row-head">
                        <button type="button" className="link-button" onClick={() => onOpenItem(r.item_id)}>
                          <span className="muted small">{r.item_id}</span> {labels.row(r.item_id, r.criterion_id)}
                        </button>
                      </th>
                      {r.cells.map((c) => (
                        <Cell key={c.round} cell={viewCell(c, group)} lang={lang} grouped={!!group} altNames={altNames} />
                      ))}
                    </tr>
                  ))}
              </tbody>
            ))}
          </table>
        </div>
      )}

      <ul className="tally">
        {board.tally.map((x) => (
          <li key={x.round}>
            {t('results.board.tally', {
              round: x.round,
              inCount: x.consensus_in,
              outCount: x.consensus_out,
              noneCount: x.none,
            })}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Cell({
  cell,
  lang,
  grouped,
  altNames,
}: {
  cell: ViewCell;
  lang: string;
  grouped: boolean;
  altNames: Record<string, string>;
}) {
  const { t } = useTranslation();
  if (!cell.present) {
    return (
      <td className="cell outcome-absent" data-outcome="absent">
        <span aria-hidden="true">– </span>
        {t('results.board.notAsked')}
      </td>
    );
  }
  if (cell.outcome === undefined) {
    return (
      <td className="cell outcome-na" data-outcome="na">
        {t('results.nAnswers', { count: cell.n })}
      </td>
    );
  }
  const o = cell.outcome;
  const stats = [`${t('results.abbr.median')} ${fmtStat(cell.median, lang)}`];
  if (!grouped) {
    stats.push(`${t('results.abbr.iqr')} ${fmtStat(cell.iqr, lang)}`, fmtPercent(cell.agreement, lang));
  }
  return (
    <td className={`cell outcome-${o}`} data-outcome={o}>
      <span className="outcome-label">
        <span aria-hidden="true">{OUTCOME_ICON[o] ?? '?'} </span>
        {t(`results.outcome.${o}` as 'results.outcome.none', { defaultValue: o })}
      </span>
      <span className="cell-stats">
        {stats.join(' · ')} · {t('results.nShort', { n: cell.n })}
      </span>
      {cell.alternatives && cell.alternatives.length > 0 && (
        <CellAlternatives alternatives={cell.alternatives} names={altNames} />
      )}
    </td>
  );
}

export function Legend() {
  const { t } = useTranslation();
  return (
    <ul className="legend" aria-label={t('results.board.legend')}>
      {OUTCOMES.map((o) => (
        <li key={o} className={`cell outcome-${o}`}>
          <span aria-hidden="true">{OUTCOME_ICON[o]} </span>
          {t(`results.outcome.${o}`)}
        </li>
      ))}
      <li className="cell outcome-absent">
        <span aria-hidden="true">– </span>
        {t('results.board.notAsked')}
      </li>
    </ul>
  );
}
