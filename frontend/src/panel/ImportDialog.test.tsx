import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { fixtureSurvey } from '../test/fixture';
import { adminUser, mockFetch, renderAt } from '../test/utils';
import type { ImportReport } from '../api/types';

const base = '/api/v1/surveys/demo-2026/experts';

const dryRun: ImportReport = {
  dry_run: true,
  written: false,
  format: 'csv',
  data_rows: 4,
  added: [
    { row: 2, name: 'Anna Alt', email: 'anna@example.org', organisation: 'Stadt', group: 'pol', language: 'de' },
    { row: 5, name: 'Eva Ernst', email: 'eva@example.org', organisation: '', group: 'civ', language: 'en' },
  ],
  updated: [],
  unchanged: [],
  rejected: [
    { row: 3, email: 'kein-at.example.org', field: 'email', reason: 'bad_email', message: '"kein-at.example.org" is not a valid e-mail address' },
    { row: 4, email: 'x@example.org', field: 'group', reason: 'unknown_group', message: 'unknown group "Astronauten"' },
  ],
};

describe('ImportDialog', () => {
  it('shows the dry run row by row with the reasons, and imports only after skipping the rejected rows', async () => {
    const calls = mockFetch({
      'GET /api/v1/me': { body: adminUser },
      'GET /api/v1/surveys/demo-2026': { body: fixtureSurvey },
      [`GET ${base}`]: { body: { experts: [], total: 0, counts: {} } },
      [`POST ${base}/import?dry_run=true&skip_invalid=false`]: { body: dryRun },
      [`POST ${base}/import?dry_run=false&skip_invalid=true`]: {
        body: { ...dryRun, dry_run: false, written: true },
      },
    });
    renderAt('/surveys/demo-2026/panel');
    await userEvent.click(await screen.findByRole('button', { name: 'Importieren …' }));
    const dialog = screen.getByRole('dialog', { name: 'Panel importieren' });
    const file = new File(['Name;E-Mail;Gruppe\n'], 'panel.csv', { type: 'text/csv' });
    await userEvent.upload(within(dialog).getByLabelText('Datei (CSV oder XLSX)'), file);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Prüfen' }));

    expect(await within(dialog).findByText('4 Zeilen: 2 neu, 0 geändert, 0 unverändert, 2 abgelehnt.')).toBeInTheDocument();
    const table = within(dialog).getByRole('table', { name: 'Vorschau des Imports' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getAllByRole('cell')[0]!.textContent)).toEqual(['3', '4', '2', '5']);
    expect(rows[0]).toHaveTextContent('ungültige E-Mail-Adresse');
    expect(rows[1]).toHaveTextContent('unbekannte Gruppe');
    expect(rows[2]).toHaveTextContent('neu · Politik und Verwaltung');

    // Nothing is imported while rows are rejected.
    const confirm = within(dialog).getByRole('button', { name: '2 Zeilen importieren' });
    expect(confirm).toBeDisabled();
    expect(within(dialog).getByText(/Solange Zeilen abgelehnt sind/)).toBeInTheDocument();
    await userEvent.click(within(dialog).getByLabelText('Die 2 abgelehnten Zeilen überspringen und den Rest importieren'));
    expect(confirm).toBeEnabled();
    await userEvent.click(confirm);

    expect(await within(dialog).findByText('Import abgeschlossen: 2 neu, 0 geändert, 2 abgelehnt.')).toBeInTheDocument();
    const posts = calls.filter((c) => c.method === 'POST').map((c) => c.url);
    expect(posts).toEqual([`${base}/import?dry_run=true&skip_invalid=false`, `${base}/import?dry_run=false&skip_invalid=true`]);
    expect(calls.find((c) => c.url.includes('dry_run=false'))!.init.body).toBeInstanceOf(FormData);
    // The panel list is loaded again after the import.
    await waitFor(() => expect(calls.filter((c) => c.method === 'GET' && c.url === base).length).toBe(2));
  });

  it('shows a file error from the server', async () => {
    mockFetch({
      'GET /api/v1/me': { body: adminUser },
      'GET /api/v1/surveys/demo-2026': { body: fixtureSurvey },
      [`GET ${base}`]: { body: { experts: [], total: 0, counts: {} } },
      [`POST ${base}/import?dry_run=true&skip_invalid=false`]: {
        status: 422,
        body: { error: { code: 'invalid', message: 'no e-mail column', field: 'file' } },
      },
    });
    renderAt('/surveys/demo-2026/panel');
    await userEvent.click(await screen.findByRole('button', { name: 'Importieren …' }));
    const dialog = screen.getByRole('dialog', { name: 'Panel importieren' });
    await userEvent.upload(within(dialog).getByLabelText('Datei (CSV oder XLSX)'), new File(['x'], 'x.csv'));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Prüfen' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('no e-mail column');
    expect(within(dialog).queryByRole('table')).not.toBeInTheDocument();
  });
});
