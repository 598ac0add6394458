import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { gql, gqlData } from '../support/graphql.js';

const LIST = `query($first: Int, $after: String, $filter: ConnectedAccountFilter) {
  connectedAccounts(first: $first, after: $after, filter: $filter) {
    totalCount
    edges { cursor node { id businessName firstName lastName email userClaimedEmail eligible status } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface Node {
  id: string;
  email: string | null;
  eligible: boolean;
  status: string;
  businessName: string | null;
}
interface ListResult {
  connectedAccounts: {
    totalCount: number;
    edges: Array<{ cursor: string; node: Node }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

describe('connected accounts', () => {
  let t: TestApp;
  let a: Awaited<ReturnType<TestApp['platform']>>;
  let b: Awaited<ReturnType<TestApp['platform']>>;

  beforeAll(async () => {
    t = await startTestApp();
    a = await t.platform('Platform A', 300);
    // Same name on purpose: same seeded account ids, different platform.
    b = await t.platform('Platform A', 40);
  });
  afterAll(() => t.stop());

  async function all(apiKey: string, filter?: Record<string, unknown>): Promise<Node[]> {
    const nodes: Node[] = [];
    let after: string | null = null;
    for (;;) {
      const data: ListResult = await gqlData<ListResult>(t.url, { apiKey }, LIST, { first: 70, after, filter });
      nodes.push(...data.connectedAccounts.edges.map((e) => e.node));
      if (!data.connectedAccounts.pageInfo.hasNextPage) {
        expect(nodes.length).toBe(data.connectedAccounts.totalCount);
        return nodes;
      }
      after = data.connectedAccounts.pageInfo.endCursor;
    }
  }

  it('pages through every account of the caller, in id order, eligible or not', async () => {
    const nodes = await all(a.apiKey);
    expect(nodes).toHaveLength(300);
    const ids = nodes.map((n) => n.id);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(300);
    expect(nodes.some((n) => !n.eligible)).toBe(true);
    for (const n of nodes) expect(n.eligible).toBe(!['closed', 'rejected'].includes(n.status));
  });

  it('seeds realistic data: about 30% without email, some claimed, a few ineligible', async () => {
    const nodes = await all(a.apiKey);
    const missing = nodes.filter((n) => n.email === null).length / nodes.length;
    expect(missing).toBeGreaterThan(0.2);
    expect(missing).toBeLessThan(0.4);
    const ineligible = nodes.filter((n) => !n.eligible).length;
    expect(ineligible).toBeGreaterThan(0);
    expect(ineligible).toBeLessThan(30);
  });

  it('filters by missing email, eligibility and search, with matching totalCount', async () => {
    const everyone = await all(a.apiKey);
    const missing = await all(a.apiKey, { missingEmail: true });
    expect(missing.map((n) => n.id)).toEqual(everyone.filter((n) => n.email === null).map((n) => n.id));
    const withEmail = await all(a.apiKey, { missingEmail: false });
    expect(withEmail.length + missing.length).toBe(everyone.length);
    const eligible = await all(a.apiKey, { eligible: true });
    expect(eligible.map((n) => n.id)).toEqual(everyone.filter((n) => n.eligible).map((n) => n.id));
    const both = await all(a.apiKey, { eligible: false, missingEmail: true });
    expect(both.map((n) => n.id)).toEqual(everyone.filter((n) => !n.eligible && n.email === null).map((n) => n.id));

    const someone = everyone.find((n) => n.businessName)!;
    const word = someone.businessName!.split(' ')[1].toUpperCase();
    const found = await all(a.apiKey, { search: word });
    expect(found.length).toBeGreaterThan(0);
    for (const n of found) expect(JSON.stringify(n).toUpperCase()).toContain(word);
    const byId = await all(a.apiKey, { search: someone.id });
    expect(byId.map((n) => n.id)).toEqual([someone.id]);
    expect(await all(a.apiKey, { search: '%' })).toEqual([]);
  });

  it('never shows platform A’s accounts to platform B', async () => {
    const aIds = (await all(a.apiKey)).map((n) => n.id);
    const bIds = (await all(b.apiKey)).map((n) => n.id);
    expect(bIds).toHaveLength(40);
    // Same seed, so the first 40 ids coincide: lookups must still be scoped by platform.
    const onlyInA = aIds.find((id) => !bIds.includes(id))!;
    const r = await gql(t.url, { apiKey: b.apiKey }, 'query($id: ID!) { connectedAccount(id: $id) { id } }', { id: onlyInA });
    expect(r.errors).toBeUndefined();
    expect(r.data).toEqual({ connectedAccount: null });
    const own = await gqlData<{ connectedAccount: { id: string } }>(
      t.url,
      { apiKey: a.apiKey },
      'query($id: ID!) { connectedAccount(id: $id) { id } }',
      { id: onlyInA },
    );
    expect(own.connectedAccount.id).toBe(onlyInA);
  });

  it('clamps page sizes; a cursor past the end is an empty page, one the server never issued is BAD_USER_INPUT', async () => {
    const big = await gqlData<ListResult>(t.url, { apiKey: a.apiKey }, LIST, { first: 100000 });
    expect(big.connectedAccounts.edges.length).toBe(300);
    // The server's own cursor format, positioned after every account id.
    const pastTheEnd = Buffer.from('s:zzz').toString('base64url');
    const none = await gqlData<ListResult>(t.url, { apiKey: a.apiKey }, LIST, { first: 10, after: pastTheEnd });
    expect(none.connectedAccounts.edges).toEqual([]);
    expect(none.connectedAccounts.pageInfo).toEqual({ hasNextPage: false, endCursor: null });
    const foreign = await gql(t.url, { apiKey: a.apiKey }, LIST, { first: 10, after: 'enp6' });
    expect(foreign.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});
