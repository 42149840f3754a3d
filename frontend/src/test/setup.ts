import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterEach, beforeEach, vi } from 'vitest';
import de from '../i18n/de.json';
import en from '../i18n/en.json';
import i18n, { addDictionary, type Dictionary } from '../i18n';

// Both dictionaries at once: the app loads each when it is first used.
addDictionary('de', de);
addDictionary('en', en as Dictionary);

// findBy… and waitFor wait for what the test expects to appear, however long
// a loaded machine takes; the limit (testing-library's default is 1 s) is
// only a safety net against a page that never shows it.
configure({ asyncUtilTimeout: 60_000 });

beforeEach(async () => {
  localStorage.clear();
  document.cookie.split(';').forEach((c) => {
    const name = c.split('=')[0]?.trim();
    if (name) document.cookie = `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/`;
  });
  await i18n.changeLanguage('de');
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});
