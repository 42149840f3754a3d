// The participant and item flow as an SVG figure like a CONSORT diagram:
// one row of boxes per round (participants, who left, items), arrows from
// round to round. The figure carries its own styles, so the SVG download
// looks the same outside the page; the PNG is drawn from it on a canvas.
import { useId, useRef } from 'react';
import { saveBlob } from '../api';
import { useTranslation, type TFunction, type TKey } from '../i18n';
import type { Flow, FlowRound } from './flowApi';
import './flow.css';

const W = 1080;
const COL = { main: { x: 20, w: 380 }, side: { x: 440, w: 300 }, items: { x: 760, w: 300 } };
const LINE = 18;
const BOX_H = 4 * LINE + 16;
const TOP_H = 44;
const GAP = 40;
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';

/** The y of round row i's boxes. */
const rowY = (i: number) => 20 + TOP_H + GAP + i * (BOX_H + GAP);

/** The figure's height for n rounds. */
export const figureHeight = (n: number) => rowY(n) - GAP + 20;

function Box({ x, y, w, h, lines, bold }: { x: number; y: number; w: number; h: number; lines: string[]; bold?: boolean }) {
  return (
    <g>
      <rect x={x} y={y} width={w} height={h} rx={4} fill="#ffffff" stroke="#4a4a4a" strokeWidth={1.2} />
      <text x={x + 10} y={y + 8} fontFamily={FONT} fontSize={13} fill="#1a1a1a">
        {lines.map((l, i) => (
          <tspan key={i} x={x + 10} dy={LINE} fontWeight={bold && i === 0 ? 700 : 400}>
            {l}
          </tspan>
        ))}
      </text>
    </g>
  );
}

function Arrow({ x1, y1, x2, y2, marker }: { x1: number; y1: number; x2: number; y2: number; marker: string }) {
  return <line x1={x1} y1={y1} x2={x2} y2={y2} stroke="#4a4a4a" strokeWidth={1.4} markerEnd={`url(#${marker})`} />;
}

/** The SVG document of an element, standalone (with its namespace and an XML header). */
export function svgMarkup(svg: SVGSVGElement): string {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.setAttribute('width', copy.getAttribute('data-width') ?? String(W));
  copy.setAttribute('height', copy.getAttribute('data-height') ?? '');
  copy.removeAttribute('class');
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(copy);
}

/** Draws the SVG on a canvas at twice its size and saves it as PNG. */
function savePng(markup: string, w: number, h: number, name: string) {
  const img = new Image();
  img.onload = () => {
    const canvas = document.createElement('canvas');
    canvas.width = w * 2;
    canvas.height = h * 2;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.scale(2, 2);
    ctx.drawImage(img, 0, 0, w, h);
    canvas.toBlob((b) => b && saveBlob(b, name), 'image/png');
  };
  img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(markup);
}

/** The lines of one round's three boxes, in the UI language. */
export function roundLines(r: FlowRound, prev: number | undefined, t: TFunction, round0?: Flow['round0']) {
  const p = r.participants;
  const main = [
    t('results.flow.roundHead', { n: r.round, status: t(`results.flow.status.${r.status}` as TKey) }),
    t('results.flow.invited', { n: p.invited, mail: p.invited_mail, link: p.invited_link }),
    t('results.flow.opened', { opened: p.opened, started: p.started }),
    t('results.flow.submitted', { n: p.submitted }),
  ];
  const side = [t('results.flow.declined', { n: p.declined })];
  if (prev !== undefined) {
    side.push(
      p.dropped_out == null
        ? t('results.flow.droppedOpen')
        : t('results.flow.droppedOut', { prev, n: p.dropped_out, declined: p.dropped_out_declined ?? 0 }),
    );
    side.push(t('results.flow.continued', { prev, n: p.continued ?? 0 }));
  }
  const it = r.items;
  const items = [
    t('results.flow.items', { n: it.total }),
    prev === undefined
      ? t('results.flow.itemsInitial', { n: it.initial })
      : t('results.flow.itemsChanges', { carried: it.carried, changed: it.changed, new: it.new, dropped: it.dropped }),
    t('results.flow.consensus', { in: it.consensus_in, out: it.consensus_out, none: it.consensus_none }),
  ];
  if (round0) items.push(t('round0.flowLine', { suggestions: round0.suggestions, items: round0.items, rejected: round0.rejected }));
  return { main, side, items };
}

