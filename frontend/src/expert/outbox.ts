// The autosave queue. Every change is written to localStorage at once and
// sent to the server about a second later; it stays in storage until the
// server acknowledges it, so nothing is lost when the network drops, the
// tab closes or the server restarts. A failed save is retried with
// exponential backoff; when the browser comes back online the queue is
// flushed at once. The queue is sent in batches (PUT /participation/answers,
// one request and one write of the response for up to BATCH_SIZE answers);
// the server answers each answer on its own, so a refused one is dropped and
// the others are acknowledged.
//
// Each save carries a seq that grows with every change (milliseconds × 1000
// plus a counter, so it also grows across devices and reloads). The server
// keeps the answer with the highest seq per item, so a late retry never
// overwrites a newer answer.
import { ApiError } from '../api';
import type { AnswerValue, BatchAnswer, BatchResult, SaveResult } from '../api/types';

export type SaveState = 'idle' | 'saving' | 'saved' | 'offline' | 'error';

export interface Draft {
  value: AnswerValue;
  comment: string;
  justification: string;
}

export interface Entry extends Draft {
  itemId: string;
  seq: number;
}

export interface OutboxOptions {
  /** localStorage key, e.g. er_outbox:<survey>:<round>:<pseudonym>. */
  key: string;
  /** Sends a batch of answers (PUT /participation/answers). */
  send: (answers: BatchAnswer[]) => Promise<BatchResult>;
  onSaved?: (itemId: string, result: SaveResult) => void;
  /** The server refused the answer for good (422, 409, 404): it is dropped from the queue. */
  onRejected?: (itemId: string, error: ApiError, entry: Entry) => void;
  onState?: (state: SaveState) => void;
  /** The session ended (401/403): renew it; true retries at once. */
  onUnauthorized?: () => Promise<boolean>;
  delayMs?: number;
  maxBackoffMs?: number;
  /** At most this many answers per request (the server takes 500). */
  batchSize?: number;
  storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
  now?: () => number;
}

/** Answers per request: a whole questionnaire fits, far below the server's 500 and 2 MiB. */
export const BATCH_SIZE = 200;

interface Stored {
  v: 1;
  lastSeq: number;
  pending: Entry[];
}

function safeStorage(): OutboxOptions['storage'] {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
}

export class Outbox {
  private readonly opts: Required<Pick<OutboxOptions, 'delayMs' | 'maxBackoffMs' | 'batchSize' | 'now'>> & OutboxOptions;
  private readonly storage: OutboxOptions['storage'];
  private pending = new Map<string, Entry>();
  private inflight = new Set<string>();
  private lastSeq = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private attempt = 0;
  private state: SaveState = 'idle';
  private idleWaiters: (() => void)[] = [];
  private disposed = false;
  private readonly onlineListener = () => {
    this.attempt = 0;
    this.schedule(0);
  };

  constructor(opts: OutboxOptions) {
    this.opts = { delayMs: 1000, maxBackoffMs: 30_000, batchSize: BATCH_SIZE, now: () => Date.now(), ...opts };
    this.storage = opts.storage ?? safeStorage();
    this.load();
    if (typeof window !== 'undefined') window.addEventListener('online', this.onlineListener);
  }

  /** The unsaved entries (restored from storage or not yet acknowledged). */
  entries(): Entry[] {
    return [...this.pending.values()];
  }

  get(itemId: string): Entry | undefined {
    return this.pending.get(itemId);
  }

  getState(): SaveState {
    return this.state;
  }

  /** Makes sure later seqs exceed seq (e.g. the server's stored answer). */
  observeSeq(seq: number): void {
    if (seq > this.lastSeq) this.lastSeq = seq;
  }

  private nextSeq(): number {
    this.lastSeq = Math.max(this.opts.now() * 1000, this.lastSeq + 1);
    return this.lastSeq;
  }

  /** Queues the item's new draft and schedules a save after the delay. */
  put(itemId: string, draft: Draft): Entry {
    const entry: Entry = { itemId, ...draft, seq: this.nextSeq() };
    this.pending.set(itemId, entry);
    this.persist();
    this.setState('saving');
    this.schedule(this.opts.delayMs);
    return entry;
  }

  /** Sends everything pending now (e.g. before submitting). */
  flushNow(): Promise<void> {
    this.attempt = 0;
    return this.flush();
  }

