import type { SqlDatabase, SqlTx } from '../../db/sql.js';
import { badInput, conflict, notFound } from '../../graphql/errors.js';
import { newId, randomToken, sha256Hex } from '../../ids.js';
import type { Services } from '../../services.js';
import { auditActor, recordAudit } from '../audit/audit.store.js';
import { toDate } from '../webhooks/webhook.mapper.js';
import { hashPassword, NO_PASSWORD } from './auth.service.js';
import { endConnections } from './auth.topics.js';
import { Role } from './dashboard-user.entity.js';
import { passwordProblem } from './password-policy.js';
import type { Principal } from './principal.js';

/** A set-password link works this long, once. */
export const SET_PASSWORD_TTL_HOURS = 72;

const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/;

export interface MemberView {
  id: string;
  email: string;
  role: Role;
  createdAt: Date;
  lastSignInAt: Date | null;
  /** False until the member used their set-password link. */
  passwordSet: boolean;
}

interface MemberRecord {
  id: string;
  email: string;
  role: string;
  created_at: unknown;
  last_sign_in_at: unknown;
  password_set: number | boolean | string;
}

const COLUMNS = `id, email, role, created_at, last_sign_in_at, case when password_hash = '${NO_PASSWORD}' then 0 else 1 end as password_set`;

function view(r: MemberRecord): MemberView {
  return {
    id: r.id,
    email: r.email,
    role: r.role === 'ADMIN' ? Role.ADMIN : Role.VIEWER,
    createdAt: toDate(r.created_at) ?? new Date(0),
    lastSignInAt: toDate(r.last_sign_in_at),
    passwordSet: Number(r.password_set) === 1,
  };
}

async function memberRecord(db: SqlDatabase | SqlTx, platformId: string, id: string): Promise<MemberRecord | null> {
  const [r] = await db.query<MemberRecord>(`select ${COLUMNS} from dashboard_user where id = $1 and platform_id = $2`, [id, platformId]);
  return r ?? null;
}

/** Every dashboard user of the platform, oldest first (the founding admin on top). */
export async function listMembers(db: SqlDatabase, platformId: string): Promise<MemberView[]> {
  const rows = await db.query<MemberRecord>(`select ${COLUMNS} from dashboard_user where platform_id = $1 order by created_at, id`, [
    platformId,
  ]);
  return rows.map(view);
}

/**
 * Serialises changes to a platform's admins, so two admins demoting each other at the same time
 * cannot both succeed. SQLite transactions already run one at a time (`begin immediate`).
 */
async function lockPlatform(db: SqlDatabase, tx: SqlTx, platformId: string): Promise<void> {
  if (db.dialect === 'postgresql') await tx.query('select id from platform where id = $1 for update', [platformId]);
}

async function otherAdmins(tx: SqlTx, platformId: string, userId: string): Promise<number> {
  const [{ n }] = await tx.query<{ n: number | string }>(
    `select count(*) as n from dashboard_user where platform_id = $1 and role = 'ADMIN' and id <> $2`,
    [platformId, userId],
  );
  return Number(n);
}

/** A one-use set-password token for the user, valid {@link SET_PASSWORD_TTL_HOURS}; earlier unused ones stop working. */
async function issuePasswordToken(tx: SqlTx, userId: string, now: Date): Promise<string> {
  const token = randomToken(43);
  await tx.execute('delete from password_token where user_id = $1 and used_at is null', [userId]);
  await tx.execute('insert into password_token (token_hash, user_id, expires_at, created_at) values ($1, $2, $3, $4)', [
    sha256Hex(token),
    userId,
    new Date(now.getTime() + SET_PASSWORD_TTL_HOURS * 3600_000),
    now,
  ]);
  return token;
}

/** The dashboard page a set-password link opens. The token rides in the fragment, which browsers never send to a server. */
export function setPasswordUrl(origin: string, token: string): string {
  return `${origin}/set-password#token=${token}`;
}

/** Adds a member without a password and returns their one-use set-password link (there is no mail server). */
export async function addMember(
  services: Services,
  principal: Principal,
  input: { email: string; role: Role },
  origin: string,
): Promise<{ member: MemberView; setPasswordUrl: string }> {
  const email = input.email.trim().toLowerCase();
  if (email.length > 254 || !EMAIL.test(email)) throw badInput('Enter a valid email address.', { field: 'email' });
  const id = newId('usr');
  const now = new Date();
  const { record, token } = await services.db.transaction(async (tx) => {
    const [taken] = await tx.query<{ platform_id: string }>('select platform_id from dashboard_user where email = $1', [email]);
    if (taken) {
      throw conflict(
        taken.platform_id === principal.platformId
          ? 'This email is already a member of your platform.'
          : 'This email already has a Comms Center sign-in. Use another address.',
      );
    }
    await tx.execute(
      'insert into dashboard_user (id, platform_id, email, password_hash, role, created_at) values ($1, $2, $3, $4, $5, $6)',
      [id, principal.platformId, email, NO_PASSWORD, input.role, now],
    );
    const token = await issuePasswordToken(tx, id, now);
    await recordAudit(tx, {
      platformId: principal.platformId,
      actor: auditActor(principal),
      action: 'member.added',
      target: email,
      details: { id, role: input.role },
      at: now,
    });
    return { record: (await memberRecord(tx, principal.platformId, id)) as MemberRecord, token };
  });
  services.logger.info({ userId: id, platformId: principal.platformId, role: input.role }, 'member added');
  return { member: view(record), setPasswordUrl: setPasswordUrl(origin, token) };
}

