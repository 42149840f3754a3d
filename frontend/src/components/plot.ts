// Observable Plot (with d3, about 80 kB gzipped) is loaded only when a chart
// is drawn: the expert's questionnaire needs it from round 2 on, when there is
// feedback, and the staff's results page for its charts.
import { useEffect, useRef, type RefObject } from 'react';

export type Plot = typeof import('./plotlib');

let loading: Promise<Plot> | undefined;

/** Loads Plot once. */
export function loadPlot(): Promise<Plot> {
  return (loading ??= import('./plotlib').catch((err: unknown) => {
    loading = undefined;
    throw err;
  }));
}

/**
 * Draws build(Plot) into the element once Plot is loaded, and again when key
 * changes. The element is the image (role="img" with the text alternative):
 * the SVG inside is hidden from assistive technology, and Plot's aria-label
 * attributes on its <g> groups are removed (an aria-label on an element
 * without a role is not allowed).
 */
export function usePlot(build: (plot: Plot, doc: Document) => Element, key: string): RefObject<HTMLDivElement | null> {
  const ref = useRef<HTMLDivElement>(null);
  const latest = useRef(build);
  latest.current = build;
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    let cancelled = false;
    loadPlot().then(
      (plot) => {
        if (cancelled) return;
        try {
          const chart = latest.current(plot, el.ownerDocument);
          chart.setAttribute('aria-hidden', 'true');
          for (const x of chart.querySelectorAll('[aria-label], [aria-description]')) {
            x.removeAttribute('aria-label');
            x.removeAttribute('aria-description');
          }
          el.replaceChildren(chart);
        } catch {
          el.replaceChildren(); // the text alternative still says everything
        }
      },
      () => {
        // Not loaded (offline): the text alternative still says everything.
      },
    );
    return () => {
      cancelled = true;
      el.replaceChildren();
    };
  }, [key]);
  return ref;
}
