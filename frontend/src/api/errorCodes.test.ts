// Every error code the server can return has a text in German and in
// English: the codes come from the server's own source (the E… constants of
// internal/delphi) and the OpenAPI document's enum, so a new code on the
// server fails this test until the UI can say it in both languages.
/// <reference types="node" />
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApiError } from '.';
import { errorText } from '../components/ErrorAlert';
import de from '../i18n/de.json';
import en from '../i18n/en.json';
import i18n from '../i18n';

const repo = path.resolve(import.meta.dirname, '../../..');
const delphi = path.join(repo, 'internal/delphi');
const openapi: unknown = JSON.parse(readFileSync(path.join(repo, 'internal/httpapi/openapi.json'), 'utf8'));

/** The string values of the E… constants (EINVALID = "invalid") in the domain package. */
function goCodes(): string[] {
  const out = new Set<string>();
  const files = readdirSync(delphi).filter((f) => f.endsWith('.go') && !f.endsWith('_test.go'));
  for (const src of files.map((f) => readFileSync(path.join(delphi, f), 'utf8'))) {
    for (const m of src.matchAll(/^\s*E[A-Z0-9_]+\s*=\s*"([a-z0-9_]+)"/gm)) out.add(m[1]!);
  }
  return [...out].sort();
}

const enumCodes: string[] = (openapi as { components: { schemas: { Error: { properties: { error: { properties: { code: { enum: string[] } } } } } } } })
  .components.schemas.Error.properties.error.properties.code.enum;

const texts = { de: de.errors.code as Record<string, string>, en: en.errors.code as Record<string, string> };

describe('error codes', () => {
  const codes = [...new Set([...goCodes(), ...enumCodes])].sort();

  it('are read from the server’s source and its OpenAPI document', () => {
    expect(goCodes().length).toBeGreaterThanOrEqual(10);
    expect(goCodes()).toContain('invalid');
    expect(enumCodes).toEqual(expect.arrayContaining(goCodes())); // the document lists every code of the source
  });

  it.each(['de', 'en'] as const)('each has a text in %s (and the network failure too)', (lang) => {
    const missing = [...codes, 'network'].filter((c) => !texts[lang][c]?.trim());
    expect(missing, `codes without a ${lang} text in src/i18n/${lang}.json errors.code`).toEqual([]);
  });

  it.each(['de', 'en'] as const)('are shown translated in %s, never as the server’s English message', async (lang) => {
    await i18n.changeLanguage(lang);
    for (const code of codes) {
      const text = errorText(new ApiError(code === 'unavailable' ? 503 : 422, code as ApiError['code'], 'an English server message'), i18n.t);
      expect(text, code).toBe(texts[lang][code]);
    }
  });

  it('names the field, and falls back to the server’s message for a code the UI does not know', async () => {
    expect(errorText(new ApiError(422, 'invalid', 'is not a valid e-mail address', 'email'), i18n.t)).toBe(
      'Die Angaben sind nicht gültig. Bitte prüfen Sie sie. (Feld: email)',
    );
    expect(errorText(new ApiError(422, 'invalid', 'x', 'value'), i18n.t, { withField: false })).toBe('Die Angaben sind nicht gültig. Bitte prüfen Sie sie.');
    expect(errorText(new ApiError(409, 'brand_new_code' as ApiError['code'], 'a message from a newer server'), i18n.t)).toBe('a message from a newer server');
    await i18n.changeLanguage('en');
    expect(errorText(new ApiError(0, 'network', 'Failed to fetch'), i18n.t)).toBe('The server cannot be reached. Please check your connection.');
    expect(errorText(new ApiError(429, 'rate_limited', 'too many', undefined, 30), i18n.t)).toBe('Too many attempts. Please try again in 30 s.');
  });

  it('fills the code’s text with the params the server sends', async () => {
    const res = new Response(JSON.stringify({ error: { code: 'invalid', message: 'm', field: 'value', params: { max: 3, bad: { x: 1 } } } }), {
      status: 422,
      headers: { 'Content-Type': 'application/json' },
    });
    const { send } = await import('.');
    const real = globalThis.fetch;
    globalThis.fetch = async () => res;
    try {
      await expect(send('GET', '/api/v1/x')).rejects.toMatchObject({ code: 'invalid', field: 'value', params: { max: 3 } });
    } finally {
      globalThis.fetch = real;
    }
  });
});
