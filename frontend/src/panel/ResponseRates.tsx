import { useId } from 'react';
import { useTranslation } from '../i18n';
import { baseLang, localized } from '../text';
import type { GroupProgress, ResponseRates as Rates } from '../api/types';
import { TableWrap } from '../components/TableWrap';

const STAGES = ['invited', 'opened', 'started', 'submitted'] as const;

/**
 * Response rates per expert group: a plain CSS bar per group and stage. The
 * table itself is the text alternative: every bar's count and percentage is
 * written next to it, and the bars are hidden from screen readers.
 */
export function ResponseRates({ rates }: { rates: Rates }) {
  const { t, i18n } = useTranslation();
  const lang = baseLang(i18n.resolvedLanguage);
  const hid = useId();
  const name = (g: GroupProgress) => (g.group ? localized(g.label, lang) || g.group : t('rates.total'));
  return (
    <figure className="rates" aria-labelledby={hid}>
      <figcaption id={hid}>
        <h2>{t('rates.title', { n: rates.round })}</h2>
        <p className="muted small">{t('rates.explain')}</p>
      </figcaption>
      <TableWrap>
        <table className="rates-table">
          <thead>
            <tr>
              <th scope="col">{t('rates.group')}</th>
              <th scope="col" className="num">
                {t('rates.panel')}
              </th>
              {STAGES.map((s) => (
                <th key={s} scope="col">
                  {t(`rates.${s}`)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {[...rates.groups, rates.total].map((g) => (
              <tr key={g.group || 'total'} className={g.group ? undefined : 'total'}>
                <th scope="row">{name(g)}</th>
                <td className="num">{g.panel}</td>
                {STAGES.map((s) => (
                  <td key={s} className="rate-cell">
                    <span className="rate-text">
                      {g[s].percent === ''
                        ? t('rates.none')
                        : t('rates.value', { count: g[s].count, percent: g[s].percent })}
                      {s === 'invited' && g.invited_by && g.invited_by.file > 0 && (
                        <span className="muted small"> {t('rates.channels', { mail: g.invited_by.mail, file: g.invited_by.file })}</span>
                      )}
                    </span>
                    <span className="bar" aria-hidden="true">
                      <span className={`bar-fill bar-${s}`} style={{ width: `${g[s].percent === '' ? 0 : Number(g[s].percent)}%` }} />
                    </span>
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </figure>
  );
}
