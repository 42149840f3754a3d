import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { fixtureSurvey } from '../test/fixture';
import { adminUser, mockFetch, renderAt } from '../test/utils';

const plain = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();

function mockStudy() {
  return mockFetch({
    'GET /api/v1/me': { body: adminUser },
    'GET /api/v1/surveys/demo-2026': { body: fixtureSurvey },
    'GET /api/v1/surveys/missing': { status: 404, body: { error: { code: 'not_found', message: 'survey not found' } } },
  });
}

function block(name: string): HTMLElement {
  return screen.getByRole('region', { name });
}

describe('StudyPage', () => {
  it('renders the definition with every item type', async () => {
    mockStudy();
    renderAt('/surveys/demo-2026/definition');

    // Server text is rendered as text: the <b> stays literal.
    const h1 = await screen.findByRole('heading', { level: 1 });
    expect(h1).toHaveTextContent('Demo-Befragung <b>fett</b>');
    expect(h1.querySelector('b')).toBeNull();
    expect(screen.getByText('Eine kleine Teststudie.')).toBeInTheDocument();

    // Overview, groups (with fallback to German for a missing English label)
    expect(screen.getByText('Deutsch (Standard), Englisch')).toBeInTheDocument();
    expect(screen.getByText('Europe/Berlin')).toBeInTheDocument();
    expect(screen.getByText('Politik und Verwaltung')).toBeInTheDocument();

    // Scales: points, abstain, bands
    const imp5 = screen.getByRole('figure', { name: 'Skala „imp5“' });
    expect(within(imp5).getAllByRole('row')).toHaveLength(6);
    expect(within(imp5).getByText('sehr wichtig')).toBeInTheDocument();
    expect(within(imp5).getByText('4 bis 5')).toBeInTheDocument();
    expect(within(imp5).getByText('1 bis 2')).toBeInTheDocument();
    expect(within(imp5).getByText(/kann ich nicht beurteilen/)).toBeInTheDocument();

    // Consensus rule in words, round plan
    const consensus = block('Konsensregel');
    expect(plain(consensus.textContent)).toContain(
      'Konsens, wenn mindestens 75 % Zustimmung (Skalenpunkte 4–5 bzw. 3) und IQR ≤ 1; mindestens 10 gültige Antworten',
    );
    const rounds = block('Rundenplan');
    expect(within(rounds).getByText('Anzahl (n), Median, Interquartilsabstand, Verteilung')).toBeInTheDocument();
    expect(within(rounds).getByText('Items ohne Konsens')).toBeInTheDocument();

    // Blocks and items: three blocks, seven items of seven types
    expect(screen.getAllByRole('heading', { level: 3 }).map((h) => h.textContent)).toEqual(
      expect.arrayContaining(['Themen', 'Formate', 'Trägerstruktur']),
    );
    const items = document.querySelectorAll('li.item');
    expect([...items].map((li) => li.getAttribute('data-type'))).toEqual([
      'rating',
      'multi_rating',
      'single_choice',
      'multiple_choice',
      'ranking',
      'numeric',
      'text',
    ]);

    const themen = block('Themen');
    expect(within(themen).getByText('Bewertung')).toBeInTheDocument();
    expect(within(themen).getByText('Skala: imp5 (1 sehr unwichtig … 5 sehr wichtig)')).toBeInTheDocument();
    expect(within(themen).getByText('Kommentar möglich')).toBeInTheDocument();
    expect(within(themen).getByText('Mehrfachbewertung')).toBeInTheDocument();
    expect(within(themen).getByText('Machbarkeit – Skala feas3 (1 nicht machbar … 3 machbar)')).toBeInTheDocument();

    const formate = block('Formate');
    expect(within(formate).getByText('Einfachauswahl')).toBeInTheDocument();
    expect(within(formate).getByText('Webtalk')).toBeInTheDocument();
    expect(within(formate).getByText('Höchstens 2 Optionen wählbar')).toBeInTheDocument();
    expect(within(formate).getByText('Die besten 3 in eine Rangfolge bringen')).toBeInTheDocument();
    expect(within(formate).getByText('Plattform')).toBeInTheDocument();

    const traeger = block('Trägerstruktur');
    expect(within(traeger).getByText('Zahlenschätzung')).toBeInTheDocument();
    expect(within(traeger).getByText('Einheit: Tsd. Euro')).toBeInTheDocument();
    expect(within(traeger).getByText('Minimum: 0')).toBeInTheDocument();
    expect(within(traeger).getByText('Maximum: 2.500,5')).toBeInTheDocument();
    expect(within(traeger).getByText('Freitext')).toBeInTheDocument();
    expect(within(traeger).getByText('Höchstens 800 Zeichen')).toBeInTheDocument();
    expect(within(traeger).getByText('Stichworte genügen.')).toBeInTheDocument();
  });

  it('shows the study in English after switching the language', async () => {
    mockStudy();
    renderAt('/surveys/demo-2026/definition');
    await screen.findByRole('heading', { level: 1 });
    await userEvent.setup().click(screen.getByRole('button', { name: 'English' }));

    expect(await screen.findByRole('heading', { level: 1 })).toHaveTextContent('Demo survey <b>bold</b>');
    expect(block('Topics')).toBeInTheDocument();
    expect(within(block('Formats')).getByText('Rank the top 3')).toBeInTheDocument();
    expect(within(block('Sponsorship')).getByText('Maximum: 2,500.5')).toBeInTheDocument();
    // The group without an English label falls back to German.
    expect(screen.getByText('Zivilgesellschaft')).toBeInTheDocument();
    expect(plain(block('Consensus rule').textContent)).toContain('Consensus when at least 75% agreement');
  });

  it('shows not found for an unknown study', async () => {
    mockStudy();
    renderAt('/surveys/missing/definition');
    expect(await screen.findByRole('alert')).toHaveTextContent('Nicht gefunden.');
    expect(screen.getByRole('link', { name: /Zurück zur Studienliste/ })).toHaveAttribute('href', '/');
  });
});

describe('StudyPage, a ranking with ties', () => {
  it('says that the ranking allows ties', async () => {
    const def = structuredClone(fixtureSurvey.definition);
    const f3 = def.sections!.flatMap((s) => s.items ?? []).find((i) => i.id === 'f3')!;
    f3.ties = true;
    mockFetch({
      'GET /api/v1/me': { body: adminUser },
      'GET /api/v1/surveys/demo-2026': { body: { ...fixtureSurvey, definition: def } },
    });
    renderAt('/surveys/demo-2026/definition');
    await screen.findByRole('heading', { level: 1 });
    expect(within(block('Formate')).getByText('Gleichstände erlaubt: Mehrere Optionen dürfen sich einen Platz teilen.')).toBeInTheDocument();
  });
});
