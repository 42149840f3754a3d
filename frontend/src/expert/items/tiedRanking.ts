// A ranking answer with ties (an item with ties: true): the option ids best
// first and each entry's place in competition ranking (tied entries share
// the place of the first of them; the next entry's place is its position:
// [1, 1, 3]). Without a tie the answer is the plain list, as the server
// gives it back.
import type { AnswerValue } from '../../api/types';

export interface RankingValue {
  order: string[];
  places: number[];
}

/** Reads a ranking answer: a list of ids, or {order, places}. Anything else is empty. */
export function readRanking(v: unknown): RankingValue {
  if (Array.isArray(v)) {
    const order = v.filter((x): x is string => typeof x === 'string');
    return { order, places: order.map((_, i) => i + 1) };
  }
  if (v && typeof v === 'object' && Array.isArray((v as RankingValue).order) && Array.isArray((v as RankingValue).places)) {
    const { order, places } = v as RankingValue;
    if (order.length === places.length) return { order: [...order], places: [...places] };
  }
  return { order: [], places: [] };
}

/** The places of order when the ids in tied share the place of the entry above them. */
export function placesFor(order: string[], tied: readonly string[]): number[] {
  const places: number[] = [];
  order.forEach((id, i) => places.push(i > 0 && tied.includes(id) ? places[i - 1]! : i + 1));
  return places;
}

/** The ids that share the place of the entry above them. */
export function tiedWithAbove(r: RankingValue): string[] {
  return r.order.filter((_, i) => i > 0 && r.places[i] === r.places[i - 1]);
}

/** The answer for order with the ids in tied on the place above: a list without ties, else {order, places}. */
export function rankingAnswer(order: string[], tied: readonly string[]): AnswerValue {
  const places = placesFor(order, tied);
  return places.some((p, i) => p !== i + 1) ? { order, places } : order;
}
