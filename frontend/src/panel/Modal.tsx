import { useEffect, useId, useRef, type ReactNode } from 'react';
import { useTranslation } from '../i18n';
import { ErrorAlert } from '../components/ErrorAlert';

/**
 * A modal dialog: labelled by its title, focus moves into it on open and
 * back to where it was on close, Escape and the close button cancel, and Tab
 * stays inside.
 */
export function Modal({ title, onClose, children, wide }: { title: string; onClose: () => void; children: ReactNode; wide?: boolean }) {
  const { t } = useTranslation();
  const titleId = useId();
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    const first = ref.current?.querySelector<HTMLElement>('input, select, textarea, button:not(.modal-close)');
    (first ?? ref.current)?.focus();
    return () => before?.focus?.();
  }, []);

  function onKeyDown(e: React.KeyboardEvent) {
    if (e.key === 'Escape') {
      e.stopPropagation();
      onClose();
      return;
    }
    if (e.key !== 'Tab' || !ref.current) return;
    const focusable = Array.from(
      ref.current.querySelectorAll<HTMLElement>('a[href], button:not([disabled]), input:not([disabled]), select, textarea, [tabindex="0"]'),
    );
    if (focusable.length === 0) return;
    const first = focusable[0]!;
    const last = focusable[focusable.length - 1]!;
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  }

  return (
    <div className="modal-backdrop">
      <div
        ref={ref}
        className={wide ? 'modal modal-wide' : 'modal'}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        tabIndex={-1}
        onKeyDown={onKeyDown}
      >
        <div className="modal-head">
          <h2 id={titleId}>{title}</h2>
          <button type="button" className="modal-close button-secondary" onClick={onClose} aria-label={t('panel.close')}>
            ×
          </button>
        </div>
        {children}
      </div>
    </div>
  );
}

/** The end of a dialog's form: its error, the submit button and cancel. */
export function FormActions({ error, busy, submit, onClose }: { error: unknown; busy: boolean; submit: string; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <>
      {error != null && <ErrorAlert error={error} />}
      <div className="modal-actions">
        <button type="submit" className="button-primary" disabled={busy}>
          {submit}
        </button>
        <button type="button" className="button-secondary" onClick={onClose}>
          {t('panel.cancel')}
        </button>
      </div>
    </>
  );
}
