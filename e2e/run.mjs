#!/usr/bin/env node
// Browser end-to-end tests for Expertenrunde.
//
// Starts the real server binary on a fresh data directory, drives the UI with
// headless Chromium (the system's /usr/bin/chromium through playwright-core),
// and prints one line per test ("ok - name" / "not ok - name") and a final
// "N passed, M failed". Exit code 1 on any failure.
//
//   cd e2e && npm ci && node run.mjs
//
// Environment:
//   ER_BIN          server binary (default ../bin/expertenrunde, relative to e2e/)
//   ER_SURVEY       study file to import (default ../surveys/kleinstadtakademie-2020.yaml)
//   CHROMIUM        browser executable (default /usr/bin/chromium)
//   E2E_SCREENSHOTS=1  also save screenshots to ../docs/screenshots/
//   E2E_SCREENSHOT_DIR  another folder for them
//   E2E_KEEP=1      keep the temp data dir and server log
//   E2E_ONLY=REGEX  run only the tests whose name matches (e.g. E2E_ONLY=real-time)

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { axeSummary, checkA11y } from './axe.mjs';
import { cycleTests } from './cycle.mjs';
import { staffWalkTests } from './staffwalk.mjs';
import { participationTests } from './participation.mjs';
import { realtimeTests } from './realtime.mjs';
import { realtimeResultsTests } from './realtime-results.mjs';
import { argumentsTests } from './arguments.mjs';
import { round0Tests } from './round0.mjs';
import { consultationTests } from './consultation.mjs';
import { SmtpCatcher } from './smtp.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const BIN = path.resolve(here, process.env.ER_BIN || '../bin/expertenrunde');
const SURVEY = path.resolve(here, process.env.ER_SURVEY || '../surveys/kleinstadtakademie-2020.yaml');
const SURVEY_ID = 'kleinstadtakademie-2020';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SCREENSHOTS = process.env.E2E_SCREENSHOTS === '1';
const SHOT_DIR = path.resolve(here, process.env.E2E_SCREENSHOT_DIR || '../docs/screenshots');
const KEEP = process.env.E2E_KEEP === '1';
const ONLY = process.env.E2E_ONLY ? new RegExp(process.env.E2E_ONLY) : null;
const EMAIL = 'admin@example.org';
const PASSWORD = 'e2e-' + randomBytes(12).toString('hex');
// Safety nets, not measures of speed: every wait ends on its event (a page
// shows a text, a count is reached); these only stop a hang, far above what
// a loaded machine needs.
const WAIT_MS = 120_000; // one wait for the page or the server
const READY_TIMEOUT_MS = 300_000;
const TEST_TIMEOUT_MS = 600_000;

// The variables of the caller's environment the processes this runner starts
// keep; everything else (EXPERTENRUNDE_BASE_URL exported for make run, a
// MONGODB_URI, a body limit) is dropped, so the caller's shell cannot change
// what the tests run.
const BASICS = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'LANGUAGE', 'TZ'];

/** The caller's basics (BASICS and LC_*) plus set, nothing else. */
function cleanEnv(set = {}, parent = process.env) {
  const env = {};
  for (const [k, v] of Object.entries(parent)) {
    if (BASICS.includes(k) || k.startsWith('LC_')) env[k] = v;
  }
  return { ...env, ...set };
}

// The UI texts come from the app's own resource files, so a reworded label
// does not break these tests.
const de = JSON.parse(await readFile(path.join(repo, 'frontend/src/i18n/de.json'), 'utf8'));
const en = JSON.parse(await readFile(path.join(repo, 'frontend/src/i18n/en.json'), 'utf8'));

// ---------------------------------------------------------------- helpers

function log(...args) {
  console.log(...args);
}

/** Runs a command to completion; rejects on a non-zero exit with its output. */
function run(cmd, args, { env, input, timeoutMs = READY_TIMEOUT_MS } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${path.basename(cmd)} ${args.join(' ')} exited ${code ?? signal}:\n${out.trim()}`));
    });
    child.stdin.end(input ?? '');
  });
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s`)), ms);
    }),
  ]);
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

