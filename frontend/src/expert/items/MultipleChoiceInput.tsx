import { useTranslation } from '../../i18n';
import { localized } from '../../text';
import type { ItemInputProps } from './props';

/** Several options, at most max_choices. */
export function MultipleChoiceInput({ item, value, onChange, lang, legend, previous, disabled }: ItemInputProps) {
  const { t } = useTranslation();
  const chosen = Array.isArray(value) ? value : [];
  const prev = Array.isArray(previous) ? previous : [];
  const max = item.max_choices ?? 0;
  const full = max > 0 && chosen.length >= max;
  const hint = `q-${item.id}-hint`;
  return (
    <fieldset aria-describedby={max > 0 ? hint : undefined}>
      <legend className="q-legend">{legend}</legend>
      {max > 0 && (
        <p id={hint} className="muted small">
          {t('participation.maxChoices', { count: max })}
        </p>
      )}
      <ul className="radio-list choice">
        {(item.options ?? []).map((o) => {
          const id = `q-${item.id}-${o.id}`;
          const on = chosen.includes(o.id);
          return (
            <li key={o.id} className={prev.includes(o.id) ? 'previous' : undefined}>
              <input
                type="checkbox"
                id={id}
                checked={on}
                disabled={disabled || (!on && full)}
                onChange={() => {
                  // Keep the item's option order.
                  const next = (item.options ?? []).map((x) => x.id).filter((x) => (x === o.id ? !on : chosen.includes(x)));
                  onChange(next);
                }}
              />
              <label htmlFor={id}>
                {localized(o.label, lang) || o.id}
                {prev.includes(o.id) && <span className="prev-mark"> ({t('participation.yourPrevious')})</span>}
              </label>
            </li>
          );
        })}
      </ul>
    </fieldset>
  );
}
