import { useState } from 'react';
import { useTranslation } from '../i18n';
import { api, ApiError } from '../api';
import { ErrorAlert, Loading, LocalizedError } from '../components/ErrorAlert';
import { useStaff } from '../components/StaffLayout';
import { formatDateTime, label } from '../format';
import { useApiData } from '../hooks';
import { Confirm } from '../panel/PanelPage';
import { baseLang } from '../text';
import type { User } from '../api/types';

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
          <div className="table-wrap">
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
          </div>
        </>
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
