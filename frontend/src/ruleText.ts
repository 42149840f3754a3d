// ruleText states a consensus rule in words, e.g.
// "Konsens, wenn mindestens 75 % der gültigen Antworten im Zustimmungsbereich
// der Skala liegen und der Interquartilsabstand (IQR) höchstens 1 beträgt."
// It is a pure function of the rule and the language; the phrases live in the
// i18n resource files under "rule".
import de from './i18n/de.json';
import en from './i18n/en.json';
import type { Rule } from './api/types';

type Phrases = typeof de.rule;
const PHRASES: Record<'de' | 'en', Phrases> = { de: de.rule, en: en.rule };

function fill(template: string, vars: Record<string, string>): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (m, name: string) => vars[name] ?? m);
}

function num(lang: string, v: number): string {
  return new Intl.NumberFormat(lang, { maximumFractionDigits: 3 }).format(v);
}

function percent(lang: string, v: number): string {
  return new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 2 }).format(v / 100);
}

function isCompound(r: Rule): boolean {
  return (r.all?.length ?? 0) > 1 || (r.any?.length ?? 0) > 1;
}

/** The condition of one rule as a clause, without the "Consensus when" frame. */
function clause(rule: Rule, lang: 'de' | 'en', nested: boolean): string {
  const p = PHRASES[lang];
  let s: string;
  if (rule.all && rule.all.length > 0) {
    s = join(rule.all, p.and, lang);
  } else if (rule.any && rule.any.length > 0) {
    s = join(rule.any, p.or, lang);
  } else if (rule.agreement) {
    s = fill(p.agreement, { percent: percent(lang, rule.agreement.min_percent) });
  } else if (rule.iqr) {
    s = fill(p.iqr, { max: num(lang, rule.iqr.max) });
  } else if (rule.sd) {
    s = fill(p.sd, { max: num(lang, rule.sd.max) });
  } else if (rule.cv) {
    s = fill(p.cv, { max: num(lang, rule.cv.max) });
  } else if (rule.comet) {
    const c = rule.comet;
    s = fill(p.comet, {
      percent: percent(lang, c.min_percent),
      opposite: percent(lang, c.max_opposite_percent),
      inMin: num(lang, c.in_band.min),
      inMax: num(lang, c.in_band.max),
      outMin: num(lang, c.out_band.min),
      outMax: num(lang, c.out_band.max),
    });
  } else {
    s = '';
  }
  if (nested && rule.min_n) s += ` (${fill(p.minNInline, { n: num(lang, rule.min_n) })})`;
  return s;
}

function join(rules: Rule[], conj: string, lang: 'de' | 'en'): string {
  const parts = rules.map((r) => {
    const c = clause(r, lang, true);
    return isCompound(r) ? `(${c})` : c;
  });
  return parts.filter((x) => x !== '').join(` ${conj} `);
}

/** States the consensus rule in German ("de") or English ("en"). */
export function ruleText(rule: Rule | null | undefined, lang: string): string {
  const l = lang.toLowerCase().startsWith('en') ? 'en' : 'de';
  const p = PHRASES[l];
  const condition = rule ? clause(rule, l, false) : '';
  if (!condition) return p.none;
  let s = fill(p.sentence, { condition });
  if (rule?.min_n) s += ' ' + fill(p.minNSentence, { n: num(l, rule.min_n) });
  return s;
}