/** Waits until fn() returns a truthy value (polling), or fails with message. */
async function until(fn, message, timeoutMs = WAIT_MS) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(message + (last ? ` (${last.message})` : ''));
    await sleep(100);
  }
}

// ---------------------------------------------------------------- server

class Server {
  constructor() {
    this.child = null;
    this.tail = [];
    this.exited = null;
  }

  async start(dataDir, port, logPath, extraEnv = {}) {
    const env = cleanEnv({ ...extraEnv, EXPERTENRUNDE_DATA_DIR: dataDir, EXPERTENRUNDE_ADDR: `127.0.0.1:${port}` });
    this.env = env;
    const logFile = createWriteStream(logPath);
    this.child = spawn(BIN, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d) => {
      logFile.write(d);
      this.tail.push(...String(d).split('\n').filter(Boolean));
      if (this.tail.length > 40) this.tail.splice(0, this.tail.length - 40);
    };
    this.child.stdout.on('data', keep);
    this.child.stderr.on('data', keep);
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => {
        logFile.end();
        resolve({ code, signal });
      }),
    );
    this.child.on('error', (err) => keep(`spawn error: ${err.message}\n`));

    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let gone = null;
    void this.exited.then((x) => (gone = x));
    for (;;) {
      if (gone) throw new Error(`server exited before ready (${gone.code ?? gone.signal}):\n${this.tail.join('\n')}`);
      try {
        const res = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(WAIT_MS) });
        if (res.status === 200) return base;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`GET /readyz not 200 within ${READY_TIMEOUT_MS / 1000} s:\n${this.tail.join('\n')}`);
      await sleep(250);
    }
  }

  /** SIGTERM, then SIGKILL after 60 s. */
  async stop() {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const res = await Promise.race([this.exited, sleep(60_000).then(() => null)]);
    if (!res) {
      log('# server ignored SIGTERM for 60 s; killing');
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}

// ---------------------------------------------------------------- tests

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

/** Shared state between the tests, which run in order on one page. */
const s = { base: '', page: null, survey: null, definition: null, browser: null, server: null };
const smtp = new SmtpCatcher();
const BROWSER_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Saves a viewport screenshot to docs/screenshots/NAME.png when E2E_SCREENSHOTS=1. */
async function screenshot(page, name) {
  if (!SCREENSHOTS) return;
  await mkdir(SHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SHOT_DIR, `${name}.png`), fullPage: false });
}

async function fillLogin(page, texts, password) {
  await page.getByLabel(texts.login.email, { exact: true }).fill(EMAIL);
  await page.getByLabel(texts.login.password, { exact: true }).fill(password);
  await page.getByRole('button', { name: texts.login.submit, exact: true }).click();
}

test('login with a wrong password shows the error', async () => {
  const { page } = s;
  await page.goto('/login');
  await page.getByRole('heading', { level: 1, name: de.login.title }).waitFor();
  await checkA11y(page, 'the login page');
  await fillLogin(page, de, 'wrong-password-000');
  const alert = page.getByRole('alert').filter({ hasText: de.login.invalidCredentials });
  await alert.waitFor();
  await checkA11y(page, 'the login page with its error');
  assert(new URL(page.url()).pathname === '/login', `still on /login, got ${page.url()}`);
});

test('login works and the study list shows the Kleinstadtakademie title', async () => {
  const { page } = s;
  await fillLogin(page, de, PASSWORD);
  await page.waitForURL((u) => u.pathname === '/');
  await page.getByRole('heading', { level: 1, name: de.studies.title }).waitFor();

  const res = await page.request.get('/api/v1/surveys');
  assert(res.status() === 200, `GET /api/v1/surveys: ${res.status()}`);
  const list = (await res.json()).surveys ?? [];
  s.survey = list.find((x) => x.id === SURVEY_ID);
  assert(s.survey, `survey ${SURVEY_ID} not in ${JSON.stringify(list.map((x) => x.id))}`);
  const title = s.survey.title.de;
  assert(/kleinstadt/i.test(title), `German title does not name the Kleinstadtakademie: ${title}`);
  await page.getByRole('link', { name: title, exact: true }).waitFor();
  const header = page.getByRole('banner');
  await header.getByText(EMAIL).waitFor();
  await checkA11y(page, 'the study list');

  if (SCREENSHOTS) {
    await mkdir(SHOT_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SHOT_DIR, 'study-list.png'), fullPage: false });
  }
});

