import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { board, round1, round2, transitions2 } from '../results/fixture';
import { attrition, flow } from '../results/flowFixture';
import type { Board, RoundResults } from '../api/types';
import { fixtureSurvey } from '../test/fixture';
import { adminUser, mockFetch, renderAt, type Handler } from '../test/utils';

const api = '/api/v1/surveys/demo-2026';

function mockResults(extra: Record<string, Handler> = {}) {
  return mockFetch({
    'GET /api/v1/me': { body: adminUser },
    [`GET ${api}`]: { body: fixtureSurvey },
    [`GET ${api}/results/overview`]: { body: board },
    [`GET ${api}/rounds/1/results`]: { body: round1 },
    [`GET ${api}/rounds/2/results`]: { body: round2 },
    [`GET ${api}/rounds/2/transitions`]: { body: transitions2 },
    // No progress endpoint on this server: a JSON 404 (the fake's default).
    ...extra,
  });
}

describe('ResultsPage', () => {
  it('is linked from the study home', async () => {
    mockResults({
      [`GET ${api}/rounds`]: { body: { rounds: [], time_zone: 'Europe/Berlin', planned: 2 } },
      [`GET ${api}/experts`]: { body: { experts: [], total: 0, counts: {} } },
    });
    renderAt('/surveys/demo-2026');
    const link = await screen.findByRole('link', { name: 'Zu den Ergebnissen' });
    expect(link).toHaveAttribute('href', '/surveys/demo-2026/results');
  });

  it('links the Excel and CSV exports in the page language', async () => {
    mockResults();
    renderAt('/surveys/demo-2026/results');
    const xlsx = await screen.findByRole('link', { name: 'Excel-Export herunterladen' });
    expect(xlsx).toHaveAttribute('href', `${api}/export.xlsx?lang=de`);
    expect(xlsx).toHaveAttribute('download');
    expect(screen.getByRole('link', { name: 'CSV (Langformat)' })).toHaveAttribute('href', `${api}/export.csv?lang=de`);
  });

  it('shows the board with the live round, and no error when progress is missing', async () => {
    const calls = mockResults();
    renderAt('/surveys/demo-2026/results');
    expect(await screen.findByRole('heading', { level: 1, name: 'Ergebnisse: Demo-Befragung <b>fett</b>' })).toBeInTheDocument();
    const status = await screen.findByRole('region', { name: 'Runden' });
    expect(within(status).getAllByRole('listitem')[1]).toHaveTextContent(/Runde 2: live läuft – Zwischenstand von .*12 Personen haben geantwortet/);
    expect(await screen.findByRole('table', { name: 'Konsens je Item und Runde (gesamt)' })).toBeInTheDocument();
    expect(screen.queryByRole('alert')).toBeNull();
    expect(calls.some((c) => c.url === `${api}/rounds/2/progress`)).toBe(true);
    // Frozen round 1 has no progress request; round 1 has no transitions.
    expect(calls.some((c) => c.url === `${api}/rounds/1/progress` || c.url === `${api}/rounds/1/transitions`)).toBe(false);
  });

  it('shows response rates beside the live numbers and refreshes them', async () => {
    let respondents = 12;
    let submitted = 9;
    const calls = mockResults({
      [`GET ${api}/rounds/2/progress`]: () => ({ body: { invited: 48, started: 20, submitted } }),
      [`GET ${api}/rounds/2/results`]: () => ({
        body: { ...round2, respondents: { ...round2.respondents, total: respondents } } satisfies RoundResults,
      }),
      [`GET ${api}/results/overview`]: () => ({ body: board satisfies Board }),
    });
    renderAt('/surveys/demo-2026/results');
    const status = await screen.findByRole('region', { name: 'Runden' });
    await within(status).findByText(/Rücklauf: 9 von 48 abgeschickt \(18,8 %\)/);

    respondents = 13;
    submitted = 39; // 39/48 = 81.25 % → 81,3 % (half up)
    const before = calls.filter((c) => c.url === `${api}/rounds/1/results`).length;
    await userEvent.setup().click(within(status).getByRole('button', { name: 'Jetzt aktualisieren' }));
    await within(status).findByText(/Rücklauf: 39 von 48 abgeschickt \(81,3 %\)/);
    expect(within(status).getAllByRole('listitem')[1]).toHaveTextContent('13 Personen haben geantwortet');
    // The closed round is frozen: it is not fetched again.
    expect(calls.filter((c) => c.url === `${api}/rounds/1/results`).length).toBe(before);
  });

  it('shows submitted experts and drafts, and which the numbers count', async () => {
    mockResults({
      [`GET ${api}/rounds/2/results`]: {
        body: { ...round2, count: 'submitted', respondents: { ...round2.respondents, total: 12, submitted: 12, drafts: 2 } } satisfies RoundResults,
      },
      [`GET ${api}/rounds/1/results`]: {
        body: { ...round1, count: 'all', respondents: { ...round1.respondents, submitted: 10, drafts: 1 } } satisfies RoundResults,
      },
    });
    renderAt('/surveys/demo-2026/results');
    const status = await screen.findByRole('region', { name: 'Runden' });
    const items = within(status).getAllByRole('listitem');
    await within(status).findByText(/12 abgeschickt, 2 Entwürfe \(gezählt: nur abgeschickte\)/);
    expect(items[0]).toHaveTextContent('10 abgeschickt, 1 Entwurf (gezählt: alle, auch Entwürfe)');
    expect(items[1]).not.toHaveTextContent('Personen haben geantwortet');
  });

  it('opens an item’s detail from the board and goes back', async () => {
    mockResults();
    const { router } = renderAt('/surveys/demo-2026/results');
    const user = userEvent.setup();
    const table = await screen.findByRole('table', { name: 'Konsens je Item und Runde (gesamt)' });
    await user.click(within(table).getByRole('button', { name: /Wohnen/ }));
    expect(router.state.location.search).toBe('?item=t1');
    expect(await screen.findByRole('img', { name: 'Runde 1: Median 4, IQR 3–5, 18 Antworten' })).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: /Zurück zur Übersicht/ }));
    expect(await screen.findByRole('table', { name: 'Konsens je Item und Runde (gesamt)' })).toBeInTheDocument();
  });

  it('switches to the divergence and rankings views of a chosen round', async () => {
    mockResults();
    renderAt('/surveys/demo-2026/results');
    const user = userEvent.setup();
    await screen.findByRole('table', { name: 'Konsens je Item und Runde (gesamt)' });
    await user.click(screen.getByRole('tab', { name: 'Gruppenunterschiede' }));
    // The latest round (2) first: no divergence there; round 1 has two.
    expect(await screen.findByText(/keinem Item deutlich auseinander/)).toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText('Runde'), '1');
    expect(await screen.findByText('Divergenzwert 2,25', { exact: false })).toBeInTheDocument();
    await user.click(screen.getByRole('tab', { name: 'Rangfolgen' }));
    expect(await screen.findByRole('table', { name: /Kendalls W = 0,412/ })).toBeInTheDocument();
  });

  it('shows not found for a study the user may not see', async () => {
    mockFetch({ 'GET /api/v1/me': { body: adminUser } });
    renderAt('/surveys/secret/results');
    expect(await screen.findByRole('alert')).toHaveTextContent('Nicht gefunden.');
  });
});

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
