import { localized } from '../../text';
import { scaleOf } from '../util';
import type { ItemInputProps } from './props';
import { ScaleRadios } from './RatingInput';

/** One rating per criterion (e.g. importance and feasibility). */
export function MultiRatingInput({ item, scales, value, onChange, lang, legend, previous, disabled }: ItemInputProps) {
  const cur = (value && typeof value === 'object' && !Array.isArray(value) ? value : {}) as Record<string, number | string>;
  const prev = (previous && typeof previous === 'object' && !Array.isArray(previous) ? previous : {}) as Record<string, number | string>;
  return (
    <fieldset className="multi-rating">
      <legend className="q-legend">{legend}</legend>
      {(item.criteria ?? []).map((c) => (
        <ScaleRadios
          key={c.id}
          name={`q-${item.id}-${c.id}`}
          scale={scaleOf(scales, c.scale)}
          legend={localized(c.label, lang) || c.id}
          value={cur[c.id]}
          previous={prev[c.id]}
          onChange={(v) => onChange({ ...cur, [c.id]: v })}
          lang={lang}
          disabled={disabled}
          small
        />
      ))}
    </fieldset>
  );
}
