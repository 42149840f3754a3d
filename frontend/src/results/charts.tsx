// Observable Plot charts (SVG). Each chart is an image with a text
// alternative that carries its numbers, so nothing is conveyed by the
// picture alone.
import * as Plot from '@observablehq/plot';
import { useEffect, useRef } from 'react';
import type { DistPoint, TransitionMatrix } from '../api/types';

/** Renders Plot options into a role="img" element labelled by alt. */
export function PlotImage({ build, alt, dataKey }: { build: () => Plot.PlotOptions; alt: string; dataKey: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    try {
      el.replaceChildren(Plot.plot(build()));
    } catch {
      el.replaceChildren(); // the text alternative still says everything
    }
    return () => el.replaceChildren();
    // dataKey stands for the data: redraw only when it changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [dataKey]);
  return <div className="plot" ref={ref} role="img" aria-label={alt} />;
}

const BAR = '#4a78a8';
const IQR_FILL = '#f0b429';
const MEDIAN = '#b35900';

/** Bars per scale point (percent of valid answers), the IQR as a band and the median as a rule. */
export function DistributionChart({
  distribution,
  median,
  q1,
  q3,
  alt,
  xLabel,
  yLabel,
}: {
  distribution: DistPoint[];
  median: number | null | undefined;
  q1: number | null | undefined;
  q3: number | null | undefined;
  alt: string;
  xLabel: string;
  yLabel: string;
}) {
  const values = distribution.map((d) => d.value);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const data = distribution.map((d) => ({ value: d.value, percent: d.percent ?? 0 }));
  const build = (): Plot.PlotOptions => ({
    width: 260,
    height: 150,
    marginLeft: 36,
    marginBottom: 32,
    style: { fontSize: '11px', background: 'transparent' },
    x: { domain: [lo - 0.5, hi + 0.5], ticks: values, tickFormat: 'd', label: xLabel },
    y: { domain: [0, 100], label: yLabel, ticks: 3 },
    marks: [
      q1 != null && q3 != null
        ? Plot.rect([{ x1: q1, x2: q3 }], { x1: 'x1', x2: 'x2', y1: 0, y2: 100, fill: IQR_FILL, fillOpacity: 0.25 })
        : null,
      Plot.rectY(data, { x1: (d: { value: number }) => d.value - 0.35, x2: (d: { value: number }) => d.value + 0.35, y: 'percent', fill: BAR }),
      median != null ? Plot.ruleX([median], { stroke: MEDIAN, strokeWidth: 2.5 }) : null,
      Plot.ruleY([0]),
    ],
  });
  return <PlotImage build={build} alt={alt} dataKey={JSON.stringify([data, median, q1, q3, xLabel, yLabel])} />;
}

/** The transition matrix as cells: previous value (rows) × current value (columns), with counts. */
export function TransitionChart({
  values,
  matrix,
  alt,
  fromLabel,
  toLabel,
}: {
  values: number[];
  matrix: TransitionMatrix;
  alt: string;
  fromLabel: string;
  toLabel: string;
}) {
  const data: { from: number; to: number; count: number }[] = [];
  matrix.counts.forEach((row, i) =>
    row.forEach((count, j) => {
      const from = values[i];
      const to = values[j];
      if (from !== undefined && to !== undefined) data.push({ from, to, count });
    }),
  );
  const build = (): Plot.PlotOptions => ({
    width: 260,
    height: 240,
    marginLeft: 44,
    marginBottom: 36,
    padding: 0.05,
    style: { fontSize: '11px', background: 'transparent' },
    x: { domain: values, label: toLabel, axis: 'bottom' },
    y: { domain: values, label: fromLabel },
    color: { type: 'sqrt', scheme: 'blues' },
    marks: [
      Plot.cell(data, { x: 'to', y: 'from', fill: 'count', inset: 0.5 }),
      Plot.text(
        data.filter((d) => d.count > 0),
        { x: 'to', y: 'from', text: (d: { count: number }) => String(d.count), fill: 'black', stroke: 'white', strokeWidth: 3, paintOrder: 'stroke' },
      ),
    ],
  });
  return <PlotImage build={build} alt={alt} dataKey={JSON.stringify([values, matrix.counts, fromLabel, toLabel])} />;
}
