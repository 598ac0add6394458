import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireBatches } from '../../server/src/modules/batches/batch.lifecycle.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { gql, gqlData } from '../support/graphql.js';
import { HEADER, allRows, createBatch, getBatch, putFile, uploadAndValidate, waitForStatus } from '../support/flow.js';

const CONFIRM = 'mutation($id: ID!) { confirmUploadBatch(id: $id) { status summary { applied conflicts failed } } }';
const UPDATE = 'mutation($id: ID!, $email: String) { updateConnectedAccount(id: $id, input: { email: $email }) { id email } }';

describe('batch lifecycle, single edits and tenant isolation', () => {
  let t: TestApp;
  let a: { apiKey: string };
  let b: { apiKey: string };
  let ids: string[];
  let platformA: string;

  beforeAll(async () => {
    t = await startTestApp();
    const pa = await t.platform('Life A', 200);
    const pb = await t.platform('Life B', 20);
    a = { apiKey: pa.apiKey };
    b = { apiKey: pb.apiKey };
    platformA = pa.platformId;
    ids = (
      await t.app.services.db.query<{ id: string }>(
        `select id from connected_account where platform_id = $1 and status not in ('closed', 'rejected') order by id`,
        [pa.platformId],
      )
    ).map((r) => r.id);
  });
  afterAll(() => t.stop());

  const events = async (accountId: string) =>
    t.app.services.db.query<{ payload: string; batch_id: string | null }>('select payload, batch_id from event where account_id = $1 order by seq', [
      accountId,
    ]);

  it('never overwrites an account edited between validation and apply: its row ends CONFLICT', async () => {
    const csv = `${HEADER}\n${ids[0]},,,,first@example.com,✗\n${ids[1]},,,,second@example.com,✗\n`;
    const batch = await uploadAndValidate(t.url, a, csv);
    expect(batch.summary.additions + batch.summary.replacements).toBe(2);
    await gqlData(t.url, a, UPDATE, { id: ids[1], email: 'edited@Example.org' });
    await gqlData(t.url, a, CONFIRM, { id: batch.id });
    const done = await waitForStatus(t.url, a, batch.id, ['COMPLETED']);
    expect(done.summary).toMatchObject({ applied: 1, conflicts: 1, failed: 0 });
    const rows = await allRows(t.url, a, batch.id);
    expect(rows.map((r) => [r.rowNumber, r.applyStatus])).toEqual([
      [2, 'APPLIED'],
      [3, 'CONFLICT'],
    ]);
    const acc = await gqlData<{ connectedAccount: { email: string } }>(t.url, a, 'query($id: ID!) { connectedAccount(id: $id) { email } }', {
      id: ids[1],
    });
    expect(acc.connectedAccount.email).toBe('edited@example.org');
    // The single edit emitted its own event; the conflicted row emitted none.
    const evs = await events(ids[1]);
    expect(evs).toHaveLength(1);
    expect(evs[0].batch_id).toBeNull();
    expect(JSON.parse(evs[0].payload).data.object.email).toBe('edited@example.org');
  });

  it('updateConnectedAccount applies the upload rules, clears with null and refuses bad emails', async () => {
    const [{ email: original }] = await t.app.services.db.query<{ email: string | null }>(
      'select email from connected_account where platform_id = $1 and id = $2',
      [platformA, ids[5]],
    );
    const bad = await gql(t.url, a, UPDATE, { id: ids[5], email: 'mailto:x@example.com' });
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0].message).toMatch(/mailto/i);
    const set = await gqlData<{ updateConnectedAccount: { email: string } }>(t.url, a, UPDATE, { id: ids[5], email: '  Jane.Doe@EXAMPLE.com ' });
    expect(set.updateConnectedAccount.email).toBe('Jane.Doe@example.com');
    const same = await gqlData<{ updateConnectedAccount: { email: string } }>(t.url, a, UPDATE, { id: ids[5], email: 'Jane.Doe@example.COM' });
    expect(same.updateConnectedAccount.email).toBe('Jane.Doe@example.com');
    const cleared = await gqlData<{ updateConnectedAccount: { email: string | null } }>(t.url, a, UPDATE, { id: ids[5], email: null });
    expect(cleared.updateConnectedAccount.email).toBeNull();
    const evs = (await events(ids[5])).map((e) => JSON.parse(e.payload).data);
    expect(evs.map((d) => [d.previous_attributes.email, d.object.email])).toEqual([
      [original, 'Jane.Doe@example.com'],
      ['Jane.Doe@example.com', null],
    ]);
  });

  it('cancels before confirm, refuses to confirm after, and expires old batches purging their rows', async () => {
    const batch = await uploadAndValidate(t.url, a, `${HEADER}\n${ids[10]},,,,c@example.com,✗\n`);
    const canceled = await gqlData<{ cancelUploadBatch: { status: string } }>(t.url, a, 'mutation($id: ID!) { cancelUploadBatch(id: $id) { status } }', {
      id: batch.id,
    });
    expect(canceled.cancelUploadBatch.status).toBe('CANCELED');
    const conf = await gql(t.url, a, CONFIRM, { id: batch.id });
    expect(conf.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' }, message: expect.stringContaining('CANCELED') });

    const old = await uploadAndValidate(t.url, a, `${HEADER}\n${ids[11]},,,,d@example.com,✗\n`);
    await t.app.services.db.execute('update upload_batch set expires_at = $1 where id = $2', [new Date(Date.now() - 1000), old.id]);
    expect(await expireBatches(t.app.services)).toBeGreaterThanOrEqual(1);
    expect((await getBatch(t.url, a, old.id))?.status).toBe('EXPIRED');
    expect(await allRows(t.url, a, old.id)).toEqual([]);
    const late = await gql(t.url, a, CONFIRM, { id: old.id });
    expect(late.errors?.[0].extensions?.code).toBe('CONFLICT');
  });

  it('refuses to confirm a batch with nothing to apply', async () => {
    const batch = await uploadAndValidate(t.url, a, `${HEADER}\n${ids[12]},,,,,✗\n`);
    const r = await gql(t.url, a, CONFIRM, { id: batch.id });
    expect(r.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' }, message: expect.stringContaining('nothing to apply') });
  });

  it('lists batches newest first with keyset pagination', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const data: { uploadBatches: { totalCount: number; edges: Array<{ node: { id: string; createdAt: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string } } } =
        await gqlData(t.url, a, 'query($after: String) { uploadBatches(first: 2, after: $after) { totalCount edges { node { id createdAt } } pageInfo { hasNextPage endCursor } } }', {
          after,
        });
      seen.push(...data.uploadBatches.edges.map((e) => e.node.createdAt));
      if (!data.uploadBatches.pageInfo.hasNextPage) {
        expect(seen).toHaveLength(data.uploadBatches.totalCount);
        break;
      }
      after = data.uploadBatches.pageInfo.endCursor;
    }
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect([...seen].sort().reverse()).toEqual(seen);
    // "Who" for the history: an integrator's batch names the key by its prefix, never the key.
    const who = await gqlData<{ uploadBatches: { edges: Array<{ node: { createdBy: string } }> } }>(
      t.url,
      a,
      '{ uploadBatches(first: 1) { edges { node { createdBy } } } }',
    );
    expect(who.uploadBatches.edges[0].node.createdBy).toBe(`API key ${a.apiKey.slice(0, 10)}…`);
  });

  it('gives platform B nothing of platform A: null lookups, NOT_FOUND mutations, 404 routes, same messages', async () => {
    const { batch, uploadUrl } = await createBatch(t.url, a);
    const validated = await uploadAndValidate(t.url, a, `${HEADER}\n${ids[20]},,,,e@example.com,✗\n`);
    const missing = 'ub_doesnotexist000000000000';
    const lookup = async (auth: { apiKey: string }, id: string) =>
      gql(t.url, auth, 'query($id: ID!) { uploadBatch(id: $id) { id } }', { id });
    expect((await lookup(b, batch.id)).data).toEqual({ uploadBatch: null });
    for (const mutation of ['confirmUploadBatch', 'cancelUploadBatch']) {
      const q = `mutation($id: ID!) { ${mutation}(id: $id) { id } }`;
      const foreign = await gql(t.url, b, q, { id: validated.id });
      const none = await gql(t.url, b, q, { id: missing });
      expect(foreign.errors?.[0].extensions?.code).toBe('NOT_FOUND');
      expect(foreign.errors?.[0].message).toBe(none.errors?.[0].message);
    }
    const foreignAccount = await gql(t.url, b, UPDATE, { id: ids[0], email: 'x@example.com' });
    const noAccount = await gql(t.url, b, UPDATE, { id: 'acct_nope', email: 'x@example.com' });
    expect(foreignAccount.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(foreignAccount.errors?.[0].message).toBe(noAccount.errors?.[0].message);

    const put = await putFile(uploadUrl, b, `${HEADER}\n`);
    const putMissing = await putFile(uploadUrl.replace(batch.id, missing), b, `${HEADER}\n`);
    expect(put.status).toBe(404);
    expect(await put.json()).toEqual(await putMissing.json());
    expect((await getBatch(t.url, a, batch.id))?.status).toBe('AWAITING_UPLOAD');

    const report = await fetch(`${t.url}/files/batches/${validated.id}/report`, { headers: { authorization: `Bearer ${b.apiKey}` } });
    expect(report.status).toBe(404);
    // A report link signed for A's batch does not open another batch.
    const link = await gqlData<{ uploadBatch: { errorReportUrl: string } }>(t.url, a, 'query($id: ID!) { uploadBatch(id: $id) { errorReportUrl } }', {
      id: validated.id,
    });
    const swapped = link.uploadBatch.errorReportUrl.replace(validated.id, batch.id);
    expect((await fetch(swapped)).status).toBe(401);
    // B's template lists only B's accounts.
    const tpl = await gqlData<{ emailTemplate: { url: string; rowCount: number } }>(t.url, b, '{ emailTemplate { url rowCount } }');
    const text = await (await fetch(tpl.emailTemplate.url)).text();
    expect(text.trimEnd().split('\n')).toHaveLength(tpl.emailTemplate.rowCount + 1);
    const [{ n }] = await t.app.services.db.query<{ n: number }>(
      `select count(*) as n from connected_account where platform_id = $1`,
      [platformA],
    );
    expect(Number(n)).toBe(200);
    for (const id of ids.slice(0, 50)) expect(text).not.toContain(`${id},`);
  });
});
