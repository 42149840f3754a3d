// The study's alternative consensus rules beside the primary one: a table
// per rating (or numeric item) across rounds, and the outcomes in a board cell.
import { useTranslation } from '../i18n';
import { localized } from '../text';
import { OutcomeText } from './ItemDetail';
import { OUTCOME_ICON } from './ConsensusBoard';
import { TableWrap } from '../components/TableWrap';
import type { Consensus, RuleOutcome, RuleSetInfo, Text } from '../api/types';

/** A rule set's name for people: its label in lang, else its name. */
export function ruleSetName(set: { name: string; label?: Text | null }, lang: string): string {
  return localized(set.label, lang) || set.name;
}

/** The alternative rule sets (all but the primary) of a round's results. */
export function alternativeSets(sets: RuleSetInfo[] | undefined): RuleSetInfo[] {
  return (sets ?? []).filter((s) => !s.primary);
}

export interface RuleRow {
  round: number;
  primary?: Consensus; // shown only with showPrimary
  alternatives?: RuleOutcome[];
}

/**
 * The outcomes under each alternative rule, one row per round; with
 * showPrimary (numeric items, which have no consensus table of their own)
 * the primary rule's outcome first.
 */
export function RuleComparison({
  rows,
  sets,
  primaryText,
  showPrimary,
  lang,
  caption,
}: {
  rows: RuleRow[];
  sets: RuleSetInfo[];
  primaryText?: string;
  showPrimary: boolean;
  lang: string;
  caption: string;
}) {
  const { t } = useTranslation();
  const alts = alternativeSets(sets).filter((s) => rows.some((r) => r.alternatives?.some((a) => a.rule === s.name)));
  if (alts.length === 0 && !(showPrimary && rows.some((r) => r.primary))) return null;
  const text = (s: RuleSetInfo) => (showPrimary ? s.numeric_text : s.text)?.[lang] ?? '';
  return (
    <TableWrap>
      <table className="compact-table rule-comparison">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('results.round')}</th>
            {showPrimary && <th scope="col">{t('results.detail.primaryRule')}</th>}
            {alts.map((s) => (
              <th scope="col" key={s.name}>
                {ruleSetName(s, lang)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.round}>
              <th scope="row">{t('results.roundN', { n: r.round })}</th>
              {showPrimary && <td>{r.primary ? <OutcomeText outcome={r.primary.outcome} /> : '–'}</td>}
              {alts.map((s) => {
                const o = r.alternatives?.find((a) => a.rule === s.name);
                return <td key={s.name}>{o ? <OutcomeText outcome={o.outcome} /> : '–'}</td>;
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <dl className="rule-text small">
        {showPrimary && primaryText && (
          <div>
            <dt>{t('results.detail.primaryRule')}</dt>
            <dd>{primaryText}</dd>
          </div>
        )}
        {alts
          .filter((s) => text(s))
          .map((s) => (
            <div key={s.name}>
              <dt>{ruleSetName(s, lang)}</dt>
              <dd>{text(s)}</dd>
            </div>
          ))}
      </dl>
    </TableWrap>
  );
}

/** A board cell's outcomes under the alternative rules, one line each. */
export function CellAlternatives({
  alternatives,
  names,
}: {
  alternatives: { rule: string; outcome: string }[];
  names: Record<string, string>;
}) {
  const { t } = useTranslation();
  return (
    <span className="cell-alts">
      {alternatives.map((a) => (
        <span key={a.rule} className={`cell-alt outcome-text outcome-${a.outcome}`} data-rule={a.rule}>
          {names[a.rule] ?? a.rule}: <span aria-hidden="true">{OUTCOME_ICON[a.outcome] ?? '?'} </span>
          {t(`results.outcome.${a.outcome}` as 'results.outcome.none', { defaultValue: a.outcome })}
        </span>
      ))}
    </span>
  );
}
