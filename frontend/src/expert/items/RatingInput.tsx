import { useTranslation } from '../../i18n';
import { localized } from '../../text';
import type { Scale } from '../../api/types';
import { ABSTAIN, scaleOf } from '../util';
import type { ItemInputProps } from './props';

interface ScaleRadiosProps {
  name: string;
  scale: Scale | undefined;
  legend: string;
  value: number | string | undefined;
  previous: number | string | undefined;
  onChange: (v: number | string) => void;
  lang: string;
  disabled?: boolean | undefined;
  small?: boolean;
}

/** One radio group over a scale's points (and its "cannot judge" option). */
export function ScaleRadios({ name, scale, legend, value, previous, onChange, lang, disabled, small }: ScaleRadiosProps) {
  const { t } = useTranslation();
  const points = scale?.points ?? [];
  const option = (v: number | string, label: string) => {
    const id = `${name}-${v}`;
    const isPrev = previous !== undefined && previous === v;
    const prevMark = ` (${t('participation.yourPrevious')})`;
    // A point without a label is its number: named so, not "4 " with an empty text.
    const unlabelled = typeof v === 'number' && label === '';
    return (
      <li key={String(v)} className={isPrev ? 'previous' : undefined}>
        <input
          type="radio"
          id={id}
          name={name}
          value={String(v)}
          checked={value === v}
          onChange={() => onChange(v)}
          disabled={disabled}
          aria-label={unlabelled ? String(v) + (isPrev ? prevMark : '') : undefined}
        />
        <label htmlFor={id} className={unlabelled ? 'unlabelled' : undefined}>
          {typeof v === 'number' && <span className="point">{v}</span>}
          {!unlabelled && typeof v === 'number' && ' '}
          {!unlabelled && <span className="point-label">{label}</span>}
          {isPrev && <span className="prev-mark">{prevMark}</span>}
        </label>
      </li>
    );
  };
  return (
    <fieldset className={small ? 'scale-radios criterion' : 'scale-radios'}>
      <legend className={small ? undefined : 'q-legend'}>{legend}</legend>
      <ul className="radio-list">
        {points.map((p) => option(p.value, localized(p.label, lang)))}
        {scale?.abstain && option(ABSTAIN, localized(scale.abstain.label, lang))}
      </ul>
    </fieldset>
  );
}

/** A rating on one scale. */
export function RatingInput({ item, scales, value, onChange, lang, legend, previous, disabled }: ItemInputProps) {
  return (
    <ScaleRadios
      name={`q-${item.id}`}
      scale={scaleOf(scales, item.scale)}
      legend={legend}
      value={value as number | string | undefined}
      previous={previous as number | string | undefined}
      onChange={onChange}
      lang={lang}
      disabled={disabled}
    />
  );
}