test('the study home is a checklist; the definition tab shows the four blocks', async () => {
  const { page } = s;
  await page.getByRole('link', { name: s.survey.title.de, exact: true }).click();
  await page.waitForURL((u) => u.pathname === `/surveys/${SURVEY_ID}`);
  await page.getByRole('heading', { level: 1, name: s.survey.title.de }).waitFor();
  await page.getByRole('heading', { level: 2, name: de.home.title }).waitFor();
  const steps = await page.locator('.checklist [data-step]').evaluateAll((els) => els.map((e) => e.getAttribute('data-step')));
  const want = ['definition', 'panel', 'dates', 'invite', 'responses', 'close', 'next', 'export'];
  assert(JSON.stringify(steps) === JSON.stringify(want), `checklist steps ${steps}, want ${want}`);
  await checkA11y(page, 'the study home'); // its screenshot is taken in staffwalk.mjs, later in the run

  const res = await page.request.get(`/api/v1/surveys/${SURVEY_ID}`);
  assert(res.status() === 200, `GET /api/v1/surveys/${SURVEY_ID}: ${res.status()}`);
  s.definition = (await res.json()).definition;
  const sections = s.definition.sections ?? [];
  assert(sections.length === 4, `the definition has ${sections.length} sections, want 4`);

  await page.getByRole('link', { name: de.home.definitionTab, exact: true }).click();
  await page.waitForURL((u) => u.pathname === `/surveys/${SURVEY_ID}/definition`);
  const blocks = page.locator('section.block');
  await until(async () => (await blocks.count()) === 4, `want 4 blocks on the page, got ${await blocks.count()}`);
  for (const sec of sections) {
    await page.getByRole('region', { name: sec.title.de, exact: true }).waitFor();
  }
  await checkA11y(page, 'the study definition');
  if (SCREENSHOTS) {
    await page.screenshot({ path: path.join(SHOT_DIR, 'study-page.png'), fullPage: false });
  }
});

test('switching to English changes UI strings and the study title', async () => {
  const { page } = s;
  await page.getByRole('group', { name: de.lang.switchLabel }).getByRole('button', { name: en.lang.en }).click();
  await page.getByRole('heading', { level: 2, name: en.study.blocks, exact: true }).waitFor();
  await page.getByRole('button', { name: en.header.logout, exact: true }).waitFor();
  const want = s.survey.title.en || s.survey.title.de;
  const h1 = await page.getByRole('heading', { level: 1 }).textContent();
  assert(h1 === want, `h1 is ${JSON.stringify(h1)}, want ${JSON.stringify(want)}`);
  const first = s.definition.sections[0].title;
  await page.getByRole('region', { name: first.en || first.de, exact: true }).waitFor();
  const lang = await page.evaluate(() => [document.documentElement.lang, localStorage.getItem('er_lang')]);
  assert(lang[0] === 'en' && lang[1] === 'en', `html lang / stored language: ${lang}`);
  await checkA11y(page, 'the study page in English');
});

test('logout returns to login', async () => {
  const { page } = s;
  await page.getByRole('button', { name: en.header.logout, exact: true }).click();
  await page.waitForURL((u) => u.pathname === '/login');
  await page.getByRole('heading', { level: 1, name: en.login.title }).waitFor();
  await checkA11y(page, 'the login page in English');
  const me = await page.request.get('/api/v1/me');
  assert(me.status() === 401, `GET /api/v1/me after logout: ${me.status()}, want 401`);
  await page.goto('/');
  await page.waitForURL((u) => u.pathname === '/login');
});

