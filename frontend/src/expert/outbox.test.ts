import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api';
import { Outbox, outboxKey, type SaveState } from './outbox';
import type { AnswerBody, BatchAnswer, BatchResult, SaveResult } from '../api/types';

const KEY = outboxKey('s1', 2, 'E-ABCD');

function ok(body: AnswerBody, applied = true): SaveResult {
  return {
    answer: { value: body.value, comment: body.comment, justification: body.justification, seq: body.seq, revisions: 0, needs_justification: false },
    applied,
    progress: { answered: 1, total: 3 },
  };
}

/** A batch sender from a fake server of single saves: each answer goes through fn, whose error fails the whole request. */
function batchOf(fn: (itemId: string, body: AnswerBody) => Promise<SaveResult>) {
  return async (answers: BatchAnswer[]): Promise<BatchResult> => {
    const results: BatchResult['results'] = [];
    let progress: BatchResult['progress'] = { answered: 0, total: 3 };
    for (const { item_id, ...body } of answers) {
      const r = await fn(item_id, body);
      results.push({ item_id, answer: r.answer, applied: r.applied });
      progress = r.progress;
    }
    return { results, progress };
  };
}

describe('Outbox', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-11-26T10:00:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  it('keeps a change in storage at once and sends it about a second later', async () => {
    const sent: [string, AnswerBody][] = [];
    const states: SaveState[] = [];
    const ob = new Outbox({ key: KEY, send: batchOf(async (id, b) => (sent.push([id, b]), ok(b))), onState: (s) => states.push(s) });
    ob.put('r1', { value: 3, comment: '', justification: '' });
    ob.put('r1', { value: 4, comment: 'x', justification: '' }); // replaces the first
    expect(JSON.parse(localStorage.getItem(KEY)!).pending).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]![1]).toMatchObject({ value: 4, comment: 'x' });
    expect(sent[0]![1].seq).toBeGreaterThan(Date.parse('2026-11-26T10:00:00Z') * 1000 - 1);
    expect(JSON.parse(localStorage.getItem(KEY)!).pending).toEqual([]);
    expect(states).toEqual(['saving', 'saved']);
    ob.dispose();
  });

  it('gives every change a higher seq, also across instances', () => {
    const a = new Outbox({ key: KEY, send: batchOf(async (_, b) => ok(b)) });
    const s1 = a.put('r1', { value: 1, comment: '', justification: '' }).seq;
    const s2 = a.put('r2', { value: 1, comment: '', justification: '' }).seq;
    a.dispose();
    const b = new Outbox({ key: KEY, send: batchOf(async (_, body) => ok(body)) });
    const s3 = b.put('r1', { value: 2, comment: '', justification: '' }).seq;
    b.observeSeq(s3 + 1000);
    const s4 = b.put('r1', { value: 3, comment: '', justification: '' }).seq;
    expect(s2).toBeGreaterThan(s1);
    expect(s3).toBeGreaterThan(s2);
    expect(s4).toBeGreaterThan(s3 + 1000);
    b.dispose();
  });

  it('retries with backoff while offline and restores the queue after a reload', async () => {
    let online = false;
    const sent: number[] = [];
    const states: SaveState[] = [];
    const send = async (_: string, b: AnswerBody) => {
      sent.push(b.seq);
      if (!online) throw new ApiError(0, 'network', 'Failed to fetch');
      return ok(b);
    };
    const a = new Outbox({ key: KEY, send: batchOf(send), onState: (s) => states.push(s) });
    a.put('r1', { value: 5, comment: '', justification: '' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent).toHaveLength(1);
    expect(states.at(-1)).toBe('offline');
    await vi.advanceTimersByTimeAsync(1000); // 1 s backoff
    expect(sent).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1999); // then 2 s
    expect(sent).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(3);
    a.dispose(); // the tab closes

    online = true;
    const b = new Outbox({ key: KEY, send: batchOf(send), onState: (s) => states.push(s) });
    expect(b.entries().map((e) => e.value)).toEqual([5]);
    await b.flushNow();
    expect(sent).toHaveLength(4);
    expect(b.entries()).toEqual([]);
    expect(states.at(-1)).toBe('saved');
    b.dispose();
  });

  it('flushes at once when the browser comes back online', async () => {
    let online = false;
    const sent: number[] = [];
    const ob = new Outbox({
      key: KEY,
      send: batchOf(async (_, b) => {
        sent.push(b.seq);
        if (!online) throw new ApiError(0, 'network', 'offline');
        return ok(b);
      }),
    });
    ob.put('r1', { value: 1, comment: '', justification: '' });
    await vi.advanceTimersByTimeAsync(1000);
    online = true;
    window.dispatchEvent(new Event('online'));
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toHaveLength(2);
    expect(ob.entries()).toEqual([]);
    ob.dispose();
  });

  it('keeps a change made while its save was in flight', async () => {
    let release: (r: SaveResult) => void = () => {};
    const sent: AnswerBody[] = [];
    const ob = new Outbox({
      key: KEY,
      send: batchOf((_, b) => {
        sent.push(b);
        return new Promise<SaveResult>((r) => (release = () => r(ok(b))));
      }),
    });
    ob.put('r1', { value: 1, comment: '', justification: '' });
    await vi.advanceTimersByTimeAsync(1000);
    ob.put('r1', { value: 2, comment: '', justification: '' });
    release(ok(sent[0]!));
    await vi.advanceTimersByTimeAsync(0);
    expect(ob.get('r1')?.value).toBe(2); // not dropped by the older acknowledgement
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent.map((b) => b.value)).toEqual([1, 2]);
    release(ok(sent[1]!));
    await vi.advanceTimersByTimeAsync(0);
    expect(ob.entries()).toEqual([]);
    ob.dispose();
  });

  it('drops the answers of a batch the server refuses for good and reports them', async () => {
    const rejected: string[] = [];
    const ob = new Outbox({
      key: KEY,
      send: async () => {
        throw new ApiError(409, 'conflict', 'the round is closed');
      },
      onRejected: (id, err) => rejected.push(`${id}: ${err.message}`),
    });
    ob.put('r1', { value: 7, comment: '', justification: '' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(rejected).toEqual(['r1: the round is closed']);
    expect(ob.entries()).toEqual([]);
    ob.dispose();
  });

  it('renews the session on 401 and sends again', async () => {
    let session = false;
    const sent: number[] = [];
    const ob = new Outbox({
      key: KEY,
      send: batchOf(async (_, b) => {
        sent.push(b.seq);
        if (!session) throw new ApiError(401, 'unauthorized', 'session ended');
        return ok(b);
      }),
      onUnauthorized: async () => (session = true),
    });
    ob.put('r1', { value: 1, comment: '', justification: '' });
    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(10); // at once, not after a backoff
    expect(sent).toHaveLength(2);
    expect(ob.entries()).toEqual([]);
    ob.dispose();
  });

  it('sends the queue in one batch and drops only the answers the server refuses', async () => {
    const requests: BatchAnswer[][] = [];
    const rejected: string[] = [];
    const saved: string[] = [];
    const ob = new Outbox({
      key: KEY,
      send: async (answers) => {
        requests.push(answers);
        return {
          results: answers.map((a) =>
            a.item_id === 'r2'
              ? { item_id: a.item_id, applied: false, error: { code: 'invalid' as const, message: '7 is not a point of the scale', field: 'value', item: 'r2' } }
              : { item_id: a.item_id, applied: true, answer: ok(a).answer },
          ),
          progress: { answered: 2, total: 3 },
        };
      },
      onSaved: (id, r) => saved.push(`${id}: ${r.progress.answered}`),
      onRejected: (id, err) => rejected.push(`${id}: ${err.status} ${err.field} ${err.item} ${err.message}`),
    });
    ob.put('r1', { value: 3, comment: '', justification: '' });
    ob.put('r2', { value: 7, comment: '', justification: '' });
    ob.put('r3', { value: 4, comment: 'ok', justification: '' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.map((a) => a.item_id)).toEqual(['r1', 'r2', 'r3']);
    expect(requests[0]![2]).toMatchObject({ value: 4, comment: 'ok', justification: '' });
    expect(saved).toEqual(['r1: 2', 'r3: 2']);
    expect(rejected).toEqual(['r2: 422 value r2 7 is not a point of the scale']);
    expect(ob.entries()).toEqual([]);
    expect(ob.getState()).toBe('saved');
    ob.dispose();
  });

  it('splits a long queue into batches of batchSize', async () => {
    const sizes: number[] = [];
    const ob = new Outbox({
      key: KEY,
      batchSize: 2,
      send: async (answers) => {
        sizes.push(answers.length);
        return { results: answers.map((a) => ({ item_id: a.item_id, applied: true, answer: ok(a).answer })), progress: { answered: 5, total: 5 } };
      },
    });
    for (const id of ['a', 'b', 'c', 'd', 'e']) ob.put(id, { value: 1, comment: '', justification: '' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(sizes).toEqual([2, 2, 1]);
    expect(ob.entries()).toEqual([]);
    ob.dispose();
  });

  it('keeps the higher seq: a stored newer answer drops the queued older one and raises the next seq', async () => {
    const ob = new Outbox({
      key: KEY,
      // Another tab saved r1 with a higher seq: the server keeps it (applied false).
      send: async (answers) => ({
        results: answers.map((a) => ({ item_id: a.item_id, applied: false, answer: { ...ok(a).answer, value: 5, seq: a.seq + 10_000 } })),
        progress: { answered: 1, total: 3 },
      }),
    });
    const first = ob.put('r1', { value: 1, comment: '', justification: '' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(ob.entries()).toEqual([]);
    expect(ob.put('r1', { value: 2, comment: '', justification: '' }).seq).toBeGreaterThan(first.seq + 10_000);
    ob.dispose();
  });
});
