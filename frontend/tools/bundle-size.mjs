#!/usr/bin/env node
// The weight budgets of the built UI (dist/app, `npm run build`), gzipped:
//
//   entry          ≤ 100 kB: index.html's script and stylesheets and every
//                  chunk they import statically (what the login page and an
//                  expert's link load before the first page);
//   questionnaire  ≤ 250 kB: the entry plus the expert's route
//                  (ParticipationPage-*.js, its static imports and its CSS),
//                  also in round 2 with the charts' Plot chunk (plotlib-*.js),
//                  which is loaded only when there is feedback.
//
// The dictionaries (de-*.js, en-*.js) are loaded when their language is
// used: one of them at start; their sizes are printed, not counted.
// Prints one line per budget; exits 1 past a budget, naming the chunks.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const KB = 1000;
const BUDGETS = { entry: 100 * KB, questionnaire: 250 * KB };

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(here, '../dist/app');
const assets = path.join(dist, 'assets');

function fail(msg) {
  console.error(`bundle-size: ${msg}`);
  process.exit(1);
}

let html;
let files;
try {
  html = readFileSync(path.join(dist, 'index.html'), 'utf8');
  files = readdirSync(assets);
} catch {
  fail(`no built UI in ${path.relative(process.cwd(), dist)}: run "npm run build" first`);
}

const gz = new Map();
/** The gzipped size of an asset (path relative to dist/app, e.g. assets/x.js). */
function size(file) {
  if (!gz.has(file)) gz.set(file, gzipSync(readFileSync(path.join(dist, file))).length);
  return gz.get(file);
}

/** The chunks a module imports statically (import … from, import "…", export … from); not import(). */
function staticImports(file) {
  const code = readFileSync(path.join(dist, file), 'utf8');
  const out = [];
  const re = /(?:^|[;}\n])\s*(?:import|export)\s*(?:[\w$*{}\s,]*?from\s*)?["'](\.{1,2}\/[^"']+)["']/g;
  for (const m of code.matchAll(re)) out.push(path.posix.join(path.posix.dirname(file), m[1]));
  return out;
}

/** A chunk and everything it imports statically, transitively. */
function closure(roots) {
  const seen = new Set();
  const walk = (f) => {
    if (seen.has(f)) return;
    seen.add(f);
    if (f.endsWith('.js')) for (const dep of staticImports(f)) walk(dep);
  };
  roots.forEach(walk);
  return seen;
}

/** The one asset whose name is prefix-<hash>.ext. */
function asset(prefix, ext, required = true) {
  const found = files.filter((f) => f.startsWith(prefix + '-') && f.endsWith(ext) && /^[\w-]+$/.test(f.slice(prefix.length + 1, -ext.length)));
  if (found.length === 0 && required) fail(`no ${prefix}-*${ext} in ${assets}: was the chunk renamed? (tools/bundle-size.mjs looks for it by name)`);
  return found.map((f) => `assets/${f}`);
}

const attr = (re) => [...html.matchAll(re)].map((m) => m[1].replace(/^\//, ''));
const entryScripts = attr(/<script[^>]*type="module"[^>]*src="([^"]+)"/g);
const entryCss = attr(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g);
if (entryScripts.length === 0) fail('index.html has no module script');

const entry = closure([...entryScripts, ...entryCss]);
const route = closure([...entry, ...asset('ParticipationPage', '.js'), ...asset('ParticipationPage', '.css', false)]);
const withPlot = closure([...route, ...asset('plotlib', '.js')]);

const total = (set) => [...set].reduce((n, f) => n + size(f), 0);
const kB = (n) => `${(n / KB).toFixed(1)} kB`;
const list = (set, minus = new Set()) =>
  [...set]
    .filter((f) => !minus.has(f))
    .sort((a, b) => size(b) - size(a))
    .map((f) => `${path.basename(f)} ${kB(size(f))}`)
    .join(', ');

let over = false;
function check(name, set, budget, what) {
  const n = total(set);
  const ok = n <= budget;
  over ||= !ok;
  const line = `${name} ${kB(n)} gzipped (budget ${kB(budget)})${what ? ` ${what}` : ''}`;
  if (ok) console.log(`bundle-size: ${line}`);
  else console.error(`bundle-size: OVER BUDGET: ${line}`);
}

check('entry', entry, BUDGETS.entry, `= ${list(entry)}`);
check('questionnaire', route, BUDGETS.questionnaire, `= entry + ${list(route, entry)}`);
check('questionnaire with feedback charts', withPlot, BUDGETS.questionnaire, `= questionnaire + ${list(withPlot, route)}`);
const dicts = ['de', 'en'].flatMap((l) => asset(l, '.js', false).map((f) => `${l} ${kB(size(f))}`));
console.log(`bundle-size: dictionaries, one loaded at start: ${dicts.join(', ')}`);
if (over) fail('a budget is exceeded (the budgets are in frontend/tools/bundle-size.mjs; see docs/PERFORMANCE.md)');
