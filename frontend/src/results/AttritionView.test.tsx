import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import i18n from '../i18n';
import { fixtureSurvey } from '../test/fixture';
import { AttritionReport } from './AttritionView';
import { attrition } from './flowFixture';
import { makeLabels } from './labels';

const labels = () => makeLabels(fixtureSurvey.definition, i18n.language);

describe('AttritionReport', () => {
  it('compares who left with who stayed per item and group, flagging p < 0.05', () => {
    render(<AttritionReport attrition={attrition} labels={labels()} lang="de" />);
    const table = screen.getByRole('table', { name: 'Nach Runde 1 (Runde 2): 4 ausgeschieden, 6 weiter dabei, 1 markiert' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.textContent)).toEqual([
      'WohnenGesamt4628,500,013normalp < 0,05',
      'WohnenZivilgesellschaft202,5–0––',
      'Mobilität – WichtigkeitGesamt3241,560,200exakt',
    ]);
    expect(rows[0]).toHaveClass('flagged');
    expect(rows[2]).not.toHaveClass('flagged');
  });

  it('says so before a round after the first has closed, in English too', async () => {
    await i18n.changeLanguage('en');
    render(<AttritionReport attrition={{ alpha: 0.05, rounds: [] }} labels={labels()} lang="en" />);
    expect(screen.getByText('No closed round after the first yet.')).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Attrition' })).toBeInTheDocument();
  });
});