/** The flow figure with its download buttons. */
export function FlowFigure({ flow, fileBase }: { flow: Flow; fileBase: string }) {
  const { t } = useTranslation();
  const uid = useId().replace(/:/g, '');
  const ref = useRef<SVGSVGElement>(null);
  const h = figureHeight(flow.rounds.length);
  const marker = `arrow-${uid}`;
  const titleId = `flow-title-${uid}`;
  const descId = `flow-desc-${uid}`;
  const desc = [
    t('results.flow.recruited', { n: flow.recruited }),
    ...flow.rounds.map((r, i) => {
      const l = roundLines(r, i > 0 ? flow.rounds[i - 1]!.round : undefined, t, i === 0 ? flow.round0 : undefined);
      return [...l.main, ...l.side, ...l.items].join('; ');
    }),
  ].join('. ');
  const main = COL.main;
  return (
    <figure className="flow-figure">
      <svg
        ref={ref}
        className="flow-svg"
        viewBox={`0 0 ${W} ${h}`}
        data-width={W}
        data-height={h}
        role="img"
        aria-labelledby={`${titleId} ${descId}`}
      >
        <title id={titleId}>{t('results.flow.title')}</title>
        <desc id={descId}>{desc}</desc>
        <defs>
          <marker id={marker} viewBox="0 0 10 10" refX={9} refY={5} markerWidth={7} markerHeight={7} orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" fill="#4a4a4a" />
          </marker>
        </defs>
        <rect x={0} y={0} width={W} height={h} fill="#ffffff" />
        <Box x={main.x} y={20} w={main.w} h={TOP_H} lines={[t('results.flow.recruited', { n: flow.recruited })]} bold />
        <text x={COL.side.x} y={46} fontFamily={FONT} fontSize={13} fontWeight={700} fill="#1a1a1a">
          {t('results.flow.sideHead')}
        </text>
        <text x={COL.items.x} y={46} fontFamily={FONT} fontSize={13} fontWeight={700} fill="#1a1a1a">
          {t('results.flow.itemsHead')}
        </text>
        {flow.rounds.map((r, i) => {
          const y = rowY(i);
          const l = roundLines(r, i > 0 ? flow.rounds[i - 1]!.round : undefined, t, i === 0 ? flow.round0 : undefined);
          const fromY = i === 0 ? 20 + TOP_H : rowY(i - 1) + BOX_H;
          return (
            <g key={r.round} data-round={r.round}>
              <Arrow x1={main.x + main.w / 2} y1={fromY} x2={main.x + main.w / 2} y2={y - 2} marker={marker} />
              <Box x={main.x} y={y} w={main.w} h={BOX_H} lines={l.main} bold />
              <Arrow x1={main.x + main.w} y1={y + BOX_H / 2} x2={COL.side.x - 2} y2={y + BOX_H / 2} marker={marker} />
              <Box x={COL.side.x} y={y} w={COL.side.w} h={BOX_H} lines={l.side} />
              <Box x={COL.items.x} y={y} w={COL.items.w} h={BOX_H} lines={l.items} />
            </g>
          );
        })}
      </svg>
      <figcaption className="flow-actions">
        <button
          type="button"
          onClick={() => ref.current && saveBlob(new Blob([svgMarkup(ref.current)], { type: 'image/svg+xml' }), `${fileBase}.svg`)}
        >
          {t('results.flow.downloadSvg')}
        </button>{' '}
        <button type="button" onClick={() => ref.current && savePng(svgMarkup(ref.current), W, h, `${fileBase}.png`)}>
          {t('results.flow.downloadPng')}
        </button>
      </figcaption>
    </figure>
  );
}
