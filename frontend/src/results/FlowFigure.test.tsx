import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import i18n from '../i18n';
import { fixtureSurvey } from '../test/fixture';
import { figureHeight, svgMarkup } from './FlowFigure';
import type { Flow } from './flowApi';
import { flow } from './flowFixture';
import { FlowReport } from './FlowView';
import { makeLabels } from './labels';

const labels = () => makeLabels(fixtureSurvey.definition, i18n.language);

describe('FlowReport', () => {
  afterEach(() => vi.restoreAllMocks());

  it('draws one row of boxes per round with an accessible title and description', () => {
    render(<FlowReport flow={flow} labels={labels()} fileBase="demo-teilnahmefluss" />);
    const fig = screen.getByRole('img', { name: /^Teilnahme- und Fragenfluss Panel rekrutiert: 6\./ });
    expect(fig.querySelector('title')).toHaveTextContent('Teilnahme- und Fragenfluss');
    expect(fig.querySelector('desc')).toHaveTextContent(
      'Runde 2 (geschlossen); Eingeladen: 3 (E-Mail 0, persönlicher Link 3); Geöffnet: 3 · begonnen: 2; Abgeschickt: 2; Ausgetreten: 1; Ausgeschieden nach Runde 1: 3 (davon ausgetreten: 1); Weiter dabei aus Runde 1: 2',
    );
    const r1 = fig.querySelector('[data-round="1"]')!;
    const r2 = fig.querySelector('[data-round="2"]')!;
    expect(r1).toHaveTextContent('Runde 1 (geschlossen)Eingeladen: 6 (E-Mail 0, persönlicher Link 6)Geöffnet: 5 · begonnen: 5Abgeschickt: 5');
    // Round 1 compares with nothing: no drop-out line.
    expect(r1).toHaveTextContent('Ausgetreten: 0Fragen: 9aus der Definition: 9Konsens ein 1 · aus 0 · keiner 3');
    expect(r1.textContent).not.toContain('Ausgeschieden');
    expect(r2).toHaveTextContent('Fragen: 7übernommen 7 · umformuliert 0 · neu 0 · entfallen 2');
    // Three boxes and two arrows per round, below the recruited box.
    expect(r2.querySelectorAll('rect')).toHaveLength(3);
    expect(r2.querySelectorAll('line')).toHaveLength(2);
    expect(fig.getAttribute('viewBox')).toBe(`0 0 1080 ${figureHeight(2)}`);
  });

  it('lists the counts per round and group in a table', () => {
    render(<FlowReport flow={flow} labels={labels()} fileBase="x" />);
    const table = screen.getByRole('table', { name: 'Teilnahme je Runde und Gruppe' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(6); // 2 rounds × (2 groups + total)
    // Panel, invited, mail, link, opened, started, submitted, declined; round 1
    // has no comparison: dashes.
    expect(rows[2]).toHaveTextContent(/^1Gesamt66065550–––$/);
    expect(rows[4]).toHaveTextContent(/^2Zivilgesellschaft21011111121$/);
    expect(rows[5]).toHaveTextContent(/^2Gesamt53033221231$/);
  });

  it('marks an open round as provisional, without drop-outs yet', () => {
    const open: Flow = structuredClone(flow);
    open.rounds[1]!.status = 'open';
    open.rounds[1]!.participants.dropped_out = null;
    open.rounds[1]!.participants.dropped_out_declined = null;
    render(<FlowReport flow={open} labels={labels()} fileBase="x" />);
    const r2 = screen.getByRole('img').querySelector('[data-round="2"]')!;
    expect(r2).toHaveTextContent('Runde 2 (offen, vorläufig)');
    expect(r2).toHaveTextContent('Ausgeschieden: steht nach Rundenende fest');
  });

  it('says so when no round was opened', () => {
    render(<FlowReport flow={{ ...flow, rounds: [] }} labels={labels()} fileBase="x" />);
    expect(screen.getByText('Noch keine Runde wurde geöffnet.')).toBeInTheDocument();
    expect(screen.queryByRole('img')).toBeNull();
  });

  it('is in English too', async () => {
    await i18n.changeLanguage('en');
    render(<FlowReport flow={flow} labels={labels()} fileBase="x" />);
    const fig = screen.getByRole('img', { name: /^Participant and item flow Panel recruited: 6\./ });
    expect(fig.querySelector('[data-round="2"]')).toHaveTextContent('Dropped out after round 1: 3 (of them declined: 1)');
    expect(screen.getByRole('button', { name: 'Download the figure as PNG' })).toBeInTheDocument();
  });

  it('downloads a standalone SVG document', async () => {
    render(<FlowReport flow={flow} labels={labels()} fileBase="demo-teilnahmefluss" />);
    const svg = screen.getByRole('img') as unknown as SVGSVGElement;
    const markup = svgMarkup(svg);
    expect(markup.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg')).toBe(true);
    const doc = new DOMParser().parseFromString(markup.slice(markup.indexOf('\n') + 1), 'image/svg+xml');
    const root = doc.documentElement;
    expect(root.getAttribute('xmlns')).toBe('http://www.w3.org/2000/svg');
    expect(root.getAttribute('width')).toBe('1080');
    expect(root.getAttribute('height')).toBe(String(figureHeight(2)));
    expect(root.textContent).toContain('Ausgeschieden nach Runde 1: 3 (davon ausgetreten: 1)');

    // The button hands the same markup to the browser as a file.
    const blobs: Blob[] = [];
    const create = vi.spyOn(URL, 'createObjectURL').mockImplementation((b) => {
      blobs.push(b as Blob);
      return 'blob:flow';
    });
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {});
    const clicked: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.download);
    });
    await userEvent.click(screen.getByRole('button', { name: 'Abbildung als SVG herunterladen' }));
    expect(create).toHaveBeenCalledTimes(1);
    expect(clicked).toEqual(['demo-teilnahmefluss.svg']);
    expect(blobs[0]!.type).toBe('image/svg+xml');
    expect(await blobs[0]!.text()).toBe(markup);
  });
});
