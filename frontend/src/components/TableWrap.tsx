import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from '../i18n';

/**
 * A table's horizontal scroller. When the table is wider than the screen
 * (long group names on a phone), the scroller is focusable and named, so
 * that a keyboard can scroll it too (axe: scrollable-region-focusable);
 * otherwise it is no extra tab stop.
 */
export function TableWrap({ label, children }: { label?: string; children: ReactNode }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDivElement>(null);
  const [scrolls, setScrolls] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const check = () => setScrolls(el.scrollWidth > el.clientWidth + 1);
    check();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(check);
    ro.observe(el);
    if (el.firstElementChild) ro.observe(el.firstElementChild);
    return () => ro.disconnect();
  }, []);
  return (
    <div className="table-wrap" ref={ref} {...(scrolls ? { tabIndex: 0, role: 'group', 'aria-label': label ?? t('app.scrollTable') } : {})}>
      {children}
    </div>
  );
}
