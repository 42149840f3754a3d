import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { fixtureSurvey } from '../test/fixture';
import { adminUser, mockFetch, renderAt, type Handler } from '../test/utils';
import { board, round1, round2, transitions2 } from './fixture';
import { attrition, flow } from './flowFixture';

const api = '/api/v1/surveys/demo-2026';

function mockResults(extra: Record<string, Handler> = {}) {
  return mockFetch({
    'GET /api/v1/me': { body: adminUser },
    [`GET ${api}`]: { body: fixtureSurvey },
    [`GET ${api}/results/overview`]: { body: board },
    [`GET ${api}/rounds/1/results`]: { body: round1 },
    [`GET ${api}/rounds/2/results`]: { body: round2 },
    [`GET ${api}/rounds/2/transitions`]: { body: transitions2 },
    ...extra,
  });
}

describe('the flow and attrition views of the results', () => {
  it('are two more tabs, loaded when opened', async () => {
    const calls = mockResults({
      [`GET ${api}/results/flow`]: { body: flow },
      [`GET ${api}/results/attrition`]: { body: attrition },
    });
    const { router } = renderAt('/surveys/demo-2026/results');
    const user = userEvent.setup();
    await screen.findByRole('table', { name: 'Konsens je Item und Runde (gesamt)' });
    expect(calls.some((c) => c.url.endsWith('/results/flow'))).toBe(false);

    await user.click(screen.getByRole('tab', { name: 'Teilnahmefluss' }));
    const fig = await screen.findByRole('img', { name: /^Teilnahme- und Fragenfluss/ });
    expect(within(screen.getByRole('region', { name: 'Teilnahme- und Fragenfluss' })).getByRole('table')).toBeInTheDocument();
    expect(fig).toHaveTextContent('Ausgeschieden nach Runde 1: 3');
    expect(router.state.location?.search).toContain('view=flow');

    await user.click(screen.getByRole('tab', { name: 'Ausfälle' }));
    expect(await screen.findByRole('table', { name: /^Nach Runde 1 \(Runde 2\)/ })).toBeInTheDocument();
  });

  it('show the API error with a retry', async () => {
    let fail = true;
    mockResults({
      [`GET ${api}/results/flow`]: () =>
        fail ? { status: 503, body: { error: { code: 'unavailable', message: 'down' } } } : { body: flow },
    });
    renderAt('/surveys/demo-2026/results?view=flow');
    const alert = await screen.findByRole('alert');
    fail = false;
    await userEvent.click(within(alert).getByRole('button'));
    expect(await screen.findByRole('img', { name: /^Teilnahme- und Fragenfluss/ })).toBeInTheDocument();
  });
});
