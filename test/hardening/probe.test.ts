import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { type Auth, gql, gqlData } from '../support/graphql.js';
import { createBatch, HEADER, putFile, uploadAndValidate, waitForStatus } from '../support/flow.js';

/**
 * The answers a hostile client got wrong (issue 19): each was a 500, a misleading message, a
 * silently empty page or a self-contradicting summary.
 */
describe('what a hostile client found', () => {
  let t: TestApp;
  let acme: Awaited<ReturnType<TestApp['platform']>>;
  let auth: Auth;

  beforeAll(async () => {
    t = await startTestApp({ VALIDATION_CHUNK_ROWS: '100' });
    acme = await t.platform('Probe Co', 30);
    auth = { apiKey: acme.apiKey };
  });
  afterAll(() => t.stop());

  const search = (text: string) =>
    gql<{ connectedAccounts: { totalCount: number; edges: { node: { id: string } }[] } }>(
      t.url,
      auth,
      'query($s: String) { connectedAccounts(first: 5, filter: { search: $s }) { totalCount edges { node { id } } } }',
      { s: text },
    );

  it('refuses a search longer than 200 characters with BAD_USER_INPUT (900 KB included), not an internal error', async () => {
    expect((await search('a'.repeat(200))).errors).toBeUndefined();
    for (const text of ['a'.repeat(201), '%_'.repeat(450_000)]) {
      const r = await search(text);
      expect(r.status).toBe(200);
      expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(r.errors?.[0].message).toMatch(/at most 200 are allowed/);
    }
  });

  it('matches % and _ literally', async () => {
    const [account] = (await gqlData<{ connectedAccounts: { edges: { node: { id: string } }[] } }>(t.url, auth, '{ connectedAccounts(first: 1) { edges { node { id } } } }'))
      .connectedAccounts.edges;
    await t.app.services.db.execute('update connected_account set business_name = $1 where platform_id = $2 and id = $3', [
      '100%_Pure',
      acme.platformId,
      account.node.id,
    ]);
    expect((await search('%')).data?.connectedAccounts.totalCount).toBe(1);
    expect((await search('0%_p')).data?.connectedAccounts.edges.map((e) => e.node.id)).toEqual([account.node.id]);
    // As wildcards, `_` and `%` would match "100%" and "100%_Pure" here.
    expect((await search('10_%')).data?.connectedAccounts.totalCount).toBe(0);
    expect((await search('1%%')).data?.connectedAccounts.totalCount).toBe(0);
  });

  it('refuses cursors the server did not issue with BAD_USER_INPUT, on every connection', async () => {
    const { createUploadBatch } = await gqlData<{ createUploadBatch: { batch: { id: string } } }>(
      t.url,
      auth,
      'mutation { createUploadBatch(input: {}) { batch { id } } }',
    );
    const queries = [
      'query($after: String) { connectedAccounts(first: 2, after: $after) { totalCount } }',
      'query($after: String) { uploadBatches(first: 2, after: $after) { totalCount } }',
      `query($after: String) { uploadBatch(id: "${createUploadBatch.batch.id}") { rows(first: 2, after: $after) { totalCount } } }`,
      'query($after: String) { events(first: 2, after: $after) { totalCount } }',
      'query($after: String) { auditLog(first: 2, after: $after) { totalCount } }',
    ];
    const garbage = ['garbage', '!!!', 'x'.repeat(1_000_000), Buffer.from('9999').toString('base64url'), Buffer.from('n:-1').toString('base64url'), 'bjox='];
    for (const query of queries) {
      for (const after of garbage) {
        const r = await gql(t.url, auth, query, { after });
        expect(r.errors?.[0]?.extensions?.code, `${query} after=${after.slice(0, 20)}`).toBe('BAD_USER_INPUT');
        expect(r.errors?.[0]?.message).toMatch(/cursor/);
      }
    }
    // The server's own cursors still work.
    const first = await gqlData<{ connectedAccounts: { pageInfo: { endCursor: string }; edges: { node: { id: string } }[] } }>(
      t.url,
      auth,
      '{ connectedAccounts(first: 2) { pageInfo { endCursor } edges { node { id } } } }',
    );
    const next = await gqlData<{ connectedAccounts: { edges: { node: { id: string } }[] } }>(
      t.url,
      auth,
      'query($after: String) { connectedAccounts(first: 2, after: $after) { edges { node { id } } } }',
      { after: first.connectedAccounts.pageInfo.endCursor },
    );
    expect(next.connectedAccounts.edges[0].node.id > first.connectedAccounts.edges[1].node.id).toBe(true);
  });

  it('names the row length cap and the line when one quoted value is closed only past the cap', async () => {
    const ids = (await gqlData<{ connectedAccounts: { edges: { node: { id: string } }[] } }>(t.url, auth, '{ connectedAccounts(first: 3) { edges { node { id } } } }'))
      .connectedAccounts.edges.map((e) => e.node.id);
    const huge = `"${'x'.repeat(1_100_000)}"`;
    const csv = `${HEADER}\n${ids[0]},A,,,a@example.com,\n${ids[1]},${huge},,,b@example.com,\n${ids[2]},C,,,c@example.com,\n`;
    const batch = await uploadAndValidate(t.url, auth, csv);
    expect(batch.status).toBe('REJECTED');
    expect(batch.fileError?.code).toBe('MALFORMED_CSV');
    expect(batch.fileError?.line).toBe(3);
    expect(batch.fileError?.message).toMatch(/^Row 3 of this file is longer than 1,000,000 characters, the most one row may have\./);
  });

  it('keeps a FAILED batch’s counters consistent with what it processed', async () => {
    // A real fault: the database refuses the 250th row, after two chunks of 100 were stored.
    if (t.app.services.db.dialect === 'sqlite') {
      await t.app.services.db.execute(
        `create trigger probe_fail before insert on batch_row when new.row_number = 250 begin select raise(abort, 'probe: disk on fire'); end`,
      );
    } else {
      await t.app.services.db.execute(
        `create function probe_fail() returns trigger language plpgsql as $$ begin
           if new.row_number = 250 then raise exception 'probe: disk on fire'; end if; return new; end $$`,
      );
      await t.app.services.db.execute('create trigger probe_fail before insert on batch_row for each row execute function probe_fail()');
    }
    try {
      const ids = (await gqlData<{ connectedAccounts: { edges: { node: { id: string } }[] } }>(t.url, auth, '{ connectedAccounts(first: 30) { edges { node { id } } } }'))
        .connectedAccounts.edges.map((e) => e.node.id);
      const lines = Array.from({ length: 400 }, (_, i) => `${ids[i % ids.length]},,,,,`);
      const { batch, uploadUrl } = await createBatch(t.url, auth, { filename: 'fails.csv' });
      expect((await putFile(uploadUrl, auth, `${HEADER}\n${lines.join('\n')}\n`)).status).toBe(202);
      const failed = await waitForStatus(t.url, auth, batch.id, ['FAILED', 'VALIDATED', 'REJECTED']);
      expect(failed.status).toBe('FAILED');
      expect(failed.summary.processedRows).toBe(200);
      expect(failed.summary.totalRows).toBe(failed.summary.processedRows);
    } finally {
      await t.app.services.db.execute(`drop trigger probe_fail${t.app.services.db.dialect === 'sqlite' ? '' : ' on batch_row'}`);
    }
  });
});
