// Every error code and reason the server can return has a text in German
// and in English: they come from the server's own source (the E… and
// Reason… constants of internal/delphi) and the OpenAPI document's enums, so
// a new code or reason on the server fails this test until the UI can say it
// in both languages.
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

/** The string values of the Reason… constants (ReasonDeadlinePast = "deadline_past") in the domain package. */
function goReasons(): string[] {
  const out = new Set<string>();
  const files = readdirSync(delphi).filter((f) => f.endsWith('.go') && !f.endsWith('_test.go'));
  for (const src of files.map((f) => readFileSync(path.join(delphi, f), 'utf8'))) {
    for (const m of src.matchAll(/^\s*Reason[A-Za-z0-9]+\s*=\s*"([a-z0-9_]+)"/gm)) out.add(m[1]!);
  }
  return [...out].sort();
}

const errorProps = (openapi as { components: { schemas: { Error: { properties: { error: { properties: Record<string, { enum?: string[] }> } } } } } })
  .components.schemas.Error.properties.error.properties;
const enumReasons: string[] = errorProps.reason?.enum ?? [];

const enumCodes: string[] = (openapi as { components: { schemas: { Error: { properties: { error: { properties: { code: { enum: string[] } } } } } } } })
  .components.schemas.Error.properties.error.properties.code.enum;

const texts = { de: de.errors.code as Record<string, string>, en: en.errors.code as Record<string, string> };
const reasonTexts = { de: de.errors.reason as Record<string, string>, en: en.errors.reason as Record<string, string> };

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

  it('reads the reason and the params the server sends', async () => {
    const res = new Response(JSON.stringify({ error: { code: 'invalid', message: 'm', field: 'value', reason: 'unknown_group', params: { max: 3, bad: { x: 1 } } } }), {
      status: 422,
      headers: { 'Content-Type': 'application/json' },
    });
    const { send } = await import('.');
    const real = globalThis.fetch;
    globalThis.fetch = async () => res;
    try {
      await expect(send('GET', '/api/v1/x')).rejects.toMatchObject({ code: 'invalid', field: 'value', reason: 'unknown_group', params: { max: 3 } });
    } finally {
      globalThis.fetch = real;
    }
  });
});

describe('error reasons', () => {
  const reasons = [...new Set([...goReasons(), ...enumReasons])].sort();
  // Values for every param a reason's text may take.
  const params = { value: 'fr', allowed: 'de, en', round: 2, fields: 'consensus', max: 3 };

  it('are read from the server’s source and its OpenAPI document', () => {
    expect(goReasons()).toEqual(expect.arrayContaining(['deadline_past', 'bad_email', 'unknown_group', 'unknown_language']));
    expect(enumReasons.sort()).toEqual(goReasons()); // the document lists exactly the reasons of the source
  });

  it.each(['de', 'en'] as const)('each has a text in %s', (lang) => {
    const missing = reasons.filter((r) => !reasonTexts[lang][r]?.trim());
    expect(missing, `reasons without a ${lang} text in src/i18n/${lang}.json errors.reason`).toEqual([]);
  });

  it.each(['de', 'en'] as const)('are shown translated in %s with their params and the field', async (lang) => {
    await i18n.changeLanguage(lang);
    for (const reason of reasons) {
      const text = errorText(new ApiError(422, 'invalid', 'an English server message', 'f', undefined, undefined, params, reason as ApiError['reason']), i18n.t);
      expect(text, reason).not.toContain('English server message');
      expect(text, reason).not.toContain('{{');
      expect(text, reason).toContain(lang === 'de' ? '(Feld: f)' : '(field: f)');
    }
  });

  it('say the server’s cases in German, and fall back to the code for a reason the UI does not know', async () => {
    await i18n.changeLanguage('de');
    const lang = new ApiError(422, 'invalid', 'language "de" is not a language of this study (en)', 'language', undefined, undefined, { value: 'de', allowed: 'en' }, 'unknown_language');
    expect(errorText(lang, i18n.t)).toBe('Die Sprache „de“ gehört nicht zu dieser Studie (möglich: en). (Feld: language)');
    const deadline = new ApiError(422, 'invalid', 'set a deadline in the future before opening round 1', 'deadline', undefined, undefined, undefined, 'deadline_past');
    expect(errorText(deadline, i18n.t, { withField: false })).toBe('Die Frist muss in der Zukunft liegen. Bitte setzen Sie eine spätere Frist.');
    const newer = new ApiError(422, 'invalid', 'x', 'email', undefined, undefined, undefined, 'brand_new_reason' as ApiError['reason']);
    expect(errorText(newer, i18n.t)).toBe('Die Angaben sind nicht gültig. Bitte prüfen Sie sie. (Feld: email)');
  });
});