test("the server runs with the runner's variables only, none of the caller's", async () => {
  // Linux shows a process's environment in /proc/PID/environ.
  const file = `/proc/${s.server.child.pid}/environ`;
  if (!existsSync(file)) return log(`# ${file} is missing; the environment is not checked`);
  const got = (await readFile(file, 'utf8')).split('\0').filter(Boolean);
  const set = Object.entries(s.server.env).map(([k, v]) => `${k}=${v}`);
  const foreign = got.filter((kv) => /^(EXPERTENRUNDE|MONGODB)_/.test(kv) && !set.includes(kv));
  assert(foreign.length === 0, `the server got the caller's ${foreign.join(', ')}`);
  assert(got.every((kv) => set.includes(kv)), `the server's environment differs from the runner's: ${got.filter((kv) => !set.includes(kv)).join(', ')}`);
});

test('an unknown API path returns a JSON 404', async () => {
  const res = await s.page.request.get('/api/v1/does-not-exist');
  assert(res.status() === 404, `status ${res.status()}, want 404`);
  const ct = res.headers()['content-type'] ?? '';
  assert(ct.includes('application/json'), `content-type ${ct}`);
  const body = await res.json();
  assert(body?.error?.code === 'not_found', `body ${JSON.stringify(body)}`);
});

test('a 360 px viewport renders the study page without horizontal overflow', async () => {
  const { page } = s;
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto('/login');
  await fillLogin(page, en, PASSWORD); // the language choice (English) was remembered
  await page.waitForURL((u) => u.pathname === '/');
  await page.goto(`/surveys/${SURVEY_ID}/definition`);
  const blocks = page.locator('section.block');
  await until(async () => (await blocks.count()) === 4, 'study page did not render its blocks');
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.scrollingElement.scrollWidth,
    clientWidth: document.scrollingElement.clientWidth,
  }));
  assert(clientWidth <= 360, `viewport is ${clientWidth} px wide`);
  assert(scrollWidth <= 360, `page is ${scrollWidth} px wide at a 360 px viewport`);
  await checkA11y(page, 'the study page at 360 px');
  if (SCREENSHOTS) {
    await page.screenshot({ path: path.join(SHOT_DIR, 'study-page-360.png'), fullPage: false });
  }
});

// The expert's participation (participation.mjs): after the staff tests.
for (const [name, fn] of participationTests({ s, de, en, email: EMAIL, password: () => PASSWORD, assert, until, a11y: checkA11y, screenshot })) {
  test(name, fn);
}

// The whole Delphi cycle on a study of its own (cycle.mjs): several browsers, mail by SMTP.
const cycleCtx = {
  s,
  waitMs: WAIT_MS,
  de,
  en,
  email: EMAIL,
  password: () => PASSWORD,
  assert,
  until,
  smtp,
  screenshot,
  a11y: checkA11y,
  // A second, non-persistent browser for the fresh contexts of the cycle (one per person).
  launch: async () => (s.browser ??= await chromium.launch({ executablePath: CHROMIUM, headless: true, args: BROWSER_ARGS })),
};
for (const [name, fn] of cycleTests(cycleCtx)) {
  test(name, fn);
}

// Every staff page as a coordinator and a researcher would reach it (staffwalk.mjs).
for (const [name, fn] of staffWalkTests(cycleCtx)) {
  test(name, fn);
}

// The real-time mode on a study of its own (realtime.mjs): feedback after one's own answer.
for (const [name, fn] of realtimeTests(cycleCtx)) {
  test(name, fn);
}

// The researcher's side of the real-time mode (realtime-results.mjs): the history tab.
for (const [name, fn] of realtimeResultsTests(cycleCtx)) {
  test(name, fn);
}

// Arguments between rounds on a study of their own (arguments.mjs).
for (const [name, fn] of argumentsTests(cycleCtx)) {
  test(name, fn);
}

