// Arguments between rounds in the browser (issue #20), on a study of its own
// (fixtures/arguments-study.yaml, arguments: true):
//
//   round 1 is open → Anna and Ben each post a pro and a con argument on A1
//   in their questionnaires and rate each other's (once; never their own) →
//   the admin, as coordinator, hides Anna's pro argument with a reason on the
//   results' item detail, where every argument shows its pseudonym and
//   ratings → round 1 closes, round 2 opens → Anna sees A1's top pro and con
//   arguments of round 1 beside its statistics (the hidden one absent), on a
//   wide screen and on a 360 px phone.
//
// argumentsSetup imports the study and prepares the panel and round 1
// through the API; argumentsFlow takes any open round of a study with
// arguments: true (min_ratings 1, top 1, max_per_item 2, carry-over of the
// item) and two experts' links (consented or not yet), the item being one
// the round asks in its first section, so another flow (round 0 and
// curation, e2e/consultation.mjs) can lead into it. Registered by run.mjs
// (argumentsTests).

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { escapeRe, tr } from './cycle.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const STUDY_FILE = path.join(here, 'fixtures/arguments-study.yaml');
const ID = 'e2e-argumente';
const ITEM = 'A1';

// The arguments; the one hidden is the best-rated pro argument.
const TEXT = {
  annaPro: 'Leerstand zieht weiteren Leerstand nach sich; wer früh kauft, steuert.',
  annaCon: 'Die Gemeinde hat kein Geld für Immobilien.',
  benPro: 'Eigene Flächen erlauben günstige Mieten für Gründer.',
  benCon: '=HYPERLINK("http://example.org") Der Markt regelt das schneller.',
};
const HIDE_REASON = 'Enthält eine Unterstellung gegen eine Person.';

