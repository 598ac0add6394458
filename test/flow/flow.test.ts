import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { gql, gqlData, subscribeAll, wsClient } from '../support/graphql.js';
import {
  BATCH_FIELDS,
  type Batch,
  allRows,
  createBatch,
  downloadTemplate,
  getBatch,
  putFile,
  uploadAndValidate,
  waitForStatus,
} from '../support/flow.js';

interface Account {
  id: string;
  businessName: string | null;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  eligible: boolean;
  userClaimedEmail: boolean;
}

describe('the collection flow over HTTP and graphql-ws', () => {
  let t: TestApp;
  let p: Awaited<ReturnType<TestApp['platform']>>;
  let auth: { apiKey: string };
  let accounts: Account[];

  beforeAll(async () => {
    t = await startTestApp();
    p = await t.platform('Flow Co', 400);
    auth = { apiKey: p.apiKey };
    const data = await gqlData<{ connectedAccounts: { edges: Array<{ node: Account }> } }>(
      t.url,
      auth,
      '{ connectedAccounts(first: 500) { edges { node { id businessName firstName lastName email eligible userClaimedEmail } } } }',
    );
    accounts = data.connectedAccounts.edges.map((e) => e.node);
  });
  afterAll(() => t.stop());

  it('downloads the template, fills it in, validates, confirms and applies with events', async () => {
    const { text, rowCount, res } = await downloadTemplate(t.url, auth);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename=".+\.csv"$/);
    expect(res.headers.get('content-type')).toMatch(/text\/csv/);
    expect(text.startsWith('\uFEFFAccount ID,Business Name,First Name,Last Name,Email Address (please add or replace),User has claimed primary user email address\n')).toBe(true);
    const lines = text.slice(1).trimEnd().split('\n');
    const eligible = accounts.filter((a) => a.eligible);
    expect(rowCount).toBe(eligible.length);
    expect(lines.length - 1).toBe(eligible.length);
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(eligible.map((a) => a.id));

    // Fill: rows 2..41 get a new email (domain in capitals); row 42 gets the account's current email back.
    // Every template line ends with the blank email cell and the ✔/✗ cell.
    const filled = [lines[0]];
    const plan = new Map<string, string>();
    lines.slice(1).forEach((line, i) => {
      const id = line.split(',')[0];
      const account = eligible[i];
      if (i < 40) {
        const email = `new.${i}@Example.COM`;
        plan.set(id, `new.${i}@example.com`);
        filled.push(line.replace(/,,(✔|✗)$/, `,${email},$1`));
      } else if (i === 40 && account.email) {
        filled.push(line.replace(/,,(✔|✗)$/, `,${account.email},$1`));
      } else filled.push(line);
    });
    const csv = `${filled.join('\r\n')}\r\n`;
    const batch = await uploadAndValidate(t.url, auth, csv, 'accounts (1).csv');
    expect(batch.status).toBe('VALIDATED');
    expect(batch.filename).toBe('accounts (1).csv');
    const adds = eligible.slice(0, 40).filter((a) => !a.email).length;
    expect(batch.summary).toMatchObject({
      totalRows: eligible.length,
      processedRows: eligible.length,
      additions: adds,
      replacements: 40 - adds,
      invalid: 0,
      applied: 0,
    });
    expect(batch.summary.unchanged + batch.summary.skipped).toBe(eligible.length - 40);
    // The unchanged template names raise no NAME_MISMATCH.
    const rows = await allRows(t.url, auth, batch.id);
    expect(rows.map((r) => r.rowNumber)).toEqual(eligible.map((_, i) => i + 2));
    expect(rows.flatMap((r) => r.issues.map((i) => i.code)).filter((c) => c === 'NAME_MISMATCH')).toEqual([]);
    expect(rows[0]).toMatchObject({ accountId: eligible[0].id, newEmail: plan.get(eligible[0].id), currentEmail: eligible[0].email });

    // Watch the apply on graphql-ws while confirming.
    const client = wsClient(t.wsUrl, auth);
    const updates = subscribeAll<{ uploadBatchUpdated: Batch }>(
      client,
      `subscription($id: ID!) { uploadBatchUpdated(id: $id) { ${BATCH_FIELDS} } }`,
      { id: batch.id },
    );
    // The first event is the batch as it is now; confirm once the subscription is live.
    await expect.poll(() => updates.events.length).toBeGreaterThan(0);
    expect(updates.events[0].uploadBatchUpdated.status).toBe('VALIDATED');
    const confirmed = await gqlData<{ confirmUploadBatch: Batch }>(
      t.url,
      auth,
      `mutation($id: ID!) { confirmUploadBatch(id: $id) { ${BATCH_FIELDS} } }`,
      { id: batch.id },
    );
    expect(['APPLYING', 'COMPLETED']).toContain(confirmed.confirmUploadBatch.status);
    const events = await updates.done;
    await client.dispose();
    const last = events.at(-1)!.uploadBatchUpdated;
    expect(last.status).toBe('COMPLETED');
    expect(last.summary).toMatchObject({ applied: 40, conflicts: 0, failed: 0 });
    const statuses = events.map((e) => e.uploadBatchUpdated.status);
    expect(statuses.filter((s) => s === 'COMPLETED')).toHaveLength(1);
    const applies = events.map((e) => e.uploadBatchUpdated.summary.applied);
    expect([...applies].sort((a, b) => a - b)).toEqual(applies);

    // Confirming again is harmless.
    const again = await gqlData<{ confirmUploadBatch: Batch }>(t.url, auth, 'mutation($id: ID!) { confirmUploadBatch(id: $id) { status } }', {
      id: batch.id,
    });
    expect(again.confirmUploadBatch.status).toBe('COMPLETED');

    // The accounts changed; each applied row recorded one event.
    for (const [id, email] of plan) {
      const a = await gqlData<{ connectedAccount: { email: string } }>(t.url, auth, 'query($id: ID!) { connectedAccount(id: $id) { email } }', { id });
      expect(a.connectedAccount.email).toBe(email);
    }
    const applied = await allRows(t.url, auth, batch.id, { applyStatuses: ['APPLIED'] });
    expect(applied).toHaveLength(40);
    const events2 = await t.app.services.db.query<{ payload: string; row_number: number }>(
      'select payload, row_number from event where batch_id = $1 order by row_number',
      [batch.id],
    );
    expect(events2.map((e) => Number(e.row_number))).toEqual(applied.map((r) => r.rowNumber));
    const body = JSON.parse(events2[0].payload);
    expect(body).toEqual({
      id: expect.stringMatching(/^evt_/),
      object: 'event',
      type: 'account.updated',
      created: expect.any(Number),
      data: {
        object: {
          id: eligible[0].id,
          object: 'account',
          email: plan.get(eligible[0].id),
          business_name: eligible[0].businessName,
          first_name: eligible[0].firstName,
          last_name: eligible[0].lastName,
        },
        previous_attributes: { email: eligible[0].email },
      },
      upload_batch: batch.id,
    });
  });

  it('refuses a second PUT with 409 and returns the same batch for the same idempotency key', async () => {
    const first = await createBatch(t.url, auth, { filename: 'a.csv', idempotencyKey: 'key-1' });
    const second = await createBatch(t.url, auth, { filename: 'b.csv', idempotencyKey: 'key-1' });
    expect(second.batch.id).toBe(first.batch.id);
    expect(second.uploadUrl).toBe(first.uploadUrl);
    expect(first.uploadUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/files\/uploads\/ub_/);
    const csv = `Account ID,Email Address (please add or replace)\n${accounts[0].id},x@example.com\n`;
    expect((await putFile(first.uploadUrl, auth, csv)).status).toBe(202);
    const res = await putFile(first.uploadUrl, auth, csv);
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({ error: { code: 'CONFLICT', message: expect.stringContaining('already been used') } });
    await waitForStatus(t.url, auth, first.batch.id, ['VALIDATED']);
  });

  it('explains missing headers and keeps nothing of the file', async () => {
    const batch = await uploadAndValidate(t.url, auth, 'Account,Business Name,E-mail\nacct_1,A,a@b.co\n');
    expect(batch.status).toBe('REJECTED');
    expect(batch.fileError).toMatchObject({
      code: 'MISSING_REQUIRED_HEADERS',
      missingHeaders: ['Account ID', 'Email Address (please add or replace)'],
      foundHeaders: ['Account', 'Business Name', 'E-mail'],
    });
    expect(batch.fileError?.message).toMatch(/Account ID/);
    const conf = await gql(t.url, auth, 'mutation($id: ID!) { confirmUploadBatch(id: $id) { status } }', { id: batch.id });
    expect(conf.errors?.[0].extensions?.code).toBe('CONFLICT');
  });

  it('lets a viewer look but not upload or confirm', async () => {
    const { createUser } = await import('../../server/src/modules/auth/auth.service.js');
    const { Role } = await import('../../server/src/modules/auth/dashboard-user.entity.js');
    const { signIn } = await import('../support/graphql.js');
    const v = await createUser(t.app.services.orm.em.fork(), { platformId: p.platformId, email: 'v@flow.example', role: Role.VIEWER });
    const cookie = await signIn(t.url, v.email, v.password);
    const r = await gql(t.url, { cookie }, 'mutation { createUploadBatch(input: {}) { uploadUrl } }');
    expect(r.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const { batch, uploadUrl } = await createBatch(t.url, auth);
    const put = await putFile(uploadUrl, { cookie }, 'Account ID,Email Address (please add or replace)\n');
    expect(put.status).toBe(403);
    expect((await getBatch(t.url, { cookie }, batch.id))?.status).toBe('AWAITING_UPLOAD');
  });
});
