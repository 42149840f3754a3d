// Helpers of the expert questionnaire: empty values and display texts.
// Whether an answer needs a justification is the server's to say (an
// answer's needs_justification).
import { formatNumber } from '../format';
import { localized } from '../text';
import type { AnswerValue, Item, Scale } from '../api/types';
import { readRanking } from './items/tiedRanking';

export const ABSTAIN = 'abstain';

/** Whether a value holds no answer (the server's Value.Empty). */
export function isEmptyValue(v: AnswerValue | undefined): boolean {
  if (v === null || v === undefined || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}

/** Whether an answer is complete enough to count as answered. */
export function isComplete(item: Item, v: AnswerValue | undefined): boolean {
  if (isEmptyValue(v)) return false;
  if (item.type === 'multi_rating') {
    const m = v as Record<string, unknown>;
    return (item.criteria ?? []).every((c) => m[c.id] !== undefined && m[c.id] !== null);
  }
  if (item.type === 'ranking') {
    // Every place filled: the top k, or all options without top_k (the server's rule).
    const n = item.options?.length ?? 0;
    const k = item.top_k && item.top_k > 0 && item.top_k < n ? item.top_k : n;
    return readRanking(v).order.length === k; // a list, or {order, places} with ties
  }
  return true;
}

export function scaleOf(scales: Scale[] | null | undefined, id: string | undefined): Scale | undefined {
  return (scales ?? []).find((s) => s.id === id);
}

/** A rating value in words: "4 – eher wichtig", or the abstain label. */
export function ratingText(v: number | string | undefined, scale: Scale | undefined, lang: string): string {
  if (v === undefined) return '';
  if (v === ABSTAIN) return localized(scale?.abstain?.label, lang) || ABSTAIN;
  const p = scale?.points.find((x) => x.value === v);
  const label = localized(p?.label, lang);
  return label ? `${v} – ${label}` : String(v);
}

function optionLabel(item: Item, id: string, lang: string): string {
  return localized(item.options?.find((o) => o.id === id)?.label, lang) || id;
}

/** An answer in words, for the "your previous answer" line and summaries. */
export function valueText(item: Item, v: AnswerValue | undefined, scales: Scale[] | null, lang: string): string {
  if (isEmptyValue(v)) return '';
  switch (item.type) {
    case 'rating':
      return ratingText(v as number | string, scaleOf(scales, item.scale), lang);
    case 'multi_rating': {
      const m = v as Record<string, number | string>;
      return (item.criteria ?? [])
        .filter((c) => m[c.id] !== undefined)
        .map((c) => `${localized(c.label, lang)}: ${ratingText(m[c.id], scaleOf(scales, c.scale), lang)}`)
        .join('; ');
    }
    case 'single_choice':
      return optionLabel(item, v as string, lang);
    case 'multiple_choice':
      return (v as string[]).map((id) => optionLabel(item, id, lang)).join(', ');
    case 'ranking': {
      const r = readRanking(v); // tied options share their place: "1. A, 1. B, 3. C"
      return r.order.map((id, i) => `${r.places[i] ?? i + 1}. ${optionLabel(item, id, lang)}`).join(', ');
    }
    case 'numeric': {
      const unit = localized(item.numeric?.unit, lang);
      return `${formatNumber(v as number, lang)}${unit ? ' ' + unit : ''}`;
    }
    default:
      return String(v);
  }
}
