import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { ExpertList, MailStatus, ResponseRates, RoundList, User } from '../api/types';
import { fixtureSurvey } from '../test/fixture';
import { adminUser, mockFetch, renderAt } from '../test/utils';

const base = '/api/v1/surveys/demo-2026';
const researcher: User = { ...adminUser, id: 'u3', email: 'r@example.org', role: 'researcher' };
const coordinator: User = { ...adminUser, id: 'u2', email: 'c@example.org', role: 'coordinator' };
const rate = (count: number, percent: string) => ({ count, percent });
const openRound: RoundList = {
  time_zone: 'Europe/Berlin',
  planned: 2,
  rounds: [
    {
      survey_id: 'demo-2026',
      number: 1,
      status: 'open',
      items: null,
      opens_at: null,
      deadline: '2026-12-24T12:00:00Z',
      history: [],
      created_at: '2026-11-01T08:00:00Z',
      updated_at: '2026-11-01T08:00:00Z',
      time_zone: 'Europe/Berlin',
      origins: { initial: 5 },
    } as unknown as RoundList['rounds'][number],
  ],
};
const rates: ResponseRates = {
  round: 1,
  groups: [],
  total: { group: '', panel: 4, invited: rate(2, '50'), invited_by: { mail: 0, file: 2 }, opened: rate(1, '25'), started: rate(1, '25'), submitted: rate(1, '25') },
  panel: 4,
  invited: 2,
  invited_by: { mail: 0, file: 2 },
  opened: 1,
  started: 1,
  submitted: 1,
  by_group: {},
};
const panel = { experts: [], total: 4, counts: { active: 4 } } as unknown as ExpertList;
const mail = { smtp_enabled: false } as unknown as MailStatus;

function mock(user: User, list: RoundList) {
  return mockFetch({
    'GET /api/v1/me': { body: user },
    [`GET ${base}`]: { body: fixtureSurvey },
    [`GET ${base}/rounds`]: { body: list },
    [`GET ${base}/rounds/1/progress`]: { body: rates },
    [`GET ${base}/experts`]: { body: panel },
    [`GET ${base}/rounds/1/invitations`]: { body: mail },
  });
}

const step = (key: string) => document.querySelector(`[data-step="${key}"]`) as HTMLElement;

describe('StudyHome', () => {
  it('walks a coordinator through the run and says what is missing', async () => {
    const calls = mock(coordinator, openRound);
    renderAt('/surveys/demo-2026');
    expect(await screen.findByRole('heading', { name: 'Ablauf der Studie' })).toBeInTheDocument();
    expect(step('panel')).toHaveTextContent('4 aktive Expertinnen und Experten.');
    expect(within(step('panel')).getByRole('link', { name: 'Zum Panel' })).toHaveAttribute('href', '/surveys/demo-2026/panel');
    expect(step('invite')).toHaveTextContent('2 von 4 haben einen Link');
    expect(step('invite')).toHaveTextContent('E-Mail ist nicht eingerichtet');
    expect(within(step('invite')).getByRole('link')).toHaveAttribute('href', '/surveys/demo-2026/rounds/1/invitations');
    expect(step('responses')).toHaveTextContent('1 von 4 haben abgeschickt.');
    expect(screen.getByRole('link', { name: 'Definition' })).toHaveAttribute('href', '/surveys/demo-2026/definition');
    expect(calls.some((c) => c.url.includes('/experts'))).toBe(true);
  });

  it('shows a researcher no panel or invitation link and asks nothing it may not read', async () => {
    const calls = mock(researcher, openRound);
    renderAt('/surveys/demo-2026');
    expect(await screen.findByRole('heading', { name: 'Ablauf der Studie' })).toBeInTheDocument();
    expect(within(step('panel')).queryByRole('link')).toBeNull();
    expect(step('invite')).toBeNull();
    expect(screen.queryByRole('link', { name: /Panel|Einladungen|verwalten|vorbereiten|schließen/ })).toBeNull();
    expect(calls.some((c) => c.url.includes('/experts') || c.url.includes('/invitations'))).toBe(false);
  });

  it('calls a closed round over, not open, and offers the next round', async () => {
    const closed = structuredClone(openRound);
    Object.assign(closed.rounds[0]!, { status: 'closed', closed_at: '2026-12-01T10:00:00Z' });
    mock(coordinator, closed);
    renderAt('/surveys/demo-2026');
    expect(await screen.findByRole('heading', { name: 'Ablauf der Studie' })).toBeInTheDocument();
    expect(step('dates')).toHaveTextContent('Runde 1 ist abgeschlossen');
    expect(step('dates')).not.toHaveTextContent('eröffnet');
    expect(step('next')).toHaveTextContent('Runde 2 von 2 vorbereiten');
    expect(within(step('close')).getByRole('link')).toHaveTextContent('Runden verwalten');
  });

  it('says what to do before round 1 exists', async () => {
    mock(coordinator, { time_zone: 'Europe/Berlin', planned: 2, rounds: [] });
    renderAt('/surveys/demo-2026');
    expect(await screen.findByText('Es gibt noch keine Runde: Runde 1 mit Frist anlegen.')).toBeInTheDocument();
    expect(within(step('invite')).queryByRole('link')).toBeNull();
  });
});
