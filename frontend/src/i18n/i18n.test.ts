import { describe, expect, it } from 'vitest';
import de from './de.json';
import en from './en.json';
import i18n, { LANG_STORAGE_KEY, setLanguage, storedLanguage } from './index';

type Tree = { [k: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
}

const placeholders = (s: string) => [...s.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();

describe('i18n resources', () => {
  const deKeys = flatten(de as Tree);
  const enKeys = flatten(en as Tree);

  it('have the same keys in German and English', () => {
    const onlyDe = [...deKeys.keys()].filter((k) => !enKeys.has(k));
    const onlyEn = [...enKeys.keys()].filter((k) => !deKeys.has(k));
    expect(onlyDe).toEqual([]);
    expect(onlyEn).toEqual([]);
    expect(deKeys.size).toBeGreaterThan(50);
  });

  it('have no empty texts and the same placeholders in both languages', () => {
    for (const [key, text] of deKeys) {
      expect(text.trim(), key).not.toBe('');
      expect(placeholders(enKeys.get(key) ?? ''), key).toEqual(placeholders(text));
    }
  });
});

describe('language choice', () => {
  it('defaults to German and remembers a switch to English', async () => {
    expect(storedLanguage()).toBe('de');
    expect(i18n.t('login.title')).toBe('Anmelden');
    await setLanguage('en');
    expect(localStorage.getItem(LANG_STORAGE_KEY)).toBe('en');
    expect(storedLanguage()).toBe('en');
    expect(document.documentElement.lang).toBe('en');
    expect(i18n.t('login.title')).toBe('Sign in');
  });

  it('does not store a language nobody chose (the start-up default)', async () => {
    localStorage.clear();
    await i18n.changeLanguage('de'); // what init does at start-up
    expect(localStorage.getItem(LANG_STORAGE_KEY)).toBeNull();
    expect(document.documentElement.lang).toBe('de');
  });

  it('ignores unknown stored values', () => {
    expect(storedLanguage({ getItem: () => 'fr' })).toBe('de');
    expect(storedLanguage({ getItem: () => 'en' })).toBe('en');
  });
});
