import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Report } from '../api/types';
import { fixtureSurvey } from '../test/fixture';
import { adminUser, mockFetch, renderAt } from '../test/utils';

const sha = '91dc9abe51859f7e9cdabc4c3973558c6aca48adfda5149fbc4d9937026edd5c';

const feedback: Report['facts']['feedback'] = {
  statistics: ['n', 'median'],
  own_previous: false,
  comments: false,
  by_group: true,
  hide_until_answered: false,
  justify_outside_iqr: false,
  min_group_n: 4,
};

/** A report as the server writes it (reporting.Service.Report), cut down. */
const report: Report = {
  facts: {
    survey_id: 'demo-2026', revision: 3, version: '2', software: 'Expertenrunde 1.2.3', rule_text: { de: 'Konsens bei ≥ 75 %', en: 'Consensus at ≥ 75 %' },
    min_n: 3, quantile_type: 7, carry_over: 'no_consensus', feedback, planned: 2, actual: 2, stop: 'planned_reached', groups: 1, experts: 4,
    rounds: [], comments: 1, stability: false, final_items: [], time_zone: 'Europe/Berlin',
    protocol: {
      survey_id: 'demo-2026', revision: 1, version: '1', frozen_at: '2026-03-02T08:00:00.000Z', frozen_by: 'u1', sha256: sha,
      fields: { consensus: { min_n: 3, agreement: { min_percent: 75 } }, quantile_type: 7, scales: [], carry_over: { mode: 'no_consensus' }, feedback, planned_rounds: 2, stopping_rule: 'planned_rounds_or_no_item_left' },
    },
    deviations: [
      { revision: 3, version: '2', at: '2026-03-05T10:00:00.000Z', actor_id: 'u1', reason: 'Lenkungsgruppe wollte 80 %', changes: [{ field: 'consensus', old: '{"agreement":{"min_percent":75}}', new: '{"agreement":{"min_percent":80}}' }] },
    ],
  },
  checklist: [
    { id: 'response_rate', topic: { de: 'Rücklauf je Runde', en: 'Response rate per round' }, value: { de: 'R1: 3/4 (75,0 %)', en: 'R1: 3/4 (75.0 %)' }, status: 'from_data', accord: '', credes: '' },
    { id: 'conflicts', topic: { de: 'Interessenkonflikte', en: 'Conflicts of interest' }, value: { de: '', en: '' }, status: 'needs_author', accord: '', credes: '' },
  ],
  paragraph: { de: 'Die Delphi-Befragung wurde online mit Expertenrunde 1.2.3 durchgeführt.', en: 'The Delphi study was run online with Expertenrunde 1.2.3.' },
};

function mock(r: Report) {
  return mockFetch({
    'GET /api/v1/me': { body: adminUser },
    'GET /api/v1/surveys/demo-2026': { body: fixtureSurvey },
    'GET /api/v1/surveys/demo-2026/reporting': { body: r },
  });
}

describe('ReportingPage', () => {
  it('shows the checklist with values and statuses, both paragraphs, and the protocol with its deviation', async () => {
    mock(report);
    renderAt('/surveys/demo-2026/reporting');
    const checklist = await screen.findByRole('region', { name: 'Berichts-Checkliste' });
    const rate = within(checklist).getByRole('row', { name: /Rücklauf je Runde/ });
    expect(rate).toHaveTextContent('R1: 3/4 (75,0 %)');
    expect(rate).toHaveTextContent('aus den Daten');
    expect(rate).toHaveTextContent('nicht geprüft');
    const conflicts = within(checklist).getByRole('row', { name: /Interessenkonflikte/ });
    expect(conflicts).toHaveTextContent('von den Autor:innen anzugeben');

    const para = screen.getByRole('region', { name: 'Methodenabschnitt (Entwurf)' });
    expect(para).toHaveTextContent('Die Delphi-Befragung wurde online mit Expertenrunde 1.2.3 durchgeführt.');
    expect(para).toHaveTextContent('The Delphi study was run online with Expertenrunde 1.2.3.');

    const protocol = screen.getByRole('region', { name: 'Auswertungsprotokoll' });
    expect(within(protocol).getByText(sha)).toBeInTheDocument();
    expect(protocol).toHaveTextContent('Konsens bei ≥ 75 %');
    expect(within(protocol).getByRole('heading', { name: '1 Abweichung vom Protokoll' })).toBeInTheDocument();
    const dev = within(protocol).getByRole('row', { name: /Lenkungsgruppe/ });
    expect(dev).toHaveTextContent('consensus: {"agreement":{"min_percent":75}} → {"agreement":{"min_percent":80}}');
    expect(screen.getByRole('link', { name: 'Methoden & Berichterstattung' })).toHaveAttribute('aria-current', 'page');
  });

  it('says when the protocol is not frozen yet', async () => {
    mock({ ...report, facts: { ...report.facts, protocol: undefined, deviations: [] } });
    renderAt('/surveys/demo-2026/reporting');
    const protocol = await screen.findByRole('region', { name: 'Auswertungsprotokoll' });
    expect(protocol).toHaveTextContent('Das Auswertungsprotokoll wird festgeschrieben, sobald Runde 1 geöffnet wird.');
  });
});
