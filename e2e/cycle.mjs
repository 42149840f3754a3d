// The whole Delphi cycle in the browser (issue #7), on a study of its own
// (fixtures/zyklus-study.yaml, imported through the study list's upload):
//
//   admin logs in and imports the study (an invalid file first: the 422
//   details with line and column) → imports the panel from XLSX in the panel
//   dialog (fixtures/zyklus-panel.xlsx: Anna de, Ben en, Clara de) → creates
//   and opens round 1 on the rounds page → sends the invitations, which the
//   in-process SMTP receiver (smtp.mjs) captures; the links come from the
//   mails → Anna answers on a 360 px phone, Ben in English (his comment is
//   an XSS probe), Clara leaves half-way and resumes in a fresh browser →
//   round 1 closes, round 2 opens, new invitations → Ben keeps his answers,
//   Anna revises towards the group, Clara sees Ben's comment as plain text,
//   revises outside the IQR and must justify → round 2 closes → a
//   researcher (created through the admin API) reads the consensus board and
//   the item detail and downloads the Excel export, which is read back
//   (xlsx.mjs) and checked against the answers given.
//
// Every expert works in a browser context of their own (fresh profile).
// Registered by run.mjs after the other tests.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseMail } from './smtp.mjs';
import { readXlsx } from './xlsx.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const STUDY_FILE = path.join(here, 'fixtures/zyklus-study.yaml');
const PANEL_FILE = path.join(here, 'fixtures/zyklus-panel.xlsx');
const ID = 'e2e-zyklus';
const XSS = '<img src=x onerror=alert(1)><script>alert(2)</script>';
const JUSTIFICATION = 'Bei uns fährt der Rufbus kaum jemand; das Geld fehlt anderswo.';

/** Fills {{placeholders}}; picks key_one/key_other for a count. */
export function tr(texts, key, vars = {}) {
  let node = texts;
  const parts = key.split('.');
  const last = parts.pop();
  for (const p of parts) node = node[p];
  let s = node[last];
  if (s === undefined && 'count' in vars) s = node[`${last}_${vars.count === 1 ? 'one' : 'other'}`];
  if (typeof s !== 'string') throw new Error(`no text ${key}`);
  return s.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, k) => String(vars[k]));
}

