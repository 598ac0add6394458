import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import * as dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../server/src/modules/auth/auth.service.js';
import { Role } from '../../server/src/modules/auth/dashboard-user.entity.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { gql, gqlData, signIn } from '../support/graphql.js';
import { HEADER, type Batch, getBatch, uploadAndValidate, waitForStatus } from '../support/flow.js';

interface Acc {
  id: string;
  business_name: string | null;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  user_claimed_email: number | boolean;
  status: string;
}

interface Issue {
  code: string;
  severity: string;
  message: string;
  suggestion: string | null;
}
interface Row {
  rowNumber: number;
  accountId: string | null;
  newEmail: string | null;
  currentEmail: string | null;
  fileEmail: string | null;
  change: string;
  applyStatus: string;
  issues: Issue[];
}

const ROW = 'rowNumber accountId newEmail currentEmail fileEmail change applyStatus issues { code severity message suggestion }';
const SUMMARY = 'summary { totalRows additions replacements unchanged skipped invalid warnings applied conflicts failed }';

type Auth = { apiKey: string } | { cookie: string };

async function rows(t: TestApp, auth: Auth, id: string, filter?: Record<string, unknown>): Promise<{ rows: Row[]; total: number }> {
  const d = await gqlData<{ uploadBatch: { rows: { totalCount: number; edges: Array<{ node: Row }> } } }>(
    t.url,
    auth,
    `query($id: ID!, $filter: BatchRowFilter) { uploadBatch(id: $id) { rows(first: 1000, filter: $filter) { totalCount edges { node { ${ROW} } } } } }`,
    { id, filter },
  );
  return { rows: d.uploadBatch.rows.edges.map((e) => e.node), total: d.uploadBatch.rows.totalCount };
}

async function byRow(t: TestApp, auth: Auth, id: string): Promise<Map<number, Row>> {
  return new Map((await rows(t, auth, id)).rows.map((r) => [r.rowNumber, r]));
}

async function summary(t: TestApp, auth: Auth, id: string) {
  const d = await gqlData<{ uploadBatch: { summary: Record<string, number> } }>(t.url, auth, `query($id: ID!) { uploadBatch(id: $id) { ${SUMMARY} } }`, {
    id,
  });
  return d.uploadBatch.summary;
}

function edit(t: TestApp, auth: Auth, batchId: string, rowNumber: number, email: string | null) {
  return gql<{ editBatchRow: Row }>(
    t.url,
    auth,
    `mutation($b: ID!, $n: Int!, $e: String) { editBatchRow(batchId: $b, rowNumber: $n, input: { email: $e }) { ${ROW} } }`,
    { b: batchId, n: rowNumber, e: email },
  );
}

const codes = (r: Row | undefined) => r?.issues.map((i) => i.code) ?? [];

/** The body as UTF-8 with its BOM (Response.text() drops it). */
async function bytesText(res: Response): Promise<string> {
  return Buffer.from(await res.arrayBuffer()).toString('utf8');
}

/** Parses our own CSV downloads (quoted fields only where needed; no newline inside our cells). */
function csvLines(text: string): string[][] {
  expect(text.startsWith('\uFEFF')).toBe(true);
  return text
    .slice(1)
    .trimEnd()
    .split('\n')
    .map((line) => {
      const out: string[] = [];
      let cur = '';
      let quoted = false;
      for (let i = 0; i < line.length; i++) {
        const ch = line[i];
        if (quoted) {
          if (ch === '"' && line[i + 1] === '"') {
            cur += '"';
            i++;
          } else if (ch === '"') quoted = false;
          else cur += ch;
        } else if (ch === '"') quoted = true;
        else if (ch === ',') {
          out.push(cur);
          cur = '';
        } else cur += ch;
      }
      out.push(cur);
      return out;
    });
}

