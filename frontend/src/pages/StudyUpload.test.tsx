import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { adminUser, mockFetch, renderAt } from '../test/utils';

const list = { surveys: [] };
const yaml = (text: string) => new File([text], 'studie.yaml', { type: 'application/yaml' });

describe('study import on the study list', () => {
  it('is offered to coordinators but not to researchers', async () => {
    mockFetch({ 'GET /api/v1/me': { body: { ...adminUser, role: 'researcher' } }, 'GET /api/v1/surveys': { body: list } });
    renderAt('/');
    await screen.findByText(/Noch keine Studien vorhanden/);
    expect(screen.queryByRole('region', { name: 'Studie importieren' })).toBeNull();
    expect(screen.queryByLabelText('Studiendatei (YAML oder JSON)')).toBeNull();
  });

  it('lists each problem of an invalid file with line and column', async () => {
    document.cookie = 'er_csrf=csrf-value; path=/';
    const calls = mockFetch({
      'GET /api/v1/me': { body: { ...adminUser, role: 'coordinator' } },
      'GET /api/v1/surveys': { body: list },
      'POST /api/v1/surveys': {
        status: 422,
        body: {
          error: {
            code: 'invalid',
            message: 'study definition studie.yaml is invalid: 2 problems',
            details: [
              { field: 'sections[0].items[0].type', line: 28, column: 15, message: 'expected one of rating, text; got "ratng"' },
              { field: 'id', message: 'id is required' },
            ],
          },
        },
      },
    });
    renderAt('/');
    const region = await screen.findByRole('region', { name: 'Studie importieren' });
    const button = within(region).getByRole('button', { name: 'Hochladen und prüfen' });
    expect(button).toBeDisabled();
    const user = userEvent.setup();
    await user.upload(within(region).getByLabelText('Studiendatei (YAML oder JSON)'), yaml('id: x\n'));
    await user.click(button);

    const alert = await within(region).findByRole('alert');
    expect(alert).toHaveTextContent('Die Datei wurde nicht importiert: 2 Probleme.');
    const items = within(alert).getAllByRole('listitem');
    expect(items[0]).toHaveTextContent('Zeile 28, Spalte 15: expected one of rating, text; got "ratng" (sections[0].items[0].type)');
    expect(items[1]).toHaveTextContent('id is required (id)');
    expect(items[1]).not.toHaveTextContent('Zeile');

    const post = calls.find((c) => c.method === 'POST');
    expect(post?.url).toBe('/api/v1/surveys');
    expect(post?.init.body).toBeInstanceOf(FormData);
    expect(((post?.init.body as FormData).get('file') as File).name).toBe('studie.yaml');
    expect((post?.init.headers as Record<string, string>)['X-CSRF-Token']).toBe('csrf-value');
  });

  it('reports the imported study and reloads the list', async () => {
    let imported = false;
    const survey = { id: 'neu-2026', revision: 1, status: 'draft', definition: { title: { de: 'Neue Studie' } } };
    const calls = mockFetch({
      'GET /api/v1/me': { body: adminUser },
      'GET /api/v1/surveys': () => ({
        body: imported
          ? {
              surveys: [
                {
                  id: 'neu-2026',
                  revision: 1,
                  version: '1',
                  title: { de: 'Neue Studie' },
                  languages: ['de'],
                  status: 'draft',
                  item_count: 1,
                  section_count: 1,
                  group_count: 1,
                  updated_at: '2026-11-20T10:30:00Z',
                },
              ],
            }
          : list,
      }),
      'POST /api/v1/surveys': () => {
        imported = true;
        return { status: 201, body: survey };
      },
    });
    renderAt('/');
    const region = await screen.findByRole('region', { name: 'Studie importieren' });
    const user = userEvent.setup();
    await user.upload(within(region).getByLabelText('Studiendatei (YAML oder JSON)'), yaml('id: neu-2026\n'));
    await user.click(within(region).getByRole('button', { name: 'Hochladen und prüfen' }));

    expect(await within(region).findByRole('status')).toHaveTextContent('Die Studie „Neue Studie“ wurde importiert (Revision 1).');
    expect(await screen.findByRole('link', { name: 'Neue Studie' })).toHaveAttribute('href', '/surveys/neu-2026');
    expect(calls.filter((c) => c.url === '/api/v1/surveys' && c.method === 'GET')).toHaveLength(2);
  });

  it('asks for a reason when the revision changes the locked analysis protocol, and sends it', async () => {
    const survey = { id: 'demo', revision: 4, status: 'active', definition: { title: { de: 'Demo' } } };
    const calls = mockFetch({
      'GET /api/v1/me': { body: adminUser },
      'GET /api/v1/surveys': { body: list },
      'POST /api/v1/surveys': ({ init }) =>
        (init.body as FormData).get('protocol_change_reason')
          ? { status: 201, body: survey }
          : {
              status: 409,
              body: {
                error: {
                  code: 'conflict',
                  message: 'round 1 has opened, so the analysis protocol is locked',
                  field: 'protocol_change_reason',
                  reason: 'protocol_change_needs_reason',
                  params: { fields: 'consensus, rounds.planned' },
                  details: [
                    { field: 'consensus', message: '{"agreement":{"min_percent":75}} → {"agreement":{"min_percent":80}}' },
                    { field: 'rounds.planned', message: '2 → 3' },
                  ],
                },
              },
            },
    });
    renderAt('/');
    const region = await screen.findByRole('region', { name: 'Studie importieren' });
    const user = userEvent.setup();
    await user.upload(within(region).getByLabelText('Studiendatei (YAML oder JSON)'), yaml('id: demo\n'));
    await user.click(within(region).getByRole('button', { name: 'Hochladen und prüfen' }));

    const alert = await within(region).findByRole('alert');
    expect(alert).toHaveTextContent('Diese Revision ändert das festgeschriebene Auswertungsprotokoll (consensus, rounds.planned).');
    expect(within(region).getByText('2 → 3', { exact: false })).toBeInTheDocument();
    const send = within(region).getByRole('button', { name: 'Mit Begründung importieren' });
    expect(send).toBeDisabled();
    await user.type(within(region).getByLabelText('Begründung der Protokolländerung'), 'Lenkungsgruppe wollte 80 %');
    await user.click(send);

    expect(await within(region).findByRole('status')).toHaveTextContent('Die Studie „Demo“ wurde importiert (Revision 4).');
    const posts = calls.filter((c) => c.method === 'POST');
    expect(posts).toHaveLength(2);
    expect((posts[0]!.init.body as FormData).get('protocol_change_reason')).toBeNull();
    expect((posts[1]!.init.body as FormData).get('protocol_change_reason')).toBe('Lenkungsgruppe wollte 80 %');
  });
});
