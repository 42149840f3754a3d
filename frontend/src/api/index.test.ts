import { describe, expect, it, vi } from 'vitest';
import { api, ApiError, isAbort, parseRetryAfter, readCookie, request, retryUnavailable } from '.';
import { panelApi } from '../panel/api';
import { mockFetch } from '../test/utils';

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

  it('keeps the item of an answer’s error beside its field', async () => {
    mockFetch({
      'POST /api/v1/auth/login': {
        status: 422,
        body: { error: { code: 'invalid', message: '7 is not a point of the scale', field: 'value', item: 'T03' } },
      },
    });
    const err = await api.login('x', 'y').catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 422, field: 'value', item: 'T03' });
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

  it('keeps Retry-After and the details of errors of uploads and mail sends too', async () => {
    document.cookie = 'er_csrf=c1; path=/';
    const calls = mockFetch({
      'POST /api/v1/surveys/s1/experts/import?dry_run=true&skip_invalid=false': {
        status: 422,
        body: { error: { code: 'invalid', message: '2 rows are invalid', field: 'file', details: [{ field: 'email', line: 3, message: 'bad e-mail' }] } },
      },
      'POST /api/v1/surveys/s1/rounds/1/invitations': {
        status: 429,
        headers: { 'Retry-After': '30' },
        body: { error: { code: 'rate_limited', message: 'slow down' } },
      },
    });
    const file = new File(['email\n'], 'panel.csv', { type: 'text/csv' });
    await expect(panelApi.importFile('s1', file, true, false)).rejects.toMatchObject({
      status: 422,
      code: 'invalid',
      field: 'file',
      details: [{ field: 'email', line: 3, message: 'bad e-mail' }],
    });
    await expect(panelApi.send('s1', 1, 'invitations', { keep_links: true }, 'k1')).rejects.toMatchObject({
      status: 429,
      code: 'rate_limited',
      retryAfter: 30,
    });
    const send = calls[1]!;
    const headers = send.init.headers as Record<string, string>;
    expect(headers['Idempotency-Key']).toBe('k1');
    expect(headers['X-CSRF-Token']).toBe('c1');
    expect(send.body).toEqual({ keep_links: true });
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-11-26T10:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7);
    expect(parseRetryAfter('Thu, 26 Nov 2026 10:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe('retryUnavailable', () => {
  const busy = { status: 503, headers: { 'Retry-After': '3' }, body: { error: { code: 'unavailable', message: 'busy' } } };

  it('calls again after Retry-After (and a random part of it) while the server answers 503 unavailable', async () => {
    vi.useFakeTimers();
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.5); // 3 s + 0.75 s
    try {
      let n = 0;
      const calls = mockFetch({ 'GET /api/v1/participation': () => (++n < 3 ? busy : { body: { ok: n } }) });
      const got = retryUnavailable(() => request<{ ok: number }>('GET', '/api/v1/participation'));
      await vi.advanceTimersByTimeAsync(3749);
      expect(calls).toHaveLength(1); // waits at least the 3 s the server asked for
      await vi.advanceTimersByTimeAsync(1);
      expect(calls).toHaveLength(2);
      await vi.advanceTimersByTimeAsync(3750);
      await expect(got).resolves.toEqual({ ok: 3 });
      expect(calls).toHaveLength(3);
    } finally {
      random.mockRestore();
      vi.useRealTimers();
    }
  });

  it('gives up after the last try, and throws other errors at once', async () => {
    vi.useFakeTimers();
    try {
      const calls = mockFetch({ 'GET /a': busy, 'GET /b': { status: 503, body: { error: { code: 'internal', message: 'x' } } } });
      const a = retryUnavailable(() => request('GET', '/a'), undefined, 2).catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(4500); // the longest wait: 3 s and half of it
      expect(await a).toMatchObject({ status: 503, code: 'unavailable' });
      expect(calls).toHaveLength(2);
      await expect(retryUnavailable(() => request('GET', '/b'))).rejects.toMatchObject({ code: 'internal' });
      expect(calls).toHaveLength(3);
    } finally {
      vi.useRealTimers();
    }
  });

  it('stops waiting when the signal aborts', async () => {
    vi.useFakeTimers();
    try {
      const calls = mockFetch({ 'GET /a': busy });
      const ctl = new AbortController();
      const p = retryUnavailable(() => request('GET', '/a', { signal: ctl.signal }), ctl.signal).catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(1000);
      ctl.abort();
      const err = await p;
      expect(isAbort(err)).toBe(true);
      expect(calls).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
