import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listBatchRows } from '../../server/src/modules/batches/batch-rows.service.js';
import { findBatch } from '../../server/src/modules/batches/batch.service.js';
import { purgeEndedBatches } from '../../server/src/modules/batches/batch.lifecycle.js';
import { buildSearchIndex, retireSearchIndexes } from '../../server/src/modules/batches/search/search-index.js';
import { searchIndexTable, syncSearchRows } from '../../server/src/modules/batches/search/search-index.store.js';
import { countRowEdit, publishSearchIndex, readSearchIndexState } from '../../server/src/modules/batches/store/batch.store.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { gqlData } from '../support/graphql.js';
import { HEADER, uploadAndValidate } from '../support/flow.js';

interface Acc {
  id: string;
  business_name: string | null;
  email: string | null;
  status: string;
}

/**
 * The review's substring search over a batch's search index (modules/batches/search): built on
 * the first search, it answers exactly as the read of every row does, follows edits at once, and
 * goes with retention and with the batch's rows. Small index chunks, and an index for any batch
 * size, so a 60-row file takes every path a 500,000-row one does.
 */
describe('review search index', () => {
  let t: TestApp;
  let auth: { apiKey: string };
  let platformId = '';
  let accounts: Acc[];
  let batchId = '';

  const rowsQuery = `query($id: ID!, $first: Int, $after: String, $filter: BatchRowFilter) {
    uploadBatch(id: $id) { rows(first: $first, after: $after, filter: $filter) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { rowNumber } } } } }`;

  /** Every row number a search finds through the API (pages of 7), and the total it states. */
  async function search(text: string, id = batchId): Promise<{ rows: number[]; total: number }> {
    const rows: number[] = [];
    let after: string | null = null;
    let total = -1;
    for (;;) {
      const data: { uploadBatch: { rows: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: Array<{ node: { rowNumber: number } }> } } } =
        await gqlData(t.url, auth, rowsQuery, { id, first: 7, after, filter: { search: text } });
      total = data.uploadBatch.rows.totalCount;
      rows.push(...data.uploadBatch.rows.edges.map((e) => e.node.rowNumber));
      if (!data.uploadBatch.rows.pageInfo.hasNextPage) return { rows, total };
      after = data.uploadBatch.rows.pageInfo.endCursor;
    }
  }

  /** The same search answered by reading every row of the batch (no index). */
  async function searchWithoutIndex(text: string): Promise<{ rows: number[]; total: number }> {
    const batch = await findBatch(t.app.services.db, platformId, batchId);
    if (!batch) throw new Error('no batch');
    const page = await listBatchRows(t.app.services.db, { ...batch, searchIndexedAt: null }, { first: 1000, filter: { search: text } });
    return { rows: page.edges.map((e) => e.node.rowNumber), total: page.totalCount };
  }

  const indexedAt = async (id = batchId) => (await readSearchIndexState(t.app.services.db, id))?.indexed;

  async function upload(lines: string[]): Promise<string> {
    const batch = await uploadAndValidate(t.url, auth, `${[HEADER, ...lines].join('\n')}\n`, 'search.csv');
    expect(batch.status).toBe('VALIDATED');
    return batch.id;
  }

  beforeAll(async () => {
    t = await startTestApp({ SEARCH_INDEX_MIN_ROWS: '0', SEARCH_INDEX_CHUNK_ROWS: '7' });
    const p = await t.platform('Search Index', 90);
    auth = { apiKey: p.apiKey };
    platformId = p.platformId;
    accounts = (
      await t.app.services.db.query<Acc>('select id, business_name, email, status from connected_account where platform_id = $1 order by id', [
        platformId,
      ])
    ).filter((a) => a.status === 'active' || a.status === 'restricted');
    const lines = accounts.slice(0, 60).map((a, i) => {
      if (i === 0) return `${a.id},,,,First.Person_1@Example.org,✗`;
      if (i % 9 === 4) return `${a.id},,,,,✗`;
      if (i % 9 === 6) return `${a.id},,,,not-an-email-${i},✗`;
      return `${a.id},,,,person${i}@mail.example.com,✗`;
    });
    batchId = await upload(lines);
  });
  afterAll(() => t.stop());

  const searches = () => {
    const named = accounts.find((a) => a.business_name && a.business_name.length > 6) as Acc;
    const withEmail = accounts.slice(0, 60).find((a) => a.email && a.email.length > 8) as Acc;
    return [
      'first.person_1@example', // the `_` literal
      'FIRST.PERSON',
      'person1',
      'person1_',
      'mail.example.com',
      '%',
      'pe', // too short for a trigram: read as before
      (named.business_name as string).slice(1, 6).toUpperCase(),
      (withEmail.email as string).slice(2, 9), // a piece of the account's current email
      accounts[3].id.slice(3, 14), // a piece of an account id
      'com\nacct', // spans two fields: no row
      'nowhere-at-all',
    ];
  };

  it('builds the index on the first search and then answers every search exactly as reading the rows does', async () => {
    expect(await indexedAt()).toBe(false);
    const first = await search('person1');
    await t.app.services.jobs.idle();
    expect(await indexedAt()).toBe(true);
    // One index row per batch row.
    const [{ n }] = await t.app.services.db.query<{ n: number | string }>(`select count(*) as n from "${searchIndexTable(batchId)}"`);
    expect(Number(n)).toBe(60);
    expect(await search('person1')).toEqual(first);
    for (const text of searches()) {
      const expected = await searchWithoutIndex(text);
      expect({ text, ...(await search(text)) }).toEqual({ text, ...expected });
    }
    expect((await search('mail.example.com')).total).toBeGreaterThan(30);
    expect((await search('first.person_1@example')).rows).toEqual([2]);
    expect((await search('com\nacct')).total).toBe(0);
  });

  it('finds an edited row by its new address at once, and no longer by its old one', async () => {
    expect(await indexedAt()).toBe(true);
    const before = await search('person2@mail');
    expect(before.rows).toContain(4);
    const edited = await gqlData<{ editBatchRow: { newEmail: string } }>(
      t.url,
      auth,
      'mutation($b: ID!, $n: Int!, $e: String) { editBatchRow(batchId: $b, rowNumber: $n, input: { email: $e }) { newEmail } }',
      { b: batchId, n: 4, e: 'Fresh.Address@Newdomain.test' },
    );
    expect(edited.editBatchRow.newEmail.toLowerCase()).toBe('fresh.address@newdomain.test');
    expect(await search('fresh.address@newdomain')).toEqual({ rows: [4], total: 1 });
    expect((await search('person2@mail')).rows).not.toContain(4);
    expect(await search('fresh.address')).toEqual(await searchWithoutIndex('fresh.address'));
  });

  it('is what answers: a row missing from the index is not found while the index is published', async () => {
    const db = t.app.services.db;
    await db.execute(`delete from "${searchIndexTable(batchId)}" where rowid = 2`);
    expect((await search('first.person_1@example')).rows).toEqual([]);
    // Put back as an edit would (the same statement the edits use).
    await db.transaction((tx) => syncSearchRows(tx, batchId, [2]));
    expect((await search('first.person_1@example')).rows).toEqual([2]);
  });

  it('does not publish a build that an edit overtook', async () => {
    const db = t.app.services.db;
    const state = await readSearchIndexState(db, batchId);
    if (!state) throw new Error('no batch');
    await db.transaction((tx) => countRowEdit(tx, batchId));
    const published = await db.transaction((tx) => publishSearchIndex(tx, batchId, state.rowEdits, ['VALIDATED'], new Date()));
    expect(published).toBe(false);
  });

  it('drops the index of a batch left alone past the expiry period; the search reads the rows again', async () => {
    const expected = await search('mail.example.com');
    const later = new Date(Date.now() + (t.app.services.env.BATCH_EXPIRY_DAYS + 1) * 86_400_000);
    expect(await retireSearchIndexes(t.app.services, later, 100)).toBe(1);
    expect(await indexedAt()).toBe(false);
    await expect(t.app.services.db.query(`select count(*) from "${searchIndexTable(batchId)}"`)).rejects.toThrow();
    expect(await search('mail.example.com')).toEqual(expected);
    // That search asked for a new index (the batch itself is recent): built, it answers the same.
    await t.app.services.jobs.idle();
    expect(await indexedAt()).toBe(true);
    expect(await search('mail.example.com')).toEqual(expected);
  });

  it('goes with the batch rows when they are purged', async () => {
    const other = await upload(accounts.slice(60, 75).map((a, i) => `${a.id},,,,other${i}@mail.example.com,✗`));
    await search('other1', other);
    await t.app.services.jobs.idle();
    expect(await indexedAt(other)).toBe(true);
    await gqlData(t.url, auth, 'mutation($id: ID!) { cancelUploadBatch(id: $id) { status } }', { id: other });
    const later = new Date(Date.now() + (t.app.services.env.BATCH_EXPIRY_DAYS + 1) * 86_400_000);
    expect(await purgeEndedBatches(t.app.services, later)).toBeGreaterThanOrEqual(1);
    expect(await indexedAt(other)).toBe(false);
    await expect(t.app.services.db.query(`select count(*) from "${searchIndexTable(other)}"`)).rejects.toThrow();
    // A build asked for after the rows went publishes nothing.
    expect(await buildSearchIndex(t.app.services, other)).toBe(false);
  });
});