// Round 0: suggestions, curation, round 1 from the curated items (round0.mjs).
for (const [name, fn] of round0Tests(cycleCtx)) {
  test(name, fn);
}

// The whole consultation on one study: round 0 and curation, then arguments
// on a curated item into round 2's feedback (consultation.mjs).
for (const [name, fn] of consultationTests(cycleCtx)) {
  test(name, fn);
}

// ---------------------------------------------------------------- main

async function main() {
  const server = new Server();
  s.server = server;
  let context = null;
  let work = null;
  let passed = 0;
  let failed = 0;
  let setupOk = false;

  const cleanup = async () => {
    if (context) await context.close().catch(() => {});
    context = null;
    if (s.browser) await s.browser.close().catch(() => {});
    s.browser = null;
    await smtp.close().catch(() => {});
    await server.stop().catch((err) => log(`# stopping the server: ${err.message}`));
    if (work && !KEEP) await rm(work, { recursive: true, force: true }).catch(() => {});
  };
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => {
      void cleanup().finally(() => process.exit(130));
    });
  }

  try {
    if (!existsSync(BIN)) throw new Error(`server binary not found: ${BIN} (run "make build", or set ER_BIN)`);
    if (!existsSync(CHROMIUM)) throw new Error(`browser not found: ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`);
    work = await mkdtemp(path.join(tmpdir(), 'er-e2e-'));
    const dataDir = path.join(work, 'data');
    const profile = path.join(work, 'profile');
    await mkdir(dataDir);
    await mkdir(profile);
    const env = cleanEnv({ EXPERTENRUNDE_DATA_DIR: dataDir });

    await run(
      BIN,
      ['user', 'create', '--email', EMAIL, '--role', 'admin', '--name', 'Admin', '--password-stdin'],
      { env, input: PASSWORD + '\n' },
    );
    await run(BIN, ['survey', 'import', SURVEY], { env });

    // Mail goes to the in-process SMTP receiver (smtp.mjs).
    const smtpPort = await smtp.listen();
    const mailEnv = {
      EXPERTENRUNDE_SMTP_HOST: '127.0.0.1',
      EXPERTENRUNDE_SMTP_PORT: String(smtpPort),
      EXPERTENRUNDE_SMTP_TLS: 'none',
      EXPERTENRUNDE_SMTP_FROM: 'Expertenrunde E2E <e2e@example.org>',
      EXPERTENRUNDE_SMTP_USERNAME: '',
      EXPERTENRUNDE_SMTP_PASSWORD: '',
    };
    const port = await freePort();
    s.base = await server.start(dataDir, port, path.join(work, 'server.log'), mailEnv);
    log(`# server ${path.relative(process.cwd(), BIN) || BIN} ready at ${s.base}`);

    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      baseURL: s.base,
      viewport: { width: 1280, height: 900 },
      args: BROWSER_ARGS,
    });
    s.page = context.pages()[0] ?? (await context.newPage());
    s.page.setDefaultTimeout(WAIT_MS);
    s.page.on('pageerror', (err) => log(`# page error: ${err.message}`));
    setupOk = true;
  } catch (err) {
    log(`# setup failed: ${err.message}`);
  }

  try {
    for (const t of tests) {
      if (ONLY && !ONLY.test(t.name)) continue;
      if (!setupOk) {
        failed++;
        log(`not ok - ${t.name} # setup failed`);
        continue;
      }
      try {
        await withTimeout(t.fn(), TEST_TIMEOUT_MS, t.name);
        passed++;
        log(`ok - ${t.name}`);
      } catch (err) {
        failed++;
        log(`not ok - ${t.name}`);
        for (const line of String(err?.stack ?? err).split('\n').slice(0, 8)) log(`#   ${line}`);
      }
    }
    if (failed > 0 && server.tail.length) {
      log('# last server output:');
      for (const line of server.tail.slice(-15)) log(`#   ${line}`);
    }
  } finally {
    await cleanup();
    if (KEEP && work) log(`# kept ${work}`);
  }

  for (const line of axeSummary()) log(`# ${line}`);
  log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
