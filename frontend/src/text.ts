import type { Text } from './api/types';

/**
 * Returns the text in lang, falling back to German, then English, then any
 * language (the same order as the server's Text.Get).
 */
export function localized(t: Text | null | undefined, lang: string): string {
  if (!t) return '';
  const direct = t[lang];
  if (direct) return direct;
  for (const l of ['de', 'en']) {
    const s = t[l];
    if (s) return s;
  }
  for (const s of Object.values(t)) {
    if (s) return s;
  }
  return '';
}

/** The UI language code ("de" or "en") for an i18next language like "en-US". */
export function baseLang(lng: string | undefined): 'de' | 'en' {
  return lng?.toLowerCase().startsWith('en') ? 'en' : 'de';
}