export const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Returns [name, fn] pairs. ctx: { s (base, browser slot), waitMs (the
 * pages' default wait), de, en, email, password, assert, until, smtp
 * (SmtpCatcher), launch() → Browser, screenshot(page, name) }.
 */
export function cycleTests(ctx) {
  const { s, de, en, assert, until, smtp, a11y } = ctx;
  const st = {
    def: null,
    staff: null, // the admin's page
    experts: {}, // key → { email, name, lang, links: [], pseudonym }
    pages: {}, // key → { context, page }
    dialogs: [], // messages of every JS dialog any page opened
    researcher: { email: 'forschung@example.org', password: 'e2e-research-' + Date.now().toString(36) },
  };
  const PEOPLE = {
    anna: { email: 'anna.albrecht@example.org', name: 'Anna Albrecht', lang: 'de' },
    ben: { email: 'ben.baker@example.org', name: 'Ben Baker', lang: 'en' },
    clara: { email: 'clara.conrad@example.org', name: 'Clara Conrad', lang: 'de' },
  };

  async function newPage(options = {}) {
    const browser = await ctx.launch();
    const context = await browser.newContext({
      baseURL: s.base,
      viewport: { width: 1280, height: 900 },
      locale: 'de-DE',
      timezoneId: 'Europe/Berlin',
      ...options,
    });
    const page = await context.newPage();
    page.setDefaultTimeout(ctx.waitMs);
    page.on('dialog', (d) => {
      st.dialogs.push(d.message());
      void d.dismiss().catch(() => {});
    });
    page.on('pageerror', (err) => console.log(`# page error: ${err.message}`));
    return { context, page };
  }

  const item = (id) => st.def.sections.flatMap((x) => x.items).find((x) => x.id === id);
  const card = (page, id) => page.locator(`article[data-item="${id}"]`);
  const rate = (page, id, lang, value) =>
    page
      .getByRole('group', { name: item(id).text[lang], exact: true })
      .getByRole('radio', { name: new RegExp(`^${value} `) })
      .check();
  const saved = (page, texts) => page.getByRole('status').filter({ hasText: texts.participation.saved }).waitFor();
  const button = (page, name) => page.getByRole('button', { name, exact: true });

  /** Scrolls an element to the top of the viewport, below a sticky bar. */
  const scrollBelowHeader = (locator) =>
    locator.evaluate((el) => window.scrollBy(0, el.getBoundingClientRect().top - 56));

  async function noHorizontalOverflow(page, width) {
    const w = await page.evaluate(() => document.scrollingElement.scrollWidth);
    assert(w <= width, `the page is ${w} px wide at a ${width} px viewport`);
  }

  /** The personal link in the latest mail to an address (text and HTML part agree). */
  function linkFromMail(email, after = 0) {
    const mails = smtp.messages.slice(after).map(parseMail).filter((m) => m.to.includes(email));
    assert(mails.length === 1, `${mails.length} mails to ${email} (want 1)`);
    const m = mails[0];
    const re = new RegExp(`${escapeRe(s.base)}/p/[A-Za-z0-9_-]{20,}`, 'g');
    const inText = m.text.match(re) ?? [];
    const inHtml = m.html.match(re) ?? [];
    assert(inText.length >= 1, `no link in the text part of the mail to ${email}:\n${m.text.slice(0, 500)}`);
    assert(inHtml.includes(inText[0]), `the HTML part of the mail to ${email} lacks the text part's link`);
    return { link: inText[0], mail: m };
  }

  async function sendInvitations(round, total) {
    const page = st.staff;
    const before = smtp.messages.length;
    await page.goto(`/surveys/${ID}/rounds/${round}/invitations`);
    await page.getByRole('heading', { level: 1, name: tr(de, 'mail.title', { n: round }) }).waitFor();
    await button(page, de.mail.sendInvitations).click();
    await page.getByRole('dialog', { name: de.mail.sendInvitations }).getByRole('button', { name: de.mail.sendNow }).click();
    const done = `${de.mail.invitations}: ${tr(de, 'mail.progress', { sent: total, total, failed: 0 })}`;
    // The page polls while the job runs; the last poll shows the final count.
    await page.getByText(done, { exact: true }).waitFor();
    await until(() => smtp.messages.length - before === total, `${smtp.messages.length - before} mails received, want ${total}`);
    return before;
  }

  async function roundsPage() {
    const page = st.staff;
    await page.goto(`/surveys/${ID}/rounds`);
    await page.getByRole('heading', { level: 1, name: new RegExp(`^${escapeRe(de.rounds.title)}`) }).waitFor();
    return page;
  }

  /** Fills the deadline of the "prepare round" form and submits it. */
  async function prepareRound(heading, submit) {
    const page = st.staff;
    const region = page.getByRole('region', { name: heading, exact: true });
    const d = new Date(Date.now() + 7 * 86400_000).toISOString().slice(0, 10);
    await region.getByLabel(de.rounds.deadline, { exact: true }).fill(`${d}T18:00`);
    await region.getByRole('button', { name: submit, exact: true }).click();
  }

  const roundRow = (n) => st.staff.locator(`tr[data-round="${n}"]`);
  const roundStatus = (n, status) => roundRow(n).getByText(de.rounds[`status_${status}`], { exact: true }).waitFor();

  /** Consent (first visit), the welcome page, and the first section. */
  async function enter(page, link, texts, { consent, feedbackRound, resume } = {}) {
    await page.goto(link);
    if (consent) {
      await page.getByRole('heading', { level: 2, name: texts.participation.privacyTitle }).waitFor();
      await button(page, texts.participation.consent).click();
    }
    if (feedbackRound) await page.getByText(tr(texts, 'participation.feedbackIntro', { round: feedbackRound })).waitFor();
    await button(page, resume ? texts.participation.continue : texts.participation.start).click();
    await page.getByRole('heading', { level: 1, name: st.def.sections[0].title[texts === en ? 'en' : 'de'] }).waitFor();
  }

  async function submitRound(page, texts) {
    await page.getByRole('navigation', { name: texts.participation.sections }).getByRole('button', { name: texts.participation.submitStep }).click();
    await page.getByRole('heading', { level: 1, name: texts.participation.submitTitle }).waitFor();
    await button(page, texts.participation.submit).click();
    await page.getByText(texts.participation.thanks).waitFor();
  }

  const summary = (texts, lang, { median, q1, q3, n }) => {
    const num = (v) => new Intl.NumberFormat(lang).format(v);
    return [
      tr(texts, 'feedback.median', { value: num(median) }),
      tr(texts, 'feedback.iqr', { q1: num(q1), q3: num(q3) }),
      tr(texts, 'feedback.answers', { count: n }),
    ].join(', ');
  };

  return [
    [
      'cycle: the admin logs in and imports a study file; an invalid one lists its problems by line and column',
      async () => {
        const { page } = await newPage();
        st.staff = page;
        await page.goto('/login');
        await page.getByRole('heading', { level: 1, name: de.login.title }).waitFor();
        await ctx.screenshot(page, 'login');
        await page.getByLabel(de.login.email, { exact: true }).fill(ctx.email);
        await page.getByLabel(de.login.password, { exact: true }).fill(ctx.password());
        await button(page, de.login.submit).click();
        await page.getByRole('heading', { level: 1, name: de.studies.title }).waitFor();

        const yaml = await readFile(STUDY_FILE, 'utf8');
        const lines = yaml.split('\n');
        const at = lines.findIndex((l) => /^\s*type: rating$/.test(l));
        assert(at >= 0, 'the fixture has no rating item');
        lines[at] = lines[at].replace('rating', 'ratng');
        const column = lines[at].indexOf('ratng') + 1;

        const upload = page.getByRole('region', { name: de.studies.upload.title });
        const input = upload.getByLabel(de.studies.upload.file, { exact: true });
        await input.setInputFiles({ name: 'zyklus-kaputt.yaml', mimeType: 'application/yaml', buffer: Buffer.from(lines.join('\n')) });
        await upload.getByRole('button', { name: de.studies.upload.submit }).click();
        const alert = upload.getByRole('alert');
        await alert.waitFor();
        await a11y(page, 'the study list with the problems of an invalid study file');
        const detail = alert.getByRole('listitem').filter({ hasText: 'ratng' });
        const text = await detail.textContent();
        const where = tr(de, 'studies.upload.at', { line: at + 1, column });
        assert(text.startsWith(`${where}: `), `the problem reads ${JSON.stringify(text)}, want it to start with ${where}`);
        assert((await page.getByRole('link', { name: /E2E-Zyklus/ }).count()) === 0, 'the invalid study was imported');

        await input.setInputFiles(STUDY_FILE);
        await upload.getByRole('button', { name: de.studies.upload.submit }).click();
        const title = 'E2E-Zyklus: Mobilität in Kleinstädten';
        await upload.getByRole('status').filter({ hasText: tr(de, 'studies.upload.created', { title, revision: 1 }) }).waitFor();
        assert((await upload.getByRole('alert').count()) === 0, 'the error of the invalid file is still shown');
        await page.getByRole('link', { name: title, exact: true }).waitFor();
        await ctx.screenshot(page, 'study-import');
        await page.setViewportSize({ width: 360, height: 740 });
        await noHorizontalOverflow(page, 360); // the upload form and its messages fit a phone
        await page.setViewportSize({ width: 1280, height: 900 });
        await page.getByRole('link', { name: title, exact: true }).click();
        await page.getByRole('heading', { level: 1, name: title }).waitFor();
        await a11y(page, 'the imported study’s page');
        const r = await page.request.get(`/api/v1/surveys/${ID}`);
        assert(r.status() === 200, `GET the imported study: ${r.status()}`);
        st.def = (await r.json()).definition;
      },
    ],
    [
      'cycle: the panel is imported from an XLSX file through the panel page’s dialog',
      async () => {
        const page = st.staff;
        // The study home's checklist links each step to its page.
        await page.getByRole('link', { name: de.home.panel.link, exact: true }).click();
        await page.getByRole('heading', { level: 1, name: de.panel.title }).waitFor();
        await page.getByText(de.panel.empty).waitFor();
        await a11y(page, 'the empty panel page');
        await button(page, de.panel.importButton).click();
        const dialog = page.getByRole('dialog', { name: de.panel.import.title });
        await dialog.getByLabel(de.panel.import.file, { exact: true }).setInputFiles(PANEL_FILE);
        await dialog.getByRole('button', { name: de.panel.import.check, exact: true }).click();
        const summaryText = tr(de, 'panel.import.summary', { rows: 3, added: 3, updated: 0, unchanged: 0, rejected: 0 });
        await dialog.getByRole('status').filter({ hasText: summaryText }).waitFor();
        for (const p of Object.values(PEOPLE)) await dialog.getByRole('cell', { name: p.email, exact: true }).waitFor();
        await ctx.screenshot(page, 'panel-import');
        await a11y(page, 'the panel import dialog after the check');
        await dialog.getByRole('button', { name: tr(de, 'panel.import.confirm', { count: 3 }) }).click();
        await dialog.getByRole('status').filter({ hasText: tr(de, 'panel.import.done', { added: 3, updated: 0, rejected: 0 }) }).waitFor();
        await dialog.getByRole('button', { name: de.panel.close, exact: true }).last().click();
        await page.getByText(tr(de, 'panel.count', { shown: 3, total: 3 })).waitFor();
        const table = page.getByRole('table', { name: de.panel.tableCaption });
        const ben = table.getByRole('row').filter({ hasText: PEOPLE.ben.email });
        await ben.getByRole('cell', { name: de.languageNames.en, exact: true }).waitFor();
        await ben.getByRole('cell', { name: 'Wissenschaft', exact: true }).waitFor(); // "Research" in the file: the English label
        const clara = table.getByRole('row').filter({ hasText: PEOPLE.clara.email });
        await clara.getByRole('cell', { name: de.languageNames.de, exact: true }).waitFor();
        await a11y(page, 'the panel page with three experts');
      },
    ],
    [
      'cycle: round 1 is created and opened on the rounds page; the invitations arrive by SMTP with working links',
      async () => {
        const page = await roundsPage();
        await page.getByText(de.rounds.none).waitFor();
        await prepareRound(de.rounds.createFirst, de.rounds.createFirst);
        await roundStatus(1, 'draft');
        await roundRow(1).getByRole('button', { name: de.rounds.open, exact: true }).click();
        await roundStatus(1, 'open');
        await a11y(page, 'the rounds page with round 1 open');

        const before = await sendInvitations(1, 3);
        await page.getByText(de.mail.running).waitFor({ state: 'detached' }); // the job is done
        await page.evaluate(() => window.scrollTo(0, 0));
        await ctx.screenshot(page, 'invitations');
        await a11y(st.staff, 'the invitations page after sending');
        for (const [key, p] of Object.entries(PEOPLE)) {
          const { link, mail } = linkFromMail(p.email, before);
          const want = p.lang === 'en' ? /^Invitation: E2E cycle: mobility in small towns, round 1$/ : /^Einladung: E2E-Zyklus: Mobilität in Kleinstädten, Runde 1$/;
          assert(want.test(mail.subject), `subject of the mail to ${p.email}: ${mail.subject}`);
          const greeting = p.lang === 'en' ? `Dear ${p.name},` : p.name;
          assert(mail.text.includes(greeting), `the mail to ${p.email} does not greet ${p.name}:\n${mail.text.slice(0, 300)}`);
          st.experts[key] = { ...p, links: [link] };
        }
        assert(new Set(Object.values(st.experts).map((x) => x.links[0])).size === 3, 'two experts got the same link');
      },
    ],
    [
      'cycle round 1: Anna answers on a 360 px phone',
      async () => {
        const { context, page } = await newPage({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
        st.pages.anna = { context, page };
        await enter(page, st.experts.anna.links[0], de, { consent: true });
        await noHorizontalOverflow(page, 360);
        await a11y(page, 'round 1 on a 360 px phone');
        await rate(page, 'M1', 'de', 5);
        await rate(page, 'M2', 'de', 5);
        await card(page, 'M2').getByRole('textbox', { name: de.participation.comment }).fill('Radwege verbinden die Orte auch für Jugendliche.');
        await saved(page, de);
        await page.evaluate(() => window.scrollTo(0, 0));
        await ctx.screenshot(page, 'expert-phone');
        await noHorizontalOverflow(page, 360);
        await button(page, de.participation.next).click();
        await rate(page, 'M3', 'de', 1);
        await submitRound(page, de);
        await noHorizontalOverflow(page, 360);
      },
    ],
    [
      'cycle round 1: Ben’s page is in English (his language in the panel), and he leaves an XSS probe as comment',
      async () => {
        const { context, page } = await newPage(); // a German browser: the language comes from the panel
        st.pages.ben = { context, page };
        await enter(page, st.experts.ben.links[0], en, { consent: true });
        const lang = await page.evaluate(() => document.documentElement.lang);
        assert(lang === 'en', `html lang is ${lang}`);
        await page.getByRole('group', { name: item('M1').text.en, exact: true }).waitFor();
        await a11y(page, 'round 1 in English');
        await rate(page, 'M1', 'en', 4);
        await card(page, 'M1').getByRole('textbox', { name: en.participation.comment }).fill(XSS);
        await rate(page, 'M2', 'en', 5);
        await saved(page, en);
        await button(page, en.participation.next).click();
        await page.getByRole('heading', { level: 1, name: st.def.sections[1].title.en }).waitFor();
        await rate(page, 'M3', 'en', 2);
        await submitRound(page, en);
      },
    ],
    [
      'cycle round 1: Clara leaves half-way and resumes in a fresh browser, where her answers come from the server',
      async () => {
        const first = await newPage();
        await enter(first.page, st.experts.clara.links[0], de, { consent: true });
        await rate(first.page, 'M1', 'de', 4);
        await rate(first.page, 'M2', 'de', 5);
        await saved(first.page, de);
        await first.context.close();

        const { context, page } = await newPage();
        st.pages.clara = { context, page };
        await page.goto(st.experts.clara.links[0]);
        await page.getByText(tr(de, 'participation.progress', { done: 2, total: 3 })).first().waitFor();
        await button(page, de.participation.continue).click();
        for (const [id, v] of [
          ['M1', 4],
          ['M2', 5],
        ]) {
          const radio = page.getByRole('group', { name: item(id).text.de, exact: true }).getByRole('radio', { name: new RegExp(`^${v} `) });
          assert(await radio.isChecked(), `${id}: ${v} is not checked after resuming`);
        }
        await button(page, de.participation.next).click();
        await rate(page, 'M3', 'de', 2);
        await submitRound(page, de);
      },
    ],
    [
      'cycle: the coordinator closes round 1 and opens round 2 on the rounds page; new links go out',
      async () => {
        const page = await roundsPage();
        const r1 = roundRow(1);
        await r1.getByRole('button', { name: de.rounds.close, exact: true }).click();
        await r1.getByRole('group', { name: de.rounds.close }).getByRole('button', { name: de.rounds.close, exact: true }).click();
        await roundStatus(1, 'closed');
        const heading = tr(de, 'rounds.prepareNext', { round: 2 });
        const carry = page.getByRole('region', { name: heading }).getByLabel(de.rounds.carryOver, { exact: true });
        const mode = await carry.inputValue();
        assert(mode === 'all', `carry-over preset ${mode}, want the study's "all"`);
        await prepareRound(heading, de.rounds.create);
        await roundStatus(2, 'draft');
        await roundRow(2).getByRole('button', { name: de.rounds.open, exact: true }).click();
        await roundStatus(2, 'open');

        const before = await sendInvitations(2, 3);
        for (const key of Object.keys(PEOPLE)) {
          const { link, mail } = linkFromMail(PEOPLE[key].email, before);
          assert(mail.subject.endsWith(PEOPLE[key].lang === 'en' ? 'round 2' : 'Runde 2'), `round-2 subject: ${mail.subject}`);
          assert(link !== st.experts[key].links[0], `${key} got the old link again`);
          st.experts[key].links.push(link);
        }
      },
    ],
    [
      'cycle round 2: Ben sees the panel’s feedback and his own answers in English, and keeps them',
      async () => {
        const { page } = st.pages.ben;
        await enter(page, st.experts.ben.links[1], en, { feedbackRound: 1 });
        const c = card(page, 'M1');
        const answer = `4 – ${st.def.scales[0].points[3].label.en}`;
        await c.getByText(tr(en, 'participation.previousAnswer', { round: 1, answer }), { exact: true }).waitFor();
        const fb = c.getByRole('region', { name: tr(en, 'feedback.title', { round: 1 }) });
        // Round 1 on M1: Anna 5, Ben 4, Clara 4.
        await fb.getByText(summary(en, 'en', { median: 4, q1: 4, q3: 4.5, n: 3 }), { exact: true }).waitFor();
        await fb.getByText(XSS, { exact: false }).waitFor();
        await a11y(page, 'round 2 in English, with feedback');
        // "Keep all my unchanged answers" of each section keeps M1 and M2, then M3.
        const keepAll = (n) => button(page, tr(en, 'participation.keepAll', { count: n }));
        await keepAll(2).click();
        await page.getByText(tr(en, 'participation.keptAll', { count: 2, round: 1 })).waitFor();
        assert((await keepAll(2).count()) === 0, 'the keep-all button is still offered');
        await saved(page, en);
        await button(page, en.participation.next).click();
        await keepAll(1).click();
        await saved(page, en);
        assert((await page.getByRole('textbox', { name: en.participation.justification }).count()) === 0, 'Ben was asked for a justification');
        await submitRound(page, en);
      },
    ],
    [
      'cycle round 2: Anna moves towards the group on her phone and is not asked for a justification',
      async () => {
        const { page } = st.pages.anna;
        await enter(page, st.experts.anna.links[1], de, { feedbackRound: 1 });
        // On the phone the panel's feedback comes before the answer options.
        const m1 = card(page, 'M1');
        const fb = m1.getByRole('region', { name: new RegExp(`^${escapeRe(tr(de, 'feedback.title', { round: 1 }))}`) });
        const options = page.getByRole('group', { name: item('M1').text.de, exact: true });
        const [f, o] = [await fb.boundingBox(), await options.boundingBox()];
        assert(f.y + f.height <= o.y + 1, 'the feedback does not come before the options on the phone');
        await fb.getByRole('img', { name: new RegExp(`^${escapeRe(tr(de, 'feedback.median', { value: 4 }))}`) }).locator('svg').waitFor();
        await noHorizontalOverflow(page, 360);
        await a11y(page, 'round 2 with feedback on a 360 px phone');
        await scrollBelowHeader(m1);
        await ctx.screenshot(page, 'round2-phone');
        await rate(page, 'M1', 'de', 4); // from 5, outside the IQR 4–4.5, to 4
        await card(page, 'M2').getByRole('button', { name: de.participation.keepAnswer }).click();
        await noHorizontalOverflow(page, 360);
        await button(page, de.participation.next).click();
        await rate(page, 'M3', 'de', 2); // from 1, outside the IQR 1.5–2, to 2
        assert((await page.getByRole('textbox', { name: de.participation.justification }).count()) === 0, 'Anna was asked for a justification');
        await submitRound(page, de);
      },
    ],
    [
      'cycle round 2: Clara sees the XSS probe as text, revises outside the IQR and must justify it',
      async () => {
        const { page } = st.pages.clara;
        // The round-1 link was replaced by the new invitation.
        await page.goto(st.experts.clara.links[0]);
        await page.getByRole('alert').filter({ hasText: de.participation.linkInvalid }).waitFor();

        await enter(page, st.experts.clara.links[1], de, { feedbackRound: 1 });
        const c = card(page, 'M1');
        await c.getByText(tr(de, 'participation.previousAnswer', { round: 1, answer: `4 – ${st.def.scales[0].points[3].label.de}` }), { exact: true }).waitFor();
        const fb = c.getByRole('region', { name: tr(de, 'feedback.title', { round: 1 }) });
        await fb.getByText(summary(de, 'de', { median: 4, q1: 4, q3: 4.5, n: 3 }), { exact: true }).waitFor();
        const comment = fb.getByRole('listitem').filter({ hasText: XSS });
        await comment.waitFor();
        assert(await comment.isVisible(), 'the comment is not visible');
        const injected = await page.evaluate(() => ({
          img: document.querySelectorAll('img[src="x"]').length,
          scripts: [...document.querySelectorAll('script')].filter((x) => x.textContent.includes('alert(')).length,
          inFeedback: document.querySelectorAll('.feedback img, .feedback script').length,
        }));
        assert(injected.img === 0 && injected.scripts === 0 && injected.inFeedback === 0, `elements from the comment: ${JSON.stringify(injected)}`);
        await scrollBelowHeader(c);
        await ctx.screenshot(page, 'round2-feedback');

        await rate(page, 'M1', 'de', 1);
        const justification = c.getByRole('textbox', { name: de.participation.justification });
        await justification.waitFor();
        assert((await justification.getAttribute('aria-required')) === 'true', 'the justification is not marked required');
        await c.getByText(de.participation.justificationHint).waitFor();
        await card(page, 'M2').getByRole('button', { name: de.participation.keepAnswer }).click();
        await saved(page, de);
        await button(page, de.participation.next).click();
        await card(page, 'M3').getByRole('button', { name: de.participation.keepAnswer }).click();
        await saved(page, de);

        // Submitting is refused, naming the item: in the page, and by the server.
        await page.getByRole('navigation', { name: de.participation.sections }).getByRole('button', { name: de.participation.submitStep }).click();
        const missing = page.getByRole('alert').filter({ hasText: de.participation.justificationsMissing });
        await missing.getByRole('button', { name: item('M1').text.de, exact: true }).waitFor();
        assert(await button(page, de.participation.submit).isDisabled(), 'submitting is possible without the justification');
        await a11y(page, 'the submit page naming a missing justification');
        const csrf = (await page.context().cookies()).find((x) => x.name === 'er_expert_csrf')?.value ?? '';
        const r = await page.request.post('/api/v1/participation/submit', { headers: { 'X-CSRF-Token': csrf } });
        const body = await r.json().catch(() => null);
        assert(
          r.status() === 422 && body?.error?.field === 'justification' && body?.error?.item === 'M1' && body?.error?.details?.[0]?.item === 'M1',
          `submit without justification: ${r.status()} ${JSON.stringify(body)}`,
        );

        // The link leads to the justification field itself.
        await missing.getByRole('button', { name: item('M1').text.de, exact: true }).click();
        await until(() => justification.evaluate((el) => el === document.activeElement), 'the justification field does not have the focus');
        await justification.fill(JUSTIFICATION);
        await saved(page, de);
        await page.getByRole('navigation', { name: de.participation.sections }).getByRole('button', { name: de.participation.submitStep }).click();
        await page.getByRole('heading', { level: 1, name: de.participation.submitTitle }).waitFor();
        assert((await missing.count()) === 0, 'the justification is still reported missing');
        await button(page, de.participation.submit).click();
        await page.getByText(de.participation.thanks).waitFor();
        assert(st.dialogs.length === 0, `JavaScript dialogs opened: ${JSON.stringify(st.dialogs)}`);
      },
    ],
    [
      'cycle: round 2 closes; a researcher sees the consensus board and the item detail',
      async () => {
        await roundsPage();
        const r2 = roundRow(2);
        await r2.getByRole('button', { name: de.rounds.close, exact: true }).click();
        await r2.getByRole('group', { name: de.rounds.close }).getByRole('button', { name: de.rounds.close, exact: true }).click();
        await roundStatus(2, 'closed');
        for (const { context } of Object.values(st.pages)) await context.close();

        const admin = await fetch(`${s.base}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ email: ctx.email, password: ctx.password() }),
        }).then((x) => x.json());
        const created = await fetch(`${s.base}/api/v1/users`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${admin.token}` },
          body: JSON.stringify({ email: st.researcher.email, name: 'Forschung', role: 'researcher', password: st.researcher.password, survey_ids: [ID] }),
        });
        assert(created.status === 201 || created.status === 200, `POST /api/v1/users: ${created.status} ${await created.text()}`);

        const { page } = await newPage();
        st.research = page;
        await page.goto('/login');
        await page.getByLabel(de.login.email, { exact: true }).fill(st.researcher.email);
        await page.getByLabel(de.login.password, { exact: true }).fill(st.researcher.password);
        await button(page, de.login.submit).click();
        await page.getByRole('heading', { level: 1, name: de.studies.title }).waitFor();
        const title = st.def.title.de;
        await page.getByRole('link', { name: title, exact: true }).waitFor();
        assert((await page.locator('.study-card').count()) === 1, 'the researcher sees other studies');
        assert((await page.getByRole('region', { name: de.studies.upload.title }).count()) === 0, 'a researcher is offered the study import');
        await page.getByRole('link', { name: title, exact: true }).click();
        await page.getByRole('link', { name: de.home.responses.link }).click();
        const table = page.getByRole('table', { name: de.results.board.caption });
        await table.waitFor();
        // Round 1: M1 5,4,4 (in); M2 5,5,5 (in); M3 1,2,2 (out).
        // Round 2: M1 4,4,1 (none); M2 5,5,5 (in); M3 2,2,2 (out).
        const want = { M1: ['consensus_in', 'none'], M2: ['consensus_in', 'consensus_in'], M3: ['consensus_out', 'consensus_out'] };
        for (const [id, outcomes] of Object.entries(want)) {
          const cells = table.locator(`tr[data-row="${id}"] td`);
          await until(async () => (await cells.count()) === 2, `${id}: the board has no two round cells`);
          const got = await cells.evaluateAll((tds) => tds.map((td) => td.dataset.outcome));
          assert(JSON.stringify(got) === JSON.stringify(outcomes), `${id} on the board: ${got}, want ${outcomes}`);
          for (const td of await cells.all()) {
            const text = await td.textContent();
            assert(text.includes(tr(de, 'results.nShort', { n: 3 })), `${id}: a cell without n = 3: ${text}`);
          }
        }
        await ctx.screenshot(page, 'consensus-board');
        await a11y(page, 'the consensus board');

        await table.locator('tr[data-row="M1"]').getByRole('button').click();
        const detail = page.getByRole('article').filter({ has: page.getByRole('heading', { level: 2, name: new RegExp(`^${escapeRe(item('M1').text.de)}`) }) });
        await detail.waitFor();
        await detail.getByText(XSS, { exact: false }).first().waitFor();
        await detail.getByText(JUSTIFICATION, { exact: false }).first().waitFor();
        const injected = await page.evaluate(() => document.querySelectorAll('img[src="x"]').length);
        assert(injected === 0 && st.dialogs.length === 0, `the comment became markup for the researcher (${injected} img, dialogs ${st.dialogs})`);
        await detail.getByRole('img').first().locator('svg').waitFor();
        await a11y(page, 'the item detail with its charts');
        await scrollBelowHeader(detail);
        await ctx.screenshot(page, 'item-detail');
      },
    ],
    [
      'cycle: the Excel export downloaded from the results page has the sheets and the numbers of the rounds',
      async () => {
        const page = st.research;
        await page.getByRole('button', { name: de.results.backToBoard }).click();
        const link = page.getByRole('link', { name: de.results.exportXlsx });
        const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
        const name = download.suggestedFilename();
        assert(/^e2e-zyklus_ergebnisse_\d{4}-\d{2}-\d{2}\.xlsx$/.test(name), `file name ${name}`);
        const file = await download.path();
        const sheets = readXlsx(await readFile(file));
        const names = sheets.map((x) => x.name);
        for (const want of ['Übersicht', 'Runde 1', 'Runde 2', 'Rundenvergleich', 'Nach Gruppen', 'Kommentare', 'Rohdaten', 'Codebuch']) {
          assert(names.includes(want), `sheet ${want} missing: ${names}`);
        }
        assert(names.includes('Fluss') && names.includes('Ausfälle'), `the flow and attrition sheets are missing: ${names}`);
        const sheet = (n) => sheets.find((x) => x.name === n).rows;
        const row = (rows, id) => {
          const head = rows[0];
          const r = rows.find((x) => x?.[head.indexOf('Frage')] === id);
          assert(r, `no row for ${id}`);
          return Object.fromEntries(head.map((h, i) => [h, r[i]]));
        };
        const want = {
          'Runde 1': { M1: { n: 3, Median: 4, Q1: 4, Q3: 4.5, Konsens: 'Konsens' }, M3: { n: 3, Median: 2, Konsens: 'ablehnender Konsens' } },
          'Runde 2': { M1: { n: 3, Median: 4, Q1: 2.5, Q3: 4, Konsens: 'kein Konsens' }, M2: { n: 3, 'Zustimmung %': 100, Konsens: 'Konsens' } },
        };
        for (const [sh, items] of Object.entries(want)) {
          for (const [id, cols] of Object.entries(items)) {
            const r = row(sheet(sh), id);
            for (const [col, v] of Object.entries(cols)) assert(r[col] === v, `${sh} ${id} ${col} = ${r[col]}, want ${v}`);
          }
        }
        const across = row(sheet('Rundenvergleich'), 'M1');
        assert(across['n R1'] === 3 && across['n R2'] === 3, `Rundenvergleich M1: ${JSON.stringify(across)}`);

        const comments = sheet('Kommentare').flat();
        assert(comments.includes(XSS), 'the XSS probe is not in the comments sheet as text');
        assert(comments.includes(JUSTIFICATION), 'Clara’s justification is not in the comments sheet');
        assert(!comments.some((x) => typeof x === 'string' && /^E-[A-Z0-9]{4}$/.test(x)), 'the comments sheet names a pseudonym');

        // Raw data: one row per expert and round; M1's values as answered.
        const raw = sheet('Rohdaten');
        const head = raw[0];
        const [ri, m1] = [head.indexOf('round'), head.indexOf('M1')];
        assert(ri >= 0 && m1 >= 0, `raw data header: ${head}`);
        const values = (n) => raw.slice(1).filter((x) => x?.[ri] === n).map((x) => x[m1]).sort();
        assert(JSON.stringify(values(1)) === '[4,4,5]', `M1 in round 1: ${values(1)}`);
        assert(JSON.stringify(values(2)) === '[1,4,4]', `M1 in round 2: ${values(2)}`);
      },
    ],
    [
      'cycle: the sensitivity tab shows round 2 under alternative rules, and the analysis bundle downloads',
      async () => {
        const page = st.research;
        await page.getByRole('tab', { name: de.results.tabs.sensitivity }).click();
        const table = page.getByRole('table', { name: de.results.sensitivity.caption });
        await table.waitFor();
        // Round 2 (the latest): M1 4,4,1 → n 3, agreement 66.7 %.
        const cells = table.locator('tr[data-row="M1"] td');
        await until(async () => (await cells.count()) > 6, 'M1 has no row of outcomes');
        const [n, agreement] = await cells.evaluateAll((tds) => tds.slice(0, 2).map((td) => td.textContent));
        assert(n === '3' && agreement === '66,7', `M1: n ${n}, agreement ${agreement}`);
        await a11y(page, 'the sensitivity tab');
        await ctx.screenshot(page, 'sensitivity');
        const link = page.getByRole('link', { name: de.results.exportBundle });
        const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
        const name = download.suggestedFilename();
        assert(/^e2e-zyklus_ergebnisse_\d{4}-\d{2}-\d{2}\.zip$/.test(name), `bundle file name ${name}`);
        const zip = await readFile(await download.path());
        assert(zip.subarray(0, 2).toString() === 'PK' && zip.includes('scripts/reproduce.py'), 'the bundle is no ZIP with reproduce.py');
      },
    ],
  ];
}