/** An API call as staff (Bearer) or anonymous; returns the decoded body, failing on another status. */
async function api(ctx, method, url, { token, body, type = 'application/json', want = 200 } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = type;
  const res = await fetch(ctx.s.base + url, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  ctx.assert(res.status === want, `${method} ${url}: ${res.status}, want ${want}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

/** A fresh browser context and page of its own (one per person). */
export async function newPage(ctx, options = {}) {
  const browser = await ctx.launch();
  const context = await browser.newContext({ baseURL: ctx.s.base, viewport: { width: 1280, height: 900 }, locale: 'de-DE', timezoneId: 'Europe/Berlin', ...options });
  const page = await context.newPage();
  page.setDefaultTimeout(ctx.waitMs);
  page.on('pageerror', (err) => console.log(`# page error: ${err.message}`));
  return { context, page };
}

/** The admin's Bearer token (a login through the API). */
export async function adminToken(ctx) {
  const { token } = await api(ctx, 'POST', '/api/v1/auth/login', { body: { email: ctx.email, password: ctx.password() } });
  return token;
}

/**
 * Imports the study, adds Anna and Ben (two groups) with personal links, and
 * creates and opens round 1, all through the API as the admin. Returns the
 * study for argumentsFlow: { id, def, token, experts: { anna, ben } }, each
 * expert { link (the path /p/…) }.
 */
export async function argumentsSetup(ctx) {
  const token = await adminToken(ctx);
  await api(ctx, 'POST', `/api/v1/surveys?filename=arguments-study.yaml`, { token, body: await readFile(STUDY_FILE, 'utf8'), type: 'application/yaml', want: 201 });
  const def = (await api(ctx, 'GET', `/api/v1/surveys/${ID}`, { token })).definition;
  const experts = {};
  for (const [key, group] of [
    ['anna', 'verwaltung'],
    ['ben', 'handel'],
  ]) {
    const x = await api(ctx, 'POST', `/api/v1/surveys/${ID}/experts`, { token, body: { name: key, email: `${key}.argumente@example.org`, group, language: 'de' }, want: 201 });
    const issued = await api(ctx, 'POST', `/api/v1/surveys/${ID}/experts/${x.id}/link`, { token });
    experts[key] = { link: new URL(issued.link).pathname };
  }
  const deadline = new Date(Date.now() + 7 * 86400_000).toISOString();
  const r = await api(ctx, 'POST', `/api/v1/surveys/${ID}/rounds`, { token, body: { deadline }, want: 201 });
  await api(ctx, 'POST', `/api/v1/surveys/${ID}/rounds/${r.number}/open`, { token });
  return { id: ID, def, token, experts };
}

/**
 * The arguments of the open round n through round n+1's feedback (see the
 * top of this file). study: { id, def, token (an admin's Bearer token),
 * experts: { anna, ben } with their link paths, consented (true when they
 * have consented already, e.g. in round 0), round (n, default 1), item
 * (default A1; any item round n asks in the definition's first section,
 * a curated one too; a rating item is answered too) }; ctx as for
 * cycleTests.
 */
export async function argumentsFlow(ctx, study) {
  const { de, assert, a11y } = ctx;
  const itemId = study.item ?? ITEM;
  const round = study.round ?? 1;
  const asked = (await api(ctx, 'GET', `/api/v1/surveys/${study.id}/rounds/${round}`, { token: study.token })).items;
  const ri = asked.find((x) => x.item.id === itemId);
  assert(ri, `round ${round} does not ask ${itemId}: ${asked.map((x) => x.item.id)}`);
  assert(ri.section_id === study.def.sections[0].id, `${itemId} is in ${ri.section_id}, not in the first section`);
  const item = ri.item;
  const consent = !study.consented;
  const card = (page) => page.locator(`article[data-item="${itemId}"]`);
  const args = (page) => card(page).locator('details.q-arguments');
  const argument = (page, text) => args(page).locator('li.argument').filter({ hasText: text });
  const button = (page, name) => page.getByRole('button', { name, exact: true });

  /** Opens the expert's questionnaire at its first section. */
  async function enter(page, link, { consent } = {}) {
    await page.goto(link);
    if (consent) {
      await page.getByRole('heading', { level: 2, name: de.participation.privacyTitle }).waitFor();
      await button(page, de.participation.consent).click();
    }
    await page.getByRole('button', { name: new RegExp(`^(${escapeRe(de.participation.start)}|${escapeRe(de.participation.continue)})$`) }).click();
    await page.getByRole('heading', { level: 1, name: study.def.sections[0].title.de }).waitFor();
    await card(page).waitFor();
  }

  /** Opens the item's arguments (a closed details element when there are none yet). */
  async function openArguments(page) {
    const d = args(page);
    await d.waitFor();
    if (!(await d.evaluate((el) => el.open))) await d.locator('summary').click();
  }

  async function post(page, stance, text) {
    await openArguments(page);
    const form = args(page).locator('form.argument-form').last();
    await form.getByRole('radio', { name: stance === 'pro' ? de.arguments.stancePro : de.arguments.stanceCon }).check();
    await form.getByLabel(de.arguments.text, { exact: true }).fill(text);
    await form.getByRole('button', { name: de.arguments.post, exact: true }).click();
    await argument(page, text).waitFor();
  }

  async function rate(page, text, value) {
    const li = argument(page, text);
    await li.getByRole('button', { name: tr(de, 'arguments.rateValue', { value }), exact: true }).click();
    await li.getByText(tr(de, 'arguments.myRating', { value }), { exact: true }).waitFor();
    assert((await li.getByRole('group', { name: de.arguments.rate }).count()) === 0, `${text}: the rating is still offered after rating once`);
  }

  const answer = async (page, value) => {
    if (item.type !== 'rating') return;
    await page.getByRole('group', { name: item.text.de, exact: true }).getByRole('radio', { name: new RegExp(`^${value} `) }).check();
  };

  const anna = await newPage(ctx);
  const ben = await newPage(ctx);
  try {
    // Round 1: Anna answers and posts a pro and a con argument.
    await enter(anna.page, study.experts.anna.link, { consent });
    await answer(anna.page, 4);
    await args(anna.page).getByText(tr(de, 'arguments.heading', { count: 0 })).waitFor();
    await post(anna.page, 'pro', TEXT.annaPro);
    await post(anna.page, 'con', TEXT.annaCon);
    // Two arguments is this study's limit per item: no third form.
    await args(anna.page).getByText(tr(de, 'arguments.limit', { max: 2 })).waitFor();
    const own = argument(anna.page, TEXT.annaPro);
    await own.getByText(de.arguments.own, { exact: false }).waitFor();
    assert((await own.getByRole('group', { name: de.arguments.rate }).count()) === 0, 'Anna is offered to rate her own argument');
    await a11y(anna.page, 'an item with the expert’s own arguments');

    // Ben reads Anna's arguments, rates them, and posts his own.
    await enter(ben.page, study.experts.ben.link, { consent });
    await answer(ben.page, 2);
    await argument(ben.page, TEXT.annaPro).waitFor();
    await a11y(ben.page, 'an item with another expert’s arguments to rate');
    const names = await args(ben.page).innerText();
    assert(!/E-[A-Z0-9]{4}/.test(names), `Ben's page shows a pseudonym among the arguments: ${names}`);
    await rate(ben.page, TEXT.annaPro, 5);
    await rate(ben.page, TEXT.annaCon, 2);
    await post(ben.page, 'pro', TEXT.benPro);
    await post(ben.page, 'con', TEXT.benCon);
    await a11y(ben.page, 'an item with rated and own arguments');

    // Anna sees Ben's arguments (after loading the page again) and rates them.
    await enter(anna.page, study.experts.anna.link);
    await argument(anna.page, TEXT.benCon).waitFor();
    await rate(anna.page, TEXT.benPro, 3);
    await rate(anna.page, TEXT.benCon, 4);

    // The admin hides Anna's pro argument (the best-rated one) on the results' item detail.
    const staff = await newPage(ctx);
    try {
      const { page } = staff;
      await page.goto('/login');
      await page.getByLabel(de.login.email, { exact: true }).fill(ctx.email);
      await page.getByLabel(de.login.password, { exact: true }).fill(ctx.password());
      await button(page, de.login.submit).click();
      await page.getByRole('heading', { level: 1, name: de.studies.title }).waitFor();
      await page.goto(`/surveys/${study.id}/results?item=${itemId}`);
      const region = page.getByRole('region', { name: tr(de, 'arguments.staffTitle', { count: 4 }) });
      await region.waitFor();
      const row = region.locator('tr').filter({ hasText: TEXT.annaPro });
      const rowText = await row.innerText();
      assert(/E-[A-Z0-9]{4}/.test(rowText), `the researchers' row shows no pseudonym: ${rowText}`);
      await row.getByRole('button', { name: de.arguments.hide, exact: true }).click();
      await row.getByLabel(de.arguments.hideReason, { exact: true }).fill(HIDE_REASON);
      await a11y(page, 'the item detail with the arguments and the hiding form');
      await row.getByRole('button', { name: de.arguments.hideConfirm, exact: true }).click();
      await row.getByText(tr(de, 'arguments.hidden', { reason: HIDE_REASON })).waitFor();
      await row.getByRole('button', { name: de.arguments.unhide, exact: true }).waitFor();
      await a11y(page, 'the item detail with a hidden argument');
      await ctx.screenshot(page, 'arguments-staff');
    } finally {
      await staff.context.close();
    }
    // Hidden: gone from the experts' lists.
    await enter(ben.page, study.experts.ben.link);
    await argument(ben.page, TEXT.benPro).waitFor();
    assert((await argument(ben.page, TEXT.annaPro).count()) === 0, 'the hidden argument is still shown to Ben');

    // Round n closes, round n+1 opens.
    await api(ctx, 'POST', `/api/v1/surveys/${study.id}/rounds/${round}/close`, { token: study.token });
    const deadline = new Date(Date.now() + 7 * 86400_000).toISOString();
    const r2 = await api(ctx, 'POST', `/api/v1/surveys/${study.id}/rounds`, { token: study.token, body: { deadline }, want: 201 });
    await api(ctx, 'POST', `/api/v1/surveys/${study.id}/rounds/${r2.number}/open`, { token: study.token });

    // Round n+1: Anna sees the top pro and con arguments of round n in the item's feedback.
    await anna.page.goto(study.experts.anna.link);
    await anna.page.getByText(tr(de, 'participation.feedbackIntro', { round })).waitFor();
    await enter(anna.page, study.experts.anna.link);
    const fb = card(anna.page).getByRole('region', { name: new RegExp(`^${escapeRe(tr(de, 'feedback.title', { round }))}`) });
    const top = fb.getByTestId('top-arguments');
    await top.getByText(tr(de, 'arguments.topTitle', { round })).waitFor();
    await top.getByText(TEXT.benPro).waitFor(); // the best pro but the hidden one (3 of 5)
    await top.getByText(TEXT.benCon).waitFor(); // the best con (4 of 5, Anna's con has 2)
    for (const absent of [TEXT.annaPro, TEXT.annaCon]) {
      assert((await top.getByText(absent).count()) === 0, `the top arguments show ${absent}`);
    }
    await a11y(anna.page, 'round 2 with the top arguments in the feedback');
    await ctx.screenshot(anna.page, 'arguments-feedback');
    // Round 2 starts without arguments of its own.
    await args(anna.page).getByText(tr(de, 'arguments.heading', { count: 0 })).waitFor();

    // On a phone the feedback with the top arguments fits the width.
    await anna.page.setViewportSize({ width: 360, height: 740 });
    await top.getByText(TEXT.benCon).waitFor();
    const w = await anna.page.evaluate(() => document.scrollingElement.scrollWidth);
    assert(w <= 360, `round 2 with the top arguments is ${w} px wide at a 360 px viewport`);
    await a11y(anna.page, 'round 2 with the top arguments at 360 px');
  } finally {
    await anna.context.close();
    await ben.context.close();
  }
}

/** Returns [name, fn] pairs for run.mjs; ctx as for cycleTests. */
export function argumentsTests(ctx) {
  let study = null;
  return [
    [
      'arguments: a study with arguments: true, two experts and round 1 open (through the API)',
      async () => {
        study = await argumentsSetup(ctx);
      },
    ],
    [
      'arguments: experts argue and rate in round 1, a coordinator hides one, round 2 shows the top pro and con arguments',
      async () => {
        ctx.assert(study, 'the set-up failed');
        await argumentsFlow(ctx, study);
      },
    ],
  ];
}
