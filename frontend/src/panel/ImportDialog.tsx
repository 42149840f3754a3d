import { useId, useState } from 'react';
import { useTranslation } from '../i18n';
import { ErrorAlert } from '../components/ErrorAlert';
import { label } from '../format';
import type { ImportReport } from '../api/types';
import { panelApi } from './api';
import { Modal } from './Modal';
import { TableWrap } from '../components/TableWrap';

type Api = Pick<typeof panelApi, 'importFile'>;

/**
 * Imports experts from CSV or Excel in two steps: a dry run that lists every
 * row (new, changed, rejected with its reason), then the import itself.
 * Nothing is written while rows are rejected, unless the coordinator chooses
 * to skip them.
 */
export function ImportDialog({
  surveyId,
  groupLabel,
  onClose,
  onImported,
  client = panelApi,
}: {
  surveyId: string;
  groupLabel: (id: string) => string;
  onClose: () => void;
  onImported: (r: ImportReport) => void;
  client?: Api;
}) {
  const { t } = useTranslation();
  const fileId = useId();
  const [file, setFile] = useState<File | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [skip, setSkip] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<ImportReport | null>(null);

  async function run(dryRun: boolean) {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      const r = await client.importFile(surveyId, file, dryRun, skip);
      if (dryRun) setReport(r);
      else {
        setDone(r);
        onImported(r);
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const rejected = report?.rejected ?? [];
  const canImport = !!report && (rejected.length === 0 || skip) && report.added.length + report.updated.length > 0;

  return (
    <Modal title={t('panel.import.title')} onClose={onClose} wide>
      {done ? (
        <>
          <p role="status">
            {t('panel.import.done', { added: done.added.length, updated: done.updated.length, rejected: done.rejected.length })}
          </p>
          <div className="modal-actions">
            <button type="button" className="button-primary" onClick={onClose}>
              {t('panel.close')}
            </button>
          </div>
        </>
      ) : (
        <>
          <p className="muted small">{t('panel.import.help')}</p>
          <div className="field">
            <label htmlFor={fileId}>{t('panel.import.file')}</label>
            <input
              id={fileId}
              type="file"
              accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
              onChange={(e) => {
                setFile(e.target.files?.[0] ?? null);
                setReport(null);
                setSkip(false);
              }}
            />
          </div>
          <div className="modal-actions">
            <button type="button" onClick={() => void run(true)} disabled={!file || busy}>
              {busy && !report ? t('panel.import.checking') : t('panel.import.check')}
            </button>
          </div>
          {error != null && <ErrorAlert error={error} />}
          {report && (
            <section aria-label={t('panel.import.preview')}>
              <p role="status">
                {t('panel.import.summary', {
                  rows: report.data_rows,
                  added: report.added.length,
                  updated: report.updated.length,
                  unchanged: report.unchanged.length,
                  rejected: rejected.length,
                })}
              </p>
              {report.ignored_columns && report.ignored_columns.length > 0 && (
                <p className="muted small">{t('panel.import.ignored', { columns: report.ignored_columns.join(', ') })}</p>
              )}
              <TableWrap>
                <table className="import-table">
                  <caption className="visually-hidden">{t('panel.import.preview')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('panel.import.row')}</th>
                      <th scope="col">{t('panel.fields.email')}</th>
                      <th scope="col">{t('panel.fields.name')}</th>
                      <th scope="col">{t('panel.import.result')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rejected.map((r) => (
                      <tr key={`r${r.row}`} className="row-rejected">
                        <td className="num">{r.row}</td>
                        <td>{r.email}</td>
                        <td />
                        <td>
                          <strong>{t('panel.import.rejected')}:</strong> {label(t, 'panel.reasons', r.reason)}
                          <span className="muted small"> ({r.message})</span>
                        </td>
                      </tr>
                    ))}
                    {report.added.map((r) => (
                      <tr key={`a${r.row}`}>
                        <td className="num">{r.row}</td>
                        <td>{r.email}</td>
                        <td>{r.name}</td>
                        <td>
                          {t('panel.import.new')} · {groupLabel(r.group)}
                        </td>
                      </tr>
                    ))}
                    {report.updated.map((r) => (
                      <tr key={`u${r.row}`}>
                        <td className="num">{r.row}</td>
                        <td>{r.email}</td>
                        <td>{r.name}</td>
                        <td>
                          {t('panel.import.changed', {
                            pseudonym: r.pseudonym,
                            fields: r.fields.map((f) => label(t, 'panel.fields', f)).join(', '),
                          })}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
              {rejected.length > 0 && (
                <div className="field-check">
                  <input id={`${fileId}-skip`} type="checkbox" checked={skip} onChange={(e) => setSkip(e.target.checked)} />
                  <label htmlFor={`${fileId}-skip`}>{t('panel.import.skip', { count: rejected.length })}</label>
                </div>
              )}
              {rejected.length > 0 && !skip && <p className="muted small">{t('panel.import.blocked')}</p>}
              <div className="modal-actions">
                <button type="button" className="button-primary" onClick={() => void run(false)} disabled={!canImport || busy}>
                  {busy ? t('panel.import.importing') : t('panel.import.confirm', { count: report.added.length + report.updated.length })}
                </button>
                <button type="button" className="button-secondary" onClick={onClose}>
                  {t('panel.cancel')}
                </button>
              </div>
            </section>
          )}
        </>
      )}
    </Modal>
  );
}
