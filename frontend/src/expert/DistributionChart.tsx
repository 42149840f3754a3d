import type { Markish } from '@observablehq/plot';
import { usePlot } from '../components/plot';
import { useTranslation } from '../i18n';

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
  /** The round the numbers come from (the legend's "your answer in round n"). */
  round: number;
}

const BAR = '#1f4e79';
const OWN = '#b35900';
const MEDIAN = '#1b1f24';

/**
 * The distribution of a rating as bars, with the IQR as a band and the
 * median as a dashed line (Observable Plot, SVG, loaded with the first
 * chart), and a legend of what each mark means. The chart is one image with
 * the text alternative as its name; the same text is printed next to it.
 */
export function DistributionChart({ points, q1, q3, median, own, label, round }: DistributionChartProps) {
  const { t } = useTranslation();
  const ref = usePlot(
    (Plot, document) => {
      const lo = points[0]?.value ?? 0;
      const hi = points[points.length - 1]?.value ?? 0;
      const top = Math.max(1, ...points.map((p) => p.count));
      const marks: Markish[] = [];
      if (q1 != null && q3 != null) {
        marks.push(Plot.rect([{ x1: q1 - 0.02, x2: q3 + 0.02 }], { x1: 'x1', x2: 'x2', y1: 0, y2: top, fill: BAR, fillOpacity: 0.12 }));
      }
      marks.push(
        Plot.rectY(points, {
          x1: (d: { value: number }) => d.value - 0.35,
          x2: (d: { value: number }) => d.value + 0.35,
          y: 'count',
          fill: (d: { value: number }) => (d.value === own ? OWN : BAR),
        }),
        Plot.ruleY([0]),
      );
      if (median != null) marks.push(Plot.ruleX([median], { stroke: MEDIAN, strokeWidth: 2, strokeDasharray: '4,3' }));
      return Plot.plot({
        width: 320,
        height: 140,
        marginLeft: 30,
        style: { background: 'transparent', fontFamily: 'inherit', fontSize: '12px' },
        x: { domain: [lo - 0.5, hi + 0.5], ticks: points.map((p) => p.value), tickFormat: (d: number) => String(d), label: null },
        y: { label: null, ticks: Math.min(top, 4), tickFormat: (d: number) => (Number.isInteger(d) ? String(d) : '') },
        marks,
        document,
      });
    },
    JSON.stringify([points, q1, q3, median, own]),
  );
  if (points.length === 0) return null;
  const ownShown = own !== undefined && points.some((p) => p.value === own);
  return (
    <figure className="chart-figure">
      <div className="chart" ref={ref} role="img" aria-label={label} />
      <figcaption>
        <ul className="chart-legend">
          <li>
            <span className="swatch swatch-bar" aria-hidden="true" /> {t('feedback.legend.bars')}
          </li>
          {ownShown && (
            <li>
              <span className="swatch swatch-own" aria-hidden="true" /> {t('feedback.legend.own', { round })}
            </li>
          )}
          {median != null && (
            <li>
              <span className="swatch swatch-median" aria-hidden="true" /> {t('feedback.legend.median')}
            </li>
          )}
          {q1 != null && q3 != null && (
            <li>
              <span className="swatch swatch-iqr" aria-hidden="true" /> {t('feedback.legend.iqr')}
            </li>
          )}
        </ul>
      </figcaption>
    </figure>
  );
}
