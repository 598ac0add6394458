import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { type Auth, gql, gqlData, signIn } from '../support/graphql.js';
import { openSubscription, setPassword, tokenOf, within } from './helpers.js';

const MEMBER_FIELDS = 'id email role createdAt lastSignInAt passwordSet';
const GOOD_PASSWORD = 'correct horse battery staple 42';

interface Member {
  id: string;
  email: string;
  role: 'ADMIN' | 'VIEWER';
  lastSignInAt: string | null;
  passwordSet: boolean;
}

async function signInStatus(baseUrl: string, email: string, password: string) {
  const res = await fetch(`${baseUrl}/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  return { status: res.status, body: (await res.json()) as { error: { code: string; message: string } } };
}

describe('members over GraphQL and POST /auth/set-password', () => {
  let t: TestApp;
  let acme: Awaited<ReturnType<TestApp['platform']>>;
  let admin: Auth;
  let adminId: string;

  beforeAll(async () => {
    t = await startTestApp();
    acme = await t.platform('Members Co', 5);
    admin = { cookie: await signIn(t.url, acme.admin.email, acme.admin.password) };
    const { members } = await gqlData<{ members: Member[] }>(t.url, admin, `{ members { ${MEMBER_FIELDS} } }`);
    adminId = members[0].id;
  });
  afterAll(() => t.stop());

  const add = (email: string, role: 'ADMIN' | 'VIEWER', auth: Auth = admin) =>
    gql<{ addMember: { member: Member; setPasswordUrl: string } }>(
      t.url,
      auth,
      `mutation($input: AddMemberInput!) { addMember(input: $input) { setPasswordUrl member { ${MEMBER_FIELDS} } } }`,
      { input: { email, role } },
    );
  const setRole = (id: string, role: string, auth: Auth = admin) =>
    gql<{ updateMemberRole: Member }>(t.url, auth, `mutation($id: ID!, $role: Role!) { updateMemberRole(id: $id, role: $role) { ${MEMBER_FIELDS} } }`, {
      id,
      role,
    });
  const remove = (id: string, auth: Auth = admin) => gql<{ removeMember: boolean }>(t.url, auth, 'mutation($id: ID!) { removeMember(id: $id) }', { id });

  it('adds a member with a one-use, 72-hour set-password link; weak passwords are refused with the reason', async () => {
    const r = await add('  New.Person@Members.example ', 'VIEWER');
    expect(r.errors).toBeUndefined();
    const { member, setPasswordUrl } = r.data!.addMember;
    expect(member).toMatchObject({ email: 'new.person@members.example', role: 'VIEWER', passwordSet: false, lastSignInAt: null });
    expect(setPasswordUrl).toMatch(new RegExp(`^${t.url.replace('127.0.0.1', '(127\\.0\\.0\\.1|localhost)')}/set-password#token=[A-Za-z0-9]{43}$`));
    const token = tokenOf(setPasswordUrl);

    // No password yet: sign-in gets the same answer as a wrong password.
    expect((await signInStatus(t.url, member.email, '')).status).toBe(400);
    expect((await signInStatus(t.url, member.email, GOOD_PASSWORD)).status).toBe(401);

    for (const [password, reason] of [
      ['short1!', 'TOO_SHORT'],
      ['qwerty123456', 'COMMON'],
      ['1q2w3e4r5t6y', 'COMMON'],
      ['new.person-and-more', 'CONTAINS_EMAIL'],
    ]) {
      const weak = await setPassword(t.url, token, password);
      expect(weak.status).toBe(400);
      expect(weak.body.error).toMatchObject({ code: 'BAD_USER_INPUT', reason });
    }
    const ok = await setPassword(t.url, token, GOOD_PASSWORD);
    expect(ok).toEqual({ status: 200, body: { ok: true, email: 'new.person@members.example' } });
    // One use only.
    const reuse = await setPassword(t.url, token, `${GOOD_PASSWORD}!`);
    expect(reuse.status).toBe(410);
    expect(reuse.body.error?.code).toBe('INVALID_TOKEN');
    expect((await setPassword(t.url, 'x'.repeat(43), GOOD_PASSWORD)).status).toBe(410);

    const cookie = await signIn(t.url, member.email, GOOD_PASSWORD);
    const me = await gqlData<{ viewer: { role: string; email: string } }>(t.url, { cookie }, '{ viewer { role email } }');
    expect(me.viewer).toEqual({ role: 'VIEWER', email: member.email });
    const { members } = await gqlData<{ members: Member[] }>(t.url, admin, `{ members { ${MEMBER_FIELDS} } }`);
    expect(members.find((m) => m.id === member.id)).toMatchObject({ passwordSet: true, lastSignInAt: expect.any(String) });
  });

  it('refuses an expired link like an unknown one', async () => {
    const { member, setPasswordUrl } = (await add('late@members.example', 'VIEWER')).data!.addMember;
    await t.app.services.db.execute('update password_token set expires_at = $1 where user_id = $2', [new Date(Date.now() - 1000), member.id]);
    const r = await setPassword(t.url, tokenOf(setPasswordUrl), GOOD_PASSWORD);
    expect(r.status).toBe(410);
  });

  it('refuses a bad email, a taken email, and a viewer', async () => {
    expect((await add('not-an-email', 'VIEWER')).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((await add(acme.admin.email.toUpperCase(), 'VIEWER')).errors?.[0].extensions?.code).toBe('CONFLICT');
    const { member, setPasswordUrl } = (await add('viewer2@members.example', 'VIEWER')).data!.addMember;
    await setPassword(t.url, tokenOf(setPasswordUrl), GOOD_PASSWORD);
    const viewer = { cookie: await signIn(t.url, member.email, GOOD_PASSWORD) };
    expect((await add('x@members.example', 'ADMIN', viewer)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await setRole(member.id, 'ADMIN', viewer)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await remove(adminId, viewer)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('demotion ends the member’s sessions and open sockets at once', async () => {
    const { member, setPasswordUrl } = (await add('second.admin@members.example', 'ADMIN')).data!.addMember;
    await setPassword(t.url, tokenOf(setPasswordUrl), GOOD_PASSWORD);
    const cookie = await signIn(t.url, member.email, GOOD_PASSWORD);
    const sub = await openSubscription(t.url, t.wsUrl, { cookie });
    const demoted = await setRole(member.id, 'VIEWER');
    expect(demoted.data?.updateMemberRole.role).toBe('VIEWER');
    expect(await within(sub.closed, 1000)).toBe(4403);
    expect((await gql(t.url, { cookie }, '{ viewer { role } }')).status).toBe(401);
    // Signing in again gives the new role.
    const again = { cookie: await signIn(t.url, member.email, GOOD_PASSWORD) };
    expect((await gqlData<{ viewer: { role: string } }>(t.url, again, '{ viewer { role } }')).viewer.role).toBe('VIEWER');
  });

  it('removal signs the member out everywhere at once', async () => {
    const { member, setPasswordUrl } = (await add('leaver@members.example', 'ADMIN')).data!.addMember;
    await setPassword(t.url, tokenOf(setPasswordUrl), GOOD_PASSWORD);
    const cookie = await signIn(t.url, member.email, GOOD_PASSWORD);
    const sub = await openSubscription(t.url, t.wsUrl, { cookie });
    expect((await remove(member.id)).data?.removeMember).toBe(true);
    expect(await within(sub.closed, 1000)).toBe(4403);
    expect((await gql(t.url, { cookie }, '{ viewer { role } }')).status).toBe(401);
    expect((await signInStatus(t.url, member.email, GOOD_PASSWORD)).status).toBe(401);
    expect((await remove(member.id)).errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('never lets the last ADMIN be removed or demoted (CONFLICT)', async () => {
    const { members } = await gqlData<{ members: Member[] }>(t.url, admin, `{ members { ${MEMBER_FIELDS} } }`);
    expect(members.filter((m) => m.role === 'ADMIN').map((m) => m.id)).toEqual([adminId]);
    const demote = await setRole(adminId, 'VIEWER');
    expect(demote.errors?.[0].extensions?.code).toBe('CONFLICT');
    expect(demote.errors?.[0].message).toMatch(/last admin/);
    expect((await remove(adminId)).errors?.[0].extensions?.code).toBe('CONFLICT');
    // An API key (acting as ADMIN) cannot do it either.
    expect((await remove(adminId, { apiKey: acme.apiKey })).errors?.[0].extensions?.code).toBe('CONFLICT');
    expect((await gqlData<{ viewer: { role: string } }>(t.url, admin, '{ viewer { role } }')).viewer.role).toBe('ADMIN');
  });

  it("answers another platform's member id with NOT_FOUND", async () => {
    const other = await t.platform('Other Members Co', 1);
    const r = await setRole(adminId, 'VIEWER', { apiKey: other.apiKey });
    expect(r.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await remove(adminId, { apiKey: other.apiKey })).errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });
});

describe('sign-in limits per email and per address', () => {
  let t: TestApp;
  let acme: Awaited<ReturnType<TestApp['platform']>>;
  beforeAll(async () => {
    t = await startTestApp({ SIGN_IN_RATE_LIMIT: '50', SIGN_IN_EMAIL_RATE_LIMIT: '3', SIGN_IN_ADDRESS_RATE_LIMIT: '8' });
    acme = await t.platform('Limits Co', 1);
  });
  afterAll(() => t.stop());

  it('answers an unknown email and a wrong password alike, then limits one email and then one address', async () => {
    const wrong = await signInStatus(t.url, acme.admin.email, 'wrong password');
    const unknown = await signInStatus(t.url, 'nobody@limits.example', 'wrong password');
    expect(wrong).toEqual(unknown);
    expect(wrong.status).toBe(401);
    await signInStatus(t.url, acme.admin.email, 'wrong again');
    await signInStatus(t.url, acme.admin.email, 'wrong again');
    const limited = await signInStatus(t.url, acme.admin.email, acme.admin.password);
    expect(limited.status).toBe(429);
    expect(limited.body.error.message).toMatch(/for this email/);
    // Other emails from this address go on until the address's own allowance is spent.
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await signInStatus(t.url, `spray${i}@limits.example`, 'guess')).status);
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.at(-1)).toBe(429);
    const last = await signInStatus(t.url, 'fresh@limits.example', 'guess');
    expect(last.status).toBe(429);
    expect(last.body.error.message).toMatch(/from your address/);
  });
});
