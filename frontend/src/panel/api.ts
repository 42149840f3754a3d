// The panel and mail API (staff: admins and coordinators; the response
// rates also researchers).
import { download, request } from '../api';
import type {
  Expert,
  ExpertInput,
  ExpertList,
  ImportReport,
  IssuedLink,
  MailJobAccepted,
  MailPreview,
  MailStatus,
  MailText,
  MailTexts,
  ResponseRates,
  SendOptions,
} from '../api/types';

const enc = encodeURIComponent;
const panelPath = (id: string, rest = '') => `/api/v1/surveys/${enc(id)}/experts${rest}`;
const roundPath = (id: string, n: number, rest: string) => `/api/v1/surveys/${enc(id)}/rounds/${n}${rest}`;

function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** A random Idempotency-Key for one press of a send button. */
export function newIdempotencyKey(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export const panelApi = {
  list: (id: string, f: { group?: string; status?: string; round?: number }, signal?: AbortSignal) =>
    request<ExpertList>('GET', panelPath(id, query(f)), { signal }),
  create: (id: string, body: ExpertInput) => request<Expert>('POST', panelPath(id), { body }),
  update: (id: string, expertId: string, body: ExpertInput) =>
    request<Expert>('PATCH', panelPath(id, `/${enc(expertId)}`), { body }),
  erase: (id: string, expertId: string) => request<void>('DELETE', panelPath(id, `/${enc(expertId)}`)),
  issueLink: (id: string, expertId: string) =>
    request<IssuedLink>('POST', panelPath(id, `/${enc(expertId)}/link`)),
  importFile: (id: string, file: File, dryRun: boolean, skipInvalid: boolean) => {
    const form = new FormData();
    form.append('file', file, file.name);
    return request<ImportReport>('POST', panelPath(id, `/import${query({ dry_run: dryRun, skip_invalid: skipInvalid })}`), { form });
  },
  exportPanel: (id: string, format: 'csv' | 'xlsx', lang: string) =>
    download('GET', panelPath(id, `/export.${format}${query({ lang })}`), `panel.${format}`),
  downloadLinks: (id: string, format: 'csv' | 'xlsx', lang: string, group?: string) =>
    download('POST', panelPath(id, `/links.${format}${query({ lang, group })}`), `links.${format}`),

  mailStatus: (id: string, n: number, signal?: AbortSignal) =>
    request<MailStatus>('GET', roundPath(id, n, '/invitations'), { signal }),
  send: (id: string, n: number, kind: 'invitations' | 'reminders', opts: SendOptions, key: string) =>
    request<MailJobAccepted>('POST', roundPath(id, n, `/${kind}`), { body: opts, headers: { 'Idempotency-Key': key } }),
  retry: (id: string, n: number) => request<{ retried: number }>('POST', roundPath(id, n, '/invitations/retry')),
  texts: (id: string, n: number, signal?: AbortSignal) => request<MailTexts>('GET', roundPath(id, n, '/mail'), { signal }),
  putTexts: (id: string, n: number, body: Record<string, MailText>) =>
    request<MailTexts>('PUT', roundPath(id, n, '/mail'), { body }),
  preview: (id: string, n: number, lang: string, kind: MailPreview['kind'], signal?: AbortSignal) =>
    request<MailPreview>('GET', roundPath(id, n, `/mail/preview${query({ lang, kind })}`), { signal }),
  progress: (id: string, n: number, signal?: AbortSignal) =>
    request<ResponseRates>('GET', roundPath(id, n, '/progress'), { signal }),
};
