// The staff pages walked as each role would, after the Delphi cycle (cycle.mjs) left a study
// with two closed rounds: a coordinator and a researcher of that study log in, start on the
// study home and follow every link they are shown (breadth first, within the app). On every
// page, at 1280 and at 360 px, the document is no wider than the viewport, no API request of
// the page answers 403 (a link a role may not use is a link it must not see), and axe finds
// no serious or critical violation.

const ID = 'e2e-zyklus';
const WIDTHS = [1280, 360];
/** A safety net against a crawl that never ends, far above the pages the app has. */
const MAX_PAGES = 40;

export function staffWalkTests(ctx) {
  const { s, de, assert, until, a11y, screenshot } = ctx;

  async function account(role) {
    const admin = await fetch(`${s.base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: ctx.email, password: ctx.password() }),
    }).then((x) => x.json());
    const who = { email: `walk-${role}@example.org`, password: `walk-${role}-Passwort-2026`, role };
    const res = await fetch(`${s.base}/api/v1/users`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${admin.token}` },
      body: JSON.stringify({ email: who.email, name: role, role, password: who.password, survey_ids: [ID] }),
    });
    assert(res.status === 201, `POST /api/v1/users (${role}): ${res.status} ${await res.text()}`);
    return who;
  }

  /** The app's own links on the page: same origin, not a download, not the expert's link page. */
  async function links(page) {
    const hrefs = await page.locator('a[href]').evaluateAll((as) =>
      as.filter((a) => !a.hasAttribute('download') && a.origin === location.origin).map((a) => a.pathname + a.search),
    );
    return [...new Set(hrefs)].filter((h) => !h.startsWith('/api/') && !h.startsWith('/p/') && !h.startsWith('/login'));
  }

  /** Waits until the page has its heading and no request of its own is still running. */
  async function settled(page, pending) {
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    await until(async () => pending.size === 0 && (await page.locator('[aria-busy="true"], .loading').count()) === 0, 'the page keeps loading');
  }

  async function walk(role) {
    const who = await account(role);
    const browser = await ctx.launch();
    const context = await browser.newContext({ baseURL: s.base, viewport: { width: 1280, height: 900 }, locale: 'de-DE' });
    const page = await context.newPage();
    page.setDefaultTimeout(ctx.waitMs);
    const forbidden = [];
    const wide = []; // every page too wide, reported together at the end
    const pending = new Set();
    page.on('request', (r) => r.url().includes('/api/') && pending.add(r));
    page.on('requestfinished', (r) => pending.delete(r));
    page.on('requestfailed', (r) => pending.delete(r));
    page.on('response', (r) => {
      if (r.status() === 403 && r.url().includes('/api/')) forbidden.push(`${r.request().method()} ${new URL(r.url()).pathname} on ${page.url()}`);
    });
    try {
      await page.goto('/login');
      await page.getByLabel(de.login.email, { exact: true }).fill(who.email);
      await page.getByLabel(de.login.password, { exact: true }).fill(who.password);
      await page.getByRole('button', { name: de.login.submit, exact: true }).click();
      await page.getByRole('heading', { level: 1, name: de.studies.title }).waitFor();

      // The results' views are tabs, not links: their pages are added by hand.
      const queue = [`/surveys/${ID}`, `/surveys/${ID}/results?view=divergence`, `/surveys/${ID}/results?view=rankings`, `/surveys/${ID}/results?item=M1`];
      queue.push(`/surveys/${ID}/results?view=flow`, `/surveys/${ID}/results?view=attrition`);
      const seen = new Set(queue);
      const visited = [];
      while (queue.length > 0) {
        assert(visited.length < MAX_PAGES, `more than ${MAX_PAGES} pages reached: ${visited.join(', ')}`);
        const path = queue.shift();
        visited.push(path);
        for (const width of WIDTHS) {
          await page.setViewportSize({ width, height: width === 360 ? 740 : 900 });
          await page.goto(path);
          await settled(page, pending);
          const { scrollWidth, clientWidth } = await page.evaluate(() => ({
            scrollWidth: document.scrollingElement.scrollWidth,
            clientWidth: document.scrollingElement.clientWidth,
          }));
          if (scrollWidth > clientWidth) wide.push(`${path} is ${scrollWidth} px wide at a ${width} px viewport (${clientWidth} px)`);
          await a11y(page, `${role}: ${path} at ${width} px`);
          if (role === 'coordinator' && width === 1280 && path === `/surveys/${ID}`) await screenshot(page, 'study-home');
          if (width === WIDTHS[0]) {
            for (const l of await links(page)) {
              if (!seen.has(l)) {
                seen.add(l);
                queue.push(l);
              }
            }
          }
        }
      }
      assert(wide.length === 0, `${role}: pages wider than the viewport:\n${wide.join('\n')}`);
      assert(forbidden.length === 0, `${role} met 403s:\n${forbidden.join('\n')}`);
      const writerPages = visited.filter((p) => /\/panel$|\/invitations$/.test(p));
      if (role === 'researcher') assert(writerPages.length === 0, `the researcher was shown links to ${writerPages.join(', ')}`);
      else assert(writerPages.length >= 2, `the coordinator reached no panel or invitations page: ${visited.join(', ')}`);
      return visited;
    } finally {
      await context.close();
    }
  }

  return [
    ['staff walk: a coordinator reaches every page of the study run, each fits 1280 and 360 px, no 403', async () => {
      const visited = await walk('coordinator');
      assert(visited.includes(`/surveys/${ID}/rounds`), `no rounds page among ${visited.join(', ')}`);
      assert(visited.includes(`/surveys/${ID}/reporting`), `no methods & reporting page among ${visited.join(', ')}`);
    }],
    ['staff walk: a researcher sees only what a researcher may use, each page fits 1280 and 360 px, no 403', async () => {
      const visited = await walk('researcher');
      assert(visited.some((p) => p.startsWith(`/surveys/${ID}/results`)), `no results page among ${visited.join(', ')}`);
      assert(visited.includes(`/surveys/${ID}/reporting`), `no methods & reporting page among ${visited.join(', ')}`);
    }],
  ];
}
