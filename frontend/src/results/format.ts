// Display rounding for results, the same rule as internal/stats
// (FormatHalfUp, PercentDisplay): round half away from zero on the shortest
// decimal that prints the number, so 81.25 shows as 81.3 (binary rounding
// would give 81.2). German output uses a decimal comma.
import type { Num } from '../api/types';

/** The plain decimal digits of |x| (no exponent) and the position of the point. */
function decimalDigits(x: number): { digits: string; point: number } {
  const s = Math.abs(x).toString(); // shortest round-trip form, like Go's 'g', -1
  const [mant = '0', expPart] = s.toLowerCase().split('e');
  const exp = expPart ? Number(expPart) : 0;
  const [int = '0', frac = ''] = mant.split('.');
  return { digits: int + frac, point: int.length + exp };
}

/**
 * Formats x with exactly `decimals` places, rounded half away from zero on
 * its shortest decimal form, with '.' and never "-0"; '' for NaN and ±Inf.
 */
export function formatHalfUp(x: number, decimals: number): string {
  if (!Number.isFinite(x)) return '';
  const d = Math.max(0, Math.trunc(decimals));
  let { digits, point } = decimalDigits(x);
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  const keep = point + d; // digits kept
  if (digits.length < keep) digits = digits.padEnd(keep, '0');
  let kept = digits.slice(0, keep);
  const next = digits.charCodeAt(keep) - 48; // NaN when there is none
  if (next >= 5) {
    // Add one unit in the last kept place.
    const arr = kept.split('').map(Number);
    let i = arr.length - 1;
    for (; i >= 0; i--) {
      if (arr[i]! < 9) {
        arr[i]!++;
        break;
      }
      arr[i] = 0;
    }
    kept = (i < 0 ? '1' : '') + arr.join('');
    if (i < 0) point++;
  }
  const intPart = kept.slice(0, kept.length - d).replace(/^0+(?=\d)/, '') || '0';
  const fracPart = kept.slice(kept.length - d);
  const out = d > 0 ? `${intPart}.${fracPart}` : intPart;
  const zero = /^[0.]*$/.test(out);
  return x < 0 && !zero ? `-${out}` : out;
}

/** 100·num/den rounded half up on the exact fraction: (39, 48, 1) → "81.3"; '' when den is 0. */
export function percentDisplay(num: number, den: number, decimals: number): string {
  if (den === 0) return '';
  const d = Math.max(0, Math.trunc(decimals));
  const scale = 10n ** BigInt(d);
  let n = 100n * BigInt(num) * scale;
  let m = BigInt(den);
  if (m < 0n) {
    m = -m;
    n = -n;
  }
  const neg = n < 0n;
  const a = neg ? -n : n;
  const q = (2n * a + m) / (2n * m); // half away from zero
  const s = q.toString().padStart(d + 1, '0');
  const out = d > 0 ? `${s.slice(0, s.length - d)}.${s.slice(s.length - d)}` : s;
  return neg && q !== 0n ? `-${out}` : out;
}

/** Puts a decimal string into the UI language: a comma in German. */
export function localizeDecimal(s: string, lang: string): string {
  return lang.startsWith('de') ? s.replace('.', ',') : s;
}

/**
 * A statistic for display: half-up to `decimals` places, trailing zeros
 * dropped (4 → "4", 3.25 → "3,25"), localised; "–" when undefined.
 */
export function fmtStat(x: Num | undefined, lang: string, decimals = 2): string {
  if (x == null || !Number.isFinite(x)) return '–';
  let s = formatHalfUp(x, decimals);
  if (s.includes('.')) s = s.replace(/\.?0+$/, '');
  return localizeDecimal(s, lang);
}

/** A value that is already a percentage (0–100), e.g. agreement: "81,3 %" / "81.3%". */
export function fmtPercent(x: Num | undefined, lang: string, decimals = 1): string {
  if (x == null || !Number.isFinite(x)) return '–';
  return withPercent(localizeDecimal(formatHalfUp(x, decimals), lang), lang);
}

/** A share (0–1) as a percentage: 0.8125 → "81,3 %". */
export function fmtShare(x: Num | undefined, lang: string, decimals = 1): string {
  if (x == null || !Number.isFinite(x)) return '–';
  // Scale on the decimal string, not in binary: 0.8125 × 100 stays 81.25.
  const { digits, point } = decimalDigits(x);
  const shifted = Number(`${x < 0 ? '-' : ''}0.${digits}e${point + 2}`);
  return fmtPercent(shifted, lang, decimals);
}

/** An exact count ratio as a percentage: (39, 48) → "81,3 %"; "–" when den is 0. */
export function fmtRatio(num: number, den: number, lang: string, decimals = 1): string {
  const s = percentDisplay(num, den, decimals);
  return s ? withPercent(localizeDecimal(s, lang), lang) : '–';
}

function withPercent(s: string, lang: string): string {
  return lang.startsWith('de') ? `${s} %` : `${s}%`;
}

/** A p-value: three places, "< 0,001" below that. */
export function fmtP(p: Num | undefined, lang: string): string {
  if (p == null || !Number.isFinite(p)) return '–';
  if (p < 0.001) return `< ${localizeDecimal('0.001', lang)}`;
  return localizeDecimal(formatHalfUp(p, 3), lang);
}

/** A p-value with its relation for running text: "= 0,039" or "< 0,001". */
export function fmtPRel(p: Num | undefined, lang: string): string {
  const s = fmtP(p, lang);
  return s.startsWith('<') || s === '–' ? s : `= ${s}`;
}
