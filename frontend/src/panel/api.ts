// The panel and mail API (staff: admins and coordinators; the response
// rates also researchers).
import { ApiError, CSRF_COOKIE, CSRF_HEADER, readCookie, request } from '../api';
import type { Text } from '../types';

export type ExpertStatus = 'active' | 'declined' | 'erased';

export interface RoundState {
  invite: string; // '', pending, sending, sent, failed, skipped
  invite_error?: string;
  invited_at?: string;
  reminders: number;
  last_reminder_at?: string;
  first_opened_at?: string;
  last_activity_at?: string;
  started_at?: string;
  submitted_at?: string;
}

export interface Expert {
  id: string;
  survey_id: string;
  pseudonym: string;
  group: string;
  language: string;
  name: string;
  email: string;
  organisation: string;
  notes: string;
  status: ExpertStatus | string;
  declined_at?: string;
  erased_at?: string;
  link_issued_at?: string;
  created_at: string;
  updated_at: string;
  round?: RoundState;
}

export interface ExpertList {
  experts: Expert[];
  total: number;
  counts: Record<string, number>;
}

export interface ExpertInput {
  name?: string;
  email?: string;
  organisation?: string;
  group?: string;
  language?: string;
  notes?: string;
  declined?: boolean;
}

export interface ImportRow {
  row: number;
  name: string;
  email: string;
  organisation: string;
  group: string;
  language: string;
}

export interface ImportRejection {
  row: number;
  email?: string;
  field: string;
  reason: string;
  message: string;
}

export interface ImportReport {
  dry_run: boolean;
  written: boolean;
  format: string;
  data_rows: number;
  added: ImportRow[];
  updated: { row: number; expert_id: string; pseudonym: string; email: string; name: string; fields: string[] }[];
  unchanged: number[];
  rejected: ImportRejection[];
  ignored_columns?: string[];
}

export interface SendCounts {
  total: number;
  sent: number;
  pending: number;
  failed: number;
  skipped: number;
}

export interface SendFailure {
  send_id: string;
  expert_id: string;
  pseudonym: string;
  name: string;
  email: string;
  kind: string;
  status: string;
  attempts: number;
  error: string;
  at: string;
}

export interface MailJob {
  id: string;
  kind: 'invite' | 'reminder' | string;
  status: 'running' | 'done' | string;
  queued: number;
  skipped: Record<string, number>;
  keep_links: boolean;
  group?: string;
  created_at: string;
}

export interface MailStatus {
  round: number;
  invitations: SendCounts;
  reminders: SendCounts;
  failures: SendFailure[];
  jobs: MailJob[];
  running: boolean;
  smtp_enabled: boolean;
}

export interface MailText {
  subject?: string;
  intro?: string;
}

export interface MailTexts {
  round: number;
  languages: string[];
  mail: Record<string, MailText>;
  defaults: Record<string, MailText>;
  updated_at?: string;
}

export interface MailPreview {
  subject: string;
  text: string;
  html: string;
}

export interface Rate {
  count: number;
  percent: string;
}

export interface GroupProgress {
  group: string;
  label?: Text;
  panel: number;
  invited: Rate;
  opened: Rate;
  started: Rate;
  submitted: Rate;
}

export interface ResponseRates {
  round: number;
  groups: GroupProgress[];
  total: GroupProgress;
}

export interface SendOptions {
  group?: string;
  keep_links?: boolean;
  min_interval_hours?: number;
}

const enc = encodeURIComponent;
const panelPath = (id: string, rest = '') => `/api/v1/surveys/${enc(id)}/experts${rest}`;
const roundPath = (id: string, n: number, rest: string) => `/api/v1/surveys/${enc(id)}/rounds/${n}${rest}`;
const sig = (signal?: AbortSignal) => (signal ? { signal } : {});

