import { type FormEvent, useId, useState } from 'react';
import type { CombinedError } from 'urql';
import { useMutation, useQuery } from 'urql';
import { SecretOnce } from '../../components/SecretOnce';
import { ErrorState, LoadingState, Notice, Spinner } from '../../components/ui';
import {
  AddMemberMutation,
  type Member,
  MembersQuery,
  NewSetPasswordLinkMutation,
  RemoveMemberMutation,
  UpdateMemberRoleMutation,
} from '../../graphql/settings-documents';
import { useI18n } from '../../i18n/i18n';
import { errorCode } from '../../lib/graphql-client';
import { useSession } from '../../session';

type Role = Member['role'];
const ROLES: readonly Role[] = ['VIEWER', 'ADMIN'];

/** Settings → Members: everyone sees the list; ADMINs add, change roles, remove, and hand out set-password links. */
export function MembersPage() {
  const { t } = useI18n();
  const { isAdmin } = useSession();
  const [{ data, error, fetching }, refetch] = useQuery({ query: MembersQuery, requestPolicy: 'cache-and-network' });
  const [link, setLink] = useState<{ email: string; url: string } | null>(null);
  const reload = () => refetch({ requestPolicy: 'network-only' });

  return (
    <>
      {link ? (
        <SecretOnce
          title={t('members.link.title', { email: link.email })}
          body={t('members.link.body')}
          label={t('members.link.label')}
          value={link.url}
          onDone={() => setLink(null)}
        />
      ) : null}
      {isAdmin ? (
        <AddMemberForm
          onAdded={(email, url) => {
            setLink({ email, url });
            reload();
          }}
        />
      ) : (
        <Notice>{t('members.viewerReason')}</Notice>
      )}
      <section className="section" aria-labelledby="members-title">
        <div className="section-header">
          <h2 id="members-title">{t('members.list.title')}</h2>
          <button type="button" className="button button-ghost" onClick={reload} disabled={fetching}>
            {t('common.refresh')}
          </button>
        </div>
        {error && !data ? (
          <ErrorState error={error} onRetry={reload} />
        ) : !data ? (
          <LoadingState />
        ) : (
          <MemberTable members={data.members} canManage={isAdmin} onChanged={reload} onLink={(email, url) => setLink({ email, url })} />
        )}
      </section>
    </>
  );
}

function memberError(t: ReturnType<typeof useI18n>['t'], error: CombinedError | undefined, conflictKey: 'members.error.taken' | 'members.error.lastAdmin'): string | null {
  if (!error) return null;
  const code = errorCode(error);
  if (code === 'CONFLICT') return t(conflictKey);
  if (code === 'BAD_USER_INPUT') return t('members.error.email');
  if (code === 'FORBIDDEN') return t('settings.adminOnly');
  return error.graphQLErrors[0]?.message ?? t('common.networkError');
}

