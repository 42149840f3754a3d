// Round 0 in the browser (issue #20, part 1), on a study of its own
// (fixtures/round0-study.yaml, imported through the study list's upload):
//
//   the admin imports the study and adds two experts with personal links →
//   prepares and opens round 0 on the rounds page → Anna (a 360 px phone)
//   and Ben suggest items per block, Anna withdraws one → the admin closes
//   round 0 and curates on the curation page: accepts one suggestion (with
//   its English wording), merges two, rejects one with a reason → prepares
//   and opens round 1, which asks the curated items → Anna reads the
//   summary list (what became of each suggestion) and answers a curated
//   item.
//
// The steps are exported one by one (round0Steps) so the flow can be
// chained with others; round0Tests gives them as [name, fn] pairs for
// run.mjs. It ends with round 1 open. Every expert works in a browser
// context of their own.

import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROUND0_STUDY = 'e2e-runde0';

/**
 * The study the flow runs on: its id, file and German title. Another study
 * (e2e/consultation.mjs) needs the same two blocks (Aufgaben with A1,
 * Formate with F1), both languages and the groups verwaltung and
 * wissenschaft, so that the curation gives the same round 1.
 */
export const ROUND0 = {
  id: ROUND0_STUDY,
  file: path.join(here, 'fixtures/round0-study.yaml'),
  title: 'E2E-Runde 0: Aufgaben einer Akademie',
};

/** Fills {{placeholders}}. */
function tr(texts, key, vars = {}) {
  let node = texts;
  for (const p of key.split('.')) node = node?.[p];
  if (typeof node !== 'string') throw new Error(`no text ${key}`);
  return node.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, k) => String(vars[k]));
}

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The state of the round 0 flow: the admin's page, the experts (key →
 * { link, page, context }). ctx as for cycleTests: { s, waitMs, de, en,
 * email, password, assert, until, launch, a11y, screenshot }.
 */
export function round0State() {
  return { staff: null, experts: {} };
}