function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Sends a request whose answer is not JSON (a file) or whose body is a form. */
async function raw(method: string, path: string, body?: FormData | string, extraHeaders: Record<string, string> = {}): Promise<Response> {
  const headers: Record<string, string> = { ...extraHeaders };
  if (method !== 'GET') {
    const csrf = readCookie(CSRF_COOKIE);
    if (csrf) headers[CSRF_HEADER] = csrf;
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', ...(body ? { body } : {}) });
  } catch (err) {
    throw new ApiError(0, 'network', err instanceof Error ? err.message : String(err));
  }
  if (!res.ok) {
    let code = 'internal';
    let message = res.statusText || `HTTP ${res.status}`;
    let field: string | undefined;
    try {
      const b = (await res.json()) as { error?: { code?: string; message?: string; field?: string } };
      if (b.error?.code) code = b.error.code;
      if (b.error?.message) message = b.error.message;
      if (b.error?.field) field = b.error.field;
    } catch {
      // not JSON
    }
    throw new ApiError(res.status, code, message, field);
  }
  return res;
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

async function download(method: string, path: string, fallback: string): Promise<void> {
  const res = await raw(method, path);
  saveBlob(await res.blob(), fileName(res, fallback));
}

/** A random Idempotency-Key for one press of a send button. */
export function newIdempotencyKey(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export const panelApi = {
  list: (id: string, f: { group?: string; status?: string; round?: number }, signal?: AbortSignal) =>
    request<ExpertList>('GET', panelPath(id, query(f)), sig(signal)),
  create: (id: string, body: ExpertInput) => request<Expert>('POST', panelPath(id), { body }),
  update: (id: string, expertId: string, body: ExpertInput) =>
    request<Expert>('PATCH', panelPath(id, `/${enc(expertId)}`), { body }),
  erase: (id: string, expertId: string) => request<void>('DELETE', panelPath(id, `/${enc(expertId)}`)),
  issueLink: (id: string, expertId: string) =>
    request<{ link: string; pseudonym: string }>('POST', panelPath(id, `/${enc(expertId)}/link`)),
  importFile: async (id: string, file: File, dryRun: boolean, skipInvalid: boolean): Promise<ImportReport> => {
    const form = new FormData();
    form.append('file', file, file.name);
    const res = await raw('POST', panelPath(id, `/import${query({ dry_run: dryRun, skip_invalid: skipInvalid })}`), form, {
      Accept: 'application/json',
    });
    return (await res.json()) as ImportReport;
  },
  exportPanel: (id: string, format: 'csv' | 'xlsx', lang: string) =>
    download('GET', panelPath(id, `/export.${format}${query({ lang })}`), `panel.${format}`),
  downloadLinks: (id: string, format: 'csv' | 'xlsx', lang: string, group?: string) =>
    download('POST', panelPath(id, `/links.${format}${query({ lang, group })}`), `links.${format}`),

  mailStatus: (id: string, n: number, signal?: AbortSignal) =>
    request<MailStatus>('GET', roundPath(id, n, '/invitations'), sig(signal)),
  send: async (id: string, n: number, kind: 'invitations' | 'reminders', opts: SendOptions, key: string) => {
    const res = await raw('POST', roundPath(id, n, `/${kind}`), JSON.stringify(opts), {
      'Idempotency-Key': key,
      'Content-Type': 'application/json',
      Accept: 'application/json',
    });
    return (await res.json()) as { job: MailJob };
  },
  retry: (id: string, n: number) => request<{ retried: number }>('POST', roundPath(id, n, '/invitations/retry')),
  texts: (id: string, n: number, signal?: AbortSignal) => request<MailTexts>('GET', roundPath(id, n, '/mail'), sig(signal)),
  putTexts: (id: string, n: number, body: Record<string, MailText>) =>
    request<MailTexts>('PUT', roundPath(id, n, '/mail'), { body }),
  preview: (id: string, n: number, lang: string, kind: 'invite' | 'reminder', signal?: AbortSignal) =>
    request<MailPreview>('GET', roundPath(id, n, `/mail/preview${query({ lang, kind })}`), sig(signal)),
  progress: (id: string, n: number, signal?: AbortSignal) =>
    request<ResponseRates>('GET', roundPath(id, n, '/progress'), sig(signal)),
};
