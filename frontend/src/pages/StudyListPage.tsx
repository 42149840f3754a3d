import { useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from '../i18n';
import { Link } from 'react-router';
import { api, ApiError, type ImportedSurvey } from '../api';
import { ErrorAlert, errorText, Loading } from '../components/ErrorAlert';
import { useStaff } from '../components/StaffLayout';
import { formatDateTime, label } from '../format';
import { useApiData } from '../hooks';
import { baseLang, localized } from '../text';

export function StudyListPage() {
  const { t, i18n } = useTranslation();
  const lang = baseLang(i18n.resolvedLanguage);
  const { user } = useStaff();
  const { data, error, loading, reload } = useApiData((signal) => api.surveys(signal), []);
  const surveys = data?.surveys ?? [];
  const canImport = user.role === 'admin' || user.role === 'coordinator';

  return (
    <>
      <title>{`${t('studies.title')} – ${t('app.name')}`}</title>
      <h1>{t('studies.title')}</h1>
      <p className="muted">{t('studies.intro')}</p>
      {canImport && <StudyUpload onImported={reload} />}
      {loading && !data && <Loading />}
      {error != null && <ErrorAlert error={error} onRetry={reload} />}
      {data && surveys.length === 0 && <p className="empty">{t('studies.empty')}</p>}
      {surveys.length > 0 && (
        <ul className="study-list">
          {surveys.map((s) => {
            const description = localized(s.description, lang);
            return (
              <li key={s.id} className="card study-card">
                <h2>
                  <Link to={`/surveys/${encodeURIComponent(s.id)}`}>{localized(s.title, lang) || s.id}</Link>
                </h2>
                {description && <p className="study-description">{description}</p>}
                <ul className="meta" aria-label={s.id}>
                  <li>
                    <span className={`badge status-${s.status}`}>{label(t, 'status', s.status)}</span>
                  </li>
                  <li>{t('studies.version', { version: s.version })}</li>
                  <li>{t('studies.revision', { revision: s.revision })}</li>
                  <li>{t('studies.sections', { count: s.section_count })}</li>
                  <li>{t('studies.items', { count: s.item_count })}</li>
                  <li>{t('studies.groups', { count: s.group_count })}</li>
                  <li>
                    {t('studies.languages', {
                      languages: (s.languages ?? []).map((l) => label(t, 'languageNames', l)).join(', '),
                    })}
                  </li>
                  <li>{t('studies.updated', { date: formatDateTime(s.updated_at, lang) })}</li>
                </ul>
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}

export default StudyListPage;

/**
 * Imports a study definition (YAML or JSON) for admins and coordinators: a
 * new study, or a new revision of one. A file that does not validate
 * answers 422 with one detail per problem, shown with its line and column.
 */
export function StudyUpload({ onImported }: { onImported: () => void }) {
  const { t, i18n } = useTranslation();
  const lang = baseLang(i18n.resolvedLanguage);
  const hid = useId();
  const fid = useId();
  const form = useRef<HTMLFormElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<ImportedSurvey | null>(null);
  const rid = useId();
  const [reason, setReason] = useState('');

  async function submit(e: FormEvent, withReason = false) {
    e.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const r = await api.importSurvey(file, withReason ? reason.trim() : undefined);
      setDone(r);
      setFile(null);
      setReason('');
      form.current?.reset();
      onImported();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  // After round 1 opened, a revision that changes the analysis protocol
  // needs a reason: the server names the changed fields, the form asks.
  const protocolChange = error instanceof ApiError && error.reason === 'protocol_change_needs_reason' ? error : null;
  const details = error instanceof ApiError && !protocolChange ? (error.details ?? []) : [];
  const title = done ? localized(done.survey.definition?.title, lang) || done.survey.id : '';
  return (
    <section className="card study-upload" aria-labelledby={hid}>
      <h2 id={hid}>{t('studies.upload.title')}</h2>
      <p className="muted small">{t('studies.upload.help')}</p>
      <form ref={form} className="upload-form" onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor={fid}>{t('studies.upload.file')}</label>
          <input
            id={fid}
            type="file"
            accept=".yaml,.yml,.json,application/json,application/yaml,text/yaml"
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              setError(null);
              setDone(null);
            }}
          />
        </div>
        <button type="submit" className="button-primary" disabled={!file || busy}>
          {busy ? t('studies.upload.uploading') : t('studies.upload.submit')}
        </button>
      </form>
      {done && (
        <p role="status" className="alert alert-ok">
          {t(done.created ? 'studies.upload.created' : 'studies.upload.unchanged', { title, revision: done.survey.revision })}
        </p>
      )}
      {protocolChange && (
        <form className="alert alert-error protocol-change" onSubmit={(e) => void submit(e, true)}>
          <p role="alert">
            <strong>{t('studies.upload.protocolTitle', { fields: String(protocolChange.params?.fields ?? '') })}</strong>
          </p>
          <p>{t('studies.upload.protocolHelp')}</p>
          <ul className="upload-details">
            {(protocolChange.details ?? []).map((d) => (
              <li key={d.field}>
                <code className="upload-field">{d.field}</code>: {d.message}
              </li>
            ))}
          </ul>
          <div className="field">
            <label htmlFor={rid}>{t('studies.upload.protocolReason')}</label>
            <textarea id={rid} value={reason} required maxLength={5000} rows={3} onChange={(e) => setReason(e.target.value)} />
          </div>
          <button type="submit" className="button-primary" disabled={!file || busy || reason.trim() === ''}>
            {t('studies.upload.protocolSubmit')}
          </button>
        </form>
      )}
      {error != null && !protocolChange && details.length === 0 && <ErrorAlert error={error} />}
      {details.length > 0 && (
        <div className="alert alert-error" role="alert">
          <p>{t('studies.upload.invalid', { count: details.length, message: errorText(error, t) })}</p>
          <ul className="upload-details">
            {details.map((d, i) => (
              <li key={i}>
                {d.line ? <strong>{t('studies.upload.at', { line: d.line, column: d.column ?? 1 })}: </strong> : null}
                {d.message}
                {d.field && <code className="upload-field"> ({d.field})</code>}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
