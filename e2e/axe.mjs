// Accessibility checks with axe-core (pinned in package.json) on the pages
// the browser tests visit. axe's source is evaluated in the page through the
// DevTools protocol, so the app's Content-Security-Policy (no inline
// scripts) stays as it is; then axe.run checks the whole document.
//
// A check fails on any violation of impact "serious" or "critical" and names
// the rule, its help text and the elements; "moderate" and "minor" ones are
// counted and listed at the end of the run.

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const source = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');

const FAILING = new Set(['serious', 'critical']);

/** Every check of this run: { state, violations: [{ id, impact, nodes }] }. */
export const axeLog = [];

/**
 * Runs axe on the page as it is now and throws on serious or critical
 * violations; state names the page and its state in the messages.
 */
export async function checkA11y(page, state) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(source);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html.slice(0, 160), summary: n.failureSummary })),
    }));
  });
  axeLog.push({ state, violations: result });
  const bad = result.filter((v) => FAILING.has(v.impact));
  if (bad.length > 0) {
    const lines = bad.flatMap((v) => [
      `${v.impact} ${v.id}: ${v.help} (${v.nodes.length} element${v.nodes.length === 1 ? '' : 's'})`,
      ...v.nodes.slice(0, 3).map((n) => `    ${n.target}: ${n.html}\n      ${(n.summary ?? '').replace(/\n/g, ' ')}`),
    ]);
    throw new Error(`axe: ${bad.length} serious or critical violation${bad.length === 1 ? '' : 's'} on ${state}:\n  ${lines.join('\n  ')}`);
  }
}

/** One line for the end of the run, and the moderate or minor findings by rule. */
export function axeSummary() {
  const failing = axeLog.reduce((n, c) => n + c.violations.filter((v) => FAILING.has(v.impact)).length, 0);
  const other = new Map();
  for (const c of axeLog) for (const v of c.violations) if (!FAILING.has(v.impact)) other.set(`${v.impact} ${v.id}`, [...(other.get(`${v.impact} ${v.id}`) ?? []), c.state]);
  const lines = [`axe: ${axeLog.length} page states checked, ${failing} serious or critical violations`];
  for (const [rule, states] of other) lines.push(`axe (not failing): ${rule} on ${states.length} state${states.length === 1 ? '' : 's'}, e.g. ${states[0]}`);
  return lines;
}
