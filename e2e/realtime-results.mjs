// Browser test of the researcher's side of the real-time mode (issue #21) on a
// study of its own (fixtures/realtime-study.yaml under another id): three
// experts answer through the API, one of them looks at the panel's result and
// revises toward it; the coordinator opens the results' history tab and sees
// the revision after feedback, the chart of the median and IQR over time with
// its text alternative and the table behind it. axe on each state, and a
// 360 px phone. Registered by run.mjs after the real-time expert tests.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tr } from './cycle.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const STUDY_FILE = path.join(here, 'fixtures/realtime-study.yaml');
const ID = 'e2e-realtime-verlauf';

/**
 * Returns [name, fn] pairs. ctx: as cycleTests' ({ s, waitMs, de, email,
 * password, assert, a11y, launch }).
 */
export function realtimeResultsTests(ctx) {
  const { s, de, assert, a11y } = ctx;
  const st = { admin: '', page: null, context: null };

  async function api(method, p, { token = st.admin, body, type = 'application/json' } = {}) {
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = type;
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const res = await fetch(s.base + p, { method, headers, body: payload });
    const text = await res.text();
    assert(res.status >= 200 && res.status < 300, `${method} ${p}: ${res.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : null;
  }

  /** A consenting expert's session token. */
  async function expert(n) {
    const e = await api('POST', `/api/v1/surveys/${ID}/experts`, {
      body: { name: `Verlauf ${n}`, email: `rtv-${n}-${Date.now()}@example.org`, group: 'wiss', language: 'de' },
    });
    const l = await api('POST', `/api/v1/surveys/${ID}/experts/${e.id}/link`, {});
    const { token } = await api('POST', '/api/v1/participation/session', { token: '', body: { token: new URL(l.link).pathname.split('/').pop() } });
    await api('POST', '/api/v1/participation/consent', { token });
    return token;
  }
  const answer = (token, value, seq) => api('PUT', '/api/v1/participation/answers/r1', { token, body: { value, seq } });

  return [
    [
      'real-time history: three experts answer, one revises after seeing the panel’s result',
      async () => {
        st.admin = (await api('POST', '/api/v1/auth/login', { token: '', body: { email: ctx.email, password: ctx.password() } })).token;
        const yaml = (await readFile(STUDY_FILE, 'utf8')).replace(/^id: .*$/m, `id: ${ID}`);
        await api('POST', '/api/v1/surveys?filename=realtime-verlauf.yaml', { body: yaml, type: 'application/yaml' });
        await api('POST', `/api/v1/surveys/${ID}/rounds`, { body: { deadline: new Date(Date.now() + 7 * 86400_000).toISOString() } });
        await api('POST', `/api/v1/surveys/${ID}/rounds/1/open`, {});
        await answer(await expert('b'), 3, 1);
        await answer(await expert('c'), 5, 1);
        const a = await expert('a');
        await answer(a, 2, 1);
        const view = await api('GET', '/api/v1/participation/realtime', { token: a }); // A sees B's and C's median, 4 …
        assert(view.items?.r1?.feedback, `no panel result for A: ${JSON.stringify(view)}`);
        await answer(a, 4, 2); // … and moves to it
      },
    ],
    [
      'real-time history: the results show the revision after feedback and the median over time, with a table',
      async () => {
        const browser = await ctx.launch();
        st.context = await browser.newContext({ baseURL: s.base, viewport: { width: 1280, height: 900 }, locale: 'de-DE', timezoneId: 'Europe/Berlin' });
        const page = (st.page = await st.context.newPage());
        page.setDefaultTimeout(ctx.waitMs);
        page.on('pageerror', (err) => console.log(`# page error: ${err.message}`));
        await page.goto('/login');
        await page.evaluate(() => localStorage.setItem('er_lang', 'de'));
        await page.getByLabel(de.login.email, { exact: true }).fill(ctx.email);
        await page.getByLabel(de.login.password, { exact: true }).fill(ctx.password());
        await page.getByRole('button', { name: de.login.submit, exact: true }).click();
        await page.getByRole('heading', { level: 1, name: de.studies.title }).waitFor();

        await page.goto(`/surveys/${ID}/results?view=realtime`);
        await page.getByRole('tab', { name: de.results.tabs.realtime, selected: true }).waitFor();
        await page.getByTestId('realtime-summary').getByText(tr(de, 'results.realtime.intro', { revisions: 4, experts: 3, counted: 3 })).waitFor();

        // Wohnen: 3 experts, A revised after feedback, toward the median, by 2.
        const table = page.getByRole('table', { name: de.results.realtime.revisionsCaption });
        const row = table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Wohnen', exact: true }) });
        const cells = await row.getByRole('cell').allTextContents();
        assert(
          JSON.stringify(cells.slice(0, 8)) === JSON.stringify(['3', '1', tr(de, 'results.realtime.afterFeedbackCell', { count: 1, revisions: 1 }), '1', '0', '0', '0', '2']),
          `the row of Wohnen: ${JSON.stringify(cells)}`,
        );

        // The chart's text alternative: {3}, {3,5}, {3,5,2}, {3,5,4}.
        const alt = tr(de, 'results.realtime.alt', { item: 'Wohnen', count: 4, from: '3', to: '4', iqrFrom: '3–3', iqrTo: '3,5–4,5', n: 3 });
        const chart = page.getByRole('img', { name: alt, exact: true });
        await chart.waitFor();
        await chart.locator('svg').waitFor({ state: 'attached' });
        await a11y(page, 'the history of a real-time study');

        await page.getByText(de.results.realtime.tableSummary).click();
        const points = page.getByRole('table', { name: tr(de, 'results.realtime.tableCaption', { item: 'Wohnen' }) });
        await points.waitFor();
        const medians = await points.locator('tbody tr td:nth-child(5)').allTextContents();
        assert(JSON.stringify(medians) === JSON.stringify(['3', '4', '3', '4']), `medians ${JSON.stringify(medians)}`);
        await a11y(page, 'the history of a real-time study with its table');
      },
    ],
    [
      'real-time history: the view fits a 360 px phone',
      async () => {
        const page = st.page;
        await page.setViewportSize({ width: 360, height: 740 });
        await page.getByRole('tab', { name: de.results.tabs.realtime, selected: true }).waitFor();
        const w = await page.evaluate(() => document.scrollingElement.scrollWidth);
        assert(w <= 360, `the page is ${w} px wide at a 360 px viewport`);
        await a11y(page, 'the history of a real-time study on a 360 px phone');
        await st.context.close();
      },
    ],
  ];
}
