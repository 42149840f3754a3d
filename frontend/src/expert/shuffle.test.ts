import { describe, expect, it } from 'vitest';
import { seededShuffle } from './shuffle';

const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

describe('seededShuffle', () => {
  it('gives the same order for the same seed, and keeps every element', () => {
    const one = seededShuffle(ids, 'E-7K2P|F11');
    expect(seededShuffle(ids, 'E-7K2P|F11')).toEqual(one);
    expect([...one].sort()).toEqual(ids);
    expect(ids).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']); // the input is not changed
  });

  it('gives different experts different orders, and no position a favourite', () => {
    const orders = Array.from({ length: 400 }, (_, i) => seededShuffle(ids, `E-${i}|F11`));
    expect(new Set(orders.map((o) => o.join(''))).size).toBeGreaterThan(350);
    // Each option comes first for about 1/8 of the experts (50 of 400); none for more than twice that.
    const first = new Map<string, number>();
    for (const o of orders) first.set(o[0]!, (first.get(o[0]!) ?? 0) + 1);
    for (const id of ids) expect(first.get(id) ?? 0).toBeGreaterThan(20);
    for (const n of first.values()) expect(n).toBeLessThan(100);
  });
});
