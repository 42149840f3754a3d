import { describe, expect, it } from 'vitest';
import { api, ApiError, parseRetryAfter, readCookie, request } from './api';
import { mockFetch } from './test/utils';

describe('api client', () => {
  it('sends same-origin credentials and no CSRF header on GET', async () => {
    document.cookie = 'er_csrf=tok123; path=/';
    const calls = mockFetch({ 'GET /api/v1/me': { body: { id: 'u1' } } });
    await api.me();
    expect(calls).toHaveLength(1);
    expect(calls[0]?.init.credentials).toBe('same-origin');
    expect((calls[0]?.init.headers as Record<string, string>)['X-CSRF-Token']).toBeUndefined();
  });

  it('echoes the er_csrf cookie in X-CSRF-Token on POST', async () => {
    document.cookie = 'other=1; path=/';
    document.cookie = 'er_csrf=a%2Fb%3D; path=/';
    expect(readCookie('er_csrf')).toBe('a/b=');
    const calls = mockFetch({ 'POST /api/v1/auth/logout': { status: 204 } });
    await expect(api.logout()).resolves.toBeUndefined();
    const headers = calls[0]?.init.headers as Record<string, string>;
    expect(headers['X-CSRF-Token']).toBe('a/b=');
    expect(calls[0]?.init.credentials).toBe('same-origin');
  });

  it('parses error bodies into ApiError with code, message and field', async () => {
    mockFetch({
      'POST /api/v1/auth/login': {
        status: 422,
        body: { error: { code: 'invalid', message: 'e-mail is malformed', field: 'email' } },
      },
    });
    const err = await api.login('x', 'y').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 422, code: 'invalid', message: 'e-mail is malformed', field: 'email' });
  });

  it('reads Retry-After on 429 and falls back to a status code for non-JSON errors', async () => {
    mockFetch({
      'POST /api/v1/auth/login': {
        status: 429,
        headers: { 'Retry-After': '42' },
        body: { error: { code: 'rate_limited', message: 'too many attempts' } },
      },
      'GET /api/v1/surveys': () => ({ status: 502 }),
    });
    await expect(api.login('a@b.c', 'pw')).rejects.toMatchObject({ status: 429, code: 'rate_limited', retryAfter: 42 });
    await expect(request('GET', '/api/v1/surveys')).rejects.toMatchObject({ status: 502, code: 'internal' });
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-11-26T10:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7);
    expect(parseRetryAfter('Thu, 26 Nov 2026 10:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
