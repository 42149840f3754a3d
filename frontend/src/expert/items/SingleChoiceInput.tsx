import { useTranslation } from '../../i18n';
import { localized } from '../../text';
import type { ItemInputProps } from './props';

/** Exactly one option. */
export function SingleChoiceInput({ item, value, onChange, lang, legend, previous, disabled }: ItemInputProps) {
  const { t } = useTranslation();
  return (
    <fieldset>
      <legend className="q-legend">{legend}</legend>
      <ul className="radio-list choice">
        {(item.options ?? []).map((o) => {
          const id = `q-${item.id}-${o.id}`;
          return (
            <li key={o.id} className={previous === o.id ? 'previous' : undefined}>
              <input type="radio" id={id} name={`q-${item.id}`} checked={value === o.id} onChange={() => onChange(o.id)} disabled={disabled} />
              <label htmlFor={id}>
                {localized(o.label, lang) || o.id}
                {previous === o.id && <span className="prev-mark"> ({t('participation.yourPrevious')})</span>}
              </label>
            </li>
          );
        })}
      </ul>
    </fieldset>
  );
}
