import type { Text } from './api/types';

/**
 * Returns the text in lang, falling back to German, then English, then any
 * language (the same order as the server's Text.Get).
 */
export function localized(t: Text | null | undefined, lang: string): string {
  const l = localizedLang(t, lang);
  return (l && t?.[l]) || '';
}

/**
 * The language of the text localized() returns: lang, or the one it falls
 * back to (for a lang attribute, so that the text hyphenates by its rules).
 */
export function localizedLang(t: Text | null | undefined, lang: string): string | undefined {
  if (!t) return undefined;
  if (t[lang]) return lang;
  for (const l of ['de', 'en']) {
    if (t[l]) return l;
  }
  return Object.keys(t).find((l) => t[l]);
}

/** The UI language code ("de" or "en") for an i18next language like "en-US". */
export function baseLang(lng: string | undefined): 'de' | 'en' {
  return lng?.toLowerCase().startsWith('en') ? 'en' : 'de';
}
