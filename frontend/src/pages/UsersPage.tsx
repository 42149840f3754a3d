import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from '../i18n';
import { api, ApiError } from '../api';
import { ErrorAlert, Loading, LocalizedError } from '../components/ErrorAlert';
import { useStaff } from '../components/StaffLayout';
import { formatDateTime, label } from '../format';
import { useApiData } from '../hooks';
import { Confirm } from '../panel/PanelPage';
import { FormActions, Modal } from '../panel/Modal';
import { baseLang, localized } from '../text';
import type { User, UserRequest } from '../api/types';
import { TableWrap } from '../components/TableWrap';

/** The staff accounts (admins only): role, studies, state, and disabling or enabling an account. */
export function UsersPage() {
  const { t } = useTranslation();
  const { user } = useStaff();
  if (user.role !== 'admin') {
    return (
      <>
        <title>{`${t('users.title')} – ${t('app.name')}`}</title>
        <h1>{t('users.title')}</h1>
        <p className="alert alert-error" role="alert">
          {t('users.onlyAdmins')}
        </p>
      </>
    );
  }
  return <UsersView me={user} />;
}

export default UsersPage;

function UsersView({ me }: { me: User }) {
  const { t, i18n } = useTranslation();
  const lang = baseLang(i18n.resolvedLanguage);
  const list = useApiData((signal) => api.users(signal), []);
  const [confirm, setConfirm] = useState<{ user: User; disable: boolean } | null>(null);
  const [form, setForm] = useState<{ user?: User } | null>(null);
  const [notice, setNotice] = useState('');
  const users = list.data?.users ?? [];
  const disabledCount = users.filter((u) => u.disabled_at).length;

  function open(u: User, disable: boolean) {
    setNotice('');
    setConfirm({ user: u, disable });
  }

  async function apply(u: User, disable: boolean) {
    try {
      await api.setUserDisabled(u.id, disable);
    } catch (err) {
      // The server's reasons, in the UI language.
      if (disable && err instanceof ApiError && err.status === 409) throw new LocalizedError(t('users.lastAdmin'));
      if (disable && err instanceof ApiError && err.status === 422 && err.field === 'id') throw new LocalizedError(t('users.ownAccount'));
      throw err;
    }
    setConfirm(null);
    setNotice(t(disable ? 'users.disabled' : 'users.enabled', { email: u.email }));
    list.reload();
  }

  return (
    <article className="users-page">
      <title>{`${t('users.title')} – ${t('app.name')}`}</title>
      <h1>{t('users.title')}</h1>
      <p className="muted">{t('users.intro')}</p>
      <div className="toolbar">
        <button type="button" className="button-primary" onClick={() => setForm({})}>
          {t('users.create')}
        </button>
      </div>
      {notice && (
        <p className="alert alert-ok" role="status">
          {notice}
        </p>
      )}
      {list.loading && !list.data && <Loading />}
      {list.error != null && <ErrorAlert error={list.error} onRetry={list.reload} />}
      {list.data && users.length === 0 && <p className="muted">{t('users.empty')}</p>}
      {users.length > 0 && (
        <>
          <p className="count">{t('users.count', { count: users.length, disabled: disabledCount })}</p>
          <TableWrap>
            <table className="panel-table users-table">
              <caption className="visually-hidden">{t('users.tableCaption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('users.fields.email')}</th>
                  <th scope="col">{t('users.fields.name')}</th>
                  <th scope="col">{t('users.fields.role')}</th>
                  <th scope="col">{t('users.fields.studies')}</th>
                  <th scope="col">{t('users.fields.state')}</th>
                  <th scope="col">{t('users.fields.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {users.map((u) => {
                  const self = u.id === me.id;
                  return (
                    <tr key={u.id} className={u.disabled_at ? 'muted' : undefined}>
                      <th scope="row">
                        {u.email}
                        {self && <span className="muted"> {t('users.you')}</span>}
                      </th>
                      <td>{u.name}</td>
                      <td>{label(t, 'roles', u.role)}</td>
                      <td>{u.role === 'admin' ? t('users.allStudies') : (u.survey_ids ?? []).join(', ')}</td>
                      <td>
                        {u.disabled_at ? (
                          <span className="badge status-disabled">
                            {t('users.disabledSince', { date: formatDateTime(u.disabled_at, lang) })}
                          </span>
                        ) : (
                          <span className="badge status-active">{t('users.active')}</span>
                        )}
                      </td>
                      <td>
                        <div className="row-actions">
                        <button type="button" className="button-secondary" onClick={() => setForm({ user: u })}>
                          {t('users.edit')}
                          <span className="visually-hidden"> {u.email}</span>
                        </button>
                        {u.disabled_at ? (
                          <button type="button" className="button-secondary" onClick={() => open(u, false)}>
                            {t('users.enable')}
                            <span className="visually-hidden"> {u.email}</span>
                          </button>
                        ) : (
                          !self && (
                            <button type="button" className="button-secondary" onClick={() => open(u, true)}>
                              {t('users.disable')}
                              <span className="visually-hidden"> {u.email}</span>
                            </button>
                          )
                        )}
                        </div>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </TableWrap>
        </>
      )}
      {form && (
        <UserForm
          user={form.user}
          onClose={() => setForm(null)}
          onSaved={(u, created) => {
            setForm(null);
            setNotice(t(created ? 'users.created' : 'users.saved', { email: u.email }));
            list.reload();
          }}
        />
      )}
      {confirm && (
        <Confirm
          title={t(confirm.disable ? 'users.disableTitle' : 'users.enableTitle', { email: confirm.user.email })}
          text={t(confirm.disable ? 'users.disableText' : 'users.enableText', { email: confirm.user.email })}
          confirm={t(confirm.disable ? 'users.disableConfirm' : 'users.enableConfirm')}
          onClose={() => setConfirm(null)}
          onConfirm={() => apply(confirm.user, confirm.disable)}
        />
      )}
    </article>
  );
}

const ROLES = ['admin', 'coordinator', 'researcher'] as const;

/**
 * Creates an account (e-mail, name, role, password, studies) or changes one
 * (name, role, studies, and a new password when one is typed in, which ends
 * the account's sessions). The server checks everything and names the field.
 */
function UserForm({ user, onClose, onSaved }: { user?: User; onClose: () => void; onSaved: (u: User, created: boolean) => void }) {
  const { t, i18n } = useTranslation();
  const lang = baseLang(i18n.resolvedLanguage);
  const ids = { email: useId(), name: useId(), role: useId(), password: useId() };
  const surveys = useApiData((signal) => api.surveys(signal), []);
  const [email, setEmail] = useState(user?.email ?? '');
  const [name, setName] = useState(user?.name ?? '');
  const [role, setRole] = useState<NonNullable<UserRequest['role']>>(user?.role ?? 'coordinator');
  const [password, setPassword] = useState('');
  const [studies, setStudies] = useState<string[]>(user?.survey_ids ?? []);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body: UserRequest = { name, role, survey_ids: role === 'admin' ? [] : studies };
      if (password) body.password = password;
      const saved = user ? await api.updateUser(user.id, body) : await api.createUser({ ...body, email });
      onSaved(saved, !user);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  return (
    <Modal title={user ? t('users.editTitle', { email: user.email }) : t('users.createTitle')} onClose={onClose}>
      <form className="form" onSubmit={(e) => void submit(e)}>
        {!user && (
          <div className="field">
            <label htmlFor={ids.email}>{t('users.fields.email')}</label>
            <input id={ids.email} type="email" required autoComplete="off" value={email} onChange={(e) => setEmail(e.target.value)} />
          </div>
        )}
        <div className="field">
          <label htmlFor={ids.name}>{t('users.fields.name')}</label>
          <input id={ids.name} value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={ids.role}>{t('users.fields.role')}</label>
          <select id={ids.role} value={role} onChange={(e) => setRole(e.target.value as typeof role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {label(t, 'roles', r)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.password}>{user ? t('users.newPassword') : t('users.password')}</label>
          <input
            id={ids.password}
            type="password"
            autoComplete="new-password"
            minLength={12}
            required={!user}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <p className="muted small">{user ? t('users.newPasswordHelp') : t('users.passwordHelp')}</p>
        </div>
        {role === 'admin' ? (
          <p className="muted">{t('users.allStudies')}</p>
        ) : (
          <fieldset>
            <legend>{t('users.fields.studies')}</legend>
            {surveys.error != null && <ErrorAlert error={surveys.error} onRetry={surveys.reload} />}
            <ul className="check-list">
              {(surveys.data?.surveys ?? []).map((sv) => (
                <li key={sv.id}>
                  <label>
                    <input
                      type="checkbox"
                      checked={studies.includes(sv.id)}
                      onChange={(e) => setStudies(e.target.checked ? [...studies, sv.id] : studies.filter((x) => x !== sv.id))}
                    />{' '}
                    {localized(sv.title, lang) || sv.id}
                  </label>
                </li>
              ))}
            </ul>
          </fieldset>
        )}
        <FormActions error={error} busy={busy} submit={user ? t('users.save') : t('users.create')} onClose={onClose} />
      </form>
    </Modal>
  );
}
