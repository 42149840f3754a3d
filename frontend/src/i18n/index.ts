// i18next setup: German by default, English switchable; the choice is kept in
// localStorage so it survives reloads and the next visit.
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import de from './de.json';
import en from './en.json';

export const LANGUAGES = ['de', 'en'] as const;
export type Lang = (typeof LANGUAGES)[number];
export const DEFAULT_LANG: Lang = 'de';
export const LANG_STORAGE_KEY = 'er_lang';

export const resources = {
  de: { translation: de },
  en: { translation: en },
} as const;

function isLang(v: unknown): v is Lang {
  return typeof v === 'string' && (LANGUAGES as readonly string[]).includes(v);
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
  await i18n.changeLanguage(lang);
  try {
    safeStorage()?.setItem(LANG_STORAGE_KEY, lang);
  } catch {
    // Not remembered when storage is unavailable; the switch still works.
  }
}

i18n.on('languageChanged', (lng) => {
  if (isLang(lng) && typeof document !== 'undefined') document.documentElement.lang = lng;
});

void i18n.use(initReactI18next).init({
  resources,
  lng: storedLanguage(),
  fallbackLng: DEFAULT_LANG,
  supportedLngs: [...LANGUAGES],
  interpolation: { escapeValue: false }, // React escapes text itself
  returnNull: false,
  initAsync: false,
  showSupportNotice: false, // no console advertisement
});

if (typeof document !== 'undefined') document.documentElement.lang = i18n.language;

export default i18n;
