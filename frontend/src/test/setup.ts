import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterEach, beforeEach, vi } from 'vitest';
import i18n from '../i18n';

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
