import type { TFunction } from './i18n';

/** A date-time in the UI language, e.g. "26.11.2026, 09:30". */
export function formatDateTime(iso: string | undefined, lang: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** A number in the UI language (decimal comma in German). */
export function formatNumber(v: number, lang: string): string {
  return new Intl.NumberFormat(lang, { maximumFractionDigits: 6 }).format(v);
}

/**
 * Translates a key built from a server value, e.g. "status." + "active";
 * falls back to the raw value for values the UI does not know yet.
 */
export function label(t: TFunction, prefix: string, value: string): string {
  const key = `${prefix}.${value}`;
  const s = (t as unknown as (k: string, o: { defaultValue: string }) => string)(key, { defaultValue: value });
  return s;
}