function AddMemberForm({ onAdded }: { onAdded(email: string, url: string): void }) {
  const { t } = useI18n();
  const emailId = useId();
  const roleId = useId();
  const errorId = useId();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('VIEWER');
  const [localError, setLocalError] = useState<string | null>(null);
  const [{ fetching, error }, add] = useMutation(AddMemberMutation);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setLocalError(null);
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim())) {
      setLocalError(t('members.error.email'));
      return;
    }
    const result = await add({ input: { email: email.trim(), role } });
    if (result.data) {
      setEmail('');
      onAdded(result.data.addMember.member.email, result.data.addMember.setPasswordUrl);
    }
  };
  const message = localError ?? memberError(t, error, 'members.error.taken');

  return (
    <section className="section card" aria-labelledby="add-member-title">
      <h2 id="add-member-title">{t('members.form.title')}</h2>
      <form className="form-row" onSubmit={submit} noValidate>
        <div className="field field-grow">
          <label htmlFor={emailId}>{t('members.form.email')}</label>
          <input
            id={emailId}
            type="email"
            autoComplete="off"
            value={email}
            aria-invalid={message ? true : undefined}
            aria-describedby={message ? errorId : undefined}
            onChange={(event) => setEmail(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={roleId}>{t('members.form.role')}</label>
          <select id={roleId} value={role} onChange={(event) => setRole(event.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`role.${r}`)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="button button-primary" disabled={fetching}>
          {fetching ? <Spinner label={t('members.form.submitting')} /> : t('members.form.submit')}
        </button>
      </form>
      {message ? (
        <p className="field-error" id={errorId} role="alert">
          {message}
        </p>
      ) : null}
    </section>
  );
}

function MemberTable({
  members,
  canManage,
  onChanged,
  onLink,
}: {
  members: readonly Member[];
  canManage: boolean;
  onChanged(): void;
  onLink(email: string, url: string): void;
}) {
  const { t, dateTime } = useI18n();
  const { viewer } = useSession();
  const [roleState, changeRole] = useMutation(UpdateMemberRoleMutation);
  const [removeState, remove] = useMutation(RemoveMemberMutation);
  const [linkState, newLink] = useMutation(NewSetPasswordLinkMutation);
  const [lastError, setLastError] = useState<string | null>(null);
  const busy = roleState.fetching || removeState.fetching || linkState.fetching;

  const onRole = async (member: Member, role: Role) => {
    if (role === member.role) return;
    if (role === 'VIEWER' && !window.confirm(t('members.demote.confirm', { email: member.email }))) return;
    const result = await changeRole({ id: member.id, role });
    setLastError(memberError(t, result.error, 'members.error.lastAdmin'));
    onChanged();
  };
  const onRemove = async (member: Member) => {
    if (!window.confirm(t('members.remove.confirm', { email: member.email }))) return;
    const result = await remove({ id: member.id });
    setLastError(memberError(t, result.error, 'members.error.lastAdmin'));
    onChanged();
  };
  const onNewLink = async (member: Member) => {
    const result = await newLink({ id: member.id });
    setLastError(memberError(t, result.error, 'members.error.lastAdmin'));
    if (result.data) onLink(member.email, result.data.createSetPasswordLink);
  };

  return (
    <>
      {lastError ? (
        <div className="notice notice-danger" role="alert">
          {lastError}
        </div>
      ) : null}
      <div className="table-wrap">
        <table className="table">
          <caption className="visually-hidden">{t('members.list.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('members.col.email')}</th>
              <th scope="col">{t('members.col.role')}</th>
              <th scope="col">{t('members.col.status')}</th>
              <th scope="col">{t('members.col.lastSignIn')}</th>
              <th scope="col">{t('members.col.added')}</th>
              {canManage ? <th scope="col">{t('members.col.actions')}</th> : null}
            </tr>
          </thead>
          <tbody>
            {members.map((member) => (
              <tr key={member.id} data-member={member.email}>
                <td className="break">
                  {member.email}
                  {member.email === viewer.email ? <span className="muted small"> ({t('members.you')})</span> : null}
                </td>
                <td>
                  {canManage ? (
                    <select
                      aria-label={t('members.role.label', { email: member.email })}
                      value={member.role}
                      disabled={busy}
                      onChange={(event) => void onRole(member, event.target.value as Role)}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {t(`role.${r}`)}
                        </option>
                      ))}
                    </select>
                  ) : (
                    t(`role.${member.role}`)
                  )}
                </td>
                <td>
                  {member.passwordSet ? (
                    <span className="badge badge-success">{t('members.status.active')}</span>
                  ) : (
                    <span className="badge badge-warning">{t('members.status.invited')}</span>
                  )}
                </td>
                <td>
                  {member.lastSignInAt ? <time dateTime={member.lastSignInAt}>{dateTime(member.lastSignInAt)}</time> : <span className="muted">{t('members.never')}</span>}
                </td>
                <td>
                  <time dateTime={member.createdAt}>{dateTime(member.createdAt)}</time>
                </td>
                {canManage ? (
                  <td>
                    <span className="cell-actions">
                      <button type="button" className="button button-ghost" disabled={busy} onClick={() => void onNewLink(member)}>
                        {member.passwordSet ? t('members.resetLink') : t('members.newLink')}
                      </button>
                      <button
                        type="button"
                        className="button button-danger-ghost"
                        disabled={busy}
                        aria-label={t('members.remove.label', { email: member.email })}
                        onClick={() => void onRemove(member)}
                      >
                        {t('members.remove')}
                      </button>
                    </span>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
