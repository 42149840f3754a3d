// Browser tests of the expert's participation (issue #4): an expert answers
// round 1 through the personal link, reloads half-way, keeps answering while
// the network is cut, submits; the coordinator closes round 1 and opens
// round 2, which shows the panel's feedback next to the expert's own answers.
//
// Experts and links are created through the staff API (as admin, with a
// bearer token); the expert works in the browser. Registered by run.mjs.

const SURVEY_ID = 'kleinstadtakademie-2020';

/**
 * Returns [name, fn] pairs. ctx: { s (shared state: base, page), de, en,
 * email, password, assert, until }.
 */
export function participationTests(ctx) {
  const { s, de, assert, until, a11y } = ctx;
  const st = { admin: '', expert: null, link: '', others: [], def: null };

  async function api(method, path, { token = st.admin, body } = {}) {
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(s.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // not JSON
    }
    return { status: res.status, json, text };
  }

  async function must(method, path, opts, want = [200, 201]) {
    const r = await api(method, path, opts);
    assert(want.includes(r.status), `${method} ${path}: ${r.status} ${r.text.slice(0, 300)}`);
    return r.json;
  }

  const inDays = (d) => new Date(Date.now() + d * 86400_000).toISOString();

  /** An expert with a personal link; returns { id, pseudonym, token }. */
  async function newExpert(n, group) {
    const e = await must('POST', `/api/v1/surveys/${SURVEY_ID}/experts`, {
      body: { name: `E2E Expert ${n}`, email: `e2e-${n}-${Date.now()}@example.org`, group, language: 'de' },
    });
    const l = await must('POST', `/api/v1/surveys/${SURVEY_ID}/experts/${e.id}/link`, {});
    const token = new URL(l.link).pathname.split('/').pop();
    return { id: e.id, pseudonym: e.pseudonym, token };
  }

  /** An expert session for API calls (a second session beside the browser's). */
  async function expertToken(x) {
    const r = await must('POST', '/api/v1/participation/session', { token: '', body: { token: x.token } });
    return r.token;
  }

  const T01 = () => st.def.sections[0].items[0];
  /** A ranking with ties, added to the formats section in round 2. */
  const TIES_ITEM = {
    section_id: 'formate',
    item: {
      id: 'F99',
      type: 'ranking',
      ties: true,
      randomize_options: false,
      text: { de: 'Ordnen Sie die Ziele (Gleichstände erlaubt)', en: 'Rank the goals (ties allowed)' },
      options: [
        { id: 'alpha', label: { de: 'Alpha', en: 'Alpha' } },
        { id: 'beta', label: { de: 'Beta', en: 'Beta' } },
        { id: 'gamma', label: { de: 'Gamma', en: 'Gamma' } },
      ],
    },
  };
  const itemGroup = (page, item) => page.getByRole('group', { name: item.text.de, exact: true });
  const criterion = (page, item, label) => itemGroup(page, item).getByRole('group', { name: label, exact: true });
  const savedText = () => s.page.getByRole('status').filter({ hasText: de.participation.saved });

  async function rate(page, item, value) {
    for (const c of item.criteria) {
      await criterion(page, item, c.label.de).getByRole('radio', { name: new RegExp(`^${value} `) }).check();
    }
  }

  return [
    [
      'the coordinator opens round 1 and an expert gets a personal link',
      async () => {
        const login = await must('POST', '/api/v1/auth/login', { token: '', body: { email: ctx.email, password: ctx.password() } });
        st.admin = login.token;
        st.def = (await must('GET', `/api/v1/surveys/${SURVEY_ID}`)).definition;
        const r = await must('POST', `/api/v1/surveys/${SURVEY_ID}/rounds`, { body: { deadline: inDays(7) } });
        assert(r.number === 1 && r.status === 'draft', `round: ${JSON.stringify(r).slice(0, 200)}`);
        await must('POST', `/api/v1/surveys/${SURVEY_ID}/rounds/1/open`, {});
        st.expert = await newExpert(1, 'planungspraxis');
        // Two more experts answer T01 through the API, so round 2 has a panel to show.
        for (const [i, v] of [
          [2, 4],
          [3, 5],
        ]) {
          const x = await newExpert(i, 'politik-verwaltung');
          const tok = await expertToken(x);
          await must('POST', '/api/v1/participation/consent', { token: tok });
          const value = Object.fromEntries(T01().criteria.map((c) => [c.id, v]));
          await must('PUT', `/api/v1/participation/answers/${T01().id}`, { token: tok, body: { value, comment: `Kommentar von Person ${i}`, seq: 1 } });
          await must('POST', '/api/v1/participation/submit', { token: tok }); // the results count submitted experts
          st.others.push(x);
        }
      },
    ],
    [
      'the expert consents, answers round 1 and finds the answers again after a reload',
      async () => {
        const { page } = s;
        await page.setViewportSize({ width: 1280, height: 900 });
        await page.goto('/login');
        await page.evaluate(() => localStorage.setItem('er_lang', 'de'));
        await page.goto(`/p/${st.expert.token}`);
        await page.getByRole('heading', { level: 2, name: de.participation.privacyTitle }).waitFor();
        assert(!(await page.content()).includes(st.expert.token.slice(5, 25)), 'the page shows the link token');
        await a11y(page, 'the expert’s consent page');
        await page.getByRole('button', { name: de.participation.consent }).click();
        await page.getByRole('button', { name: de.participation.start }).waitFor();
        await a11y(page, 'the expert’s welcome page');
        await page.getByRole('button', { name: de.participation.start }).click();
        await page.getByRole('heading', { level: 1, name: st.def.sections[0].title.de }).waitFor();
        await rate(page, T01(), 2);
        await itemGroup(page, T01()).locator('..').getByRole('textbox', { name: de.participation.comment }).fill('Mein Kommentar aus Runde 1');
        await savedText().waitFor();
        await a11y(page, 'a section of round 1 with answers');

        await page.reload();
        await page.getByRole('button', { name: de.participation.continue }).click();
        const radio = criterion(page, T01(), T01().criteria[0].label.de).getByRole('radio', { name: /^2 / });
        await until(async () => radio.isChecked(), 'the answer is not checked after the reload');
        const comment = await itemGroup(page, T01()).locator('..').getByRole('textbox', { name: de.participation.comment }).inputValue();
        assert(comment === 'Mein Kommentar aus Runde 1', `comment after reload: ${comment}`);
      },
    ],
    [
      'answers given while the network is cut are queued and saved when it returns',
      async () => {
        const { page } = s;
        const pattern = '**/api/v1/participation/answers**'; // the batches of the outbox
        await page.route(pattern, (r) => r.abort());
        const [, t02, t03] = st.def.sections[0].items;
        await rate(page, t02, 4);
        await rate(page, t03, 5);
        await page.getByRole('status').filter({ hasText: de.participation.offline }).waitFor();
        const queued = await page.evaluate(() =>
          Object.keys(localStorage)
            .filter((k) => k.startsWith('er_outbox:'))
            .flatMap((k) => JSON.parse(localStorage.getItem(k)).pending.map((e) => e.itemId)),
        );
        assert(queued.includes(t02.id) && queued.includes(t03.id), `queued in storage: ${queued}`);
        await page.unroute(pattern);
        await savedText().waitFor();
        const tok = await expertToken(st.expert);
        const p = await must('GET', '/api/v1/participation', { token: tok });
        for (const [item, v] of [
          [t02, 4],
          [t03, 5],
        ]) {
          const a = p.answers[item.id];
          assert(a && Object.values(a.value).every((x) => x === v), `${item.id} on the server: ${JSON.stringify(a)}`);
        }
        assert(p.answers[T01().id]?.comment === 'Mein Kommentar aus Runde 1', 'T01 lost its comment');
      },
    ],
    [
      'the expert ranks the top 3 on a 360 px phone: an empty start, buttons, keyboard and drag, exactly the places saved',
      async () => {
        const { page } = s;
        const F11 = st.def.sections.flatMap((x) => x.items).find((x) => x.id === 'F11');
        const section = st.def.sections.find((x) => x.items.some((i) => i.id === 'F11'));
        assert(F11?.type === 'ranking' && F11.top_k === 3, 'the study has no top-3 ranking F11');
        const label = (id) => F11.options.find((o) => o.id === id).label.de;
        const fill = (tpl, vars) => tpl.replace(/\{\{(\w+)\}\}/g, (_, k) => String(vars[k]));
        await page.setViewportSize({ width: 360, height: 740 });
        await page.getByRole('navigation', { name: de.participation.sections }).getByRole('button', { name: new RegExp(`^${section.title.de}`) }).click();
        const card = page.locator('article[data-item="F11"]');
        const places = card.getByRole('list', { name: de.ranking.placesTitle });
        const pool = card.getByRole('list', { name: de.ranking.poolTitleShuffled });
        const poolOrder = () => pool.getByRole('listitem').evaluateAll((lis) => lis.map((li) => li.dataset.option));
        await card.getByText(fill(de.ranking.status, { filled: 0, k: 3 })).waitFor();
        assert((await places.locator('li[data-option]').count()) === 0, 'the ranking does not start empty');
        const shown = await poolOrder();
        assert(shown.length === F11.options.length, `the pool shows ${shown.length} options`);
        const add = (id) => card.getByRole('button', { name: new RegExp(`^${label(id)} auf Platz`) });

        // Buttons: three options in, the third moved up (the ↑ of a place no longer jumps back).
        await add('workshops').click();
        await add('webtalks').click();
        await add('exkursionen').click();
        await card.getByRole('button', { name: fill(de.ranking.up, { label: label('exkursionen') }) }).click();
        await card.getByText(fill(de.ranking.complete, { k: 3 })).waitFor();
        const w = await page.evaluate(() => document.scrollingElement.scrollWidth);
        assert(w <= 360, `the ranking makes the page ${w} px wide at 360 px`);
        await savedText().waitFor();
        await ctx.screenshot(page, 'ranking-phone');
        await a11y(page, 'a full ranking at 360 px');
        const tok = await expertToken(st.expert);
        const stored = async () => (await must('GET', '/api/v1/participation', { token: tok })).answers.F11?.value;
        await until(async () => JSON.stringify(await stored()) === JSON.stringify(['workshops', 'exkursionen', 'webtalks']), `F11 stored as ${JSON.stringify(await stored())}`);

        // Keyboard: take Webtalks out (✕, Enter) and put Bundestagung in (Space).
        await card.getByRole('button', { name: fill(de.ranking.remove, { label: label('webtalks') }) }).focus();
        await page.keyboard.press('Enter');
        await card.getByText(fill(de.ranking.status, { filled: 2, k: 3 })).waitFor();
        await add('bundestagung').focus();
        await page.keyboard.press('Space');
        await card.getByText(fill(de.ranking.complete, { k: 3 })).waitFor();
        await until(async () => JSON.stringify(await stored()) === JSON.stringify(['workshops', 'exkursionen', 'bundestagung']), `F11 stored as ${JSON.stringify(await stored())}`);

        // Drag: Webtalks from the options onto place 1 (the last place makes room).
        const handle = card.getByRole('button', { name: fill(de.ranking.handlePool, { label: label('webtalks') }) });
        const row = pool.locator('li[data-option="webtalks"]');
        // hover() scrolls the handle into view and waits until it stands still (the keyboard
        // step's focus may still be scrolling the page), so the boxes below are where the
        // pointer will find them.
        await handle.hover();
        const [h, r, to] = [await handle.boundingBox(), await row.boundingBox(), await places.locator('li[data-option]').first().boundingBox()];
        // Move the pointer so that the dragged row's centre lands on place 1's.
        const [x0, y0] = [h.x + h.width / 2, h.y + h.height / 2];
        const [dx, dy] = [to.x + to.width / 2 - (r.x + r.width / 2), to.y + to.height / 2 - (r.y + r.height / 2)];
        await page.mouse.move(x0, y0);
        // Wait for dnd-kit's own events, not for the clock: the handle is pressed once the drag
        // has started, and the live region names place 1 once the row is over it. On a busy
        // machine a drop sent before either has happened is a drop on nothing.
        await page.mouse.down();
        await page.mouse.move(x0, y0 - 8, { steps: 4 });
        await handle.and(page.locator('[aria-pressed="true"]')).waitFor();
        await page.mouse.move(x0 + dx, y0 + dy, { steps: 20 });
        await page.getByText(fill(de.ranking.over, { label: label('webtalks'), position: 1 }), { exact: true }).waitFor({ state: 'attached' });
        await page.mouse.up();
        await until(async () => JSON.stringify(await stored()) === JSON.stringify(['webtalks', 'workshops', 'exkursionen']), `after the drag F11 is stored as ${JSON.stringify(await stored())}`);

        // The options keep the expert's own order across a reload.
        const before = await poolOrder();
        await page.reload();
        await page.getByRole('button', { name: de.participation.continue }).click();
        await page.getByRole('navigation', { name: de.participation.sections }).getByRole('button', { name: new RegExp(`^${section.title.de}`) }).click();
        await places.locator('li[data-option]').first().waitFor();
        const after = await poolOrder();
        assert(JSON.stringify(after) === JSON.stringify(before), `the options' order changed on reload: ${before} → ${after}`);
        await page.setViewportSize({ width: 1280, height: 900 });
      },
    ],
    [
      'the expert submits round 1',
      async () => {
        const { page } = s;
        await page.getByRole('navigation', { name: de.participation.sections }).getByRole('button', { name: de.participation.submitStep }).click();
        await page.getByRole('heading', { level: 1, name: de.participation.submitTitle }).waitFor();
        await a11y(page, 'the submit page');
        await page.getByRole('button', { name: de.participation.submit }).click();
        await page.getByText(de.participation.thanks).waitFor();
        await a11y(page, 'the submit page after submitting');
        const tok = await expertToken(st.expert);
        const p = await must('GET', '/api/v1/participation', { token: tok });
        assert(p.response.submissions === 1 && p.response.submitted_at, `response: ${JSON.stringify(p.response)}`);
      },
    ],
    [
      'round 2 shows the panel feedback next to the expert’s own previous answer',
      async () => {
        const { page } = s;
        const closed = await must('POST', `/api/v1/surveys/${SURVEY_ID}/rounds/1/close`, {});
        assert(closed.status === 'closed' && closed.snapshot_at, `close: ${JSON.stringify(closed).slice(0, 200)}`);
        // Round 2 also asks a new ranking that allows ties (the last test answers it).
        const r2 = await must('POST', `/api/v1/surveys/${SURVEY_ID}/rounds`, { body: { deadline: inDays(7), carry_over: { mode: 'all' }, new_items: [TIES_ITEM] } });
        await must('POST', `/api/v1/surveys/${SURVEY_ID}/rounds/${r2.number}/open`, {});

        await page.goto(`/p/${st.expert.token}`);
        await page.getByText(de.participation.feedbackIntro.replace('{{round}}', '1')).waitFor();
        await page.getByRole('button', { name: de.participation.start }).click();
        const card = page.locator(`article[data-item="${T01().id}"]`);
        await card.getByText(/^Ihre Antwort in Runde 1: /).waitFor();
        // The previous answer is marked, not given: no radio is checked until the expert answers.
        const crit = T01().criteria[0];
        const prev = criterion(page, T01(), crit.label.de).getByRole('radio', { name: /^2 / });
        assert(!(await prev.isChecked()), 'the previous answer is checked before the expert gave it');
        assert(await prev.evaluate((el) => el.closest('li').classList.contains('previous')), 'the previous answer is not marked');
        assert((await itemGroup(page, T01()).getByRole('radio', { checked: true }).count()) === 0, 'a radio of T01 is checked');
        const feedback = card.getByRole('region', { name: de.feedback.title.replace('{{round}}', '1') });
        await feedback.waitFor();
        const text = await feedback.textContent();
        // Three experts answered T01 in round 1: 2, 4 and 5.
        assert(/Median 4, IQR 3–4,5, 3 Antworten/.test(text), `feedback text: ${text}`);
        await feedback.getByRole('img', { name: /Median 4/ }).first().waitFor();
        assert(text.includes('Kommentar von Person 2'), 'the comments of the previous round are missing');
        const html = await page.content();
        for (const x of st.others) assert(!html.includes(x.pseudonym), `the page names another expert (${x.pseudonym})`);

        // On a wide screen the feedback stands beside the answer, on a phone before it.
        const [fbBox, answerBox] = [await feedback.boundingBox(), await itemGroup(page, T01()).boundingBox()];
        assert(fbBox.x > answerBox.x + answerBox.width - 1, `the feedback is not beside the answer at 1280 px: ${JSON.stringify([fbBox, answerBox])}`);
        await a11y(page, 'a round-2 section with feedback');

        // Keeping the answer saves it; 2 lies outside the IQR, so a justification is asked for.
        await card.getByRole('button', { name: de.participation.keepAnswer }).click();
        await card.getByRole('textbox', { name: de.participation.justification }).waitFor();

        // A click on the marked previous answer itself is an answer (T02: 4 in round 1).
        const [, t02, t03] = st.def.sections[0].items;
        for (const c of t02.criteria) await criterion(page, t02, c.label.de).getByRole('radio', { name: /^4 / }).click();
        // "Keep all my unchanged answers" saves the rest of the section's carried answers (T03: 5).
        await page.getByRole('button', { name: new RegExp(`^${de.participation.keepAll.split('(')[0].trim()}`) }).click();
        await savedText().waitFor();
        const tok = await expertToken(st.expert);
        const answers = (await must('GET', '/api/v1/participation', { token: tok })).answers;
        for (const [item, v] of [
          [t02, 4],
          [t03, 5],
        ]) {
          assert(answers[item.id] && Object.values(answers[item.id].value).every((x) => x === v), `${item.id} in round 2: ${JSON.stringify(answers[item.id])}`);
        }

        await page.setViewportSize({ width: 360, height: 740 });
        const { scrollWidth } = await page.evaluate(() => ({ scrollWidth: document.scrollingElement.scrollWidth }));
        assert(scrollWidth <= 360, `the questionnaire is ${scrollWidth} px wide at 360 px`);
        const [fbPhone, answerPhone] = [await feedback.boundingBox(), await itemGroup(page, T01()).boundingBox()];
        assert(fbPhone.y + fbPhone.height <= answerPhone.y + 1, 'on a phone the feedback does not come before the answer options');
        await a11y(page, 'a round-2 section at 360 px');
        await page.setViewportSize({ width: 1280, height: 900 });
      },
    ],
    [
      'a ranking that allows ties: "same place as above" by keyboard, stored as competition places',
      async () => {
        const { page } = s;
        const fill = (tpl, vars) => tpl.replace(/\{\{(\w+)\}\}/g, (_, k) => String(vars[k]));
        const section = st.def.sections.find((x) => x.id === TIES_ITEM.section_id);
        await page.getByRole('navigation', { name: de.participation.sections }).getByRole('button', { name: new RegExp(`^${section.title.de}`) }).click();
        const card = page.locator('article[data-item="F99"]');
        await card.getByText(de.ranking.tiesHint, { exact: false }).waitFor();
        const add = (label) => card.getByRole('button', { name: new RegExp(`^${label} auf Platz`) });
        for (const l of ['Alpha', 'Beta', 'Gamma']) await add(l).click();
        await card.getByText(fill(de.ranking.complete, { k: 3 })).waitFor();
        // Place 1 has no switch; Beta joins Alpha on place 1 with the keyboard.
        assert((await card.getByRole('checkbox').count()) === 2, 'not one switch per place after the first');
        await card.getByRole('checkbox', { name: fill(de.ranking.tieLabel, { label: 'Beta', above: 'Alpha' }) }).focus();
        await page.keyboard.press('Space');
        await card.getByText(fill(de.ranking.tied, { label: 'Beta', position: 1 })).waitFor({ state: 'attached' });
        const shown = await card.locator('li[data-option] .rank').allTextContents();
        assert(JSON.stringify(shown) === JSON.stringify(['1', '1', '3']), `places shown: ${shown}`);
        await savedText().waitFor();
        await a11y(page, 'a ranking with a tie');
        const tok = await expertToken(st.expert);
        const want = JSON.stringify({ order: ['alpha', 'beta', 'gamma'], places: [1, 1, 3] });
        const stored = async () => JSON.stringify((await must('GET', '/api/v1/participation', { token: tok })).answers.F99?.value);
        await until(async () => (await stored()) === want, `F99 stored as ${await stored()}`);
      },
    ],
  ];
}
