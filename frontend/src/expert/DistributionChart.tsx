import * as Plot from '@observablehq/plot';
import { useEffect, useRef } from 'react';

export interface DistributionChartProps {
  /** Count per scale point, in scale order. */
  points: { value: number; count: number }[];
  q1?: number | null | undefined;
  q3?: number | null | undefined;
  median?: number | null | undefined;
  /** The expert's own answer, highlighted. */
  own?: number | undefined;
  /** The text alternative, e.g. "Median 4, IQR 3–5, 18 Antworten". */
  label: string;
}

/**
 * The distribution of a rating as bars, with the IQR as a band and the
 * median as a line (Observable Plot, SVG). The SVG is one image with the
 * text alternative as its name; the same text is printed next to it.
 */
export function DistributionChart({ points, q1, q3, median, own, label }: DistributionChartProps) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el || points.length === 0) return;
    const lo = points[0]!.value;
    const hi = points[points.length - 1]!.value;
    const top = Math.max(1, ...points.map((p) => p.count));
    const marks: Plot.Markish[] = [];
    if (q1 != null && q3 != null) {
      marks.push(Plot.rect([{ x1: q1 - 0.02, x2: q3 + 0.02 }], { x1: 'x1', x2: 'x2', y1: 0, y2: top, fill: '#1f4e79', fillOpacity: 0.12 }));
    }
    marks.push(
      Plot.rectY(points, {
        x1: (d: { value: number }) => d.value - 0.35,
        x2: (d: { value: number }) => d.value + 0.35,
        y: 'count',
        fill: (d: { value: number }) => (d.value === own ? '#b35900' : '#1f4e79'),
      }),
      Plot.ruleY([0]),
    );
    if (median != null) marks.push(Plot.ruleX([median], { stroke: '#1b1f24', strokeWidth: 2, strokeDasharray: '4,3' }));
    const svg = Plot.plot({
      width: 320,
      height: 140,
      marginLeft: 30,
      style: { background: 'transparent', fontFamily: 'inherit', fontSize: '12px' },
      x: { domain: [lo - 0.5, hi + 0.5], ticks: points.map((p) => p.value), tickFormat: (d: number) => String(d), label: null },
      y: { label: null, ticks: Math.min(top, 4), tickFormat: (d: number) => (Number.isInteger(d) ? String(d) : '') },
      marks,
      document: el.ownerDocument,
    });
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', label);
    el.replaceChildren(svg);
    return () => el.replaceChildren();
  }, [points, q1, q3, median, own, label]);
  return <div className="chart" ref={ref} />;
}
