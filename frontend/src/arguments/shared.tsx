import { useTranslation } from '../i18n';
import { formatNumber } from '../format';
import { localized } from '../text';
import type { Group, Item } from '../api/types';
import type { PanelArgument } from './api';

/** The label of an argument's option, or undefined for the whole question. */
export function optionLabel(item: Item, optionId: string | undefined, lang: string): string | undefined {
  if (!optionId) return undefined;
  return localized(item.options?.find((o) => o.id === optionId)?.label, lang) || optionId;
}

/** "Ø 4,5 aus 2 Bewertungen", or "noch nicht bewertet". */
export function ratingsText(r: { n: number; mean: number }, lang: string, t: (k: string, o?: Record<string, unknown>) => string): string {
  if (r.n === 0) return t('arguments.noRatings');
  return t('arguments.ratings', { count: r.n, mean: formatNumber(Math.round(r.mean * 10) / 10, lang) });
}

/** One argument's head: its stance, the option it concerns and the author's group (where shown), then its text. */
export function ArgumentHead({ arg, item, groups, lang }: { arg: PanelArgument; item: Item; groups: Group[]; lang: string }) {
  const { t } = useTranslation();
  const option = optionLabel(item, arg.option_id, lang);
  const group = arg.group ? localized(groups.find((g) => g.id === arg.group)?.label, lang) || arg.group : undefined;
  return (
    <p className="argument-text">
      <span className={`badge stance-${arg.stance}`}>{t(arg.stance === 'pro' ? 'arguments.pro' : 'arguments.con')}</span>{' '}
      {option && <span className="badge">{option}</span>} {group && <span className="badge">{group}</span>} <span className="argument-body">{arg.text}</span>
    </p>
  );
}
