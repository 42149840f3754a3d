// Browser test of the real-time mode (issue #21) on a study of its own
// (fixtures/realtime-study.yaml, mode: realtime, statistics from 2 other
// answers on): expert A answers an item in the browser and sees the panel's
// current result of it, computed from the others' answers (given through the
// API); another expert answers; A's result updates to the new n and median.
// Nothing of the panel shows before A's own answer. axe on each state, and a
// 360 px phone. Registered by run.mjs after the other tests.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tr } from './cycle.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const STUDY_FILE = path.join(here, 'fixtures/realtime-study.yaml');
const ID = 'e2e-realtime';

/**
 * Returns [name, fn] pairs. ctx: as cycleTests' ({ s, waitMs, de, email,
 * password, assert, until, a11y, launch }).
 */
export function realtimeTests(ctx) {
  const { s, de, assert, a11y } = ctx;
  const st = { admin: '', def: null, a: null, page: null, context: null };

  async function api(method, p, { token = st.admin, body, type = 'application/json' } = {}) {
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = type;
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const res = await fetch(s.base + p, { method, headers, body: payload });
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // not JSON
    }
    assert(res.status >= 200 && res.status < 300, `${method} ${p}: ${res.status} ${text.slice(0, 300)}`);
    return json;
  }

  /** An expert with a personal link: { id, token }. */
  async function newExpert(n) {
    const e = await api('POST', `/api/v1/surveys/${ID}/experts`, {
      body: { name: `Echtzeit ${n}`, email: `rt-${n}-${Date.now()}@example.org`, group: 'wiss', language: 'de' },
    });
    const l = await api('POST', `/api/v1/surveys/${ID}/experts/${e.id}/link`, {});
    return { id: e.id, token: new URL(l.link).pathname.split('/').pop() };
  }

  /** Another expert answers r1 through the API (their own session). */
  async function answerByApi(n, value) {
    const x = await newExpert(n);
    const { token } = await api('POST', '/api/v1/participation/session', { token: '', body: { token: x.token } });
    await api('POST', '/api/v1/participation/consent', { token });
    await api('PUT', '/api/v1/participation/answers/r1', { token, body: { value, seq: 1 } });
  }

  /** The panel's result as the page words it: "Median 4, IQR 3,5–4,5, 2 Antworten". */
  const summary = (median, q1, q3, count) =>
    [tr(de, 'feedback.median', { value: median }), tr(de, 'feedback.iqr', { q1, q3 }), tr(de, 'feedback.answers', { count })].join(', ');
  const card = () => st.page.locator('article[data-item="r1"]');
  const r1 = () => st.def.sections[0].items[0];

  return [
    [
      'real-time study: the coordinator opens its one round; two experts answer first',
      async () => {
        st.admin = (await api('POST', '/api/v1/auth/login', { token: '', body: { email: ctx.email, password: ctx.password() } })).token;
        const yaml = await readFile(STUDY_FILE, 'utf8');
        await api('POST', '/api/v1/surveys?filename=realtime-study.yaml', { body: yaml, type: 'application/yaml' });
        st.def = (await api('GET', `/api/v1/surveys/${ID}`)).definition;
        assert(st.def.mode === 'realtime', `mode ${st.def.mode}`);
        await api('POST', `/api/v1/surveys/${ID}/rounds`, { body: { deadline: new Date(Date.now() + 7 * 86400_000).toISOString() } });
        await api('POST', `/api/v1/surveys/${ID}/rounds/1/open`, {});
        st.a = await newExpert('a');
        await answerByApi('b', 3);
        await answerByApi('c', 5);
      },
    ],
    [
      'real-time study: after answering, the expert sees the panel’s current result, which updates after another answer',
      async () => {
        const browser = await ctx.launch();
        st.context = await browser.newContext({ baseURL: s.base, viewport: { width: 1280, height: 900 }, locale: 'de-DE', timezoneId: 'Europe/Berlin' });
        const page = (st.page = await st.context.newPage());
        page.setDefaultTimeout(ctx.waitMs);
        page.on('pageerror', (err) => console.log(`# page error: ${err.message}`));
        await page.goto('/login');
        await page.evaluate(() => localStorage.setItem('er_lang', 'de'));
        await page.goto(`/p/${st.a.token}`);
        await page.getByRole('button', { name: de.participation.consent }).click();
        await page.getByText(de.realtime.intro).waitFor();
        await page.getByRole('button', { name: de.participation.start }).click();
        await page.getByRole('heading', { level: 1, name: st.def.sections[0].title.de }).waitFor();

        // Before A's own answer: a note, no numbers (the others have answered).
        await card().getByText(de.realtime.afterAnswer).waitFor();
        const before = await card().textContent();
        assert(!before.includes('Median'), `the panel's result shows before the own answer: ${before}`);
        await a11y(page, 'a real-time item before the own answer');

        // A answers 2: the result of B (3) and C (5) appears, and 2 lies outside their IQR.
        await page.getByRole('group', { name: r1().text.de, exact: true }).getByRole('radio', { name: /^2 / }).check();
        const panel = card().getByRole('region', { name: new RegExp(de.realtime.title) });
        await panel.getByText(summary('4', '3,5', '4,5', 2), { exact: true }).waitFor();
        await card().getByText(tr(de, 'realtime.basis', { count: 2, time: 'X' }).split(',')[0]).waitFor(); // "Beruht auf 2 Antworten …", then the time
        await card().getByText(de.realtime.justificationHint).waitFor();
        await a11y(page, 'a real-time item with the panel’s current result');

        // D answers 5; A's result moves to median 5 of 3 answers on refresh.
        await answerByApi('d', 5);
        await card().getByRole('button', { name: de.realtime.refresh }).click();
        await panel.getByText(summary('5', '4', '5', 3), { exact: true }).waitFor();
        await card().getByText(tr(de, 'realtime.basis', { count: 3, time: 'X' }).split(',')[0]).waitFor();
        const after = await card().textContent();
        assert(!after.includes(summary('4', '3,5', '4,5', 2)), `the old result stays: ${after}`);
      },
    ],
    [
      'real-time study: the panel’s result fits a 360 px phone',
      async () => {
        const page = st.page;
        await page.setViewportSize({ width: 360, height: 740 });
        await card().getByRole('region', { name: new RegExp(de.realtime.title) }).waitFor();
        const w = await page.evaluate(() => document.scrollingElement.scrollWidth);
        assert(w <= 360, `the page is ${w} px wide at a 360 px viewport`);
        await a11y(page, 'a real-time item on a 360 px phone');
        await st.context.close();
      },
    ],
  ];
}