describe('email quality warnings, fixing rows in the review, the fix file and the gap template', () => {
  let t: TestApp;
  let auth: { apiKey: string };
  let mine: Acc[];
  let active: Acc[];
  let noEmail: Acc[];
  let withEmail: Acc[];
  let platformId: string;

  beforeAll(async () => {
    t = await startTestApp();
    const p = await t.platform('Quality A', 200);
    await t.platform('Quality B', 20);
    platformId = p.platformId;
    auth = { apiKey: p.apiKey };
    mine = await t.app.services.db.query<Acc>(
      'select id, business_name, first_name, last_name, email, user_claimed_email, status from connected_account where platform_id = $1 order by id',
      [platformId],
    );
    active = mine.filter((m) => m.status !== 'closed' && m.status !== 'rejected');
    noEmail = active.filter((m) => !m.email);
    withEmail = active.filter((m) => m.email && !m.user_claimed_email);
  });
  afterAll(() => t.stop());

  it('warns about typos (with the whole corrected address), throwaway and role addresses, and emails shared by rows', async () => {
    const lines = [
      HEADER,
      /* 2 */ `${noEmail[0].id},,,,Jean.Dupont@gmial.com,✗`,
      /* 3 */ `${noEmail[1].id},,,,x@yopmail.com,✗`,
      /* 4 */ `${noEmail[2].id},,,,noreply@acme-corp.com,✗`,
      /* 5 */ `${noEmail[3].id},,,,same@acme-corp.com,✗`,
      /* 6 */ `${noEmail[4].id},,,,same@acme-corp.com,✗`,
      /* 7 */ `${withEmail[0].id},,,,same@acme-corp.com,✗`,
      /* 8 */ `${noEmail[5].id},,,,ok@hey.com,✗`,
      /* 9 */ `${withEmail[1].id},,,,${withEmail[1].email},✗`,
      /* 10 */ `${noEmail[6].id},,,,marie@hotmail.fe,✗`,
    ];
    const batch = await uploadAndValidate(t.url, auth, `${lines.join('\n')}\n`);
    expect(batch.status).toBe('VALIDATED');
    const r = await byRow(t, auth, batch.id);
    expect(r.get(2)).toMatchObject({ change: 'ADD', newEmail: 'Jean.Dupont@gmial.com', applyStatus: 'PENDING', fileEmail: null });
    expect(r.get(2)?.issues).toEqual([
      {
        code: 'EMAIL_DOMAIN_TYPO',
        severity: 'WARNING',
        message: 'Jean.Dupont@gmial.com looks like a misspelling of gmail.com. Did you mean Jean.Dupont@gmail.com?',
        suggestion: 'Jean.Dupont@gmail.com',
      },
    ]);
    expect(codes(r.get(3))).toEqual(['DISPOSABLE_EMAIL']);
    expect(codes(r.get(4))).toEqual(['ROLE_EMAIL']);
    for (const n of [5, 6, 7]) expect(codes(r.get(n)), `row ${n}`).toEqual(['SHARED_EMAIL']);
    expect(r.get(5)?.issues[0].message).toBe(
      'same@acme-corp.com is also the new email on rows 6 and 7. One person may own several accounts; if not, check for a paste error.',
    );
    expect(r.get(7)).toMatchObject({ change: 'REPLACE' });
    expect(codes(r.get(8))).toEqual([]);
    expect(codes(r.get(9))).toEqual([]);
    expect(r.get(10)?.issues[0].suggestion).toBe('marie@hotmail.fr');

    const s = await summary(t, auth, batch.id);
    expect(s).toMatchObject({ totalRows: 9, additions: 7, replacements: 1, unchanged: 1, invalid: 0, warnings: 7 });
    // One filter per warning, totals from the histogram.
    const shared = await rows(t, auth, batch.id, { issueCodes: ['SHARED_EMAIL'] });
    expect(shared.total).toBe(3);
    expect(shared.rows.map((x) => x.rowNumber)).toEqual([5, 6, 7]);
    expect((await rows(t, auth, batch.id, { issueCodes: ['EMAIL_DOMAIN_TYPO'] })).rows.map((x) => x.rowNumber)).toEqual([2, 10]);
    expect((await rows(t, auth, batch.id, { issueCodes: ['DISPOSABLE_EMAIL', 'ROLE_EMAIL'] })).total).toBe(2);
  });

  it('names at most 10 other rows of a shared email', async () => {
    const lines = [HEADER, ...noEmail.slice(0, 14).map((a) => `${a.id},,,,pat@acme-corp.com,✗`)];
    const batch = await uploadAndValidate(t.url, auth, lines.join('\n'));
    const r = await byRow(t, auth, batch.id);
    expect(r.get(2)?.issues[0].message).toBe(
      'pat@acme-corp.com is also the new email on rows 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 and 3 more. One person may own several accounts; if not, check for a paste error.',
    );
  });

  describe('editBatchRow', () => {
    let batch: Batch;
    const dupAccount = () => noEmail[10];

    beforeAll(async () => {
      const lines = [
        HEADER,
        /* 2 */ `${noEmail[7].id},,,,jean@gmial.com,✗`,
        /* 3 */ `${noEmail[8].id},,,,not-an-email,✗`,
        /* 4 */ `${dupAccount().id},,,,one@example.org,✗`,
        /* 5 */ `${dupAccount().id},,,,two@example.org,✗`,
        /* 6 */ `${noEmail[11].id},,,,shared@example.org,✗`,
        /* 7 */ `${noEmail[12].id},,,,shared@example.org,✗`,
        /* 8 */ `${noEmail[13].id},,,,shared@example.org,✗`,
        /* 9 */ `${noEmail[14].id},,,,,✗`,
        /* 10 */ 'acct_doesnotexist1,,,,someone@example.org,✗',
      ];
      batch = await uploadAndValidate(t.url, auth, lines.join('\n'));
      expect(batch.status).toBe('VALIDATED');
    });

    it('accepts a suggestion: the row is valid again, the counts and the filters move, the file’s value is kept', async () => {
      const before = await summary(t, auth, batch.id);
      expect(before).toMatchObject({ totalRows: 9, additions: 4, invalid: 4, skipped: 1, warnings: 4 });
      const res = await edit(t, auth, batch.id, 2, 'jean@gmail.com');
      expect(res.errors).toBeUndefined();
      expect(res.data?.editBatchRow).toMatchObject({
        rowNumber: 2,
        newEmail: 'jean@gmail.com',
        fileEmail: 'jean@gmial.com',
        change: 'ADD',
        applyStatus: 'PENDING',
        issues: [],
      });
      expect(await summary(t, auth, batch.id)).toMatchObject({ additions: 4, invalid: 4, warnings: 3 });
      expect((await rows(t, auth, batch.id, { issueCodes: ['EMAIL_DOMAIN_TYPO'] })).total).toBe(0);
      // Edited again: the file's value stays what the file said.
      const again = await edit(t, auth, batch.id, 2, 'Jean@Gmail.com');
      expect(again.data?.editBatchRow).toMatchObject({ newEmail: 'Jean@gmail.com', fileEmail: 'jean@gmial.com', change: 'ADD' });
    });

    it('fixes an invalid row', async () => {
      const res = await edit(t, auth, batch.id, 3, '  paul@example.org ');
      expect(res.data?.editBatchRow).toMatchObject({ change: 'ADD', newEmail: 'paul@example.org', fileEmail: 'not-an-email', issues: [] });
      expect(await summary(t, auth, batch.id)).toMatchObject({ additions: 5, invalid: 3 });
      // And the other way: an edit can make a row invalid, with the reason.
      const bad = await edit(t, auth, batch.id, 3, 'paul@@example.org');
      expect(bad.data?.editBatchRow).toMatchObject({ change: 'INVALID', applyStatus: 'NOT_APPLICABLE' });
      expect(codes(bad.data?.editBatchRow)).toEqual(['INVALID_EMAIL']);
      expect(await summary(t, auth, batch.id)).toMatchObject({ additions: 4, invalid: 4 });
      await edit(t, auth, batch.id, 3, 'paul@example.org');
    });

    it('re-evaluates a duplicate: blanking one row of the account makes the other valid, and back', async () => {
      let r = await byRow(t, auth, batch.id);
      expect(codes(r.get(4))).toEqual(['DUPLICATE_ACCOUNT']);
      expect(codes(r.get(5))).toEqual(['DUPLICATE_ACCOUNT']);
      const res = await edit(t, auth, batch.id, 5, '');
      expect(res.data?.editBatchRow).toMatchObject({ change: 'SKIPPED', newEmail: null, fileEmail: 'two@example.org', issues: [] });
      r = await byRow(t, auth, batch.id);
      expect(r.get(4)).toMatchObject({ change: 'ADD', applyStatus: 'PENDING', issues: [] });
      expect(await summary(t, auth, batch.id)).toMatchObject({ additions: 6, invalid: 1, skipped: 2 });
      // Giving it an email again makes both duplicates again.
      await edit(t, auth, batch.id, 5, 'three@example.org');
      r = await byRow(t, auth, batch.id);
      expect(r.get(4)).toMatchObject({ change: 'INVALID' });
      expect(r.get(4)?.issues[0].message).toMatch(/row 5/);
      expect(r.get(5)).toMatchObject({ change: 'INVALID', fileEmail: 'two@example.org' });
      expect(await summary(t, auth, batch.id)).toMatchObject({ additions: 5, invalid: 3, skipped: 1 });
    });

    it('re-evaluates a shared email: the rows that still share it name only each other', async () => {
      const res = await edit(t, auth, batch.id, 8, 'own@example.org');
      expect(res.data?.editBatchRow.issues).toEqual([]);
      let r = await byRow(t, auth, batch.id);
      expect(r.get(6)?.issues.map((i) => i.message)).toEqual([
        'shared@example.org is also the new email on row 7. One person may own several accounts; if not, check for a paste error.',
      ]);
      expect(codes(r.get(7))).toEqual(['SHARED_EMAIL']);
      await edit(t, auth, batch.id, 7, 'other@example.org');
      r = await byRow(t, auth, batch.id);
      expect(codes(r.get(6))).toEqual([]);
      expect(codes(r.get(7))).toEqual([]);
      expect((await rows(t, auth, batch.id, { issueCodes: ['SHARED_EMAIL'] })).total).toBe(0);
      // A skipped row given an address already used: both now share it.
      await edit(t, auth, batch.id, 9, 'other@example.org');
      r = await byRow(t, auth, batch.id);
      expect(codes(r.get(7))).toEqual(['SHARED_EMAIL']);
      expect(r.get(9)).toMatchObject({ change: 'ADD', fileEmail: '' });
      expect(codes(r.get(9))).toEqual(['SHARED_EMAIL']);
      // The counters equal a count of the rows themselves.
      const all = (await rows(t, auth, batch.id)).rows;
      const s = await summary(t, auth, batch.id);
      expect(s.additions).toBe(all.filter((x) => x.change === 'ADD').length);
      expect(s.invalid).toBe(all.filter((x) => x.change === 'INVALID').length);
      expect(s.skipped).toBe(all.filter((x) => x.change === 'SKIPPED').length);
      expect(s.warnings).toBe(all.filter((x) => x.issues.some((i) => i.severity === 'WARNING')).length);
    });

    it('keeps both emails in the report', async () => {
      const d = await gqlData<{ uploadBatch: { errorReportUrl: string } }>(t.url, auth, 'query($id: ID!) { uploadBatch(id: $id) { errorReportUrl } }', {
        id: batch.id,
      });
      const out = csvLines(await bytesText(await fetch(d.uploadBatch.errorReportUrl)));
      const header = out[0];
      const row2 = out.find((l) => l[0] === '2') as string[];
      expect(row2[header.indexOf('New Email')]).toBe('Jean@gmail.com');
      expect(row2[header.indexOf('File Email')]).toBe('jean@gmial.com');
    });

    it('writes the rows to fix in the template format: exactly the rows that need attention', async () => {
      const d = await gqlData<{ uploadBatch: { fixFileUrl: string } }>(t.url, auth, 'query($id: ID!) { uploadBatch(id: $id) { fixFileUrl } }', {
        id: batch.id,
      });
      const res = await fetch(d.uploadBatch.fixFileUrl);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toMatch(/attachment; filename=".*rows-to-fix\.csv"/);
      const out = csvLines(await bytesText(res));
      expect(out[0].join(',')).toBe(HEADER);
      const acc = (id: string) => mine.find((m) => m.id === id) as Acc;
      const line = (a: Acc, email: string) => [a.id, a.business_name ?? '', a.first_name ?? '', a.last_name ?? '', email, a.user_claimed_email ? '✔' : '✗'];
      // Rows 4, 5 (duplicates), 7 and 9 (shared), 10 (unknown account); not the clean rows 2, 3, 6, 8.
      expect(out.slice(1)).toEqual([
        line(acc(dupAccount().id), 'one@example.org'),
        line(acc(dupAccount().id), 'three@example.org'),
        line(acc(noEmail[12].id), 'other@example.org'),
        line(acc(noEmail[14].id), 'other@example.org'),
        ['acct_doesnotexist1', '', '', '', 'someone@example.org', ''],
      ]);
      // A forged token gets nothing; the link of another batch does not open this one.
      expect((await fetch(d.uploadBatch.fixFileUrl.replace(/token=[^&]+/, 'token=abc.def'))).status).toBe(401);
    });

    it('refuses a viewer, another platform, a bad row number, and any batch that is not VALIDATED', async () => {
      const v = await createUser(t.app.services.orm.em.fork(), { platformId, email: 'viewer@quality.example', role: Role.VIEWER });
      const cookie = await signIn(t.url, v.email, v.password);
      expect((await edit(t, { cookie }, batch.id, 2, 'a@b.org')).errors?.[0].extensions?.code).toBe('FORBIDDEN');
      const other = await t.platform('Quality C', 5);
      const foreign = await edit(t, { apiKey: other.apiKey }, batch.id, 2, 'a@b.org');
      expect(foreign.errors?.[0].extensions?.code).toBe('NOT_FOUND');
      expect((await edit(t, auth, batch.id, 999, 'a@b.org')).errors?.[0].extensions?.code).toBe('NOT_FOUND');
      const tooLong = await edit(t, auth, batch.id, 2, `${'a'.repeat(1001)}@b.org`);
      expect(tooLong.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect((await edit(t, auth, batch.id, 1, 'a@b.org')).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      // Nothing of that changed the batch.
      expect((await byRow(t, auth, batch.id)).get(2)).toMatchObject({ newEmail: 'Jean@gmail.com' });
    });

    it('applies what the review fixed, then lists conflicts in the fix file, and refuses edits after confirm', async () => {
      // Another writer changes the email of row 6's account before the apply: a CONFLICT.
      await t.app.services.db.execute('update connected_account set email = $1 where platform_id = $2 and id = $3', [
        'changed@elsewhere.org',
        platformId,
        noEmail[11].id,
      ]);
      const conf = await gqlData<{ confirmUploadBatch: Batch }>(t.url, auth, 'mutation($id: ID!) { confirmUploadBatch(id: $id) { id status } }', {
        id: batch.id,
      });
      expect(['APPLYING', 'COMPLETED']).toContain(conf.confirmUploadBatch.status);
      const late = await edit(t, auth, batch.id, 2, 'late@example.org');
      expect(late.errors?.[0].extensions?.code).toBe('CONFLICT');
      const done = await waitForStatus(t.url, auth, batch.id, ['COMPLETED']);
      expect(done.summary).toMatchObject({ conflicts: 1 });
      const [acc] = await t.app.services.db.query<{ email: string }>('select email from connected_account where platform_id = $1 and id = $2', [
        platformId,
        noEmail[7].id,
      ]);
      expect(acc.email).toBe('Jean@gmail.com');
      const d = await gqlData<{ uploadBatch: { fixFileUrl: string } }>(t.url, auth, 'query($id: ID!) { uploadBatch(id: $id) { fixFileUrl } }', {
        id: batch.id,
      });
      const out = csvLines(await bytesText(await fetch(d.uploadBatch.fixFileUrl)));
      // Applied rows (7 and 9 had a warning) are done; the conflict (row 6) is new, with the account's data now.
      const row6 = mine.find((m) => m.id === noEmail[11].id) as Acc;
      expect(out.slice(1).map((l) => l[0])).toEqual([dupAccount().id, dupAccount().id, row6.id, 'acct_doesnotexist1']);
      expect(out[3]).toEqual([row6.id, row6.business_name ?? '', row6.first_name ?? '', row6.last_name ?? '', 'shared@example.org', row6.user_claimed_email ? '✔' : '✗']);
      expect((await getBatch(t.url, auth, batch.id))?.status).toBe('COMPLETED');
    });
  });

  describe('emailTemplate(filter)', () => {
    async function template(filter?: Record<string, boolean>) {
      const d = await gqlData<{ emailTemplate: { url: string; rowCount: number } }>(
        t.url,
        auth,
        'query($f: TemplateFilter) { emailTemplate(filter: $f) { url rowCount expiresAt } }',
        { f: filter },
      );
      const res = await fetch(d.emailTemplate.url);
      const out = csvLines(await bytesText(res));
      return { rowCount: d.emailTemplate.rowCount, ids: out.slice(1).map((l) => l[0]), url: d.emailTemplate.url, header: out[0] };
    }

    it('lists every eligible account, or only those without an email, or only unclaimed ones, with their counts', async () => {
      const now = await t.app.services.db.query<Acc>(
        'select id, business_name, first_name, last_name, email, user_claimed_email, status from connected_account where platform_id = $1 order by id',
        [platformId],
      );
      const eligible = now.filter((m) => m.status !== 'closed' && m.status !== 'rejected');
      const all = await template();
      expect(all.ids).toEqual(eligible.map((m) => m.id));
      expect(all.rowCount).toBe(eligible.length);
      expect(all.header.join(',')).toBe(HEADER);

      const missing = await template({ missingEmail: true });
      const expectedMissing = eligible.filter((m) => !m.email || m.email.trim() === '').map((m) => m.id);
      expect(missing.ids).toEqual(expectedMissing);
      expect(missing.rowCount).toBe(expectedMissing.length);
      expect(expectedMissing.length).toBeGreaterThan(0);
      expect(expectedMissing.length).toBeLessThan(eligible.length);

      const unclaimed = await template({ unclaimed: true });
      const expectedUnclaimed = eligible.filter((m) => !m.user_claimed_email).map((m) => m.id);
      expect(unclaimed.ids).toEqual(expectedUnclaimed);
      expect(unclaimed.rowCount).toBe(expectedUnclaimed.length);
      expect(expectedUnclaimed.length).toBeLessThan(eligible.length);

      const both = await template({ missingEmail: true, unclaimed: true });
      expect(both.ids).toEqual(eligible.filter((m) => !m.email && !m.user_claimed_email).map((m) => m.id));

      // The filter is signed into the link: removing it from the URL does not widen the file.
      const widened = await fetch(missing.url.replace(/&filter=[^&]+/, ''));
      expect(widened.status).toBe(401);
    });
  });
});

/** A DNS server on loopback: known.test has an MX, every other name does not exist. */
class LoopbackDns {
  private socket!: Socket;
  port = 0;
  readonly asked: string[] = [];

  async start(): Promise<void> {
    this.socket = createSocket('udp4');
    this.socket.on('message', (msg, rinfo) => {
      const q = dnsPacket.decode(msg);
      const question = q.questions?.[0];
      if (!question) return;
      this.asked.push(`${question.type} ${question.name}`);
      const known = question.name === 'known.test';
      const answers: dnsPacket.Answer[] =
        known && question.type === 'MX' ? [{ type: 'MX', name: question.name, ttl: 60, data: { preference: 10, exchange: 'mx.known.test' } }] : [];
      const reply = dnsPacket.encode({ type: 'response', id: q.id, flags: dnsPacket.AUTHORITATIVE_ANSWER | (known ? 0 : 3), questions: q.questions, answers });
      this.socket.send(reply, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', resolve));
    this.port = (this.socket.address() as AddressInfo).port;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

describe('EMAIL_DOMAIN_UNRESOLVABLE (DNS check on, against a DNS server on loopback)', () => {
  let t: TestApp;
  const dns = new LoopbackDns();

  beforeAll(async () => {
    await dns.start();
    t = await startTestApp({ EMAIL_DNS_CHECK: 'true', EMAIL_DNS_SERVERS: `127.0.0.1:${dns.port}`, EMAIL_DNS_TIMEOUT_MS: '500' });
  });
  afterAll(async () => {
    await t.stop();
    await dns.stop();
  });

  it('warns on rows whose domain has no mail server, with one lookup per distinct domain', async () => {
    const p = await t.platform('Dns A', 40);
    const auth = { apiKey: p.apiKey };
    const accounts = await t.app.services.db.query<{ id: string }>(
      `select id from connected_account where platform_id = $1 and status not in ('closed', 'rejected') order by id`,
      [p.platformId],
    );
    const lines = [
      HEADER,
      `${accounts[0].id},,,,a@known.test,✗`,
      `${accounts[1].id},,,,b@nowhere.test,✗`,
      `${accounts[2].id},,,,c@nowhere.test,✗`,
      `${accounts[3].id},,,,d@known.test,✗`,
    ];
    const batch = await uploadAndValidate(t.url, auth, lines.join('\n'));
    const r = await byRow(t, auth, batch.id);
    expect(codes(r.get(2))).not.toContain('EMAIL_DOMAIN_UNRESOLVABLE');
    expect(codes(r.get(3))).toContain('EMAIL_DOMAIN_UNRESOLVABLE');
    expect(r.get(3)?.issues.find((i) => i.code === 'EMAIL_DOMAIN_UNRESOLVABLE')?.message).toMatch(/nowhere\.test has no mail server/);
    expect(codes(r.get(4))).toContain('EMAIL_DOMAIN_UNRESOLVABLE');
    expect(codes(r.get(5))).not.toContain('EMAIL_DOMAIN_UNRESOLVABLE');
    expect(r.get(3)?.change).toBe('ADD');
    expect(dns.asked.filter((q) => q === 'MX nowhere.test')).toHaveLength(1);
    expect(dns.asked.filter((q) => q === 'MX known.test')).toHaveLength(1);
    expect((await rows(t, auth, batch.id, { issueCodes: ['EMAIL_DOMAIN_UNRESOLVABLE'] })).total).toBe(2);

    // An edit to a resolvable domain clears the warning; the verdicts are cached, no new lookups.
    const asked = dns.asked.length;
    const res = await edit(t, auth, batch.id, 3, 'b@known.test');
    expect(codes(res.data?.editBatchRow)).toEqual([]);
    expect(dns.asked.length).toBe(asked);
  });
});