export function round0Steps(ctx, st = round0State(), study = ROUND0) {
  const { s, de, assert, a11y } = ctx;
  const ID = study.id;
  const button = (page, name) => page.getByRole('button', { name, exact: true });

  async function newPage(options = {}) {
    const browser = await ctx.launch();
    const context = await browser.newContext({ baseURL: s.base, viewport: { width: 1280, height: 900 }, locale: 'de-DE', timezoneId: 'Europe/Berlin', ...options });
    const page = await context.newPage();
    page.setDefaultTimeout(ctx.waitMs);
    page.on('pageerror', (err) => console.log(`# page error: ${err.message}`));
    return { context, page };
  }

  /** A JSON request as the signed-in admin (cookie session with its CSRF header). */
  async function api(method, url, body) {
    const page = st.staff;
    const cookies = await page.context().cookies();
    const csrf = cookies.find((c) => c.name === 'er_csrf')?.value ?? '';
    const r = await page.request.fetch(url, { method, data: body, headers: { 'X-CSRF-Token': csrf } });
    assert(r.ok(), `${method} ${url}: ${r.status()} ${await r.text()}`);
    return r.json();
  }

  async function roundsPage() {
    const page = st.staff;
    await page.goto(`/surveys/${ID}/rounds`);
    await page.getByRole('heading', { level: 1, name: new RegExp(`^${escapeRe(de.rounds.title)}`) }).waitFor();
    return page;
  }
  const roundRow = (n) => st.staff.locator(`tr[data-round="${n}"]`);
  const roundStatus = (n, status) => roundRow(n).getByText(de.rounds[`status_${status}`], { exact: true }).waitFor();
  async function prepare(heading) {
    const region = st.staff.getByRole('region', { name: heading, exact: true });
    const d = new Date(Date.now() + 7 * 86400_000).toISOString().slice(0, 10);
    await region.getByLabel(de.rounds.deadline, { exact: true }).fill(`${d}T18:00`);
    await region.getByRole('button', { name: heading, exact: true }).click();
  }

  async function noHorizontalOverflow(page, width) {
    const w = await page.evaluate(() => document.scrollingElement.scrollWidth);
    assert(w <= width, `the page is ${w} px wide at a ${width} px viewport`);
  }

  /** One suggestion in a block of the round 0 page. */
  async function suggest(page, block, text, rationale) {
    const region = page.getByRole('region', { name: block, exact: true });
    await region.getByLabel(de.round0.text, { exact: true }).fill(text);
    await region.getByLabel(de.round0.rationale, { exact: true }).fill(rationale);
    await region.getByRole('button', { name: de.round0.add, exact: true }).click();
    await region.getByText(text, { exact: true }).waitFor();
  }

  return {
    async importStudy() {
      const { page } = await newPage();
      st.staff = page;
      await page.goto('/login');
      await page.getByLabel(de.login.email, { exact: true }).fill(ctx.email);
      await page.getByLabel(de.login.password, { exact: true }).fill(ctx.password());
      await button(page, de.login.submit).click();
      await page.getByRole('heading', { level: 1, name: de.studies.title }).waitFor();
      const upload = page.getByRole('region', { name: de.studies.upload.title });
      await upload.getByLabel(de.studies.upload.file, { exact: true }).setInputFiles(study.file);
      await upload.getByRole('button', { name: de.studies.upload.submit }).click();
      await page.getByRole('link', { name: study.title, exact: true }).waitFor();
      for (const [key, p] of Object.entries({
        anna: { name: 'Anna Runde', email: `anna.${ID}@example.org`, group: 'verwaltung', language: 'de' },
        ben: { name: 'Ben Runde', email: `ben.${ID}@example.org`, group: 'wissenschaft', language: 'de' },
      })) {
        const x = await api('POST', `/api/v1/surveys/${ID}/experts`, p);
        const l = await api('POST', `/api/v1/surveys/${ID}/experts/${x.id}/link`);
        st.experts[key] = { link: new URL(l.link, s.base).pathname };
      }
    },

    async openRound0() {
      const page = await roundsPage();
      await page.getByText(de.round0.prepare0).waitFor();
      await prepare(de.rounds.createFirst);
      await roundStatus(0, 'draft');
      await roundRow(0).getByRole('button', { name: de.rounds.open, exact: true }).click();
      await roundStatus(0, 'open');
      await a11y(page, 'the rounds page with round 0 open');
    },

    async suggestions() {
      const anna = await newPage({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
      st.experts.anna = { ...st.experts.anna, ...anna };
      const page = anna.page;
      await page.goto(st.experts.anna.link);
      await button(page, de.participation.consent).click();
      await page.getByText(tr(de, 'round0.intro', { max: 3 })).waitFor();
      await a11y(page, 'round 0 for an expert on a 360 px phone');
      await suggest(page, 'Aufgaben', 'Beratung kleiner Gemeinden', 'Die Verwaltungen sind klein.');
      await suggest(page, 'Aufgaben', 'Netzwerk der Bürgermeister', 'Austausch fehlt.');
      await suggest(page, 'Formate', 'Zurückzuziehen', 'ein Versehen');
      const own = page.getByRole('region', { name: 'Formate', exact: true }).locator('li', { hasText: 'Zurückzuziehen' });
      await own.getByRole('button', { name: de.round0.withdraw, exact: true }).click();
      await page.getByRole('status').filter({ hasText: de.round0.withdrawn }).waitFor();
      await noHorizontalOverflow(page, 360);
      await a11y(page, 'round 0 with suggestions on a 360 px phone');
      await ctx.screenshot(page, 'round0-expert-phone');

      const ben = await newPage();
      st.experts.ben = { ...st.experts.ben, ...ben };
      await ben.page.goto(st.experts.ben.link);
      await button(ben.page, de.participation.consent).click();
      await suggest(ben.page, 'Aufgaben', 'Vernetzung der Verwaltungen', 'Voneinander lernen.');
      await suggest(ben.page, 'Formate', 'Mehr Geld für alles', '');
    },

    async curate() {
      const page = await roundsPage();
      await roundRow(0).getByRole('button', { name: de.rounds.close, exact: true }).click();
      await roundRow(0).getByRole('group', { name: de.rounds.close }).getByRole('button', { name: de.rounds.close, exact: true }).click();
      await roundStatus(0, 'closed');
      await page.getByRole('link', { name: de.round0.curationLink, exact: true }).click();
      await page.getByRole('heading', { level: 1, name: new RegExp(`^${escapeRe(de.round0.curationTitle)}`) }).waitFor();
      const row = (text) => page.locator('tr', { hasText: text });
      const pick = async (text) => row(text).getByRole('checkbox').check();
      await row('Beratung kleiner Gemeinden').waitFor();
      await a11y(page, 'the curation page with four suggestions');
      await ctx.screenshot(page, 'round0-curation');

      // Accept one, with its English wording.
      await pick('Beratung kleiner Gemeinden');
      const make = page.getByRole('region', { name: de.round0.make, exact: true });
      await make.getByLabel(tr(de, 'round0.wording', { language: 'en' }), { exact: true }).fill('Advice to small municipalities');
      await button(page, de.round0.make).click();
      await page.locator('li[data-item="r0-1"]').waitFor();

      // Merge two.
      await pick('Netzwerk der Bürgermeister');
      await pick('Vernetzung der Verwaltungen');
      await make.getByLabel(de.round0.actionLabel, { exact: true }).selectOption('merge');
      await make.getByLabel(tr(de, 'round0.wording', { language: 'de' }), { exact: true }).fill('Vernetzung der Verwaltungen und Bürgermeister');
      await make.getByLabel(tr(de, 'round0.wording', { language: 'en' }), { exact: true }).fill('Networking administrations and mayors');
      await make.getByLabel(de.round0.reason, { exact: true }).fill('zwei Vorschläge zum selben Thema');
      await button(page, de.round0.make).click();
      await page.locator('li[data-item="r0-2"]').waitFor();

      // Reject one with a reason.
      const rej = row('Mehr Geld für alles');
      await rej.getByRole('button', { name: de.round0.reject, exact: true }).click();
      await rej.getByLabel(de.round0.rejectReason, { exact: true }).fill('Keine Aufgabe der Akademie.');
      await rej.getByRole('button', { name: de.round0.rejectConfirm, exact: true }).click();
      await rej.getByText('Keine Aufgabe der Akademie.').waitFor();
      await a11y(page, 'the curation page after accept, merge and reject');
    },

    async openRound1() {
      const page = await roundsPage();
      await page.getByText(de.round0.prepare1).waitFor();
      await prepare(de.rounds.createFirst);
      await roundStatus(1, 'draft');
      const items = await (await page.request.get(`/api/v1/surveys/${ID}/rounds/1`)).json();
      const ids = items.items.map((ri) => ri.item.id);
      assert(JSON.stringify(ids) === JSON.stringify(['A1', 'r0-1', 'r0-2', 'F1']), `round 1 asks ${ids}`);
      await roundRow(1).getByRole('button', { name: de.rounds.open, exact: true }).click();
      await roundStatus(1, 'open');
    },

    async summaryAndAnswer() {
      const { page } = st.experts.anna;
      await page.goto(st.experts.anna.link);
      await page.getByText(de.round0.summaryTitle).click();
      await page.getByText(tr(de, 'round0.outcome.accepted', { items: '„Beratung kleiner Gemeinden“' })).waitFor();
      await page.getByText(tr(de, 'round0.outcome.merged', { items: '„Vernetzung der Verwaltungen und Bürgermeister“' })).first().waitFor();
      await page.getByText(tr(de, 'round0.outcome.rejected', { reason: 'Keine Aufgabe der Akademie.' })).waitFor();
      const text = await page.locator('.round0-summary').textContent();
      assert(!/E-[A-Z0-9]{3,}/.test(text ?? ''), 'the summary shows a pseudonym');
      await noHorizontalOverflow(page, 360);
      await a11y(page, 'the summary list of round 0 in round 1');
      await button(page, de.participation.start).click();
      await page
        .getByRole('group', { name: 'Beratung kleiner Gemeinden', exact: true })
        .getByRole('radio', { name: /^4 / })
        .check();
      await page.getByRole('status').filter({ hasText: de.participation.saved }).waitFor();
    },

    async close() {
      for (const x of Object.values(st.experts)) await x.context?.close();
      await st.staff?.context().close();
    },
  };
}

/**
 * The round 0 flow as [name, fn] pairs, in order; names begin with prefix.
 * st is the flow's state (round0State), for a flow that goes on from it.
 */
export function round0Tests(ctx, { study = ROUND0, prefix = 'round 0', st = round0State() } = {}) {
  const steps = round0Steps(ctx, st, study);
  const pairs = [
    ['round 0: the admin imports a study with round 0 and adds two experts', steps.importStudy],
    ['round 0: round 0 is prepared and opened on the rounds page', steps.openRound0],
    ['round 0: experts suggest items per block (one on a 360 px phone) and withdraw one', steps.suggestions],
    ['round 0: the admin closes round 0 and curates: accept, merge, reject with a reason', steps.curate],
    ['round 0: round 1 is prepared with the curated items and opened', steps.openRound1],
    ['round 0: an expert reads the summary list and answers a curated item', steps.summaryAndAnswer],
    ['round 0: the browsers close', steps.close],
  ];
  return pairs.map(([name, fn]) => [name.replace(/^round 0/, prefix), fn]);
}

/**
 * The whole flow in one call, ending with round 1 open (the browsers stay
 * open unless close); returns its state (the experts' links in st.experts).
 */
export async function round0Flow(ctx, { close = false, study = ROUND0 } = {}) {
  const st = round0State();
  const steps = round0Steps(ctx, st, study);
  for (const step of ['importStudy', 'openRound0', 'suggestions', 'curate', 'openRound1', 'summaryAndAnswer']) await steps[step]();
  if (close) await steps.close();
  return st;
}
