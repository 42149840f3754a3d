// The UI's translations: German by default, English switchable; the choice is
// kept in localStorage so it survives reloads and the next visit.
//
// A small module of our own instead of i18next: the UI needs nested keys,
// {{placeholders}}, plurals (key_one / key_other) and a language switch, and
// i18next with react-i18next weighed 16 kB gzipped in the entry (the entry's
// budget is 100 kB, see tools/bundle-size.mjs). Each language's dictionary is a chunk of its
// own, loaded when the language is first used (loadLanguage).
import { useMemo, useSyncExternalStore } from 'react';
import type de from './de.json';

export const LANGUAGES = ['de', 'en'] as const;
export type Lang = (typeof LANGUAGES)[number];
export const DEFAULT_LANG: Lang = 'de';
export const LANG_STORAGE_KEY = 'er_lang';

/** A dictionary: the shape of de.json (en.json has the same keys, checked by i18n.test.ts). */
export type Dictionary = typeof de;

type PluralSuffix = '_one' | '_other';
type StripPlural<K extends string> = K extends `${infer B}${PluralSuffix}` ? B | K : K;
type Leaves<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${P}${StripPlural<K>}` : Leaves<T[K], `${P}${K}.`>;
}[keyof T & string];

/** Every key of the dictionaries, e.g. "login.title"; a plural's base ("feedback.answers") too. */
export type TKey = Leaves<Dictionary>;
export type TOptions = { count?: number; defaultValue?: string } & Record<string, unknown>;
/** Translates a key: a misspelt key fails `tsc -b`. */
export type TFunction = (key: TKey, options?: TOptions) => string;

const loaders: Record<Lang, () => Promise<{ default: Dictionary }>> = {
  de: () => import('./de.json'),
  en: () => import('./en.json') as Promise<{ default: Dictionary }>,
};
const dictionaries: Partial<Record<Lang, Dictionary>> = {};
const loading: Partial<Record<Lang, Promise<Dictionary>>> = {};

let current: Lang = DEFAULT_LANG;
const listeners = new Set<() => void>();

export function isLang(v: unknown): v is Lang {
  return typeof v === 'string' && (LANGUAGES as readonly string[]).includes(v);
}

/** Makes a dictionary available without loading it (the tests register both). */
export function addDictionary(lang: Lang, dict: Dictionary): void {
  dictionaries[lang] = dict;
}

/** Loads a language's dictionary (once). */
export function loadLanguage(lang: Lang): Promise<Dictionary> {
  const have = dictionaries[lang];
  if (have) return Promise.resolve(have);
  return (loading[lang] ??= loaders[lang]().then(
    (m) => (dictionaries[lang] = m.default),
    (err: unknown) => {
      delete loading[lang];
      throw err;
    },
  ));
}

/** The dictionary of a language that has been loaded, or undefined. */
export function dictionary(lang: Lang): Dictionary | undefined {
  return dictionaries[lang];
}

function lookup(dict: Dictionary | undefined, key: string): unknown {
  let node: unknown = dict;
  for (const part of key.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

const pluralRules: Partial<Record<Lang, Intl.PluralRules>> = {};

function fill(template: string, vars: Record<string, unknown>): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

/** Translates key in lang: the plural form for a count, then the placeholders; the key itself when missing. */
export function translate(lang: Lang, key: string, options: TOptions = {}): string {
  const dict = dictionaries[lang] ?? dictionaries[DEFAULT_LANG];
  let text: unknown;
  if (typeof options.count === 'number') {
    const rules = (pluralRules[lang] ??= new Intl.PluralRules(lang));
    text = lookup(dict, `${key}_${rules.select(options.count)}`) ?? lookup(dict, `${key}_other`);
  }
  if (typeof text !== 'string') text = lookup(dict, key);
  if (typeof text !== 'string') text = options.defaultValue ?? key;
  return fill(text as string, options);
}

/** Whether a key has a text in lang's dictionary (e.g. for an error code the UI may not know). */
export function hasKey(lang: Lang, key: string): boolean {
  const dict = dictionaries[lang] ?? dictionaries[DEFAULT_LANG];
  return typeof lookup(dict, key) === 'string' || typeof lookup(dict, `${key}_other`) === 'string';
}

function emit() {
  if (typeof document !== 'undefined') document.documentElement.lang = current;
  for (const l of listeners) l();
}

/** Switches to lang once its dictionary is loaded (the choice is not stored; see setLanguage). */
export async function changeLanguage(lang: Lang): Promise<void> {
  await loadLanguage(lang);
  current = lang;
  emit();
}

function subscribe(fn: () => void) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

const getLanguage = () => current;

/** The i18next-like object some callers hold. */
const i18n = {
  get language(): Lang {
    return current;
  },
  get resolvedLanguage(): Lang {
    return current;
  },
  changeLanguage,
  t: ((key, options) => translate(current, key, options)) as TFunction,
};
export default i18n;

/** The current language and its t(); re-renders when the language changes. */
export function useTranslation() {
  const lang = useSyncExternalStore(subscribe, getLanguage, getLanguage);
  return useMemo(() => {
    const t: TFunction = (key, options) => translate(lang, key, options);
    return { t, i18n: { language: lang, resolvedLanguage: lang, changeLanguage } };
  }, [lang]);
}

/** The remembered UI language, or German. */
export function storedLanguage(storage: Pick<Storage, 'getItem'> | undefined = safeStorage()): Lang {
  try {
    const v = storage?.getItem(LANG_STORAGE_KEY);
    return isLang(v) ? v : DEFAULT_LANG;
  } catch {
    return DEFAULT_LANG;
  }
}

function safeStorage(): Storage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined; // storage disabled by the browser
  }
}

/**
 * Switches the UI language and remembers it. Only a choice is stored: the
 * German default at start-up is not, so that an expert's page can still
 * follow the expert's language on a browser that never chose one.
 */
export async function setLanguage(lang: Lang): Promise<void> {
  await changeLanguage(lang);
  try {
    safeStorage()?.setItem(LANG_STORAGE_KEY, lang);
  } catch {
    // Not remembered when storage is unavailable; the switch still works.
  }
}

/** Start-up: the remembered language's dictionary, before the first render. */
export async function initLanguage(): Promise<void> {
  const lang = storedLanguage();
  try {
    await changeLanguage(lang);
  } catch {
    if (lang !== DEFAULT_LANG) await changeLanguage(DEFAULT_LANG);
    else throw new Error('the UI texts could not be loaded');
  }
}
