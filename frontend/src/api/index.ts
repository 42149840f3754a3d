// The API client: one fetch wrapper for every call to the Go server. It
// keeps what an error answer says: the status, the body's code, message,
// field and details, and Retry-After.
// Cookies carry the session (er_session, HttpOnly); state-changing requests
// echo the er_csrf cookie in the X-CSRF-Token header (double-submit).
import type { ErrorCode, ErrorDetail, ErrorReason, LoginResponse, Survey, SurveyList, User, UserList, UserRequest } from './types';

export type { ErrorDetail } from './types';

export const CSRF_COOKIE = 'er_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';

/** An error answer of the API, {"error":{"code","message","field","item","reason","params","details"}}, or a network failure (status 0, code "network"). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode | 'network';
  readonly field?: string;
  /** The study item the error concerns (an answer's error names its field and its item). */
  readonly item?: string;
  /** Seconds until a retry may succeed (from Retry-After), for 429 and 503. */
  readonly retryAfter?: number;
  /** The single problems of a 422, e.g. each finding of a study file's validation. */
  readonly details?: ErrorDetail[];
  /** Values for the translation of the code (the body's "params", when the server sends them), e.g. {max: 3}. */
  readonly params?: Record<string, string | number>;
  /** The specific problem, where the server names one (e.g. "deadline_past"); the UI translates it instead of the code. */
  readonly reason?: ErrorReason;

  constructor(
    status: number,
    code: ErrorCode | 'network',
    message: string,
    field?: string,
    retryAfter?: number,
    details?: ErrorDetail[],
    params?: Record<string, string | number>,
    reason?: ErrorReason,
    item?: string,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    if (field) this.field = field;
    if (retryAfter !== undefined) this.retryAfter = retryAfter;
    if (details && details.length > 0) this.details = details;
    if (params && Object.keys(params).length > 0) this.params = params;
    if (reason) this.reason = reason;
    if (item) this.item = item;
  }
}

/** Reads a cookie visible to scripts; '' when absent. */
export function readCookie(name: string): string {
  const prefix = name + '=';
  for (const part of document.cookie.split(';')) {
    const c = part.trim();
    if (c.startsWith(prefix)) {
      try {
        return decodeURIComponent(c.slice(prefix.length));
      } catch {
        return c.slice(prefix.length);
      }
    }
  }
  return '';
}

/** Parses Retry-After: delta seconds or an HTTP date. Undefined when absent or unparsable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value == null || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * Reads an error answer. The code, message, field and details come from the
 * body; an answer without one (e.g. a proxy's HTML error page) is "internal"
 * with the status text.
 */
async function toApiError(res: Response): Promise<ApiError> {
  const retryAfter = parseRetryAfter(res.headers.get('Retry-After'));
  let code: ErrorCode = 'internal';
  let message = res.statusText || `HTTP ${res.status}`;
  let field: string | undefined;
  let details: ErrorDetail[] | undefined;
  let params: Record<string, string | number> | undefined;
  let reason: ErrorReason | undefined;
  let item: string | undefined;
  try {
    const body: unknown = await res.json();
    const err = (body as { error?: unknown } | null)?.error;
    if (err && typeof err === 'object') {
      const e = err as { code?: unknown; message?: unknown; field?: unknown; item?: unknown; details?: unknown; params?: unknown; reason?: unknown };
      if (typeof e.code === 'string' && e.code) code = e.code as ErrorCode;
      if (typeof e.message === 'string' && e.message) message = e.message;
      if (typeof e.field === 'string' && e.field) field = e.field;
      if (typeof e.item === 'string' && e.item) item = e.item;
      if (typeof e.reason === 'string' && e.reason) reason = e.reason as ErrorReason;
      if (Array.isArray(e.details)) {
        details = e.details.filter(
          (d): d is ErrorDetail => !!d && typeof d === 'object' && typeof (d as { message?: unknown }).message === 'string',
        );
      }
      if (e.params && typeof e.params === 'object' && !Array.isArray(e.params)) {
        params = Object.fromEntries(
          Object.entries(e.params).filter((kv): kv is [string, string | number] => typeof kv[1] === 'string' || typeof kv[1] === 'number'),
        );
      }
    }
  } catch {
    // Not JSON: keep "internal" and the status text.
  }
  return new ApiError(res.status, code, message, field, retryAfter, details, params, reason, item);
}

export interface RequestOptions {
  /** A JSON body. */
  body?: unknown;
  /** A multipart body (a file upload), instead of body. */
  form?: FormData;
  signal?: AbortSignal | undefined;
  /** Further request headers, e.g. Idempotency-Key. */
  headers?: Record<string, string>;
  /** The cookie echoed in X-CSRF-Token (default er_csrf; experts use er_expert_csrf). */
  csrfCookie?: string;
}

