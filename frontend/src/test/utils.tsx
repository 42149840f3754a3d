// Test helpers: a fetch fake at the network boundary, and the app's routes in
// a memory router.
import { render } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { vi } from 'vitest';
import type { User } from '../api/types';
import { routes } from '../routes';

export interface FakeResponse {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = FakeResponse | ((req: { url: string; init: RequestInit; body: unknown }) => FakeResponse);

export interface Call {
  method: string;
  url: string;
  init: RequestInit;
  body: unknown;
}

/**
 * Replaces global fetch with a fake answering "METHOD /path" from handlers;
 * unknown requests get a JSON 404. Returns the recorded calls.
 */
export function mockFetch(handlers: Record<string, Handler>): Call[] {
  const calls: Call[] = [];
  const fake = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = (init.method ?? 'GET').toUpperCase();
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    calls.push({ method, url, init, body });
    const h = handlers[`${method} ${url}`];
    const r: FakeResponse = h
      ? typeof h === 'function'
        ? h({ url, init, body })
        : h
      : { status: 404, body: { error: { code: 'not_found', message: 'no such route' } } };
    const status = r.status ?? 200;
    const payload = r.body === undefined || status === 204 ? null : JSON.stringify(r.body);
    return new Response(payload, {
      status,
      headers: { ...(payload ? { 'Content-Type': 'application/json' } : {}), ...r.headers },
    });
  });
  vi.stubGlobal('fetch', fake);
  return calls;
}

export function renderAt(path: string) {
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  const view = render(<RouterProvider router={router} />);
  return { router, ...view };
}

export const adminUser: User = {
  id: 'u1',
  email: 'admin@example.org',
  name: 'Admin',
  role: 'admin',
  survey_ids: [],
  created_at: '2026-11-01T08:00:00Z',
  updated_at: '2026-11-01T08:00:00Z',
};

export const unauthorized: FakeResponse = {
  status: 401,
  body: { error: { code: 'unauthorized', message: 'not logged in' } },
};
