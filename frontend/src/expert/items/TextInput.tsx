import { useId } from 'react';
import { useTranslation } from '../../i18n';
import type { ItemInputProps } from './props';

/** A free-text answer with a character counter. */
export function TextInput({ item, value, onChange, legend, disabled }: ItemInputProps) {
  const { t } = useTranslation();
  const id = useId();
  const max = item.max_length || 5000;
  const text = typeof value === 'string' ? value : '';
  return (
    <div className="field">
      <label htmlFor={id} className="q-legend">
        {legend}
      </label>
      <textarea
        id={id}
        rows={4}
        maxLength={max}
        value={text}
        onChange={(e) => onChange(e.target.value === '' ? null : e.target.value)}
        aria-describedby={`${id}-count`}
        disabled={disabled}
      />
      <p id={`${id}-count`} className="muted small">
        {t('participation.chars', { count: [...text].length, max })}
      </p>
    </div>
  );
}
