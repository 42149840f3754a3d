import { useEffect, useId, useState } from 'react';
import { useTranslation } from '../../i18n';
import { formatNumber } from '../../format';
import { localized } from '../../text';
import type { ItemInputProps } from './props';

/** Parses "1.234,5" (German) or "1,234.5" / "1234.5" (English); NaN if it is no number. */
export function parseLocaleNumber(s: string, lang: string): number {
  let t = s.trim().replace(/\s/g, '');
  if (t === '') return NaN;
  if (lang === 'de') t = t.replace(/\./g, '').replace(',', '.');
  else t = t.replace(/,/g, '');
  if (!/^[-+]?\d*\.?\d+(e[-+]?\d+)?$/i.test(t)) return NaN;
  return Number(t);
}

/** A number estimate with unit and bounds; invalid input is not saved. */
export function NumericInput({ item, value, onChange, lang, legend, previous, disabled }: ItemInputProps) {
  const { t } = useTranslation();
  const id = useId();
  const n = item.numeric ?? {};
  const unit = localized(n.unit, lang);
  const show = (v: unknown) => (typeof v === 'number' ? formatNumber(v, lang).replace(/\u202f|\u00a0/g, '') : '');
  const [text, setText] = useState(show(value));
  const [error, setError] = useState('');
  useEffect(() => {
    // Follow outside changes (e.g. "keep my answer"), not our own typing.
    if (typeof value === 'number' && parseLocaleNumber(text, lang) !== value) setText(show(value));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [value]);

  function change(s: string) {
    setText(s);
    if (s.trim() === '') {
      setError('');
      onChange(null);
      return;
    }
    const v = parseLocaleNumber(s, lang);
    let err = '';
    if (Number.isNaN(v)) err = t('participation.numberInvalid');
    else if (n.integer && !Number.isInteger(v)) err = t('participation.numberWhole');
    else if (n.min != null && v < n.min) err = t('participation.numberMin', { min: formatNumber(n.min, lang) });
    else if (n.max != null && v > n.max) err = t('participation.numberMax', { max: formatNumber(n.max, lang) });
    setError(err);
    if (!err) onChange(v);
  }

  const hint = [
    n.min != null ? t('participation.numberMin', { min: formatNumber(n.min, lang) }) : '',
    n.max != null ? t('participation.numberMax', { max: formatNumber(n.max, lang) }) : '',
  ]
    .filter(Boolean)
    .join(' · ');
  return (
    <div className="field numeric">
      <label htmlFor={id} className="q-legend">
        {legend}
      </label>
      <div className="numeric-row">
        <input
          id={id}
          type="text"
          inputMode={n.integer ? 'numeric' : 'decimal'}
          value={text}
          onChange={(e) => change(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={`${id}-hint ${id}-err`}
          disabled={disabled}
        />
        {unit && <span className="unit">{unit}</span>}
      </div>
      <p id={`${id}-hint`} className="muted small">
        {hint}
        {typeof previous === 'number' && ` ${t('participation.previousValue', { value: show(previous) })}`}
      </p>
      <p id={`${id}-err`} className="field-error" role={error ? 'alert' : undefined}>
        {error}
      </p>
    </div>
  );
}
