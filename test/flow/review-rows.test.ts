import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { gql, gqlData } from '../support/graphql.js';
import { HEADER, uploadAndValidate, waitForStatus } from '../support/flow.js';

interface Acc {
  id: string;
  business_name: string | null;
  email: string | null;
  status: string;
}

interface Node {
  rowNumber: number;
  accountId: string | null;
  newEmail: string | null;
  change: string;
  applyStatus: string;
  issues: Array<{ code: string; params: Array<{ name: string; value: string }> }>;
}

interface Page {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: Array<{ cursor: string; node: Node }>;
}

const CHANGE_ORDER = ['ADD', 'REPLACE', 'UNCHANGED', 'SKIPPED', 'INVALID'];

/**
 * The review's row listing for a large batch: search, sort, offset pages in
 * either direction, a row's position for "jump to row", one row with its
 * account's email as it is now, and issue parameters — over real HTTP.
 */
describe('review rows: search, sort, offset, position', () => {
  let t: TestApp;
  let auth: { apiKey: string };
  let mine: Acc[];
  let batchId = '';
  let named: Acc;

  const rowsQuery = `query($id: ID!, $first: Int, $after: String, $offset: Int, $filter: BatchRowFilter, $sort: BatchRowSort) {
    uploadBatch(id: $id) { rows(first: $first, after: $after, offset: $offset, filter: $filter, sort: $sort) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { cursor node { rowNumber accountId newEmail change applyStatus issues { code params { name value } } } } } } }`;

  async function page(vars: Record<string, unknown>): Promise<Page> {
    const data = await gqlData<{ uploadBatch: { rows: Page } }>(t.url, auth, rowsQuery, { id: batchId, ...vars });
    return data.uploadBatch.rows;
  }

  async function walk(vars: Record<string, unknown>): Promise<Node[]> {
    const out: Node[] = [];
    let after: string | null = null;
    for (;;) {
      const p = await page({ ...vars, first: 7, after });
      out.push(...p.edges.map((e) => e.node));
      if (!p.pageInfo.hasNextPage) return out;
      after = p.pageInfo.endCursor;
    }
  }

  beforeAll(async () => {
    t = await startTestApp();
    const a = await t.platform('Review Rows', 120);
    auth = { apiKey: a.apiKey };
    mine = await t.app.services.db.query<Acc>(
      'select id, business_name, email, status from connected_account where platform_id = $1 order by id',
      [a.platformId],
    );
    const active = mine.filter((m) => m.status === 'active' || m.status === 'restricted');
    named = active.find((m) => m.business_name && m.business_name.length > 6) as Acc;
    const others = active.filter((m) => m.id !== named.id);
    const lines = [HEADER, `${named.id},,,,Named.Person@Example.org,✗`];
    // 40 rows: adds/replaces, blanks (skipped), bad emails (invalid), a role address (warning).
    for (let i = 0; i < 40; i++) {
      const acc = others[i];
      if (i % 10 === 3) lines.push(`${acc.id},,,,,✗`);
      else if (i % 10 === 7) lines.push(`${acc.id},,,,not-an-email-${i},✗`);
      else if (i === 5) lines.push(`${acc.id},,,,noreply@acme-corp.com,✗`);
      else lines.push(`${acc.id},,,,person${i}@mail.example.com,✗`);
    }
    lines.push('acct_doesnotexist99,,,,someone@example.com,✗');
    const batch = await uploadAndValidate(t.url, auth, `${lines.join('\n')}\n`, 'review.csv');
    expect(batch.status).toBe('VALIDATED');
    batchId = batch.id;
  });
  afterAll(() => t.stop());

  it('finds a row by its exact account id, a piece of an email in any case, or a piece of the business name', async () => {
    const byId = await page({ first: 50, filter: { search: named.id } });
    expect(byId.totalCount).toBe(1);
    expect(byId.edges.map((e) => e.node.rowNumber)).toEqual([2]);

    const byEmail = await page({ first: 50, filter: { search: 'named.PERSON@example' } });
    expect(byEmail.edges.map((e) => e.node.rowNumber)).toEqual([2]);

    const piece = (named.business_name as string).slice(1, 6).toUpperCase();
    const byName = await page({ first: 50, filter: { search: piece } });
    expect(byName.edges.map((e) => e.node.rowNumber)).toContain(2);
    expect(byName.totalCount).toBe(byName.edges.length);

    const many = await page({ first: 50, filter: { search: 'mail.example.com' } });
    expect(many.totalCount).toBe(many.edges.length);
    expect(many.totalCount).toBeGreaterThan(20);
    // LIKE's wildcards are matched literally.
    expect((await page({ first: 50, filter: { search: '%' } })).totalCount).toBe(0);
    expect((await page({ first: 50, filter: { search: 'person1_' } })).totalCount).toBe(0);
    expect((await page({ first: 50, filter: { search: 'person1' } })).totalCount).toBeGreaterThan(1);
  });

  it('combines the search with the change filter, and counts what it shows', async () => {
    const all = await walk({ filter: { search: 'example' } });
    const added = await page({ first: 100, filter: { search: 'example', changes: ['ADD', 'REPLACE'] } });
    const expected = all.filter((r) => r.change === 'ADD' || r.change === 'REPLACE');
    expect(added.totalCount).toBe(expected.length);
    expect(added.edges.map((e) => e.node.rowNumber)).toEqual(expected.map((r) => r.rowNumber));
  });

  it('refuses a search over 200 characters', async () => {
    const r = await gql(t.url, auth, rowsQuery, { id: batchId, first: 5, filter: { search: 'x'.repeat(201) } });
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('sorts by row number both ways and by change, the cursor keeping its sort', async () => {
    const asc = await walk({});
    expect(asc.map((r) => r.rowNumber)).toEqual([...asc.map((r) => r.rowNumber)].sort((x, y) => x - y));
    const desc = await walk({ sort: 'ROW_NUMBER_DESC' });
    expect(desc.map((r) => r.rowNumber)).toEqual(asc.map((r) => r.rowNumber).reverse());

    const byChange = await walk({ sort: 'CHANGE' });
    const expected = [...asc].sort((x, y) => CHANGE_ORDER.indexOf(x.change) - CHANGE_ORDER.indexOf(y.change) || x.rowNumber - y.rowNumber);
    expect(byChange.map((r) => r.rowNumber)).toEqual(expected.map((r) => r.rowNumber));
    expect(new Set(byChange.map((r) => r.change)).size).toBeGreaterThanOrEqual(4);
    const byChangeDesc = await walk({ sort: 'CHANGE_DESC' });
    expect(byChangeDesc.map((r) => r.rowNumber)).toEqual(expected.map((r) => r.rowNumber).reverse());

    // A row-number cursor is not a change cursor.
    const first = await page({ first: 3 });
    const r = await gql(t.url, auth, rowsQuery, { id: batchId, first: 3, sort: 'CHANGE', after: first.pageInfo.endCursor });
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    // Garbage is refused as before.
    const g = await gql(t.url, auth, rowsQuery, { id: batchId, first: 3, after: 'not-a-cursor!' });
    expect(g.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('serves a page at any offset, forward and back, filtered and sorted', async () => {
    const invalidByChangeDesc = await walk({ sort: 'ROW_NUMBER_DESC', filter: { changes: ['ADD', 'INVALID'] } });
    for (const offset of [0, 5, invalidByChangeDesc.length - 2, invalidByChangeDesc.length + 3]) {
      const p = await page({ first: 4, offset, sort: 'ROW_NUMBER_DESC', filter: { changes: ['ADD', 'INVALID'] } });
      expect(p.totalCount).toBe(invalidByChangeDesc.length);
      expect(p.edges.map((e) => e.node.rowNumber)).toEqual(invalidByChangeDesc.slice(offset, offset + 4).map((r) => r.rowNumber));
    }
    // Unfiltered: the offset is a row number (every row stored), both ways, past the end empty.
    const asc = await walk({});
    expect((await page({ first: 4, offset: 10 })).edges.map((e) => e.node.rowNumber)).toEqual(asc.slice(10, 14).map((r) => r.rowNumber));
    expect((await page({ first: 4, offset: 10, sort: 'ROW_NUMBER_DESC' })).edges.map((e) => e.node.rowNumber)).toEqual(
      [...asc].reverse().slice(10, 14).map((r) => r.rowNumber),
    );
    expect((await page({ first: 4, offset: asc.length })).edges).toEqual([]);
    // Going on from an offset page with its cursor.
    const mid = await page({ first: 4, offset: 10, sort: 'CHANGE' });
    const next = await page({ first: 4, after: mid.pageInfo.endCursor, sort: 'CHANGE' });
    const byChange = await walk({ sort: 'CHANGE' });
    expect(next.edges.map((e) => e.node.rowNumber)).toEqual(byChange.slice(14, 18).map((r) => r.rowNumber));
    const bad = await gql(t.url, auth, rowsQuery, { id: batchId, first: 3, offset: -1 });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('gives a row’s position in the filtered, sorted set, for jumping to it', async () => {
    const q = `query($id: ID!, $n: Int!, $filter: BatchRowFilter, $sort: BatchRowSort) {
      uploadBatch(id: $id) { rowPosition(rowNumber: $n, filter: $filter, sort: $sort) } }`;
    const position = async (n: number, filter?: unknown, sort?: string) =>
      (await gqlData<{ uploadBatch: { rowPosition: number | null } }>(t.url, auth, q, { id: batchId, n, filter, sort })).uploadBatch
        .rowPosition;
    const byChange = await walk({ sort: 'CHANGE' });
    for (const row of [byChange[0], byChange[17], byChange.at(-1) as Node]) {
      expect(await position(row.rowNumber, null, 'CHANGE')).toBe(byChange.indexOf(row));
    }
    expect(await position(30)).toBe(28);
    expect(await position(30, null, 'ROW_NUMBER_DESC')).toBe(43 - 30);
    // Left out by the filter: where it would be.
    const invalid = await walk({ filter: { changes: ['INVALID'] } });
    const skippedRow = (await walk({ filter: { changes: ['SKIPPED'] } }))[1].rowNumber;
    expect(await position(skippedRow, { changes: ['INVALID'] })).toBe(invalid.filter((r) => r.rowNumber < skippedRow).length);
    expect(await position(9999)).toBeNull();
  });

  it('carries each issue’s parameters', async () => {
    const role = (await page({ first: 5, filter: { issueCodes: ['ROLE_EMAIL'] } })).edges[0].node;
    const params = Object.fromEntries(role.issues.find((i) => i.code === 'ROLE_EMAIL')?.params.map((p) => [p.name, p.value]) ?? []);
    expect(params).toEqual({ email: 'noreply@acme-corp.com', local: 'noreply' });
    const unknown = (await page({ first: 5, filter: { issueCodes: ['UNKNOWN_ACCOUNT'] } })).edges[0].node;
    expect(unknown.issues[0].params).toEqual([{ name: 'accountId', value: 'acct_doesnotexist99' }]);
  });

  it('reads one row with its account’s email as it is now, after the apply', async () => {
    const q = `query($id: ID!, $n: Int!) { uploadBatch(id: $id) { row(rowNumber: $n) { rowNumber newEmail currentEmail applyStatus accountEmail } } }`;
    const before = await gqlData<{ uploadBatch: { row: { currentEmail: string | null; accountEmail: string | null } } }>(t.url, auth, q, {
      id: batchId,
      n: 2,
    });
    expect(before.uploadBatch.row.accountEmail).toBe(named.email);
    await gqlData(t.url, auth, 'mutation($id: ID!) { confirmUploadBatch(id: $id) { id } }', { id: batchId });
    await waitForStatus(t.url, auth, batchId, ['COMPLETED']);
    const after = await gqlData<{ uploadBatch: { row: { applyStatus: string; newEmail: string; accountEmail: string } } }>(
      t.url,
      auth,
      q,
      { id: batchId, n: 2 },
    );
    expect(after.uploadBatch.row.applyStatus).toBe('APPLIED');
    expect(after.uploadBatch.row.accountEmail).toBe(after.uploadBatch.row.newEmail);
    expect(after.uploadBatch.row.accountEmail.toLowerCase()).toBe('named.person@example.org');
    const none = await gqlData<{ uploadBatch: { row: null } }>(t.url, auth, q, { id: batchId, n: 9999 });
    expect(none.uploadBatch.row).toBeNull();
  });
});
