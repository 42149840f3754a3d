// The whole consultation of issue #20 in the browser, on one study
// (fixtures/consultation-study.yaml: rounds.round0 and arguments: true):
//
//   round 0: Anna and Ben suggest items, the admin curates them (accept,
//   merge, reject) and round 1 opens with the curated items (round0.mjs's
//   steps) → in round 1 they argue pro and con on the merged, curated item
//   r0-2 and rate each other's, a coordinator hides one, round 1 closes and
//   round 2 opens → Anna sees r0-2's top pro and con arguments of round 1 in
//   its feedback, the hidden one absent (arguments.mjs's flow) → round 2's
//   welcome shows the feedback of round 1 and the summary list of round 0.
//
// It chains the two flows rather than repeating them: round0Tests on this
// study, then argumentsFlow on the experts who consented in round 0.
// Registered by run.mjs (consultationTests); axe runs on every state both
// flows stop at.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminToken, argumentsFlow, newPage } from './arguments.mjs';
import { tr } from './cycle.mjs';
import { round0State, round0Tests } from './round0.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const STUDY = {
  id: 'e2e-konsultation',
  file: path.join(here, 'fixtures/consultation-study.yaml'),
  title: 'E2E-Konsultation: Aufgaben einer Akademie',
};
// The item the experts argue on: the one merged from two suggestions.
const ITEM = 'r0-2';

/** Returns [name, fn] pairs for run.mjs; ctx as for cycleTests. */
export function consultationTests(ctx) {
  const st = round0State();
  const round0 = round0Tests(ctx, { study: STUDY, prefix: 'consultation', st });
  return [
    ...round0,
    [
      'consultation: in round 1 experts argue on a curated item, a coordinator hides one, round 2 shows its top pro and con arguments',
      async () => {
        const { anna, ben } = st.experts;
        ctx.assert(anna?.link && ben?.link, 'round 0 failed');
        const token = await adminToken(ctx);
        const res = await fetch(`${ctx.s.base}/api/v1/surveys/${STUDY.id}`, { headers: { Authorization: `Bearer ${token}` } });
        ctx.assert(res.ok, `GET the study: ${res.status}`);
        const { definition: def } = await res.json();
        await argumentsFlow(ctx, { id: STUDY.id, def, token, experts: { anna: { link: anna.link }, ben: { link: ben.link } }, consented: true, item: ITEM });
      },
    ],
    [
      'consultation: round 2 welcomes an expert with the feedback of round 1 and the summary list of round 0',
      async () => {
        const { de, a11y } = ctx;
        const { context, page } = await newPage(ctx);
        try {
          await page.goto(st.experts.anna.link);
          await page.getByText(tr(de, 'participation.feedbackIntro', { round: 1 })).waitFor();
          await page.getByText(de.round0.summaryTitle).click();
          await page.getByText(tr(de, 'round0.outcome.merged', { items: '„Vernetzung der Verwaltungen und Bürgermeister“' })).first().waitFor();
          await a11y(page, 'round 2’s welcome with the feedback intro and the summary list of round 0');
        } finally {
          await context.close();
        }
      },
    ],
  ];
}