  /** Resolves once nothing is pending or in flight. */
  whenIdle(): Promise<void> {
    if (this.pending.size === 0 && this.inflight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    if (typeof window !== 'undefined') window.removeEventListener('online', this.onlineListener);
  }

  private schedule(ms: number): void {
    if (this.disposed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, ms);
  }

  private setState(s: SaveState): void {
    if (s === this.state) return;
    this.state = s;
    this.opts.onState?.(s);
  }

  private async flush(): Promise<void> {
    if (this.disposed) return;
    const batch = [...this.pending.values()].filter((e) => !this.inflight.has(e.itemId));
    if (batch.length === 0) {
      this.settle();
      return;
    }
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.setState('saving');
    const failed: ApiError[] = [];
    for (let i = 0; i < batch.length; i += this.opts.batchSize) {
      const f = await this.sendBatch(batch.slice(i, i + this.opts.batchSize));
      if (f) failed.push(f);
    }
    if (this.disposed) return;
    if (failed.length > 0) {
      const auth = failed.find((f) => f.status === 401 || f.status === 403);
      if (auth && this.opts.onUnauthorized && (await this.opts.onUnauthorized())) {
        this.schedule(0);
        return;
      }
      this.setState(failed.some((f) => f.status === 0) ? 'offline' : 'error');
      const wait = Math.min(this.opts.delayMs * 2 ** this.attempt, this.opts.maxBackoffMs);
      this.attempt++;
      this.schedule(wait);
      return;
    }
    this.attempt = 0;
    if (this.pending.size > 0) {
      // Changes made while the batch was in flight.
      this.schedule(this.opts.delayMs);
      return;
    }
    this.settle();
  }

  /** Sends entries in one request; returns the error to retry them on, or null. */
  private async sendBatch(entries: Entry[]): Promise<ApiError | null> {
    for (const e of entries) this.inflight.add(e.itemId);
    try {
      const res = await this.opts.send(
        entries.map((e) => ({ item_id: e.itemId, value: e.value, comment: e.comment, justification: e.justification, seq: e.seq })),
      );
      entries.forEach((e, i) => {
        const r = res.results[i];
        if (r?.answer) {
          this.acknowledge(e, { answer: r.answer, applied: r.applied, progress: res.progress, ...(r.feedback ? { feedback: r.feedback } : {}) });
        } else {
          const err = r?.error;
          const status = err?.code === 'not_found' ? 404 : 422;
          this.reject(e, new ApiError(status, err?.code ?? 'invalid', err?.message ?? 'not saved', err?.field, undefined, undefined, undefined, undefined, err?.item ?? e.itemId));
        }
      });
      return null;
    } catch (err) {
      const ae = err instanceof ApiError ? err : new ApiError(0, 'network', String(err));
      if (ae.status === 0 || ae.status === 401 || ae.status === 403 || ae.status === 408 || ae.status === 429 || ae.status >= 500) {
        return ae; // transient: keep them and retry
      }
      // Refused for good (round closed, consent missing): drop them.
      for (const e of entries) this.reject(e, ae);
      return null;
    } finally {
      for (const e of entries) this.inflight.delete(e.itemId);
    }
  }

  /** The server stored e (or a newer answer): it leaves the queue unless a newer change is queued. */
  private acknowledge(e: Entry, res: SaveResult): void {
    this.observeSeq(res.answer.seq);
    const cur = this.pending.get(e.itemId);
    if (cur && cur.seq <= Math.max(e.seq, res.answer.seq)) {
      this.pending.delete(e.itemId);
      this.persist();
    }
    this.opts.onSaved?.(e.itemId, res);
  }

  /** The server refused e for good (invalid, round closed, unknown item): drop it, unless a newer change is queued. */
  private reject(e: Entry, err: ApiError): void {
    const cur = this.pending.get(e.itemId);
    if (cur && cur.seq === e.seq) {
      this.pending.delete(e.itemId);
      this.persist();
    }
    this.opts.onRejected?.(e.itemId, err, e);
  }

  private settle(): void {
    if (this.pending.size === 0 && this.inflight.size === 0) {
      if (this.state !== 'idle') this.setState('saved');
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      waiters.forEach((w) => w());
    }
  }

  private load(): void {
    try {
      const raw = this.storage?.getItem(this.opts.key);
      if (!raw) return;
      const s = JSON.parse(raw) as Stored;
      if (s.v !== 1) return;
      this.lastSeq = s.lastSeq || 0;
      for (const e of s.pending ?? []) this.pending.set(e.itemId, e);
    } catch {
      // unreadable: start empty
    }
  }

  private persist(): void {
    try {
      if (this.pending.size === 0) {
        this.storage?.setItem(this.opts.key, JSON.stringify({ v: 1, lastSeq: this.lastSeq, pending: [] } satisfies Stored));
        return;
      }
      const s: Stored = { v: 1, lastSeq: this.lastSeq, pending: [...this.pending.values()] };
      this.storage?.setItem(this.opts.key, JSON.stringify(s));
    } catch {
      // Storage full or disabled: the answer is still queued in memory.
    }
  }
}

/** The storage key of one expert's queue for one round. */
export function outboxKey(surveyId: string, round: number, pseudonym: string): string {
  return `er_outbox:${surveyId}:${round}:${pseudonym}`;
}