/** A fresh set-password link for a member (lost link, forgotten password); earlier links stop working. */
export async function newSetPasswordLink(services: Services, principal: Principal, id: string, origin: string): Promise<string> {
  const token = await services.db.transaction(async (tx) => {
    const member = await memberRecord(tx, principal.platformId, id);
    if (!member) throw notFound('Member');
    return issuePasswordToken(tx, id, new Date());
  });
  return setPasswordUrl(origin, token);
}

/**
 * Changes a member's role. A demotion ends their sessions and open sockets at once (they sign in
 * again and get the new role everywhere). The last ADMIN cannot be demoted.
 */
export async function updateMemberRole(services: Services, principal: Principal, id: string, role: Role): Promise<MemberView> {
  const { record, demoted } = await services.db.transaction(async (tx) => {
    await lockPlatform(services.db, tx, principal.platformId);
    const before = await memberRecord(tx, principal.platformId, id);
    if (!before) throw notFound('Member');
    if (before.role === role) return { record: before, demoted: false };
    const demoting = before.role === Role.ADMIN;
    if (demoting && (await otherAdmins(tx, principal.platformId, id)) === 0) {
      throw conflict('This is the last admin of the platform. Make another member an admin first.');
    }
    await tx.execute('update dashboard_user set role = $1 where id = $2', [role, id]);
    if (demoting) await tx.execute('delete from session where user_id = $1', [id]);
    await recordAudit(tx, {
      platformId: principal.platformId,
      actor: auditActor(principal),
      action: 'member.role_changed',
      target: before.email,
      details: { id, from: before.role, to: role },
    });
    return { record: (await memberRecord(tx, principal.platformId, id)) as MemberRecord, demoted: demoting };
  });
  if (demoted) endConnections(services, [id]);
  services.logger.info({ userId: id, platformId: principal.platformId, role }, 'member role changed');
  return view(record);
}

/** Removes a member: their sessions, links and open sockets end at once. The last ADMIN cannot be removed. */
export async function removeMember(services: Services, principal: Principal, id: string): Promise<boolean> {
  await services.db.transaction(async (tx) => {
    await lockPlatform(services.db, tx, principal.platformId);
    const before = await memberRecord(tx, principal.platformId, id);
    if (!before) throw notFound('Member');
    if (before.role === Role.ADMIN && (await otherAdmins(tx, principal.platformId, id)) === 0) {
      throw conflict('This is the last admin of the platform. Make another member an admin first.');
    }
    // One statement per table: SQLite connections may run without cascading foreign keys.
    await tx.execute('delete from session where user_id = $1', [id]);
    await tx.execute('delete from password_token where user_id = $1', [id]);
    await tx.execute('delete from dashboard_user where id = $1', [id]);
    await recordAudit(tx, {
      platformId: principal.platformId,
      actor: auditActor(principal),
      action: 'member.removed',
      target: before.email,
      details: { id, role: before.role },
    });
  });
  endConnections(services, [id]);
  services.logger.info({ userId: id, platformId: principal.platformId }, 'member removed');
  return true;
}

/** Why a set-password request was refused, declared once (the dashboard translates each). */
export const SET_PASSWORD_ERRORS = ['INVALID_TOKEN', 'WEAK_PASSWORD'] as const;

/**
 * Sets a password with a set-password token, once. Unknown, used and expired tokens get the same
 * answer. Existing sessions end: a password set through a link replaces whatever was there.
 */
export async function setPasswordWithToken(
  services: Services,
  token: string,
  password: string,
): Promise<{ ok: true; email: string } | { ok: false; code: (typeof SET_PASSWORD_ERRORS)[number]; problem?: string; message: string }> {
  const tokenHash = sha256Hex(token);
  const [found] = await services.db.query<{ user_id: string; email: string; platform_id: string }>(
    `select t.user_id, u.email, u.platform_id from password_token t join dashboard_user u on u.id = t.user_id
      where t.token_hash = $1 and t.used_at is null and t.expires_at > $2`,
    [tokenHash, new Date()],
  );
  const invalid = { ok: false as const, code: 'INVALID_TOKEN' as const, message: 'This link is invalid, used or expired. Ask an admin for a new one.' };
  if (!found) return invalid;
  const problem = passwordProblem(password, found.email);
  if (problem) return { ok: false, code: 'WEAK_PASSWORD', problem: problem.code, message: problem.message };
  const hashed = await hashPassword(password);
  const used = await services.db.transaction(async (tx) => {
    // The token is spent by the statement that checks it, so two requests cannot both use it.
    const now = new Date();
    const n = await tx.execute('update password_token set used_at = $1 where token_hash = $2 and used_at is null and expires_at > $1', [
      now,
      tokenHash,
    ]);
    if (n !== 1) return false;
    await tx.execute('update dashboard_user set password_hash = $1 where id = $2', [hashed, found.user_id]);
    await tx.execute('delete from session where user_id = $1', [found.user_id]);
    await recordAudit(tx, { platformId: found.platform_id, actor: found.email, action: 'member.password_set', target: found.email, at: now });
    return true;
  });
  if (!used) return invalid;
  endConnections(services, [found.user_id]);
  return { ok: true, email: found.email };
}
