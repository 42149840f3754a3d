import { useTranslation } from '../i18n';
import type { Group, Item } from '../api/types';
import type { ArgumentTop } from './api';
import { ArgumentHead, ratingsText } from './shared';

/**
 * The previous round's most convincing pro and con arguments on an item,
 * shown with its feedback: frozen with that round's close (docs/STUDY-FORMAT.md,
 * "Arguments between rounds").
 */
export function TopArguments({ top, item, groups, lang, round }: { top: ArgumentTop; item: Item; groups: Group[]; lang: string; round: number }) {
  const { t } = useTranslation();
  const tt = t as unknown as (k: string, o?: Record<string, unknown>) => string;
  if (top.pro.length === 0 && top.con.length === 0) return null;
  const column = (key: 'topPro' | 'topCon', list: ArgumentTop['pro']) => (
    <div className="top-column">
      <h4>{t(`arguments.${key}`)}</h4>
      {list.length === 0 ? (
        <p className="muted small">{t('arguments.topNone')}</p>
      ) : (
        <ul>
          {list.map((a) => (
            <li key={a.id}>
              <ArgumentHead arg={a} item={item} groups={groups} lang={lang} />
              <p className="muted small">{ratingsText(a.ratings, lang, tt)}</p>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
  return (
    <div className="top-arguments" data-testid="top-arguments">
      <h4 className="top-title">{t('arguments.topTitle', { round })}</h4>
      <div className="top-columns">
        {column('topPro', top.pro)}
        {column('topCon', top.con)}
      </div>
    </div>
  );
}