/**
 * Sends one request and returns the response when it is a success; every
 * other answer becomes an ApiError, a failed connection one with status 0.
 */
export async function send(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...opts.headers };
  const m = method.toUpperCase();
  if (m !== 'GET' && m !== 'HEAD') {
    const csrf = readCookie(opts.csrfCookie ?? CSRF_COOKIE);
    if (csrf) headers[CSRF_HEADER] = csrf;
  }
  const init: RequestInit = { method: m, headers, credentials: 'same-origin' };
  if (opts.form) {
    init.body = opts.form;
  } else if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(opts.body);
  }
  if (opts.signal) init.signal = opts.signal;

  let res: Response;
  try {
    res = await fetch(path, init);
  } catch (err) {
    if (isAbort(err)) throw err;
    throw new ApiError(0, 'network', err instanceof Error ? err.message : String(err));
  }
  if (!res.ok) throw await toApiError(res);
  return res;
}

/** Reads a JSON answer (undefined for 204 or an empty body). */
async function json<T>(res: Response): Promise<T> {
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Sends one request to the API and returns the decoded JSON body (undefined for 204). */
export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  return json<T>(await send(method, path, { ...opts, headers: { Accept: 'application/json', ...opts.headers } }));
}

/** The file name from Content-Disposition, or the fallback. */
function fileName(res: Response, fallback: string): string {
  const m = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') ?? '');
  return m?.[1] ?? fallback;
}

/** Hands a downloaded file to the browser. */
export function saveBlob(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Requests a file (an export) and hands it to the browser under the server's file name. */
export async function download(method: string, path: string, fallback: string): Promise<void> {
  const res = await send(method, path);
  saveBlob(await res.blob(), fileName(res, fallback));
}

/** The answer of a study import: the stored study, and whether it is a new revision (201) or unchanged (200). */
export interface ImportedSurvey {
  survey: Survey;
  created: boolean;
}

/**
 * Calls a read again while the server answers 503 "unavailable": it is
 * saturated and says in Retry-After when to come back (a questionnaire
 * load that waited its turn too long, issue #16). Waits Retry-After
 * seconds (2 without it, at most 10), plus up to half of it at random so
 * that the clients turned away together do not come back together, between
 * at most `tries` calls in all, and stops at once when signal aborts. Other
 * errors are thrown as they are.
 */
export async function retryUnavailable<T>(call: () => Promise<T>, signal?: AbortSignal, tries = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= tries || !(err instanceof ApiError) || err.status !== 503 || err.code !== 'unavailable') throw err;
      await pause(Math.min(err.retryAfter ?? 2, 10) * 1000 * (1 + Math.random() / 2), signal);
    }
  }
}

/** Resolves after ms, or rejects with an AbortError when signal aborts first. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const aborted = () => reject(new DOMException('aborted', 'AbortError'));
    if (signal?.aborted) return aborted();
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      aborted();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Uploads a YAML or JSON study file (multipart "file") to POST /api/v1/surveys,
 * with the reason of a change of the locked analysis protocol when given
 * (the server asks for it with 409, reason protocol_change_needs_reason).
 */
async function importSurvey(file: File, protocolChangeReason?: string): Promise<ImportedSurvey> {
  const form = new FormData();
  if (protocolChangeReason) form.append('protocol_change_reason', protocolChangeReason);
  form.append('file', file, file.name);
  const res = await send('POST', '/api/v1/surveys', { form, headers: { Accept: 'application/json' } });
  return { survey: await json<Survey>(res), created: res.status === 201 };
}

export const api = {
  importSurvey,
  login: (email: string, password: string) =>
    request<LoginResponse>('POST', '/api/v1/auth/login', { body: { email, password } }),
  logout: () => request<void>('POST', '/api/v1/auth/logout'),
  me: (signal?: AbortSignal) => request<User>('GET', '/api/v1/me', { signal }),
  surveys: (signal?: AbortSignal) => request<SurveyList>('GET', '/api/v1/surveys', { signal }),
  survey: (id: string, signal?: AbortSignal) =>
    request<Survey>('GET', `/api/v1/surveys/${encodeURIComponent(id)}`, { signal }),
  users: (signal?: AbortSignal) => request<UserList>('GET', '/api/v1/users', { signal }),
  /** Creates a staff account; admins only. */
  createUser: (body: UserRequest) => request<User>('POST', '/api/v1/users', { body }),
  /** Changes an account's name, role, studies or password (a new password ends its sessions); admins only. */
  updateUser: (id: string, body: UserRequest) => request<User>('PATCH', `/api/v1/users/${encodeURIComponent(id)}`, { body }),
  /** Disables (locks out) a staff account, or enables it again; admins only. */
  setUserDisabled: (id: string, disabled: boolean) =>
    request<User>('POST', `/api/v1/users/${encodeURIComponent(id)}/${disabled ? 'disable' : 'enable'}`),
};

export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}
