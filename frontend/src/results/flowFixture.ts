// Flow and attrition reports for the tests of their views.
import type { Attrition, AttritionComparison, Flow } from './flowApi';

// The numbers of the API test TestFlowAndAttritionAPI (two rounds, one
// decline, three drop-outs), in the fixture study's groups.
export const flow: Flow = {
  recruited: 6,
  recruited_by_group: { pol: 3, civ: 3 },
  groups: ['pol', 'civ'],
  rounds: [
    {
      round: 1,
      status: 'closed',
      participants: { panel: 6, invited: 6, invited_mail: 0, invited_link: 6, opened: 5, started: 5, submitted: 5, declined: 0, continued: null, dropped_out: null, dropped_out_declined: null },
      by_group: {
        pol: { panel: 3, invited: 3, invited_mail: 0, invited_link: 3, opened: 2, started: 2, submitted: 2, declined: 0, continued: null, dropped_out: null, dropped_out_declined: null },
        civ: { panel: 3, invited: 3, invited_mail: 0, invited_link: 3, opened: 3, started: 3, submitted: 3, declined: 0, continued: null, dropped_out: null, dropped_out_declined: null },
      },
      items: { total: 9, initial: 9, carried: 0, changed: 0, new: 0, dropped: 0, consensus_in: 1, consensus_out: 0, consensus_none: 3 },
    },
    {
      round: 2,
      status: 'closed',
      participants: { panel: 5, invited: 3, invited_mail: 0, invited_link: 3, opened: 3, started: 2, submitted: 2, declined: 1, continued: 2, dropped_out: 3, dropped_out_declined: 1 },
      by_group: {
        pol: { panel: 3, invited: 2, invited_mail: 0, invited_link: 2, opened: 2, started: 1, submitted: 1, declined: 0, continued: 1, dropped_out: 1, dropped_out_declined: 0 },
        civ: { panel: 2, invited: 1, invited_mail: 0, invited_link: 1, opened: 1, started: 1, submitted: 1, declined: 1, continued: 1, dropped_out: 2, dropped_out_declined: 1 },
      },
      items: { total: 7, initial: 0, carried: 7, changed: 0, new: 0, dropped: 2, consensus_in: 0, consensus_out: 0, consensus_none: 3 },
    },
  ],
};

const cmp = (c: Partial<AttritionComparison> & Pick<AttritionComparison, 'test'>): AttritionComparison => ({
  n_left: 0,
  n_stayed: 0,
  median_left: null,
  median_stayed: null,
  flag: false,
  ...c,
});

// t1: the scipy fixture [1,2,2,3] vs [7,8,8,9,9,9] (p 0.0125, flagged);
// t2/imp: the API test's r2, exact p 0.2; civ: nobody stayed.
export const attrition: Attrition = {
  alpha: 0.05,
  rounds: [
    {
      round: 2,
      from: 1,
      left: 4,
      stayed: 6,
      left_by_group: { pol: 2, civ: 2 },
      stayed_by_group: { pol: 6 },
      flagged: 1,
      items: [
        {
          item_id: 't1',
          overall: cmp({ n_left: 4, n_stayed: 6, median_left: 2, median_stayed: 8.5, flag: true,
            test: { n1: 4, n2: 6, u1: 0, u2: 24, z: -2.497, p: 0.012502294736945453, method: 'normal' } }),
          by_group: {
            civ: cmp({ n_left: 2, median_left: 2.5, test: { n1: 2, n2: 0, u1: 0, u2: 0, z: null, p: null, method: '' } }),
          },
        },
        {
          item_id: 't2',
          criterion_id: 'imp',
          overall: cmp({ n_left: 3, n_stayed: 2, median_left: 4, median_stayed: 1.5,
            test: { n1: 3, n2: 2, u1: 6, u2: 0, z: 1.732, p: 0.2, method: 'exact' } }),
          by_group: {},
        },
      ],
    },
  ],
};
